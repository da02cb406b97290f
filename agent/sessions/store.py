"""The chat store: sessions, messages, feedback and what the chat learned about shoppers.

On the store's database (agent/store: SQLite embedded or PostgreSQL shared by replicas), through
SQLAlchemy Core. A turn is saved in one transaction (the session, all its messages, what was learned
about the shopper), so a crash stores a turn whole or not at all. Every session row has a revision, bumped
by each save: a replica compares it with the copy it holds in memory.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from agent.store import schema as t
from agent.store.database import Database, StoreConfig, sqlite_url
from agent.store.versioning import open_database
from whythis.errors import SessionNotFound
from whythis.paths import cache_root

_FEEDBACK_COLUMNS = tuple(c.name for c in t.feedback.columns if c.name != "id")
_JSON_COLUMNS = frozenset({"evidence", "shopper", "item", "context"})


def default_db_path() -> Path:
    """The store's default file: whythis.db in the cache dir."""
    return cache_root() / "whythis.db"


@dataclass(frozen=True)
class FeedbackRecord:
    """One thumbs up or down on a reason (item_id set) or an answer, with what it was about."""

    session_id: str
    shopper_id: str
    turn: int
    item_id: str | None
    rating: int
    prompt_name: str
    prompt_version: int
    adapter: str | None
    audience: str
    text_shown: str
    evidence: list[dict[str, Any]]
    shopper: dict[str, Any]
    item: dict[str, Any] | None = None
    context: list[dict[str, Any]] | None = None
    reason_source: str | None = None
    comment: str | None = None
    corrected_text: str | None = None
    corrected_grounded: bool | None = None


class FeedbackRow(BaseModel):
    """A stored feedback row as it comes back: JSON columns parsed."""

    model_config = ConfigDict(extra="forbid")

    id: int
    session_id: str
    shopper_id: str
    turn: int
    item_id: str | None
    rating: int = Field(ge=-1, le=1)
    comment: str | None
    corrected_text: str | None
    corrected_grounded: bool | None
    prompt_name: str
    prompt_version: int
    adapter: str | None
    reason_source: str | None
    audience: str
    evidence: list[dict[str, Any]]
    text_shown: str
    shopper: dict[str, Any]
    item: dict[str, Any] | None
    context: list[dict[str, Any]]
    created: float

    @field_validator("evidence", "shopper", "item", "context", mode="before")
    @classmethod
    def _parse_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


