"""Vague claims and promises: what an item is like to use ("delicious", "comfortable", "a page
turner"), how popular it is ("a best seller", "shoppers love it"), what it suits ("perfect for
hiking") and what the shopper likes ("you love hiking"), and promises ("free shipping", "ships
today"). Each needs the item's own text, the shopper's data or a retrieval signal."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from agent.grounding.data import Support
from agent.grounding.reading.claim_words import SOCIAL_PROMISES, SOCIAL_SIGNALS
from agent.grounding.reading.claims import Cue
from agent.grounding.textnorm import canon
from agent.grounding.types import Claim


def in_item_text(cue: Cue, support: Support) -> str | None:
    """An experience or quality word ("delicious", "durable"): the item's text says it, or a word of
    its group."""
    return "item.text" if support.item_pool.has(cue.targets[0]) else None


def popularity(cue: Cue, support: Support) -> str | None:
    """ "Popular", "a crowd pleaser": a popularity signal put the item forward, or its text says so."""
    source = support.signal(SOCIAL_SIGNALS)
    return source or in_item_text(cue, support)


def suited(cue: Cue, support: Support) -> str | None:
    """ "Perfect for hiking" (scope any: the item's text or the shopper's data) and "you love hiking"
    (scope shopper: the shopper's data): every target is there."""
    pools = [("shopper.data", support.shopper_pool)]
    if cue.scope == "any":
        pools.insert(0, ("item.text", support.item_pool))
    sources = [next((name for name, pool in pools if pool.has(t)), None) for t in cue.targets]
    return None if None in sources else sources[0]


def promise_cue(cue: Cue, support: Support) -> str | None:
    """ "Ships today", "only 3 left": the item's own data says so."""
    return support.find(cue.targets, "item.")


def promise_word(phrase: str, ev: Support) -> str | None:
    """ "Free shipping", "eco friendly": the item's own text or a structured field
    ("free_shipping: yes") says so."""
    source = ev.find([phrase], "item.description") or ev.find([phrase], "item.title")
    return source or ev.find([phrase], "item.extra")


def social_promise(claim: Claim, support: Support) -> Claim:
    """An unsupported promise that is a popularity claim ("a best seller", "customers who ...") holds
    when a popularity signal put the item forward."""
    if claim.supported or claim.kind != "promise" or claim.text not in _social_phrases():
        return claim
    signal = support.signal(SOCIAL_SIGNALS)
    return replace(claim, supported=True, source=signal) if signal else claim


@cache
def _social_phrases() -> frozenset[str]:
    return frozenset(canon(p).strip() for p in SOCIAL_PROMISES)
