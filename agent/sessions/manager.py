"""Chat sessions for an HTTP API or a UI: open, send (a stream of typed events), save, restore, feedback.

A session id (unguessable, `secrets.token_urlsafe`) is the only key to its session: every call takes one
and touches that session alone. A turn runs as its events are consumed: the reply's text in chunks, a new
list's item cards as soon as retrieval is done, then each card's reason in its own event as soon as it is
written and checked, and for "why" turns the evidence. The LM's tokens are never streamed as they come:
only reasons that passed the grounding and output checks are. The turn is stored whole when it ends.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError

from agent.chat.agent import ChatAgent, Reply
from agent.chat.state import ChatState, Conversation, anonymous_shopper
from agent.recommender import Agent
from agent.sessions.codec import ConversationFile, conversation_from_file, conversation_to_dict, validated
from agent.sessions.events import (
    DoneEvent,
    ErrorEvent,
    Event,
    evidence_event,
    item_card,
    reason_event,
    text_chunks,
)
from agent.sessions.feedback import StaffFeedbackIn, feedback_record
from agent.sessions.live import LiveSessions, Session, TurnLog
from agent.sessions.store import SessionMovedOn, Store
from prompts.render import PromptFile
from retrieval.shoppers import Shopper
from whythis.errors import ConfigError, DataError, SessionNotFound, StoreError
from whythis.validation import first_problem

log = logging.getLogger(__name__)
SESSION_FORMAT = "whythis.session/1"


class SessionFile(ConversationFile):
    """A saved session: the conversation plus the turn counter and the turn log."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["whythis.session/1"] = "whythis.session/1"
    turn: int = Field(ge=0)
    turns: list[TurnLog] = Field(default_factory=list)


def new_session_id() -> str:
    """An unguessable session id."""
    return secrets.token_urlsafe(24)


