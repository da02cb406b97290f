"""The blind audit's files (eval/data/audit/): pairs of a shopper and an item with every text the shop
wrote for them, and labels a person gave each text before any checker verdict was seen.

`pairs.jsonl` holds one pair per line: the item, the shopper, the items they bought from this catalog,
the retrieval evidence, what they said in the chat, and the texts (the model's first answer, its retry
when there was one, and the grounded template). `labels.jsonl` holds one label per text: each atomic
claim supported, unsupported or not a claim; the whole text coherent, personal and useful.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.sessions.codec import shopper_to_dict
from retrieval.items import CatalogRow, Item
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper, ShopperFile
from whythis.errors import DataError
from whythis.validation import read_jsonl

AUDIT = Path(__file__).parent / "data" / "audit"
PAIRS = AUDIT / "pairs.jsonl"
LABELS = AUDIT / "labels.jsonl"
BRANDS = AUDIT / "brands.json"

TextKind = Literal["model", "retry", "template"]
ClaimLabel = Literal["supported", "unsupported", "not_a_claim"]


class EvidenceRow(BaseModel):
    """One retrieval signal behind the candidate, as the checker and the prompt saw it."""

    model_config = ConfigDict(extra="forbid")

    signal: str
    score: float
    rank: int
    detail: str
    near: list[str] = Field(default_factory=list)
    count: int | None = None
    terms: list[str] = Field(default_factory=list)
    from_request: bool = False

    def to_evidence(self) -> Evidence:
        """The frozen evidence."""
        data = self.model_dump()
        return Evidence(**{**data, "near": tuple(self.near), "terms": tuple(self.terms)})


class AuditText(BaseModel):
    """One text written for a pair, and its atomic claims as the shop splits them (no verdicts)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    kind: TextKind
    text: str
    shown: bool  # what the shop showed when the pair was built
    claims: list[str]


class AuditPair(BaseModel):
    """A shopper and an item from one source, with everything the checker reads."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    round: int = Field(default=1, ge=1)  # round 2 was built after the checker was fixed on round 1's labels
    source: str
    catalog: str
    audience: str = "shopper"
    said: str = ""
    item: CatalogRow
    shopper: ShopperFile
    context: list[CatalogRow] = Field(default_factory=list)
    evidence: list[EvidenceRow] = Field(default_factory=list)
    texts: list[AuditText] = Field(min_length=1)


class ClauseLabel(BaseModel):
    """A labeller's verdict on one atomic claim."""

    model_config = ConfigDict(extra="forbid")

    claim: str
    label: ClaimLabel
    note: str = ""


class AuditLabel(BaseModel):
    """A labeller's verdict on one text, given before the checker's was seen."""

    model_config = ConfigDict(extra="forbid")

    text_id: str = Field(min_length=1)
    claims: list[ClauseLabel]
    coherent: bool  # grammatical English that means something
    personal: bool  # states a fact of this shopper that met the item
    useful: bool  # tells the shopper something that helps decide
    labeller: str = ""


def row_of(item: Item) -> CatalogRow:
    """The catalog row of a frozen item."""
    data = asdict(item)
    return CatalogRow(**{**data, "sizes": list(item.sizes), "extra": dict(item.extra)})


def file_of(shopper: Shopper) -> ShopperFile:
    """The shopper file of a frozen shopper."""
    return ShopperFile.model_validate(shopper_to_dict(shopper))


def evidence_row(e: Evidence) -> EvidenceRow:
    """The row of one evidence."""
    return EvidenceRow(**{**asdict(e), "near": list(e.near), "terms": list(e.terms)})


def load_pairs(path: Path = PAIRS) -> list[AuditPair]:
    """The audit's pairs; text ids must be unique."""
    pairs = read_jsonl(path, AuditPair)
    ids = [t.id for p in pairs for t in p.texts]
    if len(ids) != len(set(ids)):
        raise DataError(f"{path}: text ids repeat")
    return pairs


def load_labels(path: Path = LABELS) -> dict[str, AuditLabel]:
    """The labels by text id (the last one wins when a text was labelled twice)."""
    return {label.text_id: label for label in read_jsonl(path, AuditLabel)} if path.is_file() else {}


def load_brands(path: Path = BRANDS) -> dict[str, list[str]]:
    """Every catalog's brands, which the checker must know to read brand claims."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path}: expected an object of catalog -> brands, got {type(raw).__name__}")
    return {str(k): [str(b) for b in v] for k, v in raw.items()}


def write_jsonl(path: Path, rows: Iterable[BaseModel]) -> None:
    """Rows as JSON lines, written whole or not at all."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(r.model_dump_json(exclude_defaults=True) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def texts_of(pairs: Sequence[AuditPair]) -> dict[str, tuple[AuditPair, AuditText]]:
    """Every text by id, with its pair."""
    return {t.id: (p, t) for p in pairs for t in p.texts}
