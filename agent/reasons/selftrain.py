"""Self-training rows for the shop stage: the XRec-voiced model's own reasons, kept only when verified.

The shop stage used to learn template answers, and the model learned to mash templates together. Here
the first-stage model (XRec voice, never shown a template) draws several answers per real shopper x
item pair with the shop's own reason prompt; the reason writer checks each (grounding, banned phrases,
coherence) and chooses the most personal, specific passing one (choose.py). A pair gives a row only
when its chosen text is the model's, free of stock phrases, and personal wherever a fact of the shopper
met the item (specific otherwise). The rows are a `source = "rows"` file for `whythis finetune`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agent.reasons.choose import voice_of
from agent.reasons.training_rows import AUDIENCES, PROMPT
from agent.reasons.variables import reason_variables
from agent.reasons.writer import Reason, ReasonWriter
from retrieval.items import Item
from retrieval.retriever import Candidate
from retrieval.shoppers import Shopper


class SelfTrainConfig(BaseModel):
    """What the self-training rows are drawn from and how many answers per pair."""

    model_config = ConfigDict(extra="forbid")

    adapter: str = Field(default="runs/finetune/xrec-smollm2", description="the first-stage (XRec) adapter")
    draws: int = Field(default=6, ge=1, le=16, description="answers drawn per pair")
    temperature: float = Field(default=0.8, gt=0.0, le=2.0)
    amazon2023: int = Field(default=150, ge=0, description="amazon2023 training shoppers x Myntra items")
    per_shopper: int = Field(default=2, ge=1, le=10, description="Myntra candidates per amazon2023 shopper")
    giftcards: int = Field(default=80, ge=0, description="Gift Cards reviewers x their last card")
    threads: int = Field(default=6, ge=1, le=64, description="pairs written at once, answered in one batch")
    seed: int = 0
    output: str = "runs/selftrain/rows.jsonl"


@dataclass(frozen=True)
class Pair:
    """One shopper and the candidates to explain to them, with the voice and where they came from."""

    shopper: Shopper
    candidates: tuple[Candidate, ...]
    audience: str
    source: str


@dataclass
class SelfTrainReport:
    """What the draw gave: pairs, texts drawn, rows kept, and why the rest were dropped."""

    pairs: int = 0
    kept: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    by_source: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (run.json, the CLI's output)."""
        share = round(self.kept / self.pairs, 4) if self.pairs else 0.0
        return {"pairs": self.pairs, "kept": self.kept, "kept_share": share,
                "dropped": dict(self.dropped), "kept_by_source": dict(self.by_source)}  # fmt: skip


def shop_pairs(
    amazon: Sequence[Shopper],
    find: Callable[[Shopper, int], list[Candidate]],
    gifts: Sequence[tuple[Shopper, Item]],
    config: SelfTrainConfig,
) -> Iterator[Pair]:
    """amazon2023 shoppers with their Myntra candidates, then Gift Cards reviewers with their last card;
    the voice alternates shopper / support as in the other shop rows."""
    n = 0
    for shopper in amazon[: config.amazon2023]:
        yield Pair(shopper, tuple(find(shopper, config.per_shopper)), AUDIENCES[n % 2], "amazon2023")
        n += 1
    for shopper, item in gifts[: config.giftcards]:
        yield Pair(shopper, (Candidate(item, 1.0),), AUDIENCES[n % 2], "giftcards")
        n += 1


def self_train_rows(
    writer: ReasonWriter, pairs: Iterable[Pair], report: SelfTrainReport, threads: int = 1
) -> Iterator[dict[str, Any]]:
    """A prompt row per (shopper, item) whose chosen reason is worth learning from; `threads` pairs are
    written at once, so a batching generator can answer them in one batch."""
    stock = writer.current_prompt().stock_phrases

    def written(pair: Pair) -> tuple[Pair, list[Reason]]:
        return pair, writer.write(pair.shopper, pair.candidates, audience=pair.audience)

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="whythis-selftrain") as pool:
        done = pool.map(written, pairs)
        yield from _kept(writer, done, report, stock)


def _kept(
    writer: ReasonWriter,
    done: Iterable[tuple[Pair, list[Reason]]],
    report: SelfTrainReport,
    stock: Sequence[str],
) -> Iterator[dict[str, Any]]:
    for pair, reasons in done:
        for candidate, reason in zip(pair.candidates, reasons, strict=True):
            report.pairs += 1
            why = _unfit(reason, candidate.item, stock)
            if why:
                report.dropped[why] += 1
                continue
            report.kept += 1
            report.by_source[pair.source] += 1
            yield _row(writer, pair, candidate, reason)


def _unfit(reason: Reason, item: Item, stock: Sequence[str]) -> str | None:
    """Why a chosen reason is not worth learning from, or None."""
    if reason.source != "model":
        return "no drawn answer passed the check"
    voice = voice_of(reason.text, item, reason.claims, reason.matches, stock)
    if voice.stock:
        return "stock phrase"
    if reason.matches and not voice.personal:
        return "not personal though a fact of the shopper met the item"
    if not reason.matches and not voice.specific:
        return "says nothing of the item beyond its name"
    return None


def _row(writer: ReasonWriter, pair: Pair, candidate: Candidate, reason: Reason) -> dict[str, Any]:
    shopper, item = pair.shopper, candidate.item
    context = writer.context(shopper)
    variables = reason_variables(shopper, item, pair.audience, context, candidate.evidence, writer.title)
    return {
        "prompt": PROMPT,
        "variables": variables,
        "answer": reason.text,
        "key": f"selftrain:{pair.source}:{shopper.shopper_id}:{item.item_id}",
    }


def write_rows(rows: Iterable[dict[str, Any]], path: Path) -> int:
    """Write prompt rows as JSONL (the file appears whole: written aside, then renamed); how many."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".partial")
    n = 0
    with partial.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    partial.replace(path)
    return n
