"""Hard constraints on candidates: budget, gender, colour, brand, category, kind, material, size,
already bought."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from retrieval.colours import colours_in, item_colours
from retrieval.derive import materials_in
from retrieval.items import Item
from retrieval.kinds import kind_table
from retrieval.shoppers import Preferences

# Who an item is for (its gender field) that fits who the shopper shops for: a men's request is not
# met by boys' clothes, nor a boys' request by men's.
_GENDER_FITS: dict[str, frozenset[str]] = {
    "men": frozenset({"men", "unisex"}),
    "women": frozenset({"women", "unisex"}),
    "kids": frozenset({"kids", "boys", "girls", "unisex kids"}),
    "boys": frozenset({"boys", "kids", "unisex kids"}),
    "girls": frozenset({"girls", "kids", "unisex kids"}),
    "unisex": frozenset({"unisex"}),
}


@dataclass(frozen=True)
class Constraints(Preferences):
    """Every hard filter: the fields a shopper's preferences have, and what only a request states; an empty
    field does not filter. Sizes hold only items that list sizes."""

    kinds: tuple[str, ...] = ()  # what the product is ("Kurta"); broader kinds count ("Shoes")
    materials: tuple[str, ...] = ()
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
            kinds=other.kinds or self.kinds,
            materials=other.materials or self.materials,
            sizes=other.sizes or self.sizes,
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
    # An item that names nobody (a gift card, a racquet) is for anyone.
    if (
        c.gender
        and item.gender
        and _norm(item.gender) not in _GENDER_FITS.get(_norm(c.gender), {_norm(c.gender)})
    ):
        return f"not for {c.gender}"
    if c.colours and not _colour_matches(item, c.colours):
        return f"not in {', '.join(c.colours)}"
    if c.brands and _norm(item.brand) not in {_norm(b) for b in c.brands}:
        return f"not by {', '.join(c.brands)}"
    if c.avoid_brands and _norm(item.brand) in {_norm(b) for b in c.avoid_brands}:
        return f"brand {item.brand} is avoided"
    if c.categories and _norm(item.category) not in {_norm(x) for x in c.categories}:
        return f"not in {', '.join(c.categories)}"
    return _what_it_is(item, c)


def _what_it_is(item: Item, c: Constraints) -> str | None:
    if c.kinds and not kind_table().fits(item.kind, c.kinds):
        return f"not a {' or '.join(c.kinds)}"
    if c.materials and not made_of(item, c.materials):
        return f"not made of {', '.join(c.materials)}"
    if c.sizes and item.sizes and not {_norm(s) for s in c.sizes} & {_norm(s) for s in item.sizes}:
        return f"not in size {', '.join(c.sizes)}"
    return None


# "Fabric: 100% cotton", "Material: wood": a description's own statement of what the item is made of.
_FABRIC = re.compile(r"\b(?:fabric|material)\s*:\s*([^.:]{1,40})", re.IGNORECASE)


def made_of(item: Item, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The item's materials that are one of `wanted` or a blend of it; never an imitation ("art silk"
    is not silk) and never a word of the brand ("Varkala Silk Sarees")."""
    title = item.title.replace(item.brand, " ") if item.brand else item.title
    fabric = " ".join(m.group(1) for m in _FABRIC.finditer(item.description))
    have = materials_in(f"{item.material or ''} {title} {fabric}")
    wants = {_norm(m) for m in wanted}
    return tuple(h for h in have if _norm(h) in wants or _norm(h.removesuffix(" blend")) in wants)


def _colour_matches(item: Item, colours: tuple[str, ...]) -> bool:
    # Catalog colours are free text ("Navy Blue", "Black & Grey") and sometimes wrong: the title's
    # colours win over the field's, and a wanted colour must be one of them or a shade of it.
    have = item_colours(item)
    wanted = [w for want in colours for w in colours_in(want) or (_norm(want),)]
    return any(w in h for w in wanted for h in have)
