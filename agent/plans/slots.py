"""Slot tokens and filling them: names and numbers are written by code, never generated.

Each slot is one added token of the realizer's tokenizer (`[PRICE]`), so a value costs the model one
step and cannot be garbled. Filling puts the plan's value in its place, makes "a [X]" read "an" before
a vowel sound, and starts a sentence with a capital.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from agent.plans.facts import SLOTS

SLOT_TOKENS: tuple[str, ...] = tuple(f"[{s}]" for s in SLOTS)
SLOT = re.compile(r"\[([A-Z][A-Z_0-9]*)\]")
_ARTICLE = re.compile(r"\b([Aa])(n?) (\[[A-Z][A-Z_0-9]*\])")
_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?!ni|se|sa|ro|ti)|hour|honest|[0-9]*8|11|18)", re.IGNORECASE)
_UNSPACED = re.compile(r"(?<=[^\s(\"'])(?=\[[A-Z][A-Z_0-9]*\])")
_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")


def spaced(text: str) -> str:
    """A space before each slot that follows a word ("at[PRICE]" -> "at [PRICE]"): the slot tokens take
    the space before them, so the tokenizer decodes them without it."""
    return _UNSPACED.sub(" ", text)


def slots_in(text: str) -> list[str]:
    """The slot names a text uses, in order (`PRICE`, not `[PRICE]`)."""
    return SLOT.findall(text)


def article_for(value: str) -> str:
    """ "an" before a vowel sound ("an 8-pack", "an orange"), else "a" ("a unicorn")."""
    return "an" if _VOWEL_SOUND.match(value.strip()) else "a"


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each slot replaced by its value; a slot without a value is an error (KeyError)."""

    def article(m: re.Match[str]) -> str:
        value = values[m[3][1:-1]]
        word = article_for(value)
        return f"{word.capitalize() if m[1] == 'A' else word} {m[3]}"

    text = _ARTICLE.sub(article, text)
    text = SLOT.sub(lambda m: values[m[1]], text)
    return _SENTENCE_START.sub(lambda m: m[1] + m[2].upper(), text)
