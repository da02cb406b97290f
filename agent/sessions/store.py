"""The chat's SQLite store: sessions, messages, feedback and what the chat learned about shoppers.

One file (WAL mode, `secure_delete` on so forgotten rows are overwritten, not just unlinked). The schema
is created by `open_store`; every statement is parameterised.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from whythis.errors import DataError
from whythis.paths import cache_root

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    shopper_id TEXT NOT NULL,
    state TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_shopper ON sessions (shopper_id);
CREATE TABLE IF NOT EXISTS messages (
    session_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    PRIMARY KEY (session_id, position)
);
CREATE INDEX IF NOT EXISTS messages_by_shopper ON messages (shopper_id);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    turn INTEGER NOT NULL,
    item_id TEXT,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT,
    corrected_text TEXT,
    corrected_grounded INTEGER,
    prompt_name TEXT NOT NULL,
    prompt_version INTEGER NOT NULL,
    adapter TEXT,
    reason_source TEXT,
    audience TEXT NOT NULL,
    evidence TEXT NOT NULL,
    text_shown TEXT NOT NULL,
    shopper TEXT NOT NULL,
    item TEXT,
    context TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_by_shopper ON feedback (shopper_id);
CREATE TABLE IF NOT EXISTS shoppers (
    shopper_id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated REAL NOT NULL
);
"""
_FEEDBACK_COLUMNS = (
    "session_id", "shopper_id", "turn", "item_id", "rating", "comment", "corrected_text",
    "corrected_grounded", "prompt_name", "prompt_version", "adapter", "reason_source", "audience",
    "evidence", "text_shown", "shopper", "item", "context", "created",
)  # fmt: skip
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
    """A stored session: its shopper and its saved state (the session JSON)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    shopper_id: str
    state: dict[str, Any]
    created: float
    updated: float

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


class Store:
    """A connection to the chat store; safe to share between threads (one lock, short transactions)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()

    def journal_mode(self) -> str:
        """The SQLite journal mode ('wal')."""
        with self._lock:
            return str(self._conn.execute("PRAGMA journal_mode").fetchone()[0])

    def save_session(
        self, session_id: str, shopper_id: str, state: dict[str, Any], messages: Sequence[tuple[str, str]]
    ) -> None:
        """Insert or replace a session's state and its messages (role, content) in order."""
        now = time.time()
        rows = [(session_id, shopper_id, n, role, text) for n, (role, text) in enumerate(messages)]
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO sessions (id, shopper_id, state, created, updated) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET shopper_id = excluded.shopper_id, state = excluded.state, "
                "updated = excluded.updated",
                (session_id, shopper_id, json.dumps(state, ensure_ascii=False), now, now),
            )
            self._conn.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
            self._conn.executemany(
                "INSERT INTO messages (session_id, shopper_id, position, role, content) "
                "VALUES (?, ?, ?, ?, ?)",
                rows,
            )

    def load_session(self, session_id: str) -> SessionRow | None:
        """The stored session with this id, if any."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT id, shopper_id, state, created, updated FROM sessions WHERE id = ?", (session_id,)
            )
            row = cur.fetchone()
        return None if row is None else SessionRow.model_validate(dict(zip(_names(cur), row, strict=True)))

    def messages(self, session_id: str) -> list[tuple[str, str]]:
        """A stored session's messages as (role, content), in order."""
        with self._lock:
            cur = self._conn.execute(
                "SELECT role, content FROM messages WHERE session_id = ? ORDER BY position", (session_id,)
            )
            return [(str(r), str(c)) for r, c in cur.fetchall()]

    def add_feedback(self, record: FeedbackRecord) -> int:
        """Store one feedback record; returns its id."""
        values = {**record.__dict__, "created": time.time(), "context": record.context or []}
        params = [_column(name, values[name]) for name in _FEEDBACK_COLUMNS]
        marks = ", ".join("?" * len(_FEEDBACK_COLUMNS))
        with self._lock, self._conn:
            cur = self._conn.execute(
                f"INSERT INTO feedback ({', '.join(_FEEDBACK_COLUMNS)}) VALUES ({marks})", params
            )
            return int(cur.lastrowid or 0)

    def sessions(
        self, shopper_id: str | None = None, match: str | None = None, limit: int = 50
    ) -> list[SessionSummary]:
        """Sessions, latest first: all, a shopper's, or those whose session or shopper id is `match`."""
        where, params = "", []
        if shopper_id:
            where, params = "WHERE shopper_id = ?", [shopper_id]
        elif match:
            where, params = "WHERE id = ? OR shopper_id = ?", [match, match]
        sql = (
            "SELECT id, shopper_id, COALESCE(json_extract(state, '$.turn'), 0), created, updated "
            f"FROM sessions {where} ORDER BY updated DESC LIMIT ?"
        )
        with self._lock:
            rows = self._conn.execute(sql, [*params, limit]).fetchall()
        return [SessionSummary(str(i), str(s), int(t), float(c), float(u)) for i, s, t, c, u in rows]

    def feedback(
        self, session_id: str | None = None, shopper_id: str | None = None, limit: int | None = None
    ) -> list[FeedbackRow]:
        """Stored feedback rows, oldest first: all, or of one session and/or one shopper."""
        filters = [(col, v) for col, v in (("session_id", session_id), ("shopper_id", shopper_id)) if v]
        where = " AND ".join(f"{col} = ?" for col, _ in filters)
        sql = f"SELECT id, {', '.join(_FEEDBACK_COLUMNS)} FROM feedback"
        sql += f" WHERE {where}" if where else ""
        sql += " ORDER BY id" + (" DESC LIMIT ?" if limit is not None else "")
        params: list[Any] = [v for _, v in filters] + ([limit] if limit is not None else [])
        with self._lock:
            cur = self._conn.execute(sql, params)
            rows = cur.fetchall()
            names = _names(cur)
        found = [FeedbackRow.model_validate(dict(zip(names, row, strict=True))) for row in rows]
        return found[::-1] if limit is not None else found

    def save_shopper(self, shopper_id: str, data: dict[str, Any]) -> None:
        """Insert or replace what the chat knows about a shopper."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO shoppers (shopper_id, data, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (shopper_id) DO UPDATE SET data = excluded.data, updated = excluded.updated",
                (shopper_id, json.dumps(data, ensure_ascii=False), time.time()),
            )

    def load_shopper(self, shopper_id: str) -> dict[str, Any] | None:
        """What the chat knows about a shopper, if anything."""
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM shoppers WHERE shopper_id = ?", (shopper_id,)
            ).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def count(self, shopper_id: str) -> dict[str, int]:
        """How many rows of each table belong to a shopper."""
        with self._lock:
            return {
                table: int(
                    self._conn.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE {key} = ?", (shopper_id,)
                    ).fetchone()[0]
                )
                for table, key in _SHOPPER_KEYS
            }

    def forget(self, shopper_id: str) -> dict[str, int]:
        """Delete a shopper's profile, sessions, messages and feedback; the rows deleted per table."""
        counts: dict[str, int] = {}
        with self._lock, self._conn:
            for table, key in _SHOPPER_KEYS:
                cur = self._conn.execute(f"DELETE FROM {table} WHERE {key} = ?", (shopper_id,))
                counts[table] = cur.rowcount
        with self._lock:
            # Move the deletions out of the write-ahead log into the (overwritten) main file now.
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return counts

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()


# Table names and their shopper column: fixed identifiers, never user input.
_SHOPPER_KEYS = (
    ("feedback", "shopper_id"),
    ("messages", "shopper_id"),
    ("sessions", "shopper_id"),
    ("shoppers", "shopper_id"),
)


def _names(cur: sqlite3.Cursor) -> list[str]:
    return [d[0] for d in cur.description]


def _column(name: str, value: Any) -> Any:
    if name in _JSON_COLUMNS:
        return None if value is None else json.dumps(value, ensure_ascii=False)
    return int(value) if isinstance(value, bool) else value


def open_store(path: Path | None = None) -> Store:
    """Open (creating if needed) the store at `path` (default: whythis.db in the cache dir)."""
    path = path or default_db_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        with conn:
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except sqlite3.Error as exc:
        raise DataError(f"cannot open the chat store {path}: {exc}") from exc
    if str(mode).lower() != "wal":
        raise DataError(f"the chat store {path} cannot use WAL mode (got {mode!r})")
    return Store(conn, path)
