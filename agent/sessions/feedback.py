"""Feedback on what the chat showed: the validated input and the record the store keeps.

A record on a reason keeps what it takes to rebuild the reason prompt's variables later (the shopper, the
item, and the catalog items the shopper bought), so liked reasons can become training rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.chat.state import Conversation
from agent.grounding.check import GroundingChecker
from agent.reasons.texts import mentions_item
from agent.recommender import Agent, Recommendation
from agent.sessions.codec import item_to_dict, shopper_to_dict
from agent.sessions.events import evidence_event
from agent.sessions.store import FeedbackRecord
from prompts.render import PromptFile
from retrieval.items import Item
from retrieval.shoppers import Shopper
from whythis.errors import DataError

ID_MAX = 128


class FeedbackIn(BaseModel):
    """A thumbs up or down on a reason (item_id) or on an answer (item_id null), as a shopper sends it."""

    model_config = ConfigDict(extra="forbid")

    item_id: str | None = Field(default=None, min_length=1, max_length=ID_MAX)
    rating: Literal[1, -1]
    comment: str | None = Field(default=None, max_length=2000)
    turn: int | None = Field(default=None, ge=0, description="default: the latest turn")


class StaffFeedbackIn(FeedbackIn):
    """Feedback from the support console, which may also give the reason as it should have read."""

    corrected: str | None = Field(default=None, min_length=1, max_length=600)


def passes_check(
    checker: GroundingChecker,
    prompt: PromptFile,
    text: str,
    item: Item,
    shopper: Shopper,
    context: Sequence[Item] = (),
) -> bool:
    """True when a reason text would be shown: every claim grounded, no banned phrase, names the item."""
    banned = any(p.lower() in text.lower() for p in prompt.banned_phrases)
    return not banned and mentions_item(text, item) and checker.check(text, item, shopper, context).ok


def feedback_record(
    agent: Agent,
    session_id: str,
    conv: Conversation,
    turn: tuple[int, str, tuple[str, ...]],
    given: StaffFeedbackIn,
) -> FeedbackRecord:
    """The record of one feedback: `turn` is (number, answer text, ids of the items it explained)."""
    number, answer, explained = turn
    shopper = conv.state.shopper
    rec, about = _about(conv, given.item_id, explained)
    writer = agent.writer
    context = writer.context(shopper)
    prompt = writer.prompt_of(rec.reason) if rec is not None else writer.current_prompt()
    grounded = None
    if rec is not None and given.corrected is not None:
        grounded = passes_check(writer.checker, prompt, given.corrected, rec.item, shopper, context)
    return FeedbackRecord(
        session_id=session_id,
        shopper_id=shopper.shopper_id,
        turn=number,
        item_id=given.item_id,
        rating=given.rating,
        # The version that wrote the reason (a trial's, say); a reason stored before that was kept: now's.
        prompt_name=rec.reason.prompt_name if rec and rec.reason.prompt_name else prompt.name,
        prompt_version=rec.reason.prompt_version if rec and rec.reason.prompt_name else prompt.version,
        adapter=agent.config.generator.adapter,
        audience=agent.config.reasons.audience,
        text_shown=rec.reason.text if rec is not None else answer,
        evidence=[_evidence(agent, conv, r) for r in about],
        shopper=shopper_to_dict(shopper),
        item=item_to_dict(rec.item) if rec is not None else None,
        context=[item_to_dict(i) for i in context],
        reason_source=rec.reason.source if rec is not None else None,
        comment=given.comment,
        corrected_text=given.corrected,
        corrected_grounded=grounded,
    )


def _about(
    conv: Conversation, item_id: str | None, explained: tuple[str, ...]
) -> tuple[Recommendation | None, list[Recommendation]]:
    # A reason's feedback is about its item; an answer's is about the items the answer explained.
    if item_id is None:
        return None, [conv.recommendations[i] for i in explained if i in conv.recommendations]
    rec = conv.recommendations.get(item_id)
    if rec is None:
        raise DataError(f"item {item_id!r} was not shown in this session")
    return rec, [rec]


def _evidence(agent: Agent, conv: Conversation, rec: Recommendation) -> dict[str, object]:
    shown = conv.state.shown
    position = shown.index(rec.item.item_id) + 1 if rec.item.item_id in shown else None
    event = evidence_event(rec, position, lambda i: t.title if (t := agent.item(i)) else None)
    return event.model_dump(mode="json")
