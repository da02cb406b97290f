"""Product kinds: what a product is ("Kurta", "Running Shoes"), read off its name or category, and
the kinds a shopper's words name ("kurtas", "shoes"), with the broader kinds each belongs to."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

# A name's product noun sits at the end of its first part: "Kurta with Palazzos" is a kurta, "Ring
# Light with Tripod Stand" a ring light, "Botas - Attack - Men's Ice Hockey Skates" skates.
_SEGMENT = re.compile(r"\s+(?:with|for|by|featuring)\s+|\s+[-–—|]\s+|[,|:;()\[\]/]", re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+")
# Words before a kind that make it the shopper's own thing, not what they ask for ("over my dress").
_CONTEXT = frozenset("my our his her their your with over under match matching beside".split())


class _KindEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phrases: list[str] = Field(min_length=1)
    broader: list[str] = Field(default_factory=list)


class _KindFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: dict[str, _KindEntry]


@dataclass(frozen=True)
class KindTable:
    """Every phrase (as lower-case words) that names a kind, and each kind's broader kinds."""

    forms: Mapping[str, str]
    broader: Mapping[str, tuple[str, ...]]
    longest: int

    def fits(self, kind: str | None, wanted: Iterable[str]) -> bool:
        """True when an item of `kind` is one of the `wanted` kinds, itself or as a broader kind."""
        if kind is None:
            return False
        mine = {kind.lower(), *(b.lower() for b in self.broader.get(kind, ()))}
        return any(w.lower() in mine for w in wanted)


def words(text: str) -> list[str]:
    """Lower-case words and numbers: the unit kinds are matched in."""
    return _WORD.findall(text.lower())


def plural_forms(phrase: str) -> set[str]:
    """A phrase and its plural forms ("kurta" -> "kurtas", "dress" -> "dresses", "accessory" -> ...)."""
    *lead, last = words(phrase)
    forms = {last}
    if last.endswith("y") and len(last) > 2 and last[-2] not in "aeiou":
        forms.add(last[:-1] + "ies")
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        forms.add(last + "es")
    else:
        forms.add(last + "s")
    return {" ".join([*lead, f]) for f in forms}


@cache
def kind_table() -> KindTable:
    """The packaged kinds table (retrieval/data/kinds.yaml), read once."""
    path = resources.files("retrieval").joinpath("data", "kinds.yaml")
    data = _KindFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return _table(data.kinds)


def _table(entries: Mapping[str, _KindEntry]) -> KindTable:
    forms: dict[str, str] = {}
    for kind, entry in entries.items():
        for phrase in entry.phrases:
            for form in sorted(plural_forms(phrase)):
                forms.setdefault(form, kind)
    broader = {k: tuple(e.broader) for k, e in entries.items() if e.broader}
    return KindTable(forms, broader, max(len(f.split()) for f in forms))


def _last_kind(said: list[str], table: KindTable) -> str | None:
    # Names put the noun last ("Slim Fit Checked Casual Shirt"): scan from the end, and at each end
    # prefer the longest phrase ("Trolley Bag" over "Bag").
    for end in range(len(said), 0, -1):
        for size in range(min(table.longest, end), 0, -1):
            kind = table.forms.get(" ".join(said[end - size : end]))
            if kind is not None:
                return kind
    return None


def kind_in_name(name: str, table: KindTable | None = None, brand: str | None = None) -> str | None:
    """The product noun of a name ("... Kurta Set with Jacket" -> "Kurta Set"), or None.

    The brand's words are no product ("U.S. Polo Assn. Men White Vests" is no polo).
    """
    table = table or kind_table()
    if brand and brand.strip():
        name = re.sub(rf"(?<!\w){re.escape(brand.strip())}(?!\w)", " , ", name, flags=re.IGNORECASE)
    for segment in _SEGMENT.split(name):
        found = _last_kind(words(segment), table)
        if found is not None:
            return found
    return None


