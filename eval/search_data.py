"""The labelled first messages of `whythis eval search` (eval/data/search_requests.yaml): each names
its catalog and says, as a rule over the catalog's own fields, which items answer it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from retrieval.catalog import demo_catalog_path
from retrieval.datasets import dataset_path
from retrieval.items import Item
from whythis.config import load_yaml_file

REQUESTS = Path(__file__).parent / "data" / "search_requests.yaml"

# The catalogs requests are written for: a name, and the file under the data folder (None: the demo shop).
CATALOGS: dict[str, tuple[str, ...] | None] = {
    "myntra": ("myntra", "products.csv"),
    "demo": None,
    "giftcards": ("giftcards", "meta_Gift_Cards.jsonl"),
    "mg_books": ("mg_shopdial", "Books_items.json"),
    "mg_phones": ("mg_shopdial", "Cellphones_Accessories_items.json"),
    "mg_office": ("mg_shopdial", "Officeproducts_items.json"),
    "mg_sports": ("mg_shopdial", "SportsandOutdoors_items.json"),
}


def catalog_path(name: str) -> Path:
    """The file of a named catalog."""
    parts = CATALOGS[name]
    return demo_catalog_path() if parts is None else dataset_path(*parts)


class Relevance(BaseModel):
    """Which items answer a request, read off the catalog's own fields (never the system's derived ones).

    Regexes are case-insensitive; `title` and `not_title` read the title with the brand's words taken
    out ("Red Tape" names no colour), `text` reads title and description together. Every given part
    must hold.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str | None = None
    not_title: str | None = None
    text: str | None = None
    gender: list[str] = Field(default_factory=list, description="gender field values that fit")
    brand: list[str] = Field(default_factory=list)
    price_max: float | None = None
    price_min: float | None = None

    @field_validator("title", "not_title", "text")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @cached_property
    def _patterns(self) -> tuple[re.Pattern[str] | None, ...]:
        return tuple(re.compile(p, re.I) if p else None for p in (self.title, self.not_title, self.text))

    def holds(self, item: Item) -> bool:
        """True when the item answers the request."""
        title_p, not_p, text_p = self._patterns
        title = _without_brand(item.title, item.brand)
        checks = (
            title_p is None or title_p.search(title) is not None,
            not_p is None or not_p.search(title) is None,
            text_p is None or text_p.search(f"{title} {item.description}") is not None,
            not self.gender or (item.gender or "").lower() in {g.lower() for g in self.gender},
            not self.brand or (item.brand or "").lower() in {b.lower() for b in self.brand},
            self.price_max is None or (item.price is not None and item.price <= self.price_max),
            self.price_min is None or (item.price is not None and item.price >= self.price_min),
        )
        return all(checks)


def _without_brand(title: str, brand: str | None) -> str:
    if not brand:
        return title
    return re.sub(rf"(?<!\w){re.escape(brand)}(?!\w)", " ", title, flags=re.I)


class SearchRequest(BaseModel):
    """One first message a shopper might send, and which items answer it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    catalog: str
    text: str = Field(min_length=1)
    relevant: Relevance
    note: str = ""

    @field_validator("catalog")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CATALOGS:
            raise ValueError(f"unknown catalog {value!r}; valid: {', '.join(CATALOGS)}")
        return value


class SearchFile(BaseModel):
    """The labelled requests."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    requests: list[SearchRequest] = Field(min_length=1)


def load_requests(path: Path = REQUESTS) -> list[SearchRequest]:
    """The validated labelled requests."""
    return load_yaml_file(SearchFile, path, "labelled search requests").requests


def relevant_ids(request: SearchRequest, items: Sequence[Item]) -> frozenset[str]:
    """Every item of the catalog that answers the request."""
    return frozenset(i.item_id for i in items if request.relevant.holds(i))
