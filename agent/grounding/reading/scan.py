"""The text being read: spans that became claims are masked so no later pattern reads them again,
and names (the item's, a brand's, a purchase's) can be blanked before a pattern reads the text."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from agent.grounding.types import Claim
from retrieval.items import Item

MASK = "\x1f"  # replaces spans already read: not a word character, so it also ends words


class Scan:
    """The reason being read; spans that became claims are masked so no later rule reads them."""

    def __init__(self, text: str, masked: str | None = None) -> None:
        self.text = text
        self.masked = text if masked is None else masked  # spans already read (or names) are masked
        self.claims: list[Claim] = []

    def take(
        self,
        pattern: re.Pattern[str],
        judge: Callable[[re.Match[str]], Claim | None],
        keep: str = "",
    ) -> None:
        """Judge every match of `pattern` (None: not a claim); group `keep` stays readable."""
        for m in list(pattern.finditer(self.masked)):
            claim = judge(m)
            if claim is None:
                continue
            if claim.span == (-1, -1):
                claim = replace(claim, span=m.span())
            self.claims.append(claim)
            start = m.end(keep) if keep else m.start()
            self.masked = self.masked[:start] + MASK * (m.end() - start) + self.masked[m.end() :]

    def raw(self, m: re.Match[str]) -> str:
        """The original text of a match."""
        return self.text[m.start() : m.end()]


def names_masked(text: str, item: Item) -> str:
    """The text with the item's name blanked out where it is quoted verbatim: a name states no colour,
    number or brand of its own ("Red Tape Men Tan Brogues" is a name, not a claim that they are tan).
    Names of purchases stay readable: a purchase claim must name a real one."""
    return masked(text, {item.title, item.short_title()}, 8)


def masked(text: str, names: Iterable[str], shortest: int) -> str:
    """The text with every name of at least `shortest` characters blanked, longest first."""
    out = text
    for name in sorted((n for n in set(names) if len(n) >= shortest), key=len, reverse=True):
        for m in re.finditer(re.escape(name), out, re.IGNORECASE):
            out = out[: m.start()] + MASK * len(m.group()) + out[m.end() :]
    return out
