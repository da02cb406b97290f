"""Shapes of text no shop data can back, flagged as unresolved references wherever they occur: the
marks of a small model mashing templates ("as your purchase is.", "this is also in the store", "their
name ends in 5", "its profile"), a text that speaks to the shopper and about them at once, and a
sentence that names one thing of the shopper twice. Nothing here looks at the data."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.grounding.reading.reference_words import GARBLED, ITS_NEVER, WHOSE
from agent.grounding.textnorm import canon, stem
from agent.grounding.types import Claim, reference
from retrieval.colours import COLOURS

_GARBLED = tuple(re.compile(p, re.I) for p in GARBLED)
_ALSO_IN = re.compile(
    r"\b(?:this|it)(?: is|['’]s) also (?:in|part of) (?:the |a |this )?(?P<x>[^.,;:!?]{1,40})", re.I
)
_ITS = re.compile(r"\bits\s+(?P<rest>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?)", re.I)


def garbled(text: str) -> Iterator[Claim]:
    """Every garbled shape in `text` (read where names are blanked)."""
    for pattern in _GARBLED:
        for m in pattern.finditer(text):
            yield reference(m.group(), m.span(), None)


def also_in(text: str) -> Iterator[Claim]:
    """ "It is also in blue", "also in your size": fine. "This is also in the store / Perfume": a link to
    nothing the shopper has."""
    for m in _ALSO_IN.finditer(text):
        first = canon(m["x"]).split()[:1]
        if not first or not (first[0] in COLOURS or first[0] in ("your", "size", "sizes", "stock")):
            yield reference(m.group(), m.span(), None)


def its(text: str) -> Iterator[Claim]:
    """ "Its profile", "its search": something no item has."""
    for m in _ITS.finditer(text):
        said = [stem(w) for w in canon(m["rest"]).split()]
        if any(w in ITS_NEVER for w in said):
            yield reference(m.group(), m.span(), None)


def voice(text: str, speaks_to: str | None) -> Iterator[Claim]:
    """A reason speaks to the shopper ("you") or, for staff, about them ("the shopper"); never both."""
    other = {
        "shopper": r"\b(?:the|this) (?:shopper|user|customer)\b",
        "support": r"\b(?:you|your|you['’]\w+)\b",
    }
    if speaks_to in other:
        for m in re.finditer(other[speaks_to], text, re.I):
            yield reference(m.group(), m.span(), None)


def repeats(text: str) -> Iterator[Claim]:
    """ "As your search for Stick also matches your search": a sentence that says one thing twice."""
    for sentence in re.finditer(r"[^.!?]+", text):
        nouns = [stem(w) for w in re.findall(rf"\b{WHOSE}\s+(\w+)", sentence.group(), re.I)]
        doubled = {n for n in nouns if nouns.count(n) > 1}
        if doubled:
            yield reference(sentence.group().strip(), sentence.span(), None)
