"""The sessions a server holds in memory, and "forget me" across them and the store.

A live session is one chat's conversation with its turn counter, its log and the store revision it was
read or saved at; `LiveSessions` keeps them by id behind one lock, shared by the session manager and its
forgetter.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from agent.chat.state import Conversation
from agent.sessions.store import Store


@dataclass(frozen=True)
class TurnLog:
    """One turn as it was answered: the text, the cards shown and the items explained."""

    turn: int
    intent: str
    text: str
    items: tuple[str, ...] = ()
    explained: tuple[str, ...] = ()


@dataclass
class Session:
    """One live chat: its conversation, its turn counter and log, and a lock for one turn at a time."""

    session_id: str
    conv: Conversation
    turn: int = 0
    turns: list[TurnLog] = field(default_factory=list)
    # The store's revision this copy was read or last saved at (0: never saved).
    revision: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class LiveSessions:
    """The sessions in memory, by id, behind one lock: shared by the manager and its forgetter."""

    _sessions: dict[str, Session] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, session: Session) -> Session:
        """Keep a session live."""
        with self._lock:
            self._sessions[session.session_id] = session
        return session

    def get(self, session_id: str) -> Session | None:
        """The live session with this id, if any."""
        with self._lock:
            return self._sessions.get(session_id)

    def drop(self, session_id: str) -> None:
        """Forget a live session (a stored copy stays)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def revisions(self) -> dict[str, int]:
        """The revision of every live session, by id."""
        with self._lock:
            return {sid: s.revision for sid, s in self._sessions.items()}

    def drop_stale(self, stored: Mapping[str, int], checked: Mapping[str, int]) -> list[Session]:
        """Drop each checked session whose stored revision differs from the one it had when checked
        (saved elsewhere: reloaded on its next use; gone: forgotten elsewhere); the sessions dropped."""
        with self._lock:
            stale = [
                self._sessions[sid]
                for sid, rev in checked.items()
                if rev > 0
                and stored.get(sid) != rev
                and sid in self._sessions
                and self._sessions[sid].revision == rev
            ]
            for session in stale:
                del self._sessions[session.session_id]
        return stale

    def drop_shopper(self, shopper_id: str, keep: Conversation) -> int:
        """End every other live session of a shopper; how many ended."""
        with self._lock:
            others = [
                sid
                for sid, s in self._sessions.items()
                if s.conv is not keep and s.conv.state.shopper.shopper_id == shopper_id
            ]
            for sid in others:
                del self._sessions[sid]
        return len(others)


@dataclass(frozen=True)
class StoreForgetter:
    """ "Forget me": the shopper's other open sessions end and the store drops what it kept of them."""

    live: LiveSessions
    store: Store | None = None
    # Drops the shopper's cached reasons (not counted: a cache is not a record kept about them).
    forget_reasons: Callable[[str], int] | None = None

    def __call__(self, conv: Conversation) -> dict[str, int] | None:
        """Counts of what was forgotten, or None when nothing was kept anywhere."""
        shopper_id = conv.state.shopper.shopper_id
        if self.forget_reasons is not None:
            self.forget_reasons(shopper_id)
        ended = self.live.drop_shopper(shopper_id, keep=conv)
        if self.store is None and not ended:
            return None
        counts = self.store.forget(shopper_id) if self.store is not None else {}
        return {**counts, "open_sessions": ended}
