"""Shapes of text no shop data can back: the marks of a small model mashing templates ("as your
purchase is.", "this is also in the store", "their name ends in 5"), and three statements that look
like links and must be checked as links ("the same brand", "your purchase is in the X category")."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.grounding.data import Support
from agent.grounding.facts import MASK, written_in_title
from agent.grounding.matches import bought_kind
from agent.grounding.references_words import GARBLED
from agent.grounding.textnorm import canon
from agent.grounding.types import Claim
from retrieval.colours import COLOURS


def read(text: str, masked: str, ev: Support) -> list[Claim]:
    """Garbled shapes (read where names are blanked) and the links that must resolve."""
    claims = [*_garbled(masked), *_also_in(text), *_same_brand(text, ev), *_bought_category(text, ev)]
    return [*claims, *_title_clause(text, ev), *_like_bought(text, ev)]


_TITLE_CLAUSE = re.compile(
    r"\bits (?:title|name) (?:also )?(?:mentions|says|includes|contains|reads) (?P<x>(?:[^;.!?]|\.(?=\w))+?)"
    r"(?=\s*(?:[;!?]|\.(?!\w)|,\s*(?:as|which|while|so|because)\b|\bas\b|\band its\b|$))",
    re.I,
)


def _title_clause(text: str, ev: Support) -> Iterator[Claim]:
    """The whole of what "its title mentions" names, to the end of its clause, is in the title:
    "Gift Card in a Holiday Sprig Box" is not the title's "Gift Card in a Holiday Pop-Up Box"."""
    for m in _TITLE_CLAUSE.finditer(text):
        # The item's own name is blanked in `text` (it is written in the title); the rest must be too.
        parts = [p for p in re.sub(r"[\"“”()]", " ", m["x"]).split(MASK) if canon(p).strip()]
        ok = all(written_in_title(p, ev.item) for p in parts)
        yield _claim(m.group(), m.span(), "item.title" if ok else None)


_LIKE_BOUGHT = re.compile(
    r"\b(?:an?\s+)?(?P<noun>[a-z][\w-]*) like (?:the |your )?(?P<p>[^,.;:!?]+?) (?:you|the shopper) bought\b",
    re.I,
)


def _like_bought(text: str, ev: Support) -> Iterator[Claim]:
    """ "A jar like the Strawberry Jar Die Cuts you bought": the purchase is that kind of thing."""
    for m in _LIKE_BOUGHT.finditer(text):
        named = canon(m["p"]).strip()
        bought = [p for p in ev.shopper.purchases if named and canon(p.title).strip().startswith(named)]
        if not bought:
            continue  # which purchase it names is judged by the purchase check
        kinds = {canon(k).strip() for p in bought if (k := bought_kind(p))}
        noun = canon(m["noun"]).strip()
        ok = any(noun in (k, f"{k}s", k.rstrip("s")) or k.endswith(f" {noun}") for k in kinds)
        yield _claim(m.group(), m.span(), "shopper.purchases" if ok else None)


def _claim(text: str, span: tuple[int, int], source: str | None) -> Claim:
    return Claim("reference", text, source is not None, source, span)


_GARBLED = tuple(re.compile(p, re.I) for p in GARBLED)
_ALSO_IN = re.compile(
    r"\b(?:this|it)(?: is|['’]s) also (?:in|part of) (?:the |a |this )?(?P<x>[^.,;:!?]{1,40})", re.I
)
_SAME_BRAND = re.compile(r"\b(?:the )?same brand\b", re.I)
_BOUGHT_IN = re.compile(
    r"\byour (?:past |previous )?purchases? (?:is|was|were|are) (?:also )?in (?:the )?"
    r"(?P<x>[^.,;:!?]{1,40}?) category",
    re.I,
)


def _also_in(text: str) -> Iterator[Claim]:
    """ "It is also in blue", "also in your size": fine. "This is also in the store / Perfume": a link to
    nothing the shopper has."""
    for m in _ALSO_IN.finditer(text):
        first = canon(m["x"]).split()[:1]
        if not first or not (first[0] in COLOURS or first[0] in ("your", "size", "sizes", "stock")):
            yield _claim(m.group(), m.span(), None)


def _same_brand(text: str, ev: Support) -> Iterator[Claim]:
    """ "The same brand": the shopper bought something of the item's brand."""
    brand = canon(ev.item.brand or "").strip()
    for m in _SAME_BRAND.finditer(text):
        bought = [p for p in ev.shopper.purchases if brand and f" {brand} " in f" {canon(p.title)} "]
        yield _claim(m.group(), m.span(), "shopper.purchases" if bought else None)


def _bought_category(text: str, ev: Support) -> Iterator[Claim]:
    """ "Your purchase is in the Jar category": one of the purchases' categories."""
    cats = {canon(p.category or "").strip() for p in ev.shopper.purchases} - {""}
    for m in _BOUGHT_IN.finditer(text):
        ok = canon(m["x"]).strip() in cats
        yield _claim(m.group(), m.span(), "shopper.purchases" if ok else None)


def _garbled(text: str) -> Iterator[Claim]:
    for pattern in _GARBLED:
        for m in pattern.finditer(text):
            yield _claim(m.group(), m.span(), None)
