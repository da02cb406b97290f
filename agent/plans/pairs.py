"""Kinds of product used together (goes_with.yaml), the data behind a "goes with" fact."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from retrieval.kinds import kind_table


class _PairFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pairs: list[tuple[str, str]] = Field(min_length=1)


@cache
def _pairs() -> frozenset[tuple[str, str]]:
    text = resources.files("agent.plans").joinpath("goes_with.yaml").read_text(encoding="utf-8")
    listed = _PairFile.model_validate(yaml.safe_load(text)).pairs
    return frozenset((a.lower(), b.lower()) for x, y in listed for a, b in ((x, y), (y, x)))


def goes_with(kind: str, other: str) -> bool:
    """True when the two kinds are used together, themselves or through their broader kinds."""
    pairs = _pairs()
    return any((a, b) in pairs for a in _with_broader(kind) for b in _with_broader(other))


def _with_broader(kind: str) -> set[str]:
    table = kind_table()
    own = next((k for k in table.broader if k.lower() == kind.lower()), None)
    return {kind.lower(), *(b.lower() for b in table.broader.get(own or "", ()))}


def unknown_kinds() -> list[str]:
    """Kinds the table names that the kind table does not know (a test keeps this empty)."""
    known = {k.lower() for k in kind_table().forms.values()}
    return sorted({a for a, _ in _pairs() if a not in known})