def product_kind(
    title: str, category: str | None, brand: str | None = None, table: KindTable | None = None
) -> str | None:
    """What an item is: its category when that names a kind, else its name's noun, else its category."""
    table = table or kind_table()
    said = words(category or "")
    for size in range(min(table.longest, len(said)), 0, -1):
        kind = table.forms.get(" ".join(said[-size:]))  # "Running Shoes", not "Cell Phones & Accessories"
        if kind is not None:
            return kind
    return kind_in_name(title, table, brand) or (" ".join((category or "").split()) or None)


@dataclass(frozen=True)
class CatalogKinds:
    """The kinds one catalog holds, and how a shopper's words name them."""

    table: KindTable
    present: frozenset[str]  # kinds of the catalog's items and their broader kinds, lower case
    own: Mapping[str, str]  # the catalog's own kind names not in the table, by their phrase forms

    @classmethod
    def of(cls, kinds: Iterable[str | None], table: KindTable | None = None) -> CatalogKinds:
        """The kinds of a catalog, given each item's kind."""
        table = table or kind_table()
        present: set[str] = set()
        own: dict[str, str] = {}
        for kind in {k for k in kinds if k}:
            present.add(kind.lower())
            present.update(b.lower() for b in table.broader.get(kind, ()))
            if kind not in table.broader and not any(v == kind for v in table.forms.values()):
                own.update(dict.fromkeys(plural_forms(kind), kind))
        return cls(table, frozenset(present), own)

    def named(
        self, text: str, known: frozenset[str] = frozenset(), colours: frozenset[str] = frozenset()
    ) -> tuple[str, ...]:
        """The catalog's kinds a request names, longest phrase first ("polo t-shirts" is one kind).

        A kind named as the shopper's own ("a shrug to wear over my dress") is context, not what they
        want, unless nothing else is named; so is a one-word kind that is also a colour ("a cream
        kurta"). A word the catalog never uses may be a misspelt kind ("sneakrs"); `known` is the
        catalog's own vocabulary.
        """
        said = [w if w in known else self._spelled(w) for w in words(text)]
        wanted: list[str] = []
        context: list[str] = []
        at = 0
        while at < len(said):
            size, kind = self._match(said, at)
            if kind is not None and kind.lower() in self.present:
                owned = (at > 0 and said[at - 1] in _CONTEXT) or (at > 1 and said[at - 2] in _CONTEXT)
                (context if owned or (size == 1 and said[at] in colours) else wanted).append(kind)
            at += size or 1
        return tuple(dict.fromkeys(wanted or context))

    def phrase_words(self, kinds: Iterable[str]) -> frozenset[str]:
        """Every word of every phrase that names one of `kinds` ("kurtas", "kurti", "t", "shirt")."""
        wanted = {k.lower() for k in kinds}
        named = {**self.table.forms, **self.own}
        return frozenset(w for form, kind in named.items() if kind.lower() in wanted for w in form.split())

    def _spelled(self, word: str) -> str:
        if len(word) < 5 or word in self.table.forms or word in self.own:
            return word
        close = difflib.get_close_matches(word, self._single_forms(), n=1, cutoff=0.85)
        return close[0] if close else word

    def _single_forms(self) -> list[str]:
        return [f for f in (*self.table.forms, *self.own) if " " not in f and len(f) >= 5]

    def _match(self, said: list[str], at: int) -> tuple[int, str | None]:
        for size in range(min(self.table.longest, len(said) - at), 0, -1):
            phrase = " ".join(said[at : at + size])
            kind = self.own.get(phrase) or self.table.forms.get(phrase)
            if kind is not None:
                return size, kind
        return 0, None


class _NeedFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int
    needs: dict[str, list[str]]


@cache
def need_table() -> Mapping[str, tuple[str, ...]]:
    """The packaged table of need words and the listing words for them (retrieval/data/needs.yaml)."""
    path = resources.files("retrieval").joinpath("data", "needs.yaml")
    data = _NeedFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    return {need: tuple(said) for need, said in data.needs.items()}


def need_terms(text: str) -> tuple[str, ...]:
    """The listing words for the needs a request names ("warm" -> "padded", "fleece", ...)."""
    table = need_table()
    found = [t for w in words(text) for t in table.get(w, ())]
    return tuple(dict.fromkeys(found))
