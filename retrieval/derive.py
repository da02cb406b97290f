"""Attributes read off a product's own text: a material word, who a name says it is for."""

from __future__ import annotations

import re
from functools import cache

# (word or phrase, material). Qualified phrases come first so "Synthetic Leather" is not leather.
_MATERIALS: tuple[tuple[str, str], ...] = (
    ("faux leather", "faux leather"),
    ("synthetic leather", "faux leather"),
    ("pu leather", "faux leather"),
    ("vegan leather", "faux leather"),
    ("leatherette", "faux leather"),
    ("faux suede", "faux suede"),
    ("art silk", "art silk"),
    ("cotton blend", "cotton blend"),
    ("silk blend", "silk blend"),
    ("wool blend", "wool blend"),
    ("linen blend", "linen blend"),
    ("leather", "leather"),
    ("suede", "suede"),
    ("cotton", "cotton"),
    ("denim", "denim"),
    ("silk", "silk"),
    ("wool", "wool"),
    ("woollen", "wool"),
    ("merino", "merino wool"),
    ("cashmere", "cashmere"),
    ("linen", "linen"),
    ("polyester", "polyester"),
    ("nylon", "nylon"),
    ("viscose", "viscose"),
    ("rayon", "rayon"),
    ("modal", "modal"),
    ("fleece", "fleece"),
    ("velvet", "velvet"),
    ("satin", "satin"),
    ("chiffon", "chiffon"),
    ("georgette", "georgette"),
    ("crepe", "crepe"),
    ("khadi", "khadi"),
    ("jute", "jute"),
    ("canvas", "canvas"),
)

# A word starts after a non-letter, or where a lower-case letter runs into a capital: descriptions
# in scraped catalogs often glue sentences together ("stylingLeather upper").
_START = r"(?:(?<![A-Za-z0-9-])|(?<=[a-z])(?=[A-Z]))"
_END = r"(?:(?![A-Za-z0-9-])|(?=[A-Z][a-z]))"


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@cache
def _labels(table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {_key(phrase): label for phrase, label in table}


@cache
def _material_regex() -> re.Pattern[str]:
    # Longest phrases first, so at one position "Synthetic Leather" wins over "Leather".
    phrases = sorted({phrase for phrase, _ in _MATERIALS}, key=len, reverse=True)
    bodies = [r"[\s-]+".join(re.escape(part) for part in p.split()) for p in phrases]
    return re.compile(f"{_START}(?i:{'|'.join(bodies)}){_END}")


def materials_in(text: str) -> tuple[str, ...]:
    """Every well-known material a text names, as the catalog spells it ("woollen" -> "wool")."""
    found = (_labels(_MATERIALS)[_key(m.group(0))] for m in _material_regex().finditer(text))
    return tuple(dict.fromkeys(found))


def derive_material(*texts: str) -> str | None:
    """The first well-known material word in the first text naming one (name before description)."""
    regex = _material_regex()
    for text in texts:
        match = regex.search(text)
        if match is not None:
            return _labels(_MATERIALS)[_key(match.group(0))]
    return None


_GENDERS = (
    ("Unisex Kids", re.compile(r"\bunisex kids?\b", re.I)),
    ("Unisex", re.compile(r"\bunisex\b", re.I)),
    ("Boys", re.compile(r"\bboy(?:s|['’]s|s['’])?\b", re.I)),
    ("Girls", re.compile(r"\bgirl(?:s|['’]s|s['’])?\b", re.I)),
    ("Kids", re.compile(r"\b(?:kids?|child(?:ren)?)(?:['’]s?)?\b", re.I)),
    ("Women", re.compile(r"\b(?:women|woman|ladies|lady)(?:['’]s)?\b", re.I)),
    ("Men", re.compile(r"\b(?:men|man)(?:['’]s)?\b", re.I)),
)


def derive_gender(name: str) -> str | None:
    """Who a product name says it is for ("Nike Men's Revolution 5" -> "Men"), or None."""
    found = {label for label, pattern in _GENDERS if pattern.search(name)}
    kids = found & {"Boys", "Girls", "Kids", "Unisex Kids"}
    if kids:
        if "Unisex Kids" in kids or {"Boys", "Girls"} <= kids:
            return "Unisex Kids"
        return "Boys" if "Boys" in kids else "Girls" if "Girls" in kids else "Kids"
    if "Unisex" in found or {"Men", "Women"} <= found:
        return "Unisex"
    return next(iter(found), None)


_YOUNG = frozenset({"boys", "girls", "kids", "unisex kids", "baby", "infants", "infant"})
_YOUNG_WORDS = re.compile(
    r"\b(?:kids?|boys?|girls?|child(?:ren)?|toddlers?|bab(?:y|ies)|infants?|junior|newborns?|"
    r"teens?|teenage)(?:['’]s?)?\b",
    re.I,
)


def is_young(gender: str | None, *texts: str) -> bool:
    """True for a child's product: its gender field says so, else its title or category does."""
    if gender:
        return gender.strip().lower() in _YOUNG
    return any(_YOUNG_WORDS.search(t) for t in texts if t)


def asks_for_young(text: str) -> bool:
    """True when a request names a child ("for my son", "kids' jacket", "a toddler")."""
    return bool(_YOUNG_WORDS.search(text)) or bool(
        re.search(
            r"\b(?:sons?|daughters?|nephews?|nieces?|grandchild|school ?(?:boy|girl|kid)s?)\b", text, re.I
        )
    )
