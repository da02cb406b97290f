"""`whythis eval item-questions`: tell-me-more questions about an item, answered from its listing.

The sheet pairs catalog items (the demo shop and Myntra, drawn with a seed) with questions shoppers
ask (eval/data/item_questions.yaml: the question bank, written before any answer was seen) and the
chat's answer. Labellers read the listing as the shopper sees it on the product page, the question and
the answer, never this code: is every fact the answer states in the listing, and does it either answer
from the listing or say plainly that the listing does not say? `--labels` scores their files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.chat.item_answers import item_answer
from eval.search_data import catalog_path
from retrieval.catalog import load_catalog
from retrieval.items import Item
from whythis.config import load_yaml_file
from whythis.validation import read_jsonl

BANK = Path(__file__).parent / "data" / "item_questions.yaml"


class QuestionBank(BaseModel):
    """Questions shoppers ask about one item, in their words."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    questions: list[str] = Field(min_length=1)


class ItemLabel(BaseModel):
    """One labeller's reading of one answer."""

    model_config = ConfigDict(extra="forbid")

    id: str
    invented: bool = Field(description="the answer states something the listing does not")
    from_listing_or_says_not: bool = Field(
        description="the answer gives the listing's own words or fields, or says plainly it does not say"
    )
    answers_question: bool = Field(description="what it gives is about what was asked")
    note: str = ""


def listing(item: Item) -> dict[str, Any]:
    """The item as its product page shows it."""
    facts = {k: v for k, v in item.facts().items() if k != "title"}
    return {"title": item.title, **facts, "description": item.description}


def build_sheet(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """`count` (item, question, answer) rows, half from each catalog."""
    questions = load_yaml_file(QuestionBank, BANK, "item question bank").questions
    rng = random.Random(seed)
    rows = []
    for name in ("demo", "myntra"):
        items = list(
            load_catalog(catalog_path(name), None if name == "demo" else "myntra", skip_bad=True).items
        )
        for n, item in enumerate(rng.sample(items, count // 2), start=1):
            question = rng.choice(questions)
            rows.append(
                {
                    "id": f"{name}-{n:03d}",
                    "listing": listing(item),
                    "question": question,
                    "answer": item_answer(item, question, "#1"),
                }
            )
    return rows


def write_sheet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    """The sheet as JSON lines."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def score_labels(paths: Sequence[Path]) -> dict[str, Any]:
    """Per labeller: answers with no invented fact, answered from the listing or said not, on topic."""
    out: dict[str, Any] = {}
    for path in paths:
        labels = read_jsonl(path, ItemLabel)
        n = len(labels)
        out[path.name] = {
            "answers": n,
            "no_invented_fact": round(sum(not x.invented for x in labels) / n, 4) if n else 0.0,
            "from_listing_or_says_not": round(sum(x.from_listing_or_says_not for x in labels) / n, 4)
            if n
            else 0.0,
            "answers_question": round(sum(x.answers_question for x in labels) / n, 4) if n else 0.0,
            "invented": [x.id for x in labels if x.invented],
            "neither": [x.id for x in labels if not x.from_listing_or_says_not],
        }
    return out
