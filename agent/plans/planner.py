"""The planner: one to three facts per card, the personal link first, variety across the list.

Deterministic: the same facts give the same plans. For each card the lead is its personal fact of the
lowest rank (a purchase link, then what the shopper asked for, then a saved preference); without one,
its best fact. The rest are the card's remaining facts by rank, where a kind the cards before already
showed ranks lower, so five cards do not say the same thing five times. Each card also gets a variant
(1-5) in turn, so cards whose facts are alike are still worded apart.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from agent.plans.facts import KINDS, Fact, PlanError

TONES = ("brief", "warm", "expert")
VARIANTS = 5
MAX_FACTS = 3
_REPEAT_COST = 3  # rank steps a kind loses for each card before that showed it


@dataclass(frozen=True)
class Plan:
    """The facts a sentence states, in order, and how it is to be worded."""

    facts: tuple[Fact, ...]
    tone: str = "warm"
    variant: int = 1
    avoid: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 1 <= len(self.facts) <= MAX_FACTS:
            raise PlanError(f"a plan holds 1 to {MAX_FACTS} facts, not {len(self.facts)}")
        if self.tone not in TONES:
            raise PlanError(f"tone {self.tone!r} is not one of {', '.join(TONES)}")
        if not 1 <= self.variant <= VARIANTS:
            raise PlanError(f"variant {self.variant} is not within 1..{VARIANTS}")
        if not fits_together([f.kind for f in self.facts]):
            raise PlanError(f"facts of one group or one slot in a plan: {[f.kind for f in self.facts]}")

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of its facts, in order."""
        return tuple(f.kind for f in self.facts)

    def slots(self) -> dict[str, str]:
        """Every slot of the plan and its value."""
        return {name: value for f in self.facts for name, value in f.values}

    @property
    def personal(self) -> Fact | None:
        """The plan's personal fact (it leads when there is one)."""
        return next((f for f in self.facts if f.personal), None)

    def linear(self) -> str:
        """What the realizer reads: `tone=warm v=2 | same_kind | feature | price`, plus words to avoid."""
        head = f"tone={self.tone} v={self.variant} | " + " | ".join(self.kinds)
        return head + (f" | avoid={','.join(self.avoid)}" if self.avoid else "")

    def describe(self) -> list[str]:
        """The plan for people (the support console): one line per fact with its values and source."""
        return [f"{self.tone}, variant {self.variant}", *(f.describe() for f in self.facts)]


def plan_cards(
    cards: Sequence[Sequence[Fact]],
    tone: str = "warm",
    avoid: Sequence[str] = (),
    lead_kinds: Sequence[str] = (),
) -> list[Plan | None]:
    """A plan per card (None for a card with no fact); `lead_kinds` are kinds a merchandiser put first."""
    shown: Counter[str] = Counter()
    led: Counter[str] = Counter()
    plans: list[Plan | None] = []
    for n, facts in enumerate(cards):
        chosen = pick(facts, shown, led, lead_kinds)
        if not chosen:
            plans.append(None)
            continue
        shown.update(f.kind for f in chosen)
        led[chosen[0].kind] += 1
        plans.append(Plan(tuple(chosen), tone, n % VARIANTS + 1, tuple(avoid)))
    return plans


def pick(
    facts: Sequence[Fact], shown: Counter[str], led: Counter[str], lead_kinds: Sequence[str] = ()
) -> list[Fact]:
    """The facts of one card: the lead, then up to two more of other groups; kinds the cards before
    showed (or led with) rank lower."""

    def preferred(f: Fact) -> int:
        return lead_kinds.index(f.kind) if f.kind in lead_kinds else len(lead_kinds)

    personal = sorted(
        (f for f in facts if f.personal), key=lambda f: (preferred(f), f.spec.rank, led[f.kind])
    )
    leads = sorted(facts, key=lambda f: (preferred(f), f.spec.rank + _REPEAT_COST * led[f.kind]))
    lead = personal[0] if personal else (leads[0] if leads else None)
    if lead is None:
        return []
    chosen = [lead]
    for f in sorted(facts, key=lambda f: f.spec.rank + _REPEAT_COST * shown[f.kind]):
        if len(chosen) == MAX_FACTS:
            break
        if fits_together([*(c.kind for c in chosen), f.kind]) and not _redundant(f, chosen):
            chosen.append(f)
    return chosen


def fits_together(kinds: Sequence[str]) -> bool:
    """True when no two kinds share a group or a slot (each slot is said once)."""
    specs = [KINDS[k] for k in kinds]
    slots = [s for spec in specs for s in spec.slots]
    return len({s.group for s in specs}) == len(specs) and len(set(slots)) == len(slots)


def _redundant(candidate: Fact, chosen: Sequence[Fact]) -> bool:
    # A price is said with the budget it fits; a plain colour says less than the liked one it repeats.
    said = {v for f in chosen for _, v in f.values}
    return any(v in said for _, v in candidate.values)
