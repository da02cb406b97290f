"""Hard constraints on candidates: budget, gender, colour, brand, category, already bought."""

from __future__ import annotations

from dataclasses import dataclass, replace

from retrieval.items import Item
from retrieval.shoppers import Preferences

_GENDER_FITS: dict[str, frozenset[str]] = {
    "men": frozenset({"men", "unisex", "boys"}),
    "women": frozenset({"women", "unisex", "girls"}),
    "kids": frozenset({"kids", "boys", "girls"}),
    "boys": frozenset({"boys", "kids"}),
    "girls": frozenset({"girls", "kids"}),
    "unisex": frozenset({"unisex"}),
}


@dataclass(frozen=True)
class Constraints:
    """Every hard filter; an empty field does not filter."""

    budget_max: float | None = None
    budget_min: float | None = None
    gender: str | None = None
    colours: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    avoid_brands: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    exclude_ids: frozenset[str] = frozenset()

    @classmethod
    def from_preferences(cls, prefs: Preferences, exclude: frozenset[str] = frozenset()) -> Constraints:
        """The hard part of a shopper's preferences."""
        return cls(
            budget_max=prefs.budget_max,
            budget_min=prefs.budget_min,
            gender=prefs.gender,
            colours=prefs.colours,
            brands=prefs.brands,
            avoid_brands=prefs.avoid_brands,
            categories=prefs.categories,
            exclude_ids=exclude,
        )

    def merged(self, other: Constraints) -> Constraints:
        """`other` wins where it says something; exclusions add up; budgets take the tighter one."""
        return replace(
            self,
            budget_max=_min(self.budget_max, other.budget_max),
            budget_min=_max(self.budget_min, other.budget_min),
            gender=other.gender or self.gender,
            colours=other.colours or self.colours,
            brands=other.brands or self.brands,
            avoid_brands=tuple(dict.fromkeys(self.avoid_brands + other.avoid_brands)),
            categories=other.categories or self.categories,
            exclude_ids=self.exclude_ids | other.exclude_ids,
        )


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _norm(text: str | None) -> str:
    return (text or "").strip().lower()


def violation(item: Item, c: Constraints) -> str | None:
    """The first constraint the item breaks, as a short phrase, or None when it fits."""
    if item.item_id in c.exclude_ids:
        return "already bought or excluded"
    if c.budget_max is not None and (item.price is None or item.price > c.budget_max):
        return f"price above {c.budget_max:g}"
    if c.budget_min is not None and (item.price is None or item.price < c.budget_min):
        return f"price below {c.budget_min:g}"
    if c.gender and _norm(item.gender) not in _GENDER_FITS.get(_norm(c.gender), {_norm(c.gender)}):
        return f"not for {c.gender}"
    if c.colours and not _colour_matches(item, c.colours):
        return f"not in {', '.join(c.colours)}"
    if c.brands and _norm(item.brand) not in {_norm(b) for b in c.brands}:
        return f"not by {', '.join(c.brands)}"
    if c.avoid_brands and _norm(item.brand) in {_norm(b) for b in c.avoid_brands}:
        return f"brand {item.brand} is avoided"
    if c.categories and _norm(item.category) not in {_norm(x) for x in c.categories}:
        return f"not in {', '.join(c.categories)}"
    return None


def _colour_matches(item: Item, colours: tuple[str, ...]) -> bool:
    # Catalog colours are free text ("Navy Blue", "Black & Grey"): a wanted colour word must occur in it.
    have = _norm(item.colour)
    return bool(have) and any(_norm(want) in have for want in colours)
