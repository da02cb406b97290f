"""Plain-JSON round trip of chat data: shoppers, items, recommendations, states and conversations."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any, Literal, TypeVar, cast

from langchain_core.messages import messages_from_dict, messages_to_dict
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from agent.chat.state import ChatState, Conversation
from agent.recommender import Recommendation
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.shoppers import PreferencesFile, PurchaseFile, Shopper, ShopperFile
from whythis.errors import DataError
from whythis.validation import first_problem

T = TypeVar("T")


class StateFile(BaseModel):
    """A ChatState without its shopper, as saved JSON."""

    model_config = ConfigDict(extra="forbid")

    shown: list[str] = Field(default_factory=list)
    seen: list[str] = Field(default_factory=list)
    constraints: Constraints = Field(default_factory=Constraints)
    focus: str | None = None
    wants: str = ""
    like_item_id: str | None = None
    avoid_categories: list[str] = Field(default_factory=list)
    avoid_colours: list[str] = Field(default_factory=list)
    pending: Literal["forget_me"] | None = None


class ConversationFile(BaseModel):
    """A whole conversation as saved JSON: shopper, state, messages and the recommendations shown."""

    model_config = ConfigDict(extra="forbid")

    shopper: ShopperFile
    state: StateFile
    messages: list[dict[str, Any]]
    recommendations: list[Recommendation]


_ADAPTERS: dict[type, TypeAdapter[Any]] = {}  # filled on first use: no work at import


def _adapter(kind: type[T]) -> TypeAdapter[T]:
    found = _ADAPTERS.get(kind)
    if found is None:
        found = _ADAPTERS[kind] = TypeAdapter(kind)
    return cast(TypeAdapter[T], found)


def validated(kind: type[T], data: object, what: str) -> T:
    """`data` validated as `kind`; DataError naming the first bad field."""
    try:
        return _adapter(kind).validate_python(data)
    except ValidationError as exc:
        where, problem = first_problem(exc, top="(top)", given=False)
        raise DataError(f"saved {what} is invalid at {where}: {problem}") from exc


def shopper_to_dict(shopper: Shopper) -> dict[str, Any]:
    """A shopper in the shopper-file shape ({"id", "profile", "preferences", "history", "purchases"})."""
    prefs = PreferencesFile.model_validate(
        _adapter(type(shopper.preferences)).dump_python(shopper.preferences)
    )
    purchases = [PurchaseFile.model_validate(asdict(p)) for p in shopper.purchases]
    data = ShopperFile(
        id=shopper.shopper_id,
        profile=shopper.profile,
        preferences=prefs,
        history=list(shopper.history),
        purchases=purchases,
    )
    return data.model_dump(mode="json")


def shopper_from_dict(data: object) -> Shopper:
    """The shopper of a shopper-file dict; DataError naming the bad field."""
    return validated(ShopperFile, data, "shopper").to_shopper()


def item_to_dict(item: Item) -> dict[str, Any]:
    """An item as plain JSON (every field of Item)."""
    out: dict[str, Any] = _adapter(Item).dump_python(item, mode="json")
    return out


def item_from_dict(data: object) -> Item:
    """The item of an `item_to_dict` dict."""
    return validated(Item, data, "item")


def recommendation_to_dict(rec: Recommendation) -> dict[str, Any]:
    """A recommendation with its candidate (item, score, evidence) and its reason (claims, matches)."""
    out: dict[str, Any] = _adapter(Recommendation).dump_python(rec, mode="json")
    return out


def recommendation_from_dict(data: object) -> Recommendation:
    """The recommendation of a `recommendation_to_dict` dict."""
    return validated(Recommendation, data, "recommendation")


def state_to_dict(state: ChatState) -> dict[str, Any]:
    """A chat state without its shopper; sets are written sorted so that equal states give equal JSON."""
    constraints: dict[str, Any] = _adapter(Constraints).dump_python(state.constraints, mode="json")
    constraints["exclude_ids"] = sorted(state.constraints.exclude_ids)
    return {
        "shown": list(state.shown),
        "seen": sorted(state.seen),
        "constraints": constraints,
        "focus": state.focus,
        "wants": state.wants,
        "like_item_id": state.like_item_id,
        "avoid_categories": list(state.avoid_categories),
        "avoid_colours": list(state.avoid_colours),
        "pending": state.pending,
    }


def state_from_file(data: StateFile, shopper: Shopper) -> ChatState:
    """The chat state of a validated state file, for this shopper."""
    return ChatState(
        shopper=shopper,
        shown=tuple(data.shown),
        seen=frozenset(data.seen),
        constraints=data.constraints,
        focus=data.focus,
        wants=data.wants,
        like_item_id=data.like_item_id,
        avoid_categories=tuple(data.avoid_categories),
        avoid_colours=tuple(data.avoid_colours),
        pending=data.pending,
    )


def conversation_to_dict(conv: Conversation) -> dict[str, Any]:
    """A conversation as plain JSON: shopper, state, langchain-core message dicts, recommendations."""
    return {
        "shopper": shopper_to_dict(conv.state.shopper),
        "state": state_to_dict(conv.state),
        "messages": messages_to_dict(conv.messages),
        "recommendations": [recommendation_to_dict(r) for r in conv.recommendations.values()],
    }


def conversation_from_dict(data: Mapping[str, Any]) -> Conversation:
    """The conversation of a `conversation_to_dict` dict; DataError naming the bad field."""
    return conversation_from_file(validated(ConversationFile, dict(data), "conversation"))


def conversation_from_file(saved: ConversationFile) -> Conversation:
    """The conversation of a validated conversation file (or of a file model extending it)."""
    try:
        messages = messages_from_dict(saved.messages)
    except (KeyError, TypeError, ValueError) as exc:
        raise DataError(f"saved conversation has an unreadable message: {exc}") from exc
    state = state_from_file(saved.state, saved.shopper.to_shopper())
    recs = {r.item.item_id: r for r in saved.recommendations}
    return Conversation(state, messages, recs)
