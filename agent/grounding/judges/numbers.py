"""Ratings and plain numbers: "rated 4.4 out of 5", "4 stars", "highly rated", "three pockets", "126"."""

from __future__ import annotations

import re

from agent.grounding import vocab
from agent.grounding.data import Support
from agent.grounding.reading.patterns import STAR_WORDS
from agent.grounding.textnorm import number_readings
from agent.grounding.types import Claim


def rating_claim(raw: str, m: re.Match[str], ev: Support) -> Claim:
    """A stated rating, in stars, out of 5 or out of 10."""
    n = m["n"].lower()
    values = {STAR_WORDS[n]} if n in STAR_WORDS else set(number_readings(n))
    if m.groupdict().get("scale") == "10":
        values = {v / 2 for v in values}
    # A whole number reads as a rounded rating ("4 stars" for 4.3); a decimal must be exact.
    slack = 0.051 if "." in n or "," in n else 0.5
    source = ev.value((".rating",), values, slack)
    return Claim("rating", raw, source is not None, source)


def rating_word(phrase: str, ev: Support) -> str | None:
    """ "Highly rated", "top rated": the item's rating is at least the phrase's least rating."""
    least = vocab.RATING_WORDS[phrase]
    good = ev.item.rating is not None and ev.item.rating >= least
    return "item.rating" if good else None


def number_claim(raw: str, ev: Support, values: frozenset[float] | None = None) -> Claim:
    """A bare or spelled number: it must occur somewhere in the data."""
    spelled = vocab.SPELLED_NUMBERS.get(raw.lower())
    if values is None:
        values = frozenset({float(spelled)}) if spelled else number_readings(raw)
    found = (s for v in values for s, k in ev.numbers if abs(v - k) < 0.005)
    source = (ev.find([raw.lower()]) if spelled else None) or next(found, None)
    return Claim("number", raw, source is not None, source)
