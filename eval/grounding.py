"""`whythis eval grounding`: claim-level grounding precision of generated and shown reasons, the voice
figures of the shown ones (agent/reasons/figures.py), and the checker's precision/recall on hand-labelled
claims (eval/data/claims_labelled.yaml).

The shoppers are amazon2023's validation users (the shop stage trains on its training users) with
Myntra candidates. Generated texts are everything the model wrote (each drawn candidate, each retry);
shown texts are what the agent displays after the draw-check-choose-or-fallback flow. Precision =
supported atomic claims / counted atomic claims (filler such as "Recommended because" is not a claim).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.config import AgentConfig
from agent.grounding.check import GroundingChecker, GroundingResult
from agent.reasons.figures import Shown, figures_markdown, shown_reason, voice_figures
from agent.reasons.writer import Reason, ReasonStats, ReasonWriter
from agent.recommender import Agent, load_agent
from eval.audit import audit_markdown, audit_scores
from eval.audit_data import LABELS, PAIRS, load_brands, load_labels, load_pairs
from retrieval.datasets import dataset_path
from retrieval.items import CatalogRow
from retrieval.retriever import Candidate, Evidence
from retrieval.shopper_loaders import load_amazon2023_users
from retrieval.shoppers import Shopper, ShopperFile
from whythis.config import load_yaml_file
from whythis.errors import DataError

LABELLED = Path(__file__).parent / "data" / "claims_labelled.yaml"


class LabelledCase(BaseModel):
    """One hand-labelled claim about a named item and shopper."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    claim: str = Field(min_length=1)
    item: str
    shopper: str = "cold"
    evidence: list[str] = Field(default_factory=list)
    said: str = ""  # what the shopper asked for in the chat, when the claim rests on it
    supported: bool
    blind: bool = False  # labelled before the checker was ever run on it
    note: str = ""


class LabelledFile(BaseModel):
    """The labelled-claims file: items, shoppers and cases."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    items: dict[str, CatalogRow]
    shoppers: dict[str, ShopperFile]
    cases: list[LabelledCase] = Field(min_length=1)


def load_labelled(path: Path = LABELLED) -> LabelledFile:
    """The validated labelled claims; every case must name a defined item and shopper."""
    data = load_yaml_file(LabelledFile, path, "labelled-claims file")
    for case in data.cases:
        if case.item not in data.items or case.shopper not in data.shoppers:
            raise DataError(f"{path}: case {case.id} names an unknown item or shopper")
    return data


def labelled_scores(data: LabelledFile, checker: GroundingChecker | None = None) -> dict[str, Any]:
    """The checker as a classifier of "supported" on every labelled claim, and on the blind batch alone."""
    brands = frozenset(r.brand for r in data.items.values() if r.brand)
    checker = checker or GroundingChecker(brands)
    items = {k: v.to_item() for k, v in data.items.items()}
    shoppers = {k: v.to_shopper() for k, v in data.shoppers.items()}
    rows = []
    for case in data.cases:
        evidence = [Evidence(signal, 1.0, 1, signal) for signal in case.evidence]
        result = checker.check(
            case.claim, items[case.item], shoppers[case.shopper], evidence=evidence, said=case.said
        )
        rows.append(
            {"id": case.id, "claim": case.claim, "label": case.supported, "checker": result.ok,
             "blind": case.blind, "why": result.describe()}
        )  # fmt: skip
    scores = _confusion(rows)
    scores["blind"] = _confusion([r for r in rows if r["blind"]])
    scores["disagreements"] = [r for r in rows if r["label"] != r["checker"]]
    return scores


def _confusion(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    pairs = [(bool(r["label"]), bool(r["checker"])) for r in rows]
    tp = sum(label and said for label, said in pairs)
    fp = sum(not label and said for label, said in pairs)
    fn = sum(label and not said for label, said in pairs)
    tn = sum(not label and not said for label, said in pairs)
    return {
        "cases": len(rows),
        "labelled_supported": tp + fn,
        "accept_precision": _ratio(tp, tp + fp),
        "accept_recall": _ratio(tp, tp + fn),
        "reject_precision": _ratio(tn, tn + fn),
        "reject_recall": _ratio(tn, tn + fp),
        "accuracy": _ratio(tp + tn, len(rows)),
    }


def _ratio(a: int, b: int) -> float:
    return round(a / b, 4) if b else 1.0


@dataclass
class Tally:
    """Atomic claims counted by kind and verdict, with a few examples of each."""

    texts: int = 0
    claims: Counter[str] = field(default_factory=Counter)
    supported: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def add(self, text: str, result: GroundingResult, per_verdict: int = 3) -> None:
        """Count one checked text."""
        self.texts += 1
        for verdict in result.counted:
            self.claims[verdict.kind] += 1
            self.supported[verdict.kind] += verdict.supported
            key = f"{verdict.kind}/{'supported' if verdict.supported else 'unsupported'}"
            bucket = self.samples.setdefault(key, [])
            if len(bucket) < per_verdict:
                bucket.append({"claim": verdict.text, "why": verdict.why, "text": text})

    def summary(self) -> dict[str, Any]:
        """Precision overall and per kind."""
        total, ok = sum(self.claims.values()), sum(self.supported.values())
        return {
            "texts": self.texts,
            "claims": total,
            "supported": ok,
            "precision": _ratio(ok, total),
            "per_kind": {
                k: {"claims": n, "precision": _ratio(self.supported[k], n)} for k, n in self.claims.items()
            },
            "samples": self.samples,
        }


@dataclass
class _Run:
    """The tallies of one generation run."""

    generated: Tally = field(default_factory=Tally)
    shown: Tally = field(default_factory=Tally)
    rejected: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    voices: list[Shown] = field(default_factory=list)

    def add(
        self,
        writer: ReasonWriter,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        reasons: Sequence[Reason],
    ) -> None:
        """Check every text generated for one shopper's candidates, and the reasons shown."""
        context = writer.context(shopper)
        for reason, candidate in zip(reasons, candidates, strict=True):
            item, evidence = candidate.item, candidate.evidence
            for text in model_texts(reason):
                result = writer.checker.check(text, item, shopper, context, evidence)
                self.generated.add(text, result)
                self.rejected.update(c.kind for c in result.failures)
            self.shown.add(reason.text, writer.checker.check(reason.text, item, shopper, context, evidence))
            self.sources[reason.source] += 1
            self.voices.append(shown_reason(writer, shopper, candidate, reason))


