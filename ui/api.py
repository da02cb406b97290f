"""The HTTP routes: the shopper API (JSON in, SSE out) and the staff JSON API (HTTP Basic).

A turn streams as Server-Sent Events whose `event:` is the agent event's type, each sent as soon as the
turn makes it (cards first, then each checked reason). Everything that can refuse a turn (token,
session, size, a full pool) is checked in dependencies, before the stream starts, so a refusal is a plain
JSON error with its status; the turn itself then runs on the turn pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer
from fastapi.sse import EventSourceResponse, ServerSentEvent

from agent.sessions.events import DoneEvent, ErrorEvent, Event, item_card
from agent.sessions.feedback import FeedbackIn
from ui.api_models import (
    ERROR_RESPONSES,
    FeedbackOut,
    HealthOut,
    MessageIn,
    MessageOut,
    OpenSessionIn,
    SessionCreated,
    SessionOut,
    StaffFeedbackList,
    StaffMessage,
    StaffSessionList,
    StaffSessionOut,
    StaffSessionSummary,
    TurnOut,
)
from ui.errors_http import INTERNAL_MESSAGE, bad_request, forbidden, too_large, unauthorized
from ui.handoff import Handoff
from ui.pool import Busy, TurnPool
from ui.services import Services
from whythis.errors import SessionNotFound

log = logging.getLogger(__name__)
STAFF_REALM = 'Basic realm="whythis staff"'


def services_of(request: Request) -> Services:
    """The app's services."""
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(services_of)]
_bearer = HTTPBearer(auto_error=False, description="the token from the session event")
_basic = HTTPBasic(auto_error=False, realm="whythis staff")


@dataclass
class PendingTurn:
    """A turn submitted to the pool, its events streamed as SSE while it runs."""

    future: Future[None]
    handoff: Handoff
    first: ServerSentEvent | None = None
    on_cancel: Callable[[], None] | None = None

    async def events(self) -> AsyncIterator[ServerSentEvent]:
        """`first` at once, then each event as the turn makes it; a client gone while queued cancels the
        turn, a client gone while it runs stops its generation (the turn is still stored)."""
        if self.first is not None:
            yield self.first
        try:
            async for event in self.handoff.events():
                yield ServerSentEvent(event=event.type, data=event)
            return
        except (asyncio.CancelledError, GeneratorExit):
            if self.future.cancel() and self.on_cancel is not None:
                self.on_cancel()
            raise
        except SessionNotFound as exc:  # forgotten between the check and the turn
            failed = _failed("not_found", str(exc))
        except Exception:
            log.exception("chat turn failed")
            failed = _failed("internal", INTERNAL_MESSAGE)
        for event in failed:
            yield ServerSentEvent(event=event.type, data=event)


def _submit(pool: TurnPool, handoff: Handoff, stream: Iterator[Event]) -> Future[None]:
    """Queue the turn on the pool (`Busy` when full); a job dropped unstarted ends the reader's wait."""
    future = pool.submit(lambda: handoff.run(stream))
    future.add_done_callback(lambda f: handoff.never_ran() if f.cancelled() else None)
    return future


def _failed(code: str, message: str) -> list[Event]:
    return [ErrorEvent(code=code, message=message), DoneEvent(intent="error", turn=0)]


def _check_message(services: Services, message: str | None) -> None:
    limit = services.max_message_chars
    if message is not None and len(message) > limit:
        raise too_large(f"the message has {len(message)} characters; at most {limit} are allowed")


