"""Typed facts: what code may plan for a reason, each kind with the slots its sentence fills.

A fact kind is declared once, here: its slots, whether it is personal (something of this shopper met
the item) and how a plan ranks it. Adding a kind is one entry in `KINDS`, one builder in `build.py`,
its phrasings in `phrasings.yaml` and its tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from whythis.errors import WhythisError


class PlanError(WhythisError):
    """A fact or plan that does not fit its kind's declaration."""


@dataclass(frozen=True)
class FactKind:
    """One kind of fact: the slots its sentence fills, and where a plan puts it."""

    name: str
    slots: tuple[str, ...]
    personal: bool  # it states something of this shopper (a purchase, a wish, a saved preference)
    rank: int  # lower leads: the personal link first, then what the shopper asked for, then the rest
    group: str  # two facts of one group never share a plan (they would fill the same slot)
    what: str  # for people: the support console and the docs


_KINDS = (
    FactKind("same_kind", ("PURCHASE",), True, 0, "purchase", "the same kind as a purchase"),
    FactKind("goes_with", ("PURCHASE",), True, 0, "purchase", "used with a purchase"),
    FactKind("bought_together", ("PURCHASE", "COUNT"), True, 1, "purchase", "co-bought with a purchase"),
    FactKind("same_brand", ("PURCHASE", "BRAND"), True, 1, "purchase", "the brand of a purchase"),
    FactKind("wish", ("WISH",), True, 2, "wish", "what the shopper asked for in the chat"),
    FactKind("budget_asked", ("PRICE", "BUDGET"), True, 2, "price", "inside the budget they said"),
    FactKind("pref_colour", ("COLOUR",), True, 3, "colour", "a colour the shopper likes"),
    FactKind("pref_brand", ("BRAND",), True, 3, "brand", "a brand the shopper likes"),
    FactKind("pref_size", ("SIZE",), True, 3, "size", "the shopper's size"),
    FactKind("budget", ("PRICE", "BUDGET"), True, 4, "price", "inside the shopper's usual budget"),
    FactKind("feature", ("FEATURE",), False, 5, "feature", "a phrase of the listing"),
    FactKind("material", ("MATERIAL",), False, 6, "material", "what it is made of"),
    FactKind("colour", ("COLOUR",), False, 7, "colour", "its colour"),
    FactKind("discount", ("DISCOUNT",), False, 6, "discount", "its discount"),
    FactKind("rating", ("RATING",), False, 7, "rating", "its rating"),
    FactKind("price", ("PRICE",), False, 8, "price", "its price"),
    FactKind("cheaper", ("GAP", "OTHER"), False, 2, "gap", "cheaper than another card"),
    FactKind("pricier", ("GAP", "OTHER"), False, 2, "gap", "dearer than another card"),
    FactKind("over_budget", ("PRICE", "BUDGET"), True, 2, "price", "above the shopper's budget"),
)
KINDS: Mapping[str, FactKind] = MappingProxyType({k.name: k for k in _KINDS})
SLOTS: tuple[str, ...] = tuple(dict.fromkeys(s for k in _KINDS for s in k.slots))
# The kinds a reason for a card may plan; the others answer follow-ups ("why not #3?").
CARD_KINDS = frozenset(k.name for k in _KINDS if k.group != "gap" and k.name != "over_budget")


@dataclass(frozen=True)
class Fact:
    """One fact of one kind: the value of each of its slots, and what backs it (for the console)."""

    kind: str
    values: tuple[tuple[str, str], ...]
    source: str

    def __post_init__(self) -> None:
        spec = KINDS.get(self.kind)
        if spec is None:
            raise PlanError(f"unknown fact kind {self.kind!r}; known: {', '.join(KINDS)}")
        given = tuple(name for name, _ in self.values)
        if given != spec.slots:
            raise PlanError(f"a {self.kind} fact fills {spec.slots}, not {given}")
        if any(not value.strip() for _, value in self.values):
            raise PlanError(f"a {self.kind} fact has an empty slot: {dict(self.values)}")

    @property
    def spec(self) -> FactKind:
        """The kind's declaration."""
        return KINDS[self.kind]

    @property
    def personal(self) -> bool:
        """True when it states something of this shopper."""
        return self.spec.personal

    def value(self, slot: str) -> str:
        """The value of one of its slots."""
        return dict(self.values)[slot]

    def describe(self) -> str:
        """One line for people: `same_kind: PURCHASE=running shoes (shopper.purchases)`."""
        slots = ", ".join(f"{k}={v}" for k, v in self.values)
        return f"{self.kind}: {slots} ({self.source})"


def fact(kind: str, source: str, **values: str) -> Fact:
    """A fact with its slot values given by name, in the kind's slot order."""
    spec = KINDS.get(kind)
    if spec is None:
        raise PlanError(f"unknown fact kind {kind!r}; known: {', '.join(KINDS)}")
    missing = [s for s in spec.slots if s not in values]
    if missing or len(values) != len(spec.slots):
        raise PlanError(f"a {kind} fact fills {spec.slots}, given {tuple(values)}")
    return Fact(kind, tuple((s, values[s]) for s in spec.slots), source)
