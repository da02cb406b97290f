"""Voice figures of shown reasons: who wrote them, true and coherent, personal, specific, variety, length.

`whythis eval grounding` reports them over held-out shoppers and the prompt studio's preview over a
draft prompt, with the same code, so a merchandiser sees what a change does to the voice before
activating it. "Personal" is counted over reasons for shoppers the shop knows something of (a profile,
purchases, preferences, or what they asked for in the chat): nothing can be personal for a stranger.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean
from typing import Any

from agent.reasons.choose import distinct_2, voice_of
from agent.reasons.coherence import incoherent
from agent.reasons.texts import quoted_names
from agent.reasons.writer import Reason, ReasonWriter
from retrieval.retriever import Candidate
from retrieval.shoppers import Shopper


@dataclass(frozen=True)
class Shown:
    """One shown reason and what the figures read of it."""

    shopper_id: str
    item_id: str
    text: str
    model: bool
    true: bool
    coherent: bool
    personal: bool | None  # None: nothing is known of the shopper
    specific: bool
    stock: bool
    words: int
    masked: str = (
        ""  # the text with its plan's slot values masked: one purchase named five times is no repeat
    )


def knows(shopper: Shopper, said: str = "") -> bool:
    """True when the shop knows something of the shopper: profile, purchases, preferences or a request."""
    p = shopper.preferences
    wants = p.colours or p.brands or p.sizes or p.categories or p.gender or p.budget_max or p.budget_min
    return bool(shopper.profile or shopper.purchases or shopper.history or wants or said.strip())


def shown_reason(
    writer: ReasonWriter,
    shopper: Shopper,
    candidate: Candidate,
    reason: Reason,
    said: str = "",
    audience: str | None = None,
) -> Shown:
    """Check a shown reason again (grounding, coherence) and read its voice."""
    who = audience or writer.config.audience
    item, context = candidate.item, writer.context(shopper)
    result = writer.checker.check(reason.text, item, shopper, context, candidate.evidence, said, who)
    prompt = writer.current_prompt()
    voice = voice_of(reason.text, item, result.claims, reason.matches, prompt.stock_phrases)
    return Shown(
        shopper_id=shopper.shopper_id,
        item_id=item.item_id,
        text=reason.text,
        model=reason.source != "fallback",
        true=result.ok,
        coherent=incoherent(reason.text, who, prompt.response_prefix, quoted_names(item, shopper, context))
        is None,
        personal=voice.personal if knows(shopper, said) else None,
        specific=voice.specific > 0,
        stock=voice.stock,
        words=voice.words,
        masked=_masked(reason),
    )


def _masked(reason: Reason) -> str:
    text = reason.text
    slots = reason.plan.slots() if reason.plan is not None else {}
    for name, value in sorted(slots.items(), key=lambda kv: -len(kv[1])):
        text = text.replace(value, f"[{name}]")
    return text


def voice_figures(shown: Sequence[Shown]) -> dict[str, Any]:
    """The shares and variety of a set of shown reasons (shares of all shown unless said otherwise)."""
    n = len(shown)
    known = [s for s in shown if s.personal is not None]

    def share(count: int, of: int = n) -> float:
        return round(count / of, 4) if of else 0.0

    return {
        "shown": n,
        "model_written": share(sum(s.model for s in shown)),
        "true": share(sum(s.true for s in shown)),
        "coherent": share(sum(s.coherent for s in shown)),
        "true_and_coherent": share(sum(s.true and s.coherent for s in shown)),
        "model_true_and_coherent": share(sum(s.model and s.true and s.coherent for s in shown)),
        "personal": share(sum(bool(s.personal) for s in known), len(known)),
        "personal_of": len(known),
        "specific": share(sum(s.specific for s in shown)),
        "stock": share(sum(s.stock for s in shown)),
        "distinct_2_per_shopper": _mean_distinct(shown, by_shopper=True),
        "distinct_2_per_item": _mean_distinct(shown, by_shopper=False),
        "distinct_2_per_shopper_masked": _mean_distinct(shown, by_shopper=True, masked=True),
        "mean_words": round(mean(s.words for s in shown), 1) if shown else 0.0,
    }


def _mean_distinct(shown: Sequence[Shown], by_shopper: bool, masked: bool = False) -> float:
    """Distinct-2 within each group (a shopper's reasons; one item's reasons across shoppers), averaged
    over groups of two or more."""
    groups: dict[str, list[str]] = {}
    for s in shown:
        text = (s.masked or s.text) if masked else s.text
        groups.setdefault(s.shopper_id if by_shopper else s.item_id, []).append(text)
    scores = [distinct_2(texts) for texts in groups.values() if len(texts) > 1]
    return round(mean(scores), 4) if scores else 1.0


def figures_markdown(figures: dict[str, Any]) -> list[str]:
    """The figures as report lines."""
    f = figures
    return [
        f"- shown {f['shown']}: written by the model {f['model_written']:.3f}; true {f['true']:.3f}; "
        f"coherent {f['coherent']:.3f}; true and coherent {f['true_and_coherent']:.3f}; "
        f"the model's and true and coherent {f['model_true_and_coherent']:.3f}",
        f"- personal {f['personal']:.3f} (of {f['personal_of']} for known shoppers); specific "
        f"{f['specific']:.3f}; stock phrase {f['stock']:.3f}",
        f"- distinct-2 per shopper {f['distinct_2_per_shopper']:.3f}, per item across shoppers "
        f"{f['distinct_2_per_item']:.3f}; per shopper with slot values masked "
        f"{f.get('distinct_2_per_shopper_masked', f['distinct_2_per_shopper']):.3f}; "
        f"mean words {f['mean_words']}",
    ]
