"""Each stated fact put in its atomic claim (clause), each clause's cues judged, one verdict per clause.

A clause is supported when every stated fact found in it is, and every cue it carries (a vague
experience, popularity or quality word, "perfect for X", "you love X", "shoppers like you", a promise,
markup) is backed by the item's text, the shopper's data or the candidate's retrieval evidence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from agent.grounding.data import Support
from agent.grounding.judges import evidence, experience, price, purchase
from agent.grounding.reading import claim_words
from agent.grounding.reading.claims import AtomicClaim, Cue, split_claims
from agent.grounding.textnorm import canon
from agent.grounding.types import Claim, ClaimVerdict


def verify(
    text: str, facts: Sequence[Claim], support: Support
) -> tuple[tuple[Claim, ...], tuple[ClaimVerdict, ...]]:
    """Every claim (the stated facts, then the cues) and one verdict per atomic claim of `text`."""
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
    # "A best seller" or "customers who..." holds when a popularity signal put the item forward; so
    # does "you also bought" inside "shoppers like you also bought it", which is about other shoppers.
    if claim.kind == "purchase":
        return purchase.by_others(claim, support, crowd)
    return experience.social_promise(claim, support)


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
    # A phrase already judged as a stated fact ("best seller", "customers who") is not judged twice.
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
    """One cue of an atomic claim, supported or not, with the source that backs it (markup: never)."""
    source: str | None = None
    if cue.kind == "coupon":
        source = price.coupon(cue, support)
    elif cue.kind == "promise":
        source = experience.promise_cue(cue, support)
    elif cue.kind == "evidence":
        source = evidence.evidence(cue.scope, support)
    elif cue.kind in ("experience", "quality"):
        source = experience.in_item_text(cue, support)
    elif cue.kind == "popularity":
        source = experience.popularity(cue, support)
    elif cue.kind in ("suitability", "shopper_fit"):
        source = experience.suited(cue, support)
    elif cue.kind == "budget":
        source = price.budget_fit(support)
    return Claim(cue.kind, cue.text, source is not None, source)
