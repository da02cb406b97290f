"""Reasons as plans realized by the model: code plans the facts of every card of a turn (agent/plans), the
model writes each plan as a sentence whose values are slots, and the plan check passes it before code
fills the slots. The shopper reads a filled text only after that check and the coherence gate.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agent.plans.bank import load_bank
from agent.plans.build import CardInput, card_facts
from agent.plans.check import check_realized
from agent.plans.facts import CARD_KINDS, PlanError
from agent.plans.planner import TONES, Plan, plan_cards
from agent.plans.slots import fill, spaced
from agent.reasons.coherence import incoherent
from agent.reasons.fallback import Asked
from prompts.render import PromptFile, Rendered, SteeringBlock, render
from retrieval.items import Item
from retrieval.retriever import Candidate
from retrieval.shoppers import Shopper

Titles = Callable[[str], str | None]
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


@dataclass(frozen=True)
class Steering:
    """What merchandisers set for the realizer: the tone, kinds that lead, words to avoid."""

    tone: str = "warm"
    lead_kinds: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.tone not in TONES:
            raise PlanError(f"steering tone {self.tone!r} is not a tone; valid tones: {', '.join(TONES)}")
        unknown = [k for k in self.lead_kinds if k not in CARD_KINDS]
        if unknown:
            raise PlanError(f"steering lead_kinds: unknown {unknown}; kinds a card may lead with: "
                            f"{', '.join(sorted(CARD_KINDS))}")  # fmt: skip


def steering_of(prompt: PromptFile, default: Steering) -> Steering:
    """The steering a realizer prompt carries in its `steering` block; `default` (the config's) for a
    prompt without one, such as a version stored before the block existed. PlanError names a bad value."""
    block = prompt.steering
    if block is None:
        return default
    return Steering(block.tone, tuple(block.lead_kinds), tuple(block.avoid_words))


def with_steering(prompt: PromptFile, steering: Steering) -> PromptFile:
    """The prompt with `steering` as its block: how the config's steering enters a realizer prompt."""
    block = SteeringBlock(
        tone=steering.tone, lead_kinds=list(steering.lead_kinds), avoid_words=list(steering.avoid)
    )
    return prompt.model_copy(update={"steering": block})


@dataclass(frozen=True)
class Realized:
    """A realized text: shown when `text` is set; else `problems` say why it failed."""

    delexicalised: str
    text: str | None
    problems: tuple[str, ...] = ()


def plan_turn(
    shopper: Shopper,
    candidates: Sequence[Candidate],
    bought: Sequence[Item],
    asked: Asked,
    titles: Titles,
    steering: Steering,
) -> list[Plan | None]:
    """The plan of every card of a turn (None where nothing true can be said)."""
    cards = [
        card_facts(CardInput(c.item, shopper, bought, asked.said, asked.constraints, c.evidence, titles))
        for c in candidates
    ]
    return plan_cards(cards, steering.tone, steering.avoid, steering.lead_kinds)


def plan_prompt(prompt: PromptFile, plan: Plan) -> Rendered:
    """The realizer's prompt for a plan (the same renderer the training rows go through)."""
    return render(prompt, {"plan": plan.linear()})


def realize(raw: str, plan: Plan, names: Sequence[str], max_sentences: int) -> Realized:
    """Check a delexicalised text against its plan, fill its slots, and pass it through the coherence
    gate; `names` are the titles the text may quote (their words may repeat)."""
    delex = spaced(" ".join(raw.split()))
    verdict = check_realized(delex, plan)
    if not verdict.ok:
        return Realized(delex, None, verdict.problems)
    text = fill(delex, plan.slots())
    garbled = incoherent(text, "shopper", "", [*names, *plan.slots().values()], planned=True)
    if garbled:
        return Realized(delex, None, (garbled,))
    sentences = len(_SENTENCE_END.findall(delex))  # on the slotted text: a value may hold "4.6" or "U.S."
    if sentences > max_sentences:
        return Realized(delex, None, (f"{sentences} sentences, at most {max_sentences}",))
    return Realized(delex, text)


def composed(plan: Plan) -> str:
    """The plan in the phrasing bank's own words (the template of plan mode): what training taught."""
    return load_bank().compose(plan.kinds, plan.tone, plan.variant)
