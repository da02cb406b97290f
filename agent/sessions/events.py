"""The typed events a chat turn streams: text chunks, item cards, their reasons, evidence, errors, done.

Each event is a pydantic model with a `type` discriminator, so a server can send `model_dump_json()` as
one SSE message and a client can read any of them back with `parse_event`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from agent.recommender import Recommendation
from retrieval.items import Item
from retrieval.retriever import Evidence

# Retrieval signals built from other shoppers' purchases ("bought together with X by N shoppers").
COLLABORATIVE_SIGNALS = ("collab", "covisit", "co_visit", "cooccur", "bought_together")
CHUNK_CHARS = 48


class _Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TextChunk(_Event):
    """A piece of the reply text; the pieces of one turn joined give the whole reply."""

    type: Literal["text"] = "text"
    text: str


class ItemCard(_Event):
    """One recommended item as a card, sent as soon as retrieval is done: what to show and how to ask for
    more; its reason follows in a `reason` event (or is here when it was already written)."""

    type: Literal["item_card"] = "item_card"
    item_id: str
    position: int = Field(ge=1, description="#n in the list on screen")
    title: str
    brand: str | None = None
    price: float | None = None
    currency: str | None = None
    also_in: list[str] = Field(default_factory=list, description="colours of its variants left off the list")
    reason: str | None = Field(default=None, description="None: a `reason` event for this card follows")
    reason_source: Literal["model", "fallback"] | None = None
    explain: str = Field(description="the message that asks for this card's evidence")


class ReasonEvent(_Event):
    """The checked reason of a card already sent, as soon as it is written: the widget fills the card."""

    type: Literal["reason"] = "reason"
    item_id: str
    position: int = Field(ge=1)
    reason: str
    reason_source: Literal["model", "fallback"]


class MatchedFactView(BaseModel):
    """A fact about the shopper that met an attribute of the item."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    shopper_fact: str
    item_attribute: str
    value: str


class FactView(BaseModel):
    """One typed fact a planned reason states (agent/plans/facts.py): its kind, its values, what backs it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: str
    what: str = Field(description="the kind in words, e.g. 'the same kind as a purchase'")
    values: dict[str, str] = Field(description="slot -> value, e.g. {'PURCHASE': 'running shoes'}")
    source: str = Field(description="what backs it: a purchase's title, a field of the item, the chat")


class SignalView(BaseModel):
    """One retrieval signal that put the item forward: its similarity or count, and its rank."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: str
    score: float
    rank: int
    detail: str
    near: list[str] = Field(default_factory=list, description="item ids the signal measured against")


class CollaborativeView(BaseModel):
    """'Shoppers who bought X also bought this': the other item and how many shoppers did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    signal: str
    with_item: str
    title: str
    count: int | None = Field(default=None, description="shoppers who bought both, when the signal says")
    score: float


class EvidenceEvent(_Event):
    """The evidence behind one item's reason, as data a UI can chart."""

    type: Literal["evidence"] = "evidence"
    item_id: str
    position: int | None = None
    title: str
    reason: str
    reason_source: Literal["model", "fallback"]
    score: float = Field(description="the fused retrieval score")
    matched: list[MatchedFactView]
    # The facts of the reason's plan when the model realized one (empty for a free-text reason).
    facts: list[FactView] = Field(default_factory=list)
    signals: list[SignalView]
    collaborative: list[CollaborativeView]


class ErrorEvent(_Event):
    """A turn that failed; the session goes on."""

    type: Literal["error"] = "error"
    code: str
    message: str


class DoneEvent(_Event):
    """The last event of a turn."""

    type: Literal["done"] = "done"
    intent: str
    turn: int = Field(ge=0)
    ended: bool = Field(default=False, description="the shopper said goodbye")


Event = Annotated[
    TextChunk | ItemCard | ReasonEvent | EvidenceEvent | ErrorEvent | DoneEvent,
    Field(discriminator="type"),
]


