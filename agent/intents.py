"""Routing a chat message to an intent with rules, and reading the constraints it states."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.items import Item

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_REF = re.compile(
    r"#\s*(\d+)|\b(?:number|no\.?|item|option)\s*(\d+)\b|\b(first|second|third|fourth|fifth|last)\b"
)
_THIS = re.compile(r"\b(this|that|it|this one|that one)\b")
_PRICE_MAX = re.compile(
    r"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|within)\s*"
    r"(?:[€$£₹]|rs\.?|inr|eur|usd)?\s*(\d[\d,]*(?:\.\d+)?)"
)
_PRICE_MIN = re.compile(
    r"\b(?:over|above|more than|at least)\s*(?:[€$£₹]|rs\.?|inr|eur)?\s*(\d[\d,]*(?:\.\d+)?)"
)
_GENDER = {
    "men": re.compile(r"\b(for (a )?(man|men|him|my (husband|boyfriend|dad|son))|men'?s|male)\b"),
    "women": re.compile(
        r"\b(for (a )?(woman|women|her|my (wife|girlfriend|mum|mom|daughter))|women'?s|female|ladies)\b"
    ),
    "kids": re.compile(r"\b(for (a )?(kid|kids|child|children|boy|girl)|kids'?|children'?s)\b"),
}

# Ordered: the first pattern that matches decides; more specific intents come first.
_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("quit", re.compile(r"^\s*(quit|exit|bye|goodbye|q)\s*[.!]*\s*$")),
    ("help", re.compile(r"^\s*(help|\?|what can you do\??)\s*$")),
    (
        "about_me",
        re.compile(r"\b(what do you know about me|my (profile|data)|what have i bought|about me)\b"),
    ),
    ("why_not", re.compile(r"\bwhy (not|isn'?t|wasn'?t|didn'?t)\b")),
    ("compare", re.compile(r"\b(compare|difference between|versus|vs\.?)\b")),
    ("why", re.compile(r"\b(why|explain|what makes|reason)\b")),
    (
        "cheaper",
        re.compile(r"\b(cheaper|less expensive|lower price|more affordable|too expensive|budget)\b"),
    ),
    (
        "more_like",
        re.compile(r"\b(more like|similar to|like (this|that|it|#)|something like|same but|but in)\b"),
    ),
    (
        "others",
        re.compile(
            r"\b(show me (others|more|other)|others|something else|anything else|more options|next)\b"
        ),
    ),
)


@dataclass(frozen=True)
class Vocabulary:
    """Words the catalog itself uses: colours, brands, categories and title words."""

    colours: frozenset[str]
    brands: frozenset[str]
    words: frozenset[str]

    @classmethod
    def from_items(cls, items: Iterable[Item]) -> Vocabulary:
        """Collect the vocabulary of a catalog."""
        colours: set[str] = set()
        brands: set[str] = set()
        words: set[str] = set()
        for item in items:
            colours.update(w for w in _words(item.colour or "") if len(w) > 2)
            if item.brand:
                brands.add(item.brand.lower())
            words.update(w for w in _words(f"{item.title} {item.category or ''}") if len(w) > 3)
        return cls(frozenset(colours), frozenset(brands), frozenset(words))


@dataclass(frozen=True)
class Parsed:
    """A routed message: the intent, the items it points at, and the constraints it states."""

    intent: str
    refs: tuple[int, ...] = ()
    points_at_this: bool = False
    budget_max: float | None = None
    budget_min: float | None = None
    colours: tuple[str, ...] = ()
    gender: str | None = None
    avoid_brands: tuple[str, ...] = ()
    title_words: frozenset[str] = field(default_factory=frozenset)

    @property
    def has_constraints(self) -> bool:
        """True when the message states any hard constraint."""
        return bool(self.budget_max or self.budget_min or self.colours or self.gender or self.avoid_brands)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def references(text: str) -> tuple[int, ...]:
    """1-based positions the message names ("#2", "item 3", "the second"); -1 means the last one."""
    out: list[int] = []
    for digits, digits2, word in _REF.findall(text):
        out.append(int(digits or digits2) if (digits or digits2) else _ORDINALS[word])
    return tuple(dict.fromkeys(out))


def route(message: str, vocab: Vocabulary) -> Parsed:
    """Route a message to an intent and read its references and constraints."""
    text = message.lower().strip()
    intent = next((name for name, rule in _RULES if rule.search(text)), "")
    words = set(_words(text))
    colours = tuple(sorted(words & vocab.colours))
    avoid = tuple(
        b for b in vocab.brands if re.search(rf"\b(not|no|without|except|avoid)\s+{re.escape(b)}\b", text)
    )
    budget_max = _PRICE_MAX.search(text)
    budget_min = _PRICE_MIN.search(text)
    gender = next((g for g, rule in _GENDER.items() if rule.search(text)), None)
    parsed = Parsed(
        intent=intent,
        refs=references(text),
        points_at_this=bool(_THIS.search(text)),
        budget_max=_number(budget_max.group(1)) if budget_max else None,
        budget_min=_number(budget_min.group(1)) if budget_min else None,
        colours=colours,
        gender=gender,
        avoid_brands=avoid,
        title_words=frozenset(words & vocab.words),
    )
    if not intent:
        found = parsed.has_constraints or parsed.title_words
        parsed = Parsed(**{**parsed.__dict__, "intent": "search" if found else "unknown"})
    return parsed