class SessionRow(BaseModel):
    """A stored session: its shopper, its saved state (the session JSON) and its revision."""

    model_config = ConfigDict(extra="forbid")

    id: str
    shopper_id: str
    state: dict[str, Any]
    created: float
    updated: float
    revision: int

    @field_validator("state", mode="before")
    @classmethod
    def _parse_json(cls, value: object) -> object:
        return json.loads(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class SessionSummary:
    """One stored session in a listing: ids, turns so far, and when it started and last changed."""

    session_id: str
    shopper_id: str
    turn: int
    created: float
    updated: float


class SessionMovedOn(SessionNotFound):
    """A save found the session changed or forgotten by another server since this one read it."""


class Store:
    """The chat tables on the store's database; safe to share between threads and processes."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def where(self) -> str:
        """The database: a file path or a server URL without its password."""
        return self.database.where

    def ping(self) -> None:
        """Reach the database (StoreUnavailable when it is away): checked before a new session starts."""
        with self.database.connect() as conn:
            conn.execute(select(1))

    def save_session(
        self,
        session_id: str,
        shopper_id: str,
        state: dict[str, Any],
        messages: Sequence[tuple[str, str]],
        learned: dict[str, Any] | None = None,
        revision: int | None = None,
    ) -> int:
        """Save a session, its messages (role, content) and what was learned of the shopper, in one
        transaction; its new revision. `revision`: the one this copy was read at (0: new); a session
        saved or forgotten since raises SessionMovedOn and nothing is written."""
        now = time.time()
        body = json.dumps(state, ensure_ascii=False)
        with self.database.begin() as conn:
            new = _write_session(conn, session_id, shopper_id, body, now, revision)
            conn.execute(delete(t.messages).where(t.messages.c.session_id == session_id))
            rows = [
                {"session_id": session_id, "shopper_id": shopper_id, "position": n, "role": r, "content": c}
                for n, (r, c) in enumerate(messages)
            ]
            if rows:
                conn.execute(insert(t.messages), rows)
            if learned is not None:
                _upsert_shopper(conn, shopper_id, learned, now)
        return new

    def load_session(self, session_id: str) -> SessionRow | None:
        """The stored session with this id, if any."""
        with self.database.connect() as conn:
            row = conn.execute(select(t.sessions).where(t.sessions.c.id == session_id)).mappings().first()
        return None if row is None else SessionRow.model_validate(dict(row))

    def revisions(self, session_ids: Sequence[str]) -> dict[str, int]:
        """The stored revision of each of these sessions that still exists."""
        if not session_ids:
            return {}
        query = select(t.sessions.c.id, t.sessions.c.revision).where(t.sessions.c.id.in_(session_ids))
        with self.database.connect() as conn:
            return {str(i): int(r) for i, r in conn.execute(query)}

    def messages(self, session_id: str) -> list[tuple[str, str]]:
        """A stored session's messages as (role, content), in order."""
        m = t.messages.c
        query = select(m.role, m.content).where(m.session_id == session_id).order_by(m.position)
        with self.database.connect() as conn:
            return [(str(r), str(c)) for r, c in conn.execute(query)]

    def add_feedback(self, record: FeedbackRecord) -> int:
        """Store one feedback record; returns its id."""
        values = {**record.__dict__, "created": time.time(), "context": record.context or []}
        row = {name: _column(name, values[name]) for name in _FEEDBACK_COLUMNS}
        with self.database.begin() as conn:
            key = conn.execute(insert(t.feedback).values(**row)).inserted_primary_key
        return int(key[0]) if key else 0

    def sessions(
        self, shopper_id: str | None = None, match: str | None = None, limit: int = 50
    ) -> list[SessionSummary]:
        """Sessions, latest first: all, a shopper's, or those whose session or shopper id is `match`."""
        s = t.sessions.c
        query = select(s.id, s.shopper_id, s.state, s.created, s.updated)
        if shopper_id:
            query = query.where(s.shopper_id == shopper_id)
        elif match:
            query = query.where(or_(s.id == match, s.shopper_id == match))
        query = query.order_by(s.updated.desc()).limit(limit)
        with self.database.connect() as conn:
            rows = conn.execute(query).all()
        return [
            SessionSummary(str(i), str(who), _turn(state), float(c), float(u)) for i, who, state, c, u in rows
        ]

    def feedback(
        self, session_id: str | None = None, shopper_id: str | None = None, limit: int | None = None
    ) -> list[FeedbackRow]:
        """Stored feedback rows, oldest first: all, or of one session and/or one shopper."""
        f = t.feedback.c
        query = select(t.feedback)
        if session_id:
            query = query.where(f.session_id == session_id)
        if shopper_id:
            query = query.where(f.shopper_id == shopper_id)
        query = query.order_by(f.id.desc()).limit(limit) if limit is not None else query.order_by(f.id)
        with self.database.connect() as conn:
            rows = conn.execute(query).mappings().all()
        found = [FeedbackRow.model_validate(dict(row)) for row in rows]
        return found[::-1] if limit is not None else found

    def save_shopper(self, shopper_id: str, data: dict[str, Any]) -> None:
        """Insert or replace what the chat knows about a shopper."""
        with self.database.begin() as conn:
            _upsert_shopper(conn, shopper_id, data, time.time())

    def load_shopper(self, shopper_id: str) -> dict[str, Any] | None:
        """What the chat knows about a shopper, if anything."""
        query = select(t.shoppers.c.data).where(t.shoppers.c.shopper_id == shopper_id)
        with self.database.connect() as conn:
            found = conn.execute(query).scalar()
        if found is None:
            return None
        data: dict[str, Any] = json.loads(found)
        return data

    def count(self, shopper_id: str) -> dict[str, int]:
        """How many rows of each table belong to a shopper."""
        with self.database.connect() as conn:
            return {
                table.name: int(
                    conn.execute(
                        select(func.count()).select_from(table).where(table.c.shopper_id == shopper_id)
                    ).scalar_one()
                )
                for table in t.SHOPPER_TABLES
            }

    def forget(self, shopper_id: str) -> dict[str, int]:
        """Delete a shopper's profile, sessions, messages and feedback; the rows deleted per table."""
        with self.database.begin() as conn:
            counts = {
                table.name: conn.execute(delete(table).where(table.c.shopper_id == shopper_id)).rowcount
                for table in t.SHOPPER_TABLES
            }
        if self.database.dialect == "sqlite":
            # Move the deletions out of the write-ahead log into the (overwritten) main file now.
            with self.database.connect() as conn:
                conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return counts

    def close(self) -> None:
        """Close the database's connections."""
        self.database.close()


def _write_session(
    conn: Connection, session_id: str, shopper_id: str, body: str, now: float, revision: int | None
) -> int:
    s = t.sessions.c
    change = update(t.sessions).where(s.id == session_id)
    if revision is not None:
        change = change.where(s.revision == revision)
    values = {"shopper_id": shopper_id, "state": body, "updated": now, "revision": s.revision + 1}
    if conn.execute(change.values(**values)).rowcount == 1:
        return int(conn.execute(select(s.revision).where(s.id == session_id)).scalar_one())
    exists = conn.execute(select(s.revision).where(s.id == session_id)).scalar()
    if exists is not None or (revision or 0) > 0:
        raise SessionMovedOn("this chat was continued or forgotten elsewhere meanwhile; reload it to go on")
    row = {"id": session_id, "shopper_id": shopper_id, "state": body, "created": now, "updated": now}
    conn.execute(insert(t.sessions).values(**row, revision=1))
    return 1


def _upsert_shopper(conn: Connection, shopper_id: str, data: dict[str, Any], now: float) -> None:
    # ON CONFLICT in both dialects: two servers saving one shopper at once must not collide.
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    row = {"shopper_id": shopper_id, "data": json.dumps(data, ensure_ascii=False), "updated": now}
    stmt = dialect_insert(t.shoppers).values(**row)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["shopper_id"], set_={"data": stmt.excluded.data, "updated": stmt.excluded.updated}
        )
    )


def _turn(state: str) -> int:
    try:
        return int(json.loads(state).get("turn", 0))
    except (ValueError, TypeError, AttributeError):
        return 0


def _column(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    return int(value) if isinstance(value, bool) else value


def open_store(path: Path | None = None, url: str | None = None, config: StoreConfig | None = None) -> Store:
    """Open (creating or upgrading if needed) the store at `url`, or the SQLite file at `path` (default:
    whythis.db in the cache dir)."""
    target = url or sqlite_url(path or default_db_path())
    return Store(open_database(target, config or StoreConfig()))