@cache
def _event_adapter() -> TypeAdapter[Event]:
    return TypeAdapter(Event)


def parse_event(data: Any) -> Event:
    """An event from its JSON dict (what `model_dump(mode="json")` wrote)."""
    return _event_adapter().validate_python(data)


def text_chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[TextChunk]:
    """The text in chunks of about `size` characters, cut after white space; joined they are the text."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            end = cut + 1 if cut > start else end
        yield TextChunk(text=text[start:end])
        start = end


def source_of(rec: Recommendation) -> Literal["model", "fallback"]:
    """'model' for a generated reason (first try or retry), 'fallback' for the grounded template."""
    return "model" if rec.reason.source.startswith("model") else "fallback"


def item_card(
    item: Item, position: int, rec: Recommendation | None = None, also_in: Iterable[str] = ()
) -> ItemCard:
    """The card of an item shown at #position, with its reason when `rec` has been written and the
    colours its variants come in."""
    currency = dict(item.extra).get("currency", "").strip() or None
    return ItemCard(
        item_id=item.item_id,
        position=position,
        title=item.title,
        brand=item.brand,
        price=item.price,
        currency=currency,
        also_in=list(also_in),
        reason=rec.reason.text if rec is not None else None,
        reason_source=source_of(rec) if rec is not None else None,
        explain=f"why #{position}?",
    )


def reason_event(rec: Recommendation, position: int) -> ReasonEvent:
    """The reason of the card at #position."""
    return ReasonEvent(
        item_id=rec.item.item_id, position=position, reason=rec.reason.text, reason_source=source_of(rec)
    )


def filled_cards(events: Iterable[Event]) -> list[ItemCard]:
    """A turn's cards in order, each with its reason filled in from its `reason` event."""
    cards: dict[str, ItemCard] = {}
    for event in events:
        if isinstance(event, ItemCard):
            cards[event.item_id] = event
        elif isinstance(event, ReasonEvent) and event.item_id in cards:
            filled = {"reason": event.reason, "reason_source": event.reason_source}
            cards[event.item_id] = cards[event.item_id].model_copy(update=filled)
    return sorted(cards.values(), key=lambda c: c.position)


def is_collaborative(evidence: Evidence) -> bool:
    """True for signals built from other shoppers' purchases."""
    return evidence.signal.lower().startswith(COLLABORATIVE_SIGNALS)


def evidence_event(
    rec: Recommendation, position: int | None, title_of: Callable[[str], str | None]
) -> EvidenceEvent:
    """The evidence of a recommendation: matched facts, retrieval signals, collaborative counts."""
    signals = [
        SignalView(signal=e.signal, score=e.score, rank=e.rank, detail=e.detail, near=list(e.near))
        for e in rec.candidate.evidence
    ]
    collaborative = [
        CollaborativeView(
            signal=e.signal,
            with_item=other,
            title=title_of(other) or other,
            count=_count(e),
            score=e.score,
        )
        for e in rec.candidate.evidence
        if is_collaborative(e)
        for other in e.near
    ]
    matched = [
        MatchedFactView(shopper_fact=m.shopper_fact, item_attribute=m.item_attribute, value=m.value)
        for m in rec.reason.matches
    ]
    plan = rec.reason.plan
    facts = [
        FactView(kind=f.kind, what=f.spec.what, values=dict(f.values), source=f.source)
        for f in (plan.facts if plan is not None else ())
    ]
    return EvidenceEvent(
        item_id=rec.item.item_id,
        position=position,
        title=rec.item.title,
        reason=rec.reason.text,
        reason_source=source_of(rec),
        score=rec.candidate.score,
        matched=matched,
        facts=facts,
        signals=signals,
        collaborative=collaborative,
    )


def _count(evidence: Evidence) -> int | None:
    # A structured count field if the signal carries one; the prose detail is never parsed.
    count = getattr(evidence, "count", None)
    return int(count) if isinstance(count, int | float) else None
