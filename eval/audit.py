"""The blind audit scored: the checker against labels given before its verdicts were seen, and what
the shop would show today.

Claim level: each atomic claim a person labelled supported or unsupported ("not a claim" is left
out); the checker accepts a claim when no unsupported fact or reference lies inside it. Text level: a
text is true when none of its claims is unsupported; the checker accepts a text the way the reason
writer does. Shown: per pair, the first of the model's texts the checker accepts, else the template,
exactly the writer's order; its labels give the shown rates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.grounding.check import GroundingChecker, GroundingResult
from agent.reasons.texts import mentions_item
from eval.audit_data import AuditLabel, AuditPair, AuditText


@dataclass(frozen=True)
class Judged:
    """One labelled text with the checker's verdicts on it and on each labelled claim."""

    pair: AuditPair
    text: AuditText
    label: AuditLabel
    accepted: bool
    claims: tuple[tuple[str, bool, bool], ...]  # (claim, labelled supported, checker accepts)

    @property
    def true(self) -> bool:
        """No claim of the text was labelled unsupported."""
        return all(c.label != "unsupported" for c in self.label.claims)


# The template writer checks its own sentences knowing no catalog brands (every brand it names comes
# from the item or the shopper), so a stored template is judged the same way.
TEMPLATE_CHECK = GroundingChecker(frozenset())


def checkers(brands: dict[str, list[str]]) -> dict[str, GroundingChecker]:
    """One checker per catalog, knowing that catalog's brands as the running shop's does."""
    return {name: GroundingChecker(frozenset(b)) for name, b in brands.items()}


def verdict(checker: GroundingChecker, pair: AuditPair, text: str) -> GroundingResult:
    """The checker's result on one text of a pair."""
    return checker.check(
        text, pair.item.to_item(), pair.shopper.to_shopper(), [c.to_item() for c in pair.context],
        [e.to_evidence() for e in pair.evidence], pair.said, pair.audience,
    )  # fmt: skip


def accepts(checker: GroundingChecker, pair: AuditPair, text: AuditText) -> bool:
    """Whether the writer would show this model text (a template is shown whenever no model text is)."""
    return verdict(checker, pair, text.text).ok and mentions_item(text.text, pair.item.to_item())


def judge(checker: GroundingChecker, pair: AuditPair, text: AuditText, label: AuditLabel) -> Judged:
    """The checker's verdicts on one labelled text and its labelled claims."""
    result = verdict(checker, pair, text.text)
    bad = [c.span for c in result.claims if not c.supported]
    bad += [v.span for v in result.verdicts if not v.supported]
    ok_text = result.ok and (text.kind == "template" or mentions_item(text.text, pair.item.to_item()))
    claims = []
    for c in label.claims:
        if c.label == "not_a_claim":
            continue
        start = text.text.find(c.claim)
        span = (start, start + len(c.claim)) if start >= 0 else (0, len(text.text))
        inside = any(s < span[1] and e > span[0] for s, e in bad)
        claims.append((c.claim, c.label == "supported", not inside))
    return Judged(pair, text, label, ok_text, tuple(claims))


def shown_text(checker: GroundingChecker, pair: AuditPair) -> AuditText:
    """What the writer shows for the pair with today's checker."""
    for text in pair.texts:
        if text.kind != "template" and accepts(checker, pair, text):
            return text
    templates = [t for t in pair.texts if t.kind == "template"]
    return templates[0] if templates else pair.texts[-1]


def confusion(rows: Sequence[tuple[bool, bool]]) -> dict[str, Any]:
    """Accept precision and reject recall of (label true, checker accepts) rows."""
    tp = sum(label and said for label, said in rows)
    fp = sum(not label and said for label, said in rows)
    fn = sum(label and not said for label, said in rows)
    tn = sum(not label and not said for label, said in rows)
    return {
        "n": len(rows), "labelled_true": tp + fn, "accepted": tp + fp,
        "accept_precision": _ratio(tp, tp + fp), "reject_recall": _ratio(tn, tn + fp),
        "accept_recall": _ratio(tp, tp + fn),
    }  # fmt: skip


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


def audit_scores(
    pairs: Sequence[AuditPair], labels: dict[str, AuditLabel], brands: dict[str, list[str]]
) -> dict[str, Any]:
    """Checker precision and recall on the labelled texts and claims, the rates of what is shown: over
    all pairs and per round (round 2 was built after the checker was fixed on round 1's labels)."""
    checks = checkers(brands)
    rounds = sorted({p.round for p in pairs})
    per_round = {str(r): _scores([p for p in pairs if p.round == r], labels, checks) for r in rounds}
    return {**_scores(pairs, labels, checks), "rounds": per_round}