@dataclass(frozen=True)
class SessionManager:
    """Every live session over one chat agent, persisted to the store after each turn when there is one.

    Built by `agent.compose.session_manager`, which hands the same `live` sessions to the chat agent's
    forgetter."""

    bot: ChatAgent
    agent: Agent
    live: LiveSessions
    store: Store | None = None
    # Drops a shopper's cached reasons when another server forgot them.
    forget_reasons: Callable[[str], int] | None = None
    # The prompt versions a session's turn is written with, by name, read at each turn: a prompt trial's
    # for a session in its share (agent/studio/trials.py); empty or None: the active versions.
    trials: Callable[[str], Mapping[str, PromptFile]] | None = None

    def open(
        self,
        shopper: Shopper | None = None,
        first_message: str | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> tuple[str, Iterator[Event]]:
        """A new session and the events of its first turn; no shopper means an anonymous cold one.
        `cancelled()` true (the shopper left) stops generating: the rest of the cards get templates."""
        if self.store is not None:
            self.store.ping()  # a session that could not be kept fails now, not after its first turn
        who = shopper or anonymous_shopper()
        conv = Conversation(ChatState(who, wants=(first_message or "").strip()))
        session = self.live.add(Session(new_session_id(), conv))
        opening = self._run(session, lambda bot: bot.opening(conv, first_message), cancelled)
        return session.session_id, opening

    def send(
        self, session_id: str, message: str, cancelled: Callable[[], bool] | None = None
    ) -> Iterator[Event]:
        """The events of the reply to one message; SessionNotFound for an unknown id; `cancelled`: see
        `open`."""
        session = self._get(session_id)
        return self._run(session, lambda bot: bot.begin(session.conv, message), cancelled)

    def save(self, session_id: str) -> dict[str, Any]:
        """The whole session as plain JSON (see SessionFile)."""
        session = self._get(session_id)
        with session.lock:
            return _dump(session)

    def restore(self, data: Mapping[str, Any]) -> str:
        """A new live session (with a new id) continuing exactly where the saved one stopped."""
        return self.live.add(_load(new_session_id(), data)).session_id

    def conversation(self, session_id: str) -> Conversation:
        """The conversation of a session (for in-process callers such as the terminal chat)."""
        return self._get(session_id).conv

    def is_live(self, session_id: str) -> bool:
        """Whether this server holds the session in memory."""
        return self.live.get(session_id) is not None

    def close(self, session_id: str) -> None:
        """Drop a session from memory; a stored copy stays until forgotten."""
        self.live.drop(session_id)

    def feedback(
        self,
        session_id: str,
        item_id: str | None,
        rating: int,
        comment: str | None = None,
        corrected: str | None = None,
        turn: int | None = None,
    ) -> int:
        """Record a thumbs up (+1) or down (-1) on a reason (item_id) or an answer; returns its id."""
        if self.store is None:
            raise ConfigError("feedback needs a store: create the session manager with open_store()")
        try:
            given = StaffFeedbackIn(
                item_id=item_id, rating=rating, comment=comment, corrected=corrected, turn=turn
            )
        except ValidationError as exc:
            field, problem = first_problem(exc, top="", given=False)
            raise DataError(f"feedback {field}: {problem}") from exc
        session = self._get(session_id)
        with session.lock:
            t = _turn_log(session, given.turn)
            turn_ = (t.turn, t.text, t.explained)
            record = feedback_record(self.agent, session.session_id, session.conv, turn_, given)
        return self.store.add_feedback(record)

    def sync(self) -> int:
        """Drop the live sessions another server saved or forgot since this one read them; how many."""
        if self.store is None:
            return 0
        checked = self.live.revisions()
        stored = self.store.revisions(list(checked))
        dropped = self.live.drop_stale(stored, checked)
        for session in dropped:
            if session.session_id not in stored:
                self._forgotten_elsewhere(session)
        return len(dropped)

    def _forgotten_elsewhere(self, session: Session) -> None:
        if self.forget_reasons is not None:
            self.forget_reasons(session.conv.state.shopper.shopper_id)

    def _get(self, session_id: str) -> Session:
        found = self.live.get(session_id)
        if self.store is None or (found is not None and found.revision == 0):
            if found is not None:  # opened here, its first turn not stored yet
                return found
            raise SessionNotFound("no such chat session (it may have ended or been forgotten)")
        stored = self.store.revisions([session_id]).get(session_id)
        if found is not None and found.revision == stored:
            return found
        # Not live here, or moved on on another server: continue from the stored copy.
        row = self.store.load_session(session_id) if stored is not None else None
        if row is None:
            self.live.drop(session_id)
            if found is not None:
                self._forgotten_elsewhere(found)
            raise SessionNotFound("no such chat session (it may have ended or been forgotten)")
        return self.live.add(_load(session_id, row.state, row.revision))

    def _run(
        self,
        session: Session,
        produce: Callable[[ChatAgent], Reply],
        cancelled: Callable[[], bool] | None,
    ) -> Iterator[Event]:
        with session.lock:  # held until the turn is stored: one turn at a time per session
            bot = self.bot.using(self.trials(session.session_id)) if self.trials is not None else self.bot
            reply = produce(bot)
            yield from self._events(session, reply)
            if reply.cards is not None:
                positions = _positions(session)
                for rec in bot.reasons(session.conv, reply, cancelled):
                    yield reason_event(rec, positions[rec.item.item_id])
                reply = bot.finish(session.conv, reply)
            session.turn += 1
            if reply.reset:  # started over (e.g. forgotten): stored anew, not as the old row's successor
                session.turns.clear()
                session.revision = 0
            session.turns.append(_log(session, reply))
            problem = self._persist(session)
            done = DoneEvent(intent=reply.intent, turn=session.turn, ended=reply.done)
        if problem is not None:
            yield problem
        yield done

    def _events(self, session: Session, reply: Reply) -> list[Event]:
        out: list[Event] = []
        if reply.error is not None:
            out.append(ErrorEvent(code=reply.error, message=reply.text))
        else:
            out.extend(text_chunks(reply.lead if reply.cards else reply.text))
        positions = _positions(session)
        if reply.cards is not None:
            cards = reply.cards.candidates
            out.extend(item_card(c.item, positions[c.item.item_id], also_in=c.also_in) for c in cards)
        out.extend(evidence_event(r, positions.get(r.item.item_id), self._title) for r in reply.explained)
        return out

    def _title(self, item_id: str) -> str | None:
        item = self.agent.item(item_id)
        return item.title if item is not None else None

    def _persist(self, session: Session) -> ErrorEvent | None:
        if self.store is None:
            return None
        conv = session.conv
        shopper_id = conv.state.shopper.shopper_id
        messages = [(m.type, str(m.content)) for m in conv.messages]
        saved = _dump(session)
        learned = {"shopper": saved["shopper"], "learned": _learned(conv)}
        try:
            session.revision = self.store.save_session(
                session.session_id, shopper_id, saved, messages, learned, session.revision
            )
        except SessionMovedOn:
            self.live.drop(session.session_id)
            return ErrorEvent(
                code="store", message="This chat went on elsewhere, so this answer wasn't kept."
            )
        except StoreError as exc:
            log.error("saving session failed: %s", exc)
            return ErrorEvent(code="store", message="Your chat goes on, but I couldn't save it just now.")
        return None


def _positions(session: Session) -> dict[str, int]:
    return {item_id: n for n, item_id in enumerate(session.conv.state.shown, start=1)}


def _learned(conv: Conversation) -> dict[str, Any]:
    # What the shopper told the chat, beyond their profile: kept with the shopper until forgotten.
    c = conv.state.constraints
    return {
        "wants": conv.state.wants,
        "budget_max": c.budget_max,
        "budget_min": c.budget_min,
        "gender": c.gender,
        "colours": list(c.colours),
        "avoid_brands": list(c.avoid_brands),
    }


def _log(session: Session, reply: Reply) -> TurnLog:
    items = tuple(r.item.item_id for r in reply.items)
    explained = tuple(r.item.item_id for r in reply.explained)
    return TurnLog(session.turn, reply.intent, reply.text, items, explained)


def _turn_log(session: Session, turn: int | None) -> TurnLog:
    wanted = session.turn if turn is None else turn
    found = next((t for t in session.turns if t.turn == wanted), None)
    if found is None:
        raise DataError(f"turn {wanted} is not part of this session")
    return found


def _dump(session: Session) -> dict[str, Any]:
    turns = [
        {
            "turn": t.turn,
            "intent": t.intent,
            "text": t.text,
            "items": list(t.items),
            "explained": list(t.explained),
        }
        for t in session.turns
    ]
    return {
        "format": SESSION_FORMAT,
        "turn": session.turn,
        "turns": turns,
        **conversation_to_dict(session.conv),
    }


def _load(session_id: str, data: Mapping[str, Any], revision: int = 0) -> Session:
    saved = validated(SessionFile, dict(data), "session")
    return Session(session_id, conversation_from_file(saved), saved.turn, list(saved.turns), revision)
