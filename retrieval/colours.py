"""Colour words, and the colours an item really has: its title's, where a catalog's colour field
contradicts its own title (Myntra files every Red Tape shoe, black or tan, under "Red")."""

from __future__ import annotations

import re
from functools import cache

from retrieval.items import Item

COLOURS: frozenset[str] = frozenset(
    {
        "black", "white", "grey", "gray", "silver", "gold", "golden", "rose gold", "red", "maroon",
        "burgundy", "pink", "rose", "magenta", "fuchsia", "purple", "violet", "lavender", "lilac",
        "mauve", "blue", "navy", "navy blue", "royal blue", "sky blue", "teal", "turquoise", "aqua",
        "cyan", "green", "olive", "olive green", "khaki", "mint", "sea green", "bottle green",
        "emerald", "yellow", "mustard", "orange", "peach", "coral", "rust", "brown", "tan", "beige",
        "cream", "off white", "ivory", "camel", "charcoal", "copper", "bronze", "multicolour",
        "multicoloured", "multi colour", "multi coloured",
    }
)  # fmt: skip

# The plain colour words a shopper types ("a red one", "in navy"): what a chat message is read for.
BASIC_COLOURS: tuple[str, ...] = tuple(
    "red blue green black white grey gray pink purple yellow orange brown beige navy teal mint silver gold "
    "maroon olive cream turquoise violet lilac burgundy khaki tan charcoal ivory coral peach lavender".split()
)

# Spellings folded before colours are compared.
_SPELLING = {
    "gray": "grey",
    "golden": "gold",
    "color": "colour",
    "colored": "coloured",
    "offwhite": "off white",
}


def _fold(text: str) -> str:
    # Words and numbers stay apart from punctuation, so "Bottle 500, Green" never reads "bottle green".
    words = re.findall(r"[a-z]+|[0-9]+|[^a-z0-9\s-]", text.lower())
    return " ".join(_SPELLING.get(w, w) for w in words)


@cache
def _colour_re() -> re.Pattern[str]:
    names = sorted({_fold(c) for c in COLOURS}, key=len, reverse=True)
    return re.compile(rf"(?<![a-z])(?:{'|'.join(re.escape(n) for n in names)})(?![a-z])")


def colours_in(text: str) -> tuple[str, ...]:
    """The colour words a text names, longest first at each place ("navy blue", not "blue")."""
    return tuple(dict.fromkeys(m.group() for m in _colour_re().finditer(_fold(text))))


def without_colours(text: str) -> str:
    """The text, lower case, with every colour word taken out ("fjord rain jacket ,")."""
    return _colour_re().sub(" ", _fold(text))


def title_colours(item: Item) -> tuple[str, ...]:
    """The colours the item's title names, its brand's words left out ("Red Tape" names no colour)."""
    title = _fold(item.title)
    brand = _fold(item.brand or "")
    if brand:
        title = re.sub(rf"(?<![a-z]){re.escape(brand)}(?![a-z])", " ", title)
    return colours_in(title)


def colour_contested(item: Item) -> bool:
    """True when the colour field names a colour the item's own title does not ("Red" for "Tan Brogues")."""
    field = colours_in(item.colour or "")
    said = title_colours(item)
    if not field or not said:
        return False
    return not any(f in s or s in f for f in field for s in said)


def item_colours(item: Item) -> tuple[str, ...]:
    """The colours to believe: the title's when it names any, else the colour field's."""
    return title_colours(item) or colours_in(item.colour or "")
