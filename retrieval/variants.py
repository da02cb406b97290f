"""Variants of one product: the same title apart from its colour, size, shade or pack code ("Nordvik
Fjord Rain Jacket, Red" and ", Blue"; "Age Reversal Cream 15 g" and "50gm"). A list shows each product
once, its other colours named on its card."""

from __future__ import annotations

import re

from retrieval.colours import item_colours, without_colours
from retrieval.items import Item

_SIZES = frozenset("xxs xs s m l xl xxl xxxl small medium large coloured colored toned and".split())
_WORD = re.compile(r"[a-z]+|[0-9]+")


def variant_key(item: Item) -> str:
    """What stays of a title when its colours, sizes and codes are taken out, with its brand."""
    title = without_colours(item.title)
    kept = [w for w in _WORD.findall(title) if not w.isdigit() and w not in _SIZES and len(w) > 1]
    return f"{(item.brand or '').lower()}|{' '.join(kept)}"


def colour_of(item: Item) -> str | None:
    """The colour a variant is told apart by: its title's, else its colour field's."""
    found = item_colours(item)
    return found[0] if found else None