def _scores(
    pairs: Sequence[AuditPair], labels: dict[str, AuditLabel], checks: dict[str, GroundingChecker]
) -> dict[str, Any]:
    judged = [judge(checks[p.catalog], p, t, labels[t.id]) for p in pairs for t in p.texts if t.id in labels]
    model = [j for j in judged if j.text.kind != "template"]
    templates = [j for j in judged if j.text.kind == "template"]
    shown_all = [(p, shown_text(checks[p.catalog], p)) for p in pairs]
    # A stored template the checker now rejects was written before a rule reached the template writer,
    # which today writes another text: it is left out of the shown rates and counted.
    stale = [t for p, t in shown_all if t.kind == "template" and not verdict(TEMPLATE_CHECK, p, t.text).ok]
    shown = [t for _, t in shown_all if t not in stale]
    shown_labelled = [labels[t.id] for t in shown if t.id in labels]
    return {
        "pairs": len(pairs),
        "texts_labelled": len(judged),
        "claims_labelled": sum(len(j.claims) for j in judged),
        "claims": confusion([(lab, ok) for j in judged for _, lab, ok in j.claims]),
        "texts": confusion([(j.true, j.accepted) for j in model]),
        "texts_coherent": confusion([(j.true and j.label.coherent, j.accepted) for j in model]),
        "templates_true": _ratio(sum(j.true for j in templates), len(templates)),
        "shown": {**_rates(shown, shown_labelled), "stale_templates": len(stale)},
        "misses": [_miss(j) for j in judged if j.accepted and not j.true][:40],
    }


def _rates(shown: Sequence[AuditText], labelled: Sequence[AuditLabel]) -> dict[str, Any]:
    n = len(labelled)

    def share(flags: Sequence[bool]) -> float:
        return _ratio(sum(flags), n)

    true = [all(c.label != "unsupported" for c in lab.claims) for lab in labelled]
    return {
        "pairs": len(shown), "labelled": n,
        "model_share": _ratio(sum(t.kind != "template" for t in shown), len(shown)),
        "true": share(true), "coherent": share([lab.coherent for lab in labelled]),
        "true_and_coherent": share([t and lab.coherent for t, lab in zip(true, labelled, strict=True)]),
        "personal": share([lab.personal for lab in labelled]),
        "useful": share([lab.useful for lab in labelled]),
    }  # fmt: skip


def _miss(j: Judged) -> dict[str, str]:
    wrong = "; ".join(c.claim for c in j.label.claims if c.label == "unsupported")
    return {"id": j.text.id, "text": j.text.text, "unsupported": wrong}


def audit_markdown(scores: dict[str, Any]) -> str:
    """The audit's part of the grounding report: all rounds, then each round."""
    lines = ["## Blind audit (eval/data/audit)", ""]
    named = [("all rounds", scores), *((f"round {r}", v) for r, v in scores.get("rounds", {}).items())]
    lines += [
        "| pairs | unit | n | labelled true | accepted | accept precision | reject recall |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, part in named:
        for unit, key in (("claims", "claims"), ("model texts", "texts")):
            c = part[key]
            lines.append(
                f"| {name} ({part['pairs']}) | {unit} | {c['n']} | {c['labelled_true']} | {c['accepted']} | "
                f"{c['accept_precision']:.3f} | {c['reject_recall']:.3f} |"
            )
    head = (
        "| pairs | shown labelled | model-written | true | coherent | true and coherent | personal | useful |"
    )
    lines += ["", f"{head} templates true |", "|" + " --- |" * 9]
    for name, part in named:
        s = part["shown"]
        lines.append(
            f"| {name} | {s['labelled']} of {s['pairs']} | {s['model_share']:.3f} | {s['true']:.3f} | "
            f"{s['coherent']:.3f} | {s['true_and_coherent']:.3f} | {s['personal']:.3f} | {s['useful']:.3f} | "
            f"{part['templates_true']:.3f} |"
        )
    stale = scores["shown"]["stale_templates"]
    lines += ["", f"Stored templates the checker now rejects (today's writer writes another): {stale}."]
    lines.append("")
    lines += [
        f"- accepted, labelled false: `{m['id']}` {m['text']!r} ({m['unsupported']})"
        for m in scores["misses"]
    ]
    return "\n".join(lines) + "\n"