def session_of(
    session_id: str,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The session id of the path, when the bearer token grants it (401 missing/malformed, 403 other)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("this call needs 'Authorization: Bearer <token>' with the session's token")
    if not services.tokens.well_formed(credentials.credentials):
        raise unauthorized("the bearer token is malformed")
    if not services.tokens.verify(session_id, credentials.credentials):
        raise forbidden("the token does not grant this session")
    return session_id


SessionDep = Annotated[str, Depends(session_of)]


def client_of(request: Request) -> str:
    """The client's address (behind a trusted proxy, the one its X-Forwarded-For names)."""
    return request.client.host if request.client is not None else "unknown"


ClientDep = Annotated[str, Depends(client_of)]


def start_open(body: OpenSessionIn, services: ServicesDep, client: ClientDep) -> PendingTurn:
    """Open a session and queue its first turn (429 over the client's limit, 503 when the pool is full)."""
    services.limiter.hit("open", client)
    _check_message(services, body.message)
    shopper = None
    if body.shopper_id is not None:
        shopper = services.shoppers.get(body.shopper_id)
        if shopper is None:
            raise bad_request(f"shopper_id {body.shopper_id!r} is not a shopper this server knows; send null")
    manager, handoff = services.manager, Handoff()
    session_id, stream = manager.open(shopper, body.message, cancelled=handoff.cancelled)
    try:
        future = _submit(services.pool, handoff, stream)
    except Busy:
        manager.close(session_id)  # nothing ran: the session never existed for the client
        raise
    created = SessionCreated(session_id=session_id, token=services.tokens.token(session_id))
    first = ServerSentEvent(event="session", data=created)
    return PendingTurn(future, handoff, first, lambda: manager.close(session_id))


def start_send(
    body: MessageIn, session_id: SessionDep, services: ServicesDep, client: ClientDep
) -> PendingTurn:
    """Queue the turn answering one message (404 unknown session, 429 over the client's limit, 503 when
    the pool is full)."""
    services.limiter.hit("message", client)
    _check_message(services, body.message)
    handoff = Handoff()
    # SessionNotFound here, before any work
    stream = services.manager.send(session_id, body.message, cancelled=handoff.cancelled)
    return PendingTurn(_submit(services.pool, handoff, stream), handoff)


router = APIRouter(tags=["shopper"], responses=ERROR_RESPONSES)


@router.post("/api/sessions", response_class=EventSourceResponse, summary="Open a chat session")
async def open_session(turn: Annotated[PendingTurn, Depends(start_open)]) -> AsyncIterator[ServerSentEvent]:
    """SSE: a `session` event {session_id, token}, then the opening turn's events, ending with `done`."""
    async for event in turn.events():
        yield event


@router.post(
    "/api/sessions/{session_id}/messages", response_class=EventSourceResponse, summary="Send a message"
)
async def send_message(turn: Annotated[PendingTurn, Depends(start_send)]) -> AsyncIterator[ServerSentEvent]:
    """SSE: the turn's events (text, item_card, evidence, error), ending with `done`."""
    async for event in turn.events():
        yield event


@router.post("/api/sessions/{session_id}/feedback", status_code=201, summary="Rate a reason or an answer")
def post_feedback(
    body: FeedbackIn, session_id: SessionDep, services: ServicesDep, client: ClientDep
) -> FeedbackOut:
    """Store a thumbs up (1) or down (-1) on a shown item's reason, or on an answer."""
    services.limiter.hit("message", client)
    found = services.manager.feedback(session_id, body.item_id, body.rating, body.comment, turn=body.turn)
    return FeedbackOut(feedback_id=found)


@router.get("/api/sessions/{session_id}", summary="A session's turns and messages")
def get_session(session_id: SessionDep, services: ServicesDep) -> SessionOut:
    """What a reloaded widget needs to redraw the chat."""
    saved = services.manager.save(session_id)
    turns = [TurnOut.model_validate(t) for t in saved["turns"]]
    messages = [MessageOut(role=role, text=text) for role, text in _messages(saved["messages"])]
    shown = services.manager.conversation(session_id).shown_recommendations()
    cards = [item_card(rec.item, n, rec, rec.candidate.also_in) for n, rec in enumerate(shown, start=1)]
    cards_turn = next((t.turn for t in reversed(turns) if t.items), None)
    return SessionOut(
        session_id=session_id,
        turn=saved["turn"],
        turns=turns,
        messages=messages,
        cards=cards,
        cards_turn=cards_turn,
    )


def _messages(dicts: Sequence[dict[str, Any]]) -> Iterator[tuple[Any, str]]:
    for message in dicts:
        role = message.get("type")
        if role in ("human", "ai"):
            yield role, str(message.get("data", {}).get("content", ""))


@router.get("/api/health", summary="Liveness, adapter and prompt version")
def health(services: ServicesDep) -> HealthOut:
    """The server answers; which adapter and prompt version write the reasons."""
    agent = services.agent
    adapter = agent.config.generator.adapter
    version = agent.current_prompt().version
    return HealthOut(adapter=str(adapter) if adapter is not None else "none", prompt_version=version)


def require_staff(
    services: ServicesDep,
    client: ClientDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> str:
    """The staff user name of a valid HTTP Basic login; 401 otherwise, 429 after too many failures."""
    if credentials is None:
        raise unauthorized("staff login required", STAFF_REALM)
    services.limiter.check_login(client)  # before the scrypt: a refused guess costs nothing
    if not services.auth.check(credentials.username, credentials.password):
        services.limiter.login_failed(client)
        raise unauthorized("staff login required", STAFF_REALM)
    return credentials.username


staff_router = APIRouter(
    prefix="/staff", tags=["staff"], dependencies=[Depends(require_staff)], responses=ERROR_RESPONSES
)
Limit = Annotated[int, Query(ge=1, le=1000)]
ShopperFilter = Annotated[str | None, Query(min_length=1, max_length=128)]


@staff_router.get("/sessions", summary="Stored sessions")
def staff_sessions(
    services: ServicesDep, shopper_id: ShopperFilter = None, limit: Limit = 100
) -> StaffSessionList:
    """Stored sessions, of one shopper or of all, most recently updated first."""
    rows = services.store.sessions(shopper_id=shopper_id, limit=limit)
    return StaffSessionList(sessions=[StaffSessionSummary.model_validate(asdict(r)) for r in rows])


@staff_router.get("/sessions/{session_id}", summary="A stored session")
def staff_session(session_id: str, services: ServicesDep) -> StaffSessionOut:
    """A stored session's saved state, messages and feedback."""
    row = services.store.load_session(session_id)
    if row is None:
        raise SessionNotFound(f"no stored session {session_id!r}")
    messages = [StaffMessage(role=r, text=t) for r, t in services.store.messages(session_id)]
    feedback = [f.model_dump(mode="json") for f in services.store.feedback(session_id=session_id)]
    return StaffSessionOut(
        session_id=row.id,
        shopper_id=row.shopper_id,
        created=row.created,
        updated=row.updated,
        state=row.state,
        messages=messages,
        feedback=feedback,
    )


@staff_router.get("/feedback", summary="Stored feedback")
def staff_feedback(
    services: ServicesDep,
    shopper_id: ShopperFilter = None,
    session_id: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    limit: Limit = 100,
) -> StaffFeedbackList:
    """Feedback rows, newest first, optionally of one shopper or one session."""
    rows = services.store.feedback(session_id=session_id, shopper_id=shopper_id, limit=limit)
    return StaffFeedbackList(feedback=[f.model_dump(mode="json") for f in reversed(rows)])
