"""`whythis eval audit-build`: the pairs of the blind audit, from shoppers nobody tuned the shop on.

Five sources, each through the door a real shopper uses: amazon2023 validation shoppers and late Gift
Cards reviewers get `recommend`; the demo shoppers, MG-ShopDial's first client messages and new
Myntra requests open a chat. The texts of a pair are kept (the model's shown text, or its first
rejected one; one more rejected draw or retry; the grounded template), which one was shown, and the
atomic claims as the shop splits them; no verdict is written, so labels given from these files are
blind.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.chat.agent import ChatAgent
from agent.chat.state import anonymous_shopper
from agent.config import AgentConfig
from agent.grounding.reading.claims import split_claims
from agent.reasons.texts import tidy
from agent.reasons.training_rows import giftcards_pairs
from agent.recommender import Agent, Recommendation, load_agent
from eval.audit_data import (
    BRANDS,
    PAIRS,
    AuditPair,
    AuditText,
    TextKind,
    evidence_row,
    file_of,
    load_brands,
    load_pairs,
    row_of,
    write_jsonl,
)
from eval.dialogues import catalog_for, load_dialogues
from eval.search_data import catalog_path
from eval.silent import SilentGenerator
from finetune.runtime.backends import load_generator
from retrieval.datasets import dataset_path
from retrieval.items import Item
from retrieval.shopper_loaders import demo_shopper_paths, load_amazon2023_users, load_shopper
from retrieval.shoppers import Shopper

# New first messages, written for the audit (none is in eval/data/search_requests.yaml, none was used
# while the checker and the templates were tuned).
MYNTRA_REQUESTS = (
    "looking for a denim jacket for men",
    "cotton nightsuit for women",
    "a pink kurta for girls",
    "wallet for my husband, leather please",
    "running shoes for men under 3000",
    "gold earrings for a wedding",
    "a grey hoodie for boys",
    "white sneakers for women",
)
# The second round: new shoppers and requests after the checker was fixed on the first round's labels.
MYNTRA_REQUESTS_2 = (
    "black formal trousers for men",
    "a floral top for women under 1000",
    "sandals for girls",
    "a backpack for college",
    "lipstick in a nude shade",
)
MYNTRA_REQUESTS_3 = (
    "blue jeans for women",
    "a sling bag under 1500",
    "sports shoes for boys",
    "a kurta set in cotton for women",
    "sunglasses for women",
)
# The fourth round: the shop's own voice (several drawn candidates, the self-trained shop stage).
MYNTRA_REQUESTS_4 = (
    "a green saree for a festival",
    "men's leather belt",
    "a pink handbag for women",
    "track pants for men",
    "a smartwatch under 5000",
)
DEMO_REQUESTS = {
    "maya_budget_colours": "a summer dress please",
    "jonas_history_only": "I need a water bottle for long runs",
    "lea_brands": "show me some sunglasses",
    "cold_start": "a watch for my brother under 200",
}


@dataclass(frozen=True)
class BuildOptions:
    """How many shoppers each source gives."""

    amazon: int = 20
    giftcards: int = 6
    mg_dialogues: int = 10
    per_shopper: int = 5
    # The first ones of each source were read while tuning the checker and the templates.
    skip_amazon: int = 3
    skip_giftcards: int = 2
    skip_mg: int = 4
    round: int = 1  # round 2 takes the next shoppers and its own requests, and leaves the demo shop out


@dataclass(frozen=True)
class Visit:
    """Who comes to a shop and what they say first ("" asks for recommendations without a chat)."""

    source: str
    shopper: Shopper
    said: str = ""


def build_audit(config: AgentConfig, options: BuildOptions, out: Path = PAIRS) -> dict[str, int]:
    """Every source's pairs written to `out`, the catalogs' brands beside it; counts per source."""
    generator = load_generator(config.generator)
    pairs: list[AuditPair] = []
    brands: dict[str, list[str]] = {}
    for catalog, path, visits in _sources(options):
        model = load_agent(config, path, skip_bad=True, generator=generator)
        silent = load_agent(config, path, skip_bad=True, generator=SilentGenerator())
        brands[catalog] = sorted({i.brand for i in model.items if i.brand})
        for visit in visits:
            recs = _visit(model, visit, options.per_shopper)
            templates = {r.item.item_id: r.reason.text for r in _visit(silent, visit, options.per_shopper)}
            pairs += _pairs(catalog, visit, recs, templates, model.items, config, options.round)
    out.parent.mkdir(parents=True, exist_ok=True)
    # A round is rebuilt whole; the pairs of other rounds (and their labels) stay as they are.
    kept = [p for p in load_pairs(out) if p.round != options.round] if out.is_file() else []
    write_jsonl(out, [*kept, *pairs])
    old = load_brands(out.parent / BRANDS.name) if (out.parent / BRANDS.name).is_file() else {}
    text = json.dumps({**old, **brands}, ensure_ascii=False, indent=0)
    (out.parent / BRANDS.name).write_text(text, encoding="utf-8")
    counts: dict[str, int] = {}
    for p in pairs:
        counts[p.source] = counts.get(p.source, 0) + 1
    return counts


def _visit(agent: Agent, visit: Visit, k: int) -> tuple[Recommendation, ...]:
    if not visit.said:
        return tuple(agent.recommend(visit.shopper, k))
    _, reply = ChatAgent.over(agent).start(visit.shopper, visit.said)
    return reply.items


def _sources(options: BuildOptions) -> Iterator[tuple[str, Path, list[Visit]]]:
    users = load_amazon2023_users(dataset_path("amazon2023", "validation.jsonl"))
    amazon = users[options.skip_amazon : options.skip_amazon + options.amazon]
    requests = {1: MYNTRA_REQUESTS, 2: MYNTRA_REQUESTS_2, 3: MYNTRA_REQUESTS_3}.get(
        options.round, MYNTRA_REQUESTS_4
    )
    cold = [Visit("myntra-cold", anonymous_shopper(), said) for said in requests]
    yield "myntra", catalog_path("myntra"), [Visit("amazon2023-validation", s) for s in amazon] + cold
    # The last reviewers in id order: the shop stage's training rows take the first ones.
    everyone = giftcards_pairs(None)
    reviewers = everyone[: len(everyone) - options.skip_giftcards]
    late = [s for s, _ in reviewers[-options.giftcards :]]
    yield "giftcards", catalog_path("giftcards"), [Visit("giftcards-late-reviewers", s) for s in late]
    demo = [
        Visit("demo-chat", load_shopper(p), DEMO_REQUESTS[p.stem])
        for p in demo_shopper_paths()
        if p.stem in DEMO_REQUESTS
    ]
    if options.round == 1:
        yield "demo", catalog_path("demo"), demo
    folder = dataset_path("mg_shopdial")
    by_path: dict[Path, list[Visit]] = {}
    for dialogue_id, said in _mg_first(folder, options.skip_mg + options.mg_dialogues)[options.skip_mg :]:
        by_path.setdefault(catalog_for(dialogue_id, folder), []).append(
            Visit("mg-shopdial", anonymous_shopper(), said)
        )
    for path, visits in by_path.items():
        yield path.stem, path, visits


def _mg_first(folder: Path, n: int) -> list[tuple[str, str]]:
    # Spread over the four categories: each dialogue's first client message that asks for something.
    by_category: dict[str, list[tuple[str, str]]] = {}
    for d in load_dialogues(folder):
        turns = [t.strip() for t in d.client_turns() if len(t.split()) >= 4]
        if turns:
            by_category.setdefault(d.id.split(":", 1)[0], []).append((d.id, turns[0]))
    longest = max(map(len, by_category.values()), default=0)
    rounds = [rows[i] for i in range(longest) for rows in by_category.values() if i < len(rows)]
    return rounds[:n]


def _pairs(
    catalog: str,
    visit: Visit,
    recs: Sequence[Recommendation],
    templates: dict[str, str],
    items: Sequence[Item],
    config: AgentConfig,
    round_: int = 1,
) -> list[AuditPair]:
    known = {i.item_id: i for i in items}
    context = [known[i] for i in visit.shopper.history if i in known]
    out = []
    for n, rec in enumerate(recs):
        key = f"{visit.source}:{visit.shopper.shopper_id}:{n}:{rec.item.item_id}"
        key = key if round_ == 1 else f"r{round_}:{key}"  # round 1's ids predate rounds
        template = rec.reason.text if rec.reason.source == "fallback" else templates.get(rec.item.item_id, "")
        out.append(AuditPair(
            id=key, round=round_, source=visit.source, catalog=catalog, audience=config.reasons.audience,
            said=visit.said, item=row_of(rec.item), shopper=file_of(visit.shopper),
            context=[row_of(i) for i in context], evidence=[evidence_row(e) for e in rec.candidate.evidence],
            texts=_texts(key, rec, template, config.reasons.max_sentences),
        ))  # fmt: skip
    return out


def _texts(key: str, rec: Recommendation, template: str, limit: int) -> list[AuditText]:
    # The shown model text first (the writer chose it among its draws), then one draw it rejected.
    reason = rec.reason
    model_shown = reason.source != "fallback"
    written = [reason.text] * model_shown + [tidy(raw, limit) for raw in reason.rejected]
    kinds: tuple[TextKind, ...] = ("model", "retry")
    out = [
        _text(f"{key}#{kind}", kind, text, shown=model_shown and n == 0)
        for n, (kind, text) in enumerate(zip(kinds, written, strict=False))
        if text
    ]
    if template:
        out.append(_text(f"{key}#template", "template", template, shown=not model_shown))
    return out


def _text(text_id: str, kind: TextKind, text: str, shown: bool) -> AuditText:
    claims = [c.text for c in split_claims(text)]
    return AuditText(id=text_id, kind=kind, text=text, shown=shown, claims=claims)
