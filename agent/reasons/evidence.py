"""Retrieval evidence as the reason prompt states it: plain, number-free sentences the model may repeat.

Scores, ranks and counts stay out of the prompt: a small model copies numbers it sees, and a similarity
score in a shopper's reason is noise at best. Each line is worded the way the grounding check reads the
matching evidence claim ("shoppers who bought X also bought it" is backed by a collaborative signal), so
a reason that repeats a line passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agent.untrusted import neutralise
from retrieval.signals import Evidence

Titles = Callable[[str], str | None]
MAX_LINES = 3
_TITLE_CHARS = 60


def _title(item_id: str, titles: Titles) -> str | None:
    found = titles(item_id)
    cleaned = neutralise(found or "")[:_TITLE_CHARS].strip()
    return cleaned or None


def _first_title(near: Sequence[str], titles: Titles) -> str | None:
    return next((t for t in (_title(i, titles) for i in near) if t), None)


_WORDING = {
    "shopper": {
        "history": "similar to your purchase {near}",
        "like_item": "similar to what you asked about: {near}",
        "keyword": "matches what you asked for: {terms}",
        "content": "matches what you described",
    },
    "support": {
        "history": "based on the user's purchases: {near}",
        "like_item": "based on the user's interests: {near}",
        "keyword": "matches what the user asked for: {terms}",
        "content": "matches what the user described",
    },
}


def evidence_line(evidence: Evidence, titles: Titles, audience: str = "shopper") -> str | None:
    """One number-free sentence for one signal, or None when the signal says nothing a reason can use."""
    near = _first_title(evidence.near, titles)
    if evidence.signal == "bought_together":
        return f"shoppers who bought {near} also bought it" if near else None
    if evidence.signal == "collaborative":
        return "shoppers with similar purchases chose it"
    if evidence.signal in ("keyword", "content") and not evidence.from_request:
        return None  # words shared with past purchases are no reason a person would give
    wording = _WORDING["support" if audience == "support" else "shopper"].get(evidence.signal)
    if wording is None or ("{near}" in wording and not near):
        return None
    if "{terms}" in wording and not evidence.terms:
        return None
    terms = ", ".join(neutralise(t) for t in evidence.terms[:3])
    return wording.format(near=near, terms=terms)


def evidence_lines(
    evidence: Sequence[Evidence], titles: Titles, audience: str = "shopper", limit: int = MAX_LINES
) -> list[str]:
    """The prompt's evidence lines, strongest signal first, without repeats."""
    lines: list[str] = []
    for e in sorted(evidence, key=lambda e: e.rank):
        line = evidence_line(e, titles, audience)
        if line and line not in lines:
            lines.append(line)
    return lines[:limit]
