"""The HTTP API's request and response bodies: strict (unknown fields refused) and bounded in size.

A chat message has no size bound here: its limit is the agent's `chat.max_message_chars`, checked by
the route so that an oversize message is a 413 (too_large), not a 422.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.sessions.events import ItemCard
from agent.sessions.feedback import ID_MAX


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OpenSessionIn(_Strict):
    """Open a chat: as a known shopper (or anonymously), with an optional first message."""

    shopper_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=ID_MAX,
        description="a shopper the server knows; null: anonymous",
    )
    message: str | None = Field(default=None, description="first message (at most chat.max_message_chars)")


class MessageIn(_Strict):
    """One shopper message."""

    message: str = Field(min_length=1, description="at most chat.max_message_chars characters")


class SessionCreated(_Strict):
    """The data of the first SSE event of a new session."""

    session_id: str
    token: str = Field(description="send as 'Authorization: Bearer <token>' with every later call")


class FeedbackOut(_Strict):
    """The stored feedback's id."""

    feedback_id: int


class TurnOut(_Strict):
    """One answered turn: its text, the cards it showed and the items it explained."""

    turn: int
    intent: str
    text: str
    items: list[str]
    explained: list[str]


class MessageOut(_Strict):
    """One message of the conversation."""

    role: Literal["human", "ai"]
    text: str


class SessionOut(_Strict):
    """A session as a reloaded widget needs it to redraw."""

    session_id: str
    turn: int
    turns: list[TurnOut]
    messages: list[MessageOut]
    cards: list[ItemCard] = Field(default_factory=list, description="the item cards on screen now")
    cards_turn: int | None = Field(default=None, description="the turn that showed them (for feedback)")


class HealthOut(_Strict):
    """The server is up; which adapter and prompt version answer."""

    status: Literal["ok"] = "ok"
    adapter: str
    prompt_version: int


class ErrorDetail(_Strict):
    """What went wrong: a stable code and a message for people."""

    code: Literal["bad_request", "too_large", "unauthorized", "forbidden", "not_found", "busy", "internal"]
    message: str


class ErrorOut(_Strict):
    """Every error response."""

    error: ErrorDetail


class StaffSessionSummary(_Strict):
    """A stored session in a list."""

    session_id: str
    shopper_id: str
    turn: int
    created: float
    updated: float


class StaffSessionList(_Strict):
    """Stored sessions, most recently updated first."""

    sessions: list[StaffSessionSummary]


class StaffMessage(_Strict):
    """A stored message with its role as stored."""

    role: str
    text: str


class StaffSessionOut(_Strict):
    """A stored session: its saved state, messages and feedback."""

    session_id: str
    shopper_id: str
    created: float
    updated: float
    state: dict[str, Any]
    messages: list[StaffMessage]
    feedback: list[dict[str, Any]]


class StaffFeedbackList(_Strict):
    """Stored feedback rows, newest first."""

    feedback: list[dict[str, Any]]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorOut, "description": text}
    for status, text in {
        400: "malformed JSON",
        401: "missing or malformed token",
        403: "a token of another session, or an origin that is not allowed",
        404: "unknown session",
        413: "body or message over the limit",
        422: "wrong types or unknown fields",
        503: "busy: retry after the Retry-After header's seconds",
    }.items()
}
