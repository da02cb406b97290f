"""Why the retriever put the item forward: "shoppers like you", "based on your history", "matches
what you asked for". Each needs the retrieval signal that says so (or, for history, a past; for the
shopper's words, a shopper who said something in this chat)."""

from __future__ import annotations

from agent.grounding.data import Support
from agent.grounding.judges.purchase import has_past
from agent.grounding.reading.claim_words import COLLABORATIVE_SIGNALS, HISTORY_SIGNALS

# "Matches what you asked": the dense or the keyword match of the shopper's words put the item forward.
_QUERY_SIGNALS = frozenset({"content", "keyword"})


def evidence(scope: str, support: Support) -> str | None:
    """An evidence cue of `scope` social, history or query."""
    if scope == "social":
        return support.signal(COLLABORATIVE_SIGNALS)
    if scope == "history":
        signal = support.signal(HISTORY_SIGNALS)
        return signal or ("shopper.history" if has_past(support.shopper) else None)
    # "Matches what you asked for", "your search": only a shopper who asked for something in this chat.
    if not support.said.strip():
        return None
    return support.signal(_QUERY_SIGNALS) or "shopper.said"
