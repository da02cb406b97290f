"""Catalog items: the validated row model at the boundary and the frozen item used inside."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrieval.kinds import product_kind

# Attributes a reason may state as facts; each maps to an Item field of the same name.
FACT_FIELDS: tuple[str, ...] = (
    "brand",
    "category",
    "colour",
    "material",
    "gender",
    "price",
    "rating",
    "sizes",
    "discount_pct",
)


DESCRIPTION_CHARS = 120
# Words a shortened name never ends on.
_LOOSE_ENDS = frozenset({"with", "for", "and", "&", "of", "in", "the", "a", "an", "to", "by", "on", "or"})


@dataclass(frozen=True)
class Item:
    """One product of a catalog, as the retriever, the prompts and the grounding check see it."""

    item_id: str
    title: str
    category: str | None = None
    kind: str | None = None  # what the product is ("Kurta"): given, or read off its category and title
    brand: str | None = None
    price: float | None = None
    colour: str | None = None
    material: str | None = None
    gender: str | None = None
    sizes: tuple[str, ...] = ()
    rating: float | None = None
    discount_pct: float | None = None
    description: str = ""
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if self.kind is None:  # not given: read off the category and the name, as every item's is
            object.__setattr__(self, "kind", product_kind(self.title, self.category, self.brand))

    def facts(self) -> dict[str, Any]:
        """The item's stated attributes, without empty ones, keyed by field name."""
        out: dict[str, Any] = {"title": self.title}
        for name in FACT_FIELDS:
            value = getattr(self, name)
            if value not in (None, "", ()):
                out[name] = value
        out.update(dict(self.extra))
        return out

    def short_title(self, max_words: int = 10) -> str:
        """The name a sentence may give the item: its title up to the first list of features."""
        title = " ".join(self.title.split())
        for mark in (" | ", ", ", " - ", " (", ": "):
            head = title.split(mark, 1)[0]
            if len(head) >= 12:
                title = head
        # "Onion Hair Shampoo With Bhringraj & Tea Tree Oil For Hair Re-growth": the name ends where the
        # features start, when at least three words remain.
        head = re.split(r"\s+(?:with|for|featuring|includes?)\s+", title, maxsplit=1, flags=re.I)[0]
        if len(head.split()) >= 3:
            title = head
        words = title.split()[:max_words]
        while len(words) > 1 and words[-1].lower().strip(",;:-") in _LOOSE_ENDS:
            words.pop()
        return " ".join(words).rstrip(",;:-&")

    def text(self) -> str:
        """The text the embedder sees: title, attributes and description."""
        parts = [self.title]
        for name in ("brand", "category", "colour", "material", "gender"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}: {value}")
        if self.description:
            # The head of a description carries the signal; long tails only slow the embedder down.
            parts.append(self.description[:DESCRIPTION_CHARS])
        return ". ".join(parts)


class CatalogRow(BaseModel):
    """One catalog row after column mapping; validation errors name the field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item_id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    category: str | None = None
    kind: str | None = None
    brand: str | None = None
    price: float | None = Field(default=None, ge=0)
    colour: str | None = None
    material: str | None = None
    gender: str | None = None
    sizes: list[str] = Field(default_factory=list)
    rating: float | None = Field(default=None, ge=0, le=5)
    discount_pct: float | None = Field(default=None, ge=0, lt=100)
    description: str = ""
    extra: dict[str, str] = Field(default_factory=dict)

    @field_validator("category", "kind", "brand", "colour", "material", "gender", mode="before")
    @classmethod
    def _empty_to_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("item_id", mode="before")
    @classmethod
    def _id_to_str(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value

    @field_validator("sizes", mode="before")
    @classmethod
    def _split_sizes(cls, value: object) -> object:
        if isinstance(value, str):
            return [s.strip() for s in value.replace(";", ",").split(",") if s.strip()]
        return value

    def to_item(self) -> Item:
        """The frozen item for this row."""
        data = self.model_dump()
        data["sizes"] = tuple(self.sizes)
        data["extra"] = tuple(sorted(self.extra.items()))
        return Item(**data)


def items_by_id(items: list[Item]) -> Mapping[str, Item]:
    """Index items by id."""
    return {item.item_id: item for item in items}