def model_texts(reason: Reason) -> list[str]:
    """Every text the model wrote for a card: the rejected ones, the passing ones not chosen, the shown."""
    shown = [reason.text] if reason.source != "fallback" else []
    return [*reason.rejected, *reason.alternatives, *shown]


def generation_scores(
    agent: Agent, shoppers: Sequence[Shopper], pairs: int, per_shopper: int
) -> dict[str, Any]:
    """Reasons for `pairs` (shopper, candidate) pairs: precision of generated vs shown texts, rejections,
    and the voice figures of what was shown."""
    writer = replace(agent.writer, stats=ReasonStats())  # counts of its own
    run, done = _Run(), 0
    for shopper in shoppers[: math.ceil(pairs / per_shopper)]:
        candidates = agent.candidates(shopper, min(per_shopper, pairs - done))
        reasons = writer.write(shopper, candidates)
        run.add(writer, shopper, candidates, reasons)
        done += len(reasons)
        if done >= pairs:
            break
    return {
        "pairs": done,
        "generated": run.generated.summary(),
        "shown": run.shown.summary(),
        "shown_sources": dict(run.sources),
        "texts_generated": writer.stats.generated,
        "texts_rejected": writer.stats.rejected,
        "rejected_claim_kinds": dict(run.rejected),
        "rejected_kinds": dict(writer.stats.rejected_claims),
        "voice": voice_figures(run.voices),
    }


def run_grounding(config: AgentConfig, pairs: int, per_shopper: int) -> tuple[dict[str, Any], list[Path]]:
    """Labelled-claims scores, then reasons for `pairs` amazon2023 shoppers x Myntra candidates."""
    catalog = dataset_path("myntra", "products.csv")
    users = dataset_path("amazon2023", "validation.jsonl")  # the shop stage trains on train.jsonl
    labelled = labelled_scores(load_labelled())
    agent = load_agent(config, catalog, "myntra")
    shoppers = load_amazon2023_users(users)
    metrics = {"labelled": labelled, "generation": generation_scores(agent, shoppers, pairs, per_shopper)}
    metrics["audit"] = audit_scores(load_pairs(), load_labels(), load_brands())
    return metrics, [catalog, users, LABELLED, PAIRS, LABELS]


def grounding_markdown(metrics: dict[str, Any]) -> str:
    """The report: precision of generated vs shown claims, rejections, samples, labelled-set scores."""
    gen, lab = metrics["generation"], metrics["labelled"]
    lines = ["# eval-grounding", "", f"Pairs: {gen['pairs']}; texts generated: {gen['texts_generated']}, "
             f"rejected: {gen['texts_rejected']}; shown by source: {gen['shown_sources']}.", "",
             "| texts | claims | supported | precision |", "| --- | --- | --- | --- |"]  # fmt: skip
    for name in ("generated", "shown"):
        t = gen[name]
        lines.append(f"| {name} | {t['claims']} | {t['supported']} | {t['precision']:.3f} |")
    lines += ["", "Voice of the shown reasons:", "", *figures_markdown(gen["voice"])]
    lines += ["", "Claim precision per kind (generated texts):", ""]
    lines += [
        f"- {k}: {v['claims']} claims, precision {v['precision']:.3f}"
        for k, v in gen["generated"]["per_kind"].items()
    ]
    lines += ["", f"Rejected claim kinds: {gen['rejected_claim_kinds']}", "", "## Samples (generated)", ""]
    for key, rows in sorted(gen["generated"]["samples"].items()):
        lines += [f"- **{key}**: {r['claim']!r}" + (f" ({r['why']})" if r["why"] else "") for r in rows]
    lines += ["", "## Labelled claims", ""]
    for name, scores in (("all", lab), ("blind batch", lab["blind"])):
        lines.append(
            f"- {name}: {scores['cases']} claims; accept precision {scores['accept_precision']:.3f}, "
            f"accept recall {scores['accept_recall']:.3f}; "
            f"reject precision {scores['reject_precision']:.3f}, reject recall {scores['reject_recall']:.3f}"
        )
    lines += [
        f"  - disagrees on `{d['id']}`: {d['claim']!r} (label {d['label']})" for d in lab["disagreements"]
    ]
    return "\n".join(lines) + "\n\n" + audit_markdown(metrics["audit"])
