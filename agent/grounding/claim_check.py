"""Grounding v2: put each stated fact in its atomic claim and check each claim's cues.

A clause is supported when every fact grounding v1 found in it is, and every cue it carries (a vague
experience, popularity or quality word, "perfect for X", "you love X", "shoppers like you", a promise,
markup) is backed by the item's text, the shopper's data or the candidate's retrieval evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import cache

from agent.grounding import claim_words
from agent.grounding.claims import AtomicClaim, Cue, split_claims
from agent.grounding.data import Support
from agent.grounding.textnorm import canon
from agent.grounding.types import Claim, ClaimVerdict

_CODE_KEYS = ("coupon", "promo", "voucher", "code")


def verify(
    text: str, facts: Sequence[Claim], support: Support
) -> tuple[tuple[Claim, ...], tuple[ClaimVerdict, ...]]:
    """Every claim (v1 facts, then v2 cues) and one verdict per atomic claim of `text`."""
    crowd = [m.span() for m in claim_words.COLLABORATIVE.finditer(text)]
    facts = [_social(c, support, crowd) for c in facts]
    atoms = split_claims(text)
    if not atoms:
        verdict = ClaimVerdict(text.strip(), "fact", (0, len(text)), tuple(facts))
        return tuple(facts), ((verdict,) if facts else ())
    groups = _assign(atoms, facts)
    cue_claims: list[Claim] = []
    verdicts = []
    for atom, inside in zip(atoms, groups, strict=True):
        said = [canon(c.text) for c in inside]
        extra = [judge(cue, support) for cue in atom.cues if not _overlaps(cue, said)]
        span = (atom.start, atom.end)
        extra = [replace(c, span=span) for c in extra]
        cue_claims += extra
        verdicts.append(ClaimVerdict(atom.text, _refined(atom, inside), span, (*inside, *extra)))
    return (*facts, *cue_claims), tuple(verdicts)


def _social(claim: Claim, support: Support, crowd: Sequence[tuple[int, int]]) -> Claim:
    # "a best seller" or "customers who..." holds when a popularity signal put the item forward; so
    # does "you also bought" inside "shoppers like you also bought it", which is about other shoppers.
    a, b = claim.span
    about_others = claim.kind == "purchase" and any(s < b and a < e for s, e in crowd)
    if claim.kind == "purchase" and about_others:
        signal = _signal(support, claim_words.COLLABORATIVE_SIGNALS)
        return replace(claim, supported=signal is not None, source=signal)
    if claim.supported or claim.kind != "promise" or claim.text not in _social_phrases():
        return claim
    signal = _signal(support, claim_words.SOCIAL_SIGNALS)
    return replace(claim, supported=True, source=signal) if signal else claim


@cache
def _social_phrases() -> frozenset[str]:
    return frozenset(canon(p).strip() for p in claim_words.SOCIAL_PROMISES)


def _assign(atoms: Sequence[AtomicClaim], facts: Sequence[Claim]) -> list[list[Claim]]:
    groups: list[list[Claim]] = [[] for _ in atoms]
    for claim in facts:
        start = claim.span[0]
        if start >= 0:
            index = max((i for i, a in enumerate(atoms) if a.start <= start), default=0)
        else:
            wanted = f" {canon(claim.text).strip()} "
            index = next((i for i, a in enumerate(atoms) if wanted in canon(a.text)), len(atoms) - 1)
        groups[index].append(claim)
    return groups


def _overlaps(cue: Cue, said: Sequence[str]) -> bool:
    # A phrase v1 already judged ("best seller", "customers who") is not judged twice.
    mine = canon(cue.text)
    return any(s.strip() and mine in s for s in said)


def _refined(atom: AtomicClaim, inside: Sequence[Claim]) -> str:
    if atom.kind != "filler" or not inside:
        return atom.kind
    kinds = {c.kind for c in inside}
    if kinds & {"discount", "promise"}:
        return "promise"
    about_shopper = any((c.source or "").startswith("shopper.") for c in inside)
    return "shopper" if about_shopper or "purchase" in kinds else "fact"


def judge(cue: Cue, support: Support) -> Claim:
    """One cue of an atomic claim, supported or not, with the source that backs it."""
    source: str | None = None
    if cue.kind == "coupon":
        source = _coupon(cue, support)
    elif cue.kind == "promise":
        source = support.find(cue.targets, "item.")
    elif cue.kind == "evidence":
        source = _evidence(cue.scope, support)
    elif cue.kind in ("experience", "quality"):
        source = "item.text" if support.item_pool.has(cue.targets[0]) else None
    elif cue.kind == "popularity":
        source = _signal(support, claim_words.SOCIAL_SIGNALS)
        source = source or ("item.text" if support.item_pool.has(cue.targets[0]) else None)
    elif cue.kind in ("suitability", "shopper_fit"):
        source = _targets(cue, support)
    elif cue.kind == "budget":
        source = _budget(support)
    return Claim(cue.kind, cue.text, source is not None, source)


def _budget(support: Support) -> str | None:
    price, p = support.item.price, support.shopper.preferences
    if price is None or (p.budget_max is None and p.budget_min is None):
        return None
    inside = (p.budget_max is None or price <= p.budget_max) and (
        p.budget_min is None or price >= p.budget_min
    )
    return "item.price+shopper.preferences.budget" if inside else None


def _coupon(cue: Cue, support: Support) -> str | None:
    # Only a structured field names a real code; free text (a description) is untrusted.
    said = canon(cue.text)
    for key, value in support.item.extra:
        if any(k in key.lower() for k in _CODE_KEYS) and canon(value).strip() and canon(value) in said:
            return f"item.extra.{key}"
    return None


# "Matches what you asked": the dense or the keyword match of the shopper's words put the item forward.
_QUERY_SIGNALS = frozenset({"content", "keyword"})


def _evidence(scope: str, support: Support) -> str | None:
    shopper = support.shopper
    if scope == "social":
        return _signal(support, claim_words.COLLABORATIVE_SIGNALS)
    if scope == "history":
        signal = _signal(support, claim_words.HISTORY_SIGNALS)
        has_past = bool(shopper.history or shopper.purchases or shopper.profile)
        return signal or ("shopper.history" if has_past else None)
    # "Matches what you asked for", "your search": only a shopper who asked for something in this chat.
    if not support.said.strip():
        return None
    return _signal(support, _QUERY_SIGNALS) or "shopper.said"


def _signal(support: Support, names: frozenset[str]) -> str | None:
    return next((f"evidence.{e.signal}" for e in support.evidence if e.signal in names), None)


def _targets(cue: Cue, support: Support) -> str | None:
    pools = [("shopper.data", support.shopper_pool)]
    if cue.scope == "any":
        pools.insert(0, ("item.text", support.item_pool))
    sources = [next((name for name, pool in pools if pool.has(t)), None) for t in cue.targets]
    return None if None in sources else sources[0]
