"""The database behind the store: one SQLAlchemy engine, SQLite (embedded) or PostgreSQL (shared).

SQLite gets WAL (readers never wait for the writer), `secure_delete` (forgotten rows are overwritten)
and a busy timeout; PostgreSQL gets a connect timeout, a statement timeout and pre-ping, so that while
the server is down a request fails fast with `StoreUnavailable` and succeeds again once it is back,
without a restart. Every database error leaves here as a `StoreError` naming the database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from whythis.errors import StoreError, StoreUnavailable

SQLITE_MAGIC = b"SQLite format 3\x00"
# SQLSTATE classes of PostgreSQL meaning "not now": connection problems, admin shutdown, lock timeouts.
_PG_TRANSIENT = ("08", "57", "55P03", "40001", "40P01", "53300")


class StoreConfig(BaseModel):
    """Where the store lives and how long a request may wait for it."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(
        default=None,
        description="sqlite:///path or postgresql://user:pass@host/db; default: whythis.db in the data dir",
    )
    connect_timeout_s: int = Field(default=5, ge=1, le=120, description="PostgreSQL: give up connecting")
    statement_timeout_s: float = Field(default=15.0, gt=0, le=600, description="one statement at most")
    pool_size: int = Field(default=8, ge=1, le=256, description="PostgreSQL connections per process")
    sync_seconds: float = Field(
        default=2.0, ge=0.0, le=3600.0, description="replicas: how often live sessions are checked"
    )


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


def normalized_url(url: str) -> str:
    """The URL with the driver this project ships (psycopg 3) for PostgreSQL."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Database:
    """One engine over the store's database; `begin()` for a transaction, `connect()` to read."""

    def __init__(self, engine: Engine, where: str) -> None:
        self.where = where
        self._engine = engine

    @property
    def dialect(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self._engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed at the end (rolled back on an error)."""
        with translated(self.where), self._engine.begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A connection for reading."""
        with translated(self.where), self._engine.connect() as conn:
            yield conn

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()


@contextmanager
def translated(where: str) -> Iterator[None]:
    """Database errors as StoreError / StoreUnavailable naming `where`; integrity errors pass through."""
    try:
        yield
    except exc.IntegrityError:
        raise
    except exc.DBAPIError as error:
        raise _store_error(where, error) from error
    except exc.TimeoutError as error:
        raise StoreUnavailable(f"the store {where} is busy: no free connection in time") from error


def _store_error(where: str, error: exc.DBAPIError) -> StoreError:
    orig = error.orig
    detail = str(orig).strip().splitlines()[0] if orig is not None else str(error)
    state = str(getattr(orig, "sqlstate", "") or "")
    if "readonly" in detail or "read-only" in detail or state == "25006":
        return StoreError(f"the store {where} is read-only ({detail}); make it writable for this user")
    if "full" in detail or "No space left" in detail or state == "53100":
        return StoreError(f"the store {where} is full ({detail}); free space on its disk")
    if "unable to open" in detail:
        return StoreError(f"cannot open the store {where} ({detail}); is its directory writable?")
    if _transient(error, detail, state):
        return StoreUnavailable(f"the store {where} cannot be reached just now: {detail}")
    return StoreError(f"the store {where} failed: {detail}")


def _transient(error: exc.DBAPIError, detail: str, state: str) -> bool:
    if error.connection_invalidated or state.startswith(_PG_TRANSIENT) or "locked" in detail:
        return True
    # PostgreSQL's operational errors without a permanent state are the server being away or slow.
    return isinstance(error, exc.OperationalError) and not isinstance(error.orig, sqlite3.Error)


def create(url: str, config: StoreConfig) -> Database:
    """An engine for `url` set up for its dialect (no connection is made yet)."""
    url = normalized_url(url)
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise StoreError(
            f"store.url {url!r} is not a database URL; give sqlite:///path or postgresql://host/db"
        ) from error
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(url, str(parsed.database or ""), config)
    if parsed.get_backend_name() == "postgresql":
        return _postgresql(url, parsed.render_as_string(hide_password=True), config)
    raise StoreError(
        f"store.url {url!r}: unknown database {parsed.get_backend_name()!r}; valid: sqlite, postgresql"
    )


def _sqlite(url: str, path: str, config: StoreConfig) -> Database:
    engine = create_engine(
        url, connect_args={"timeout": config.statement_timeout_s, "check_same_thread": False}
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    return Database(engine, path)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()[0]
    if str(mode).lower() != "wal":
        raise sqlite3.OperationalError(f"cannot use WAL mode (got {mode!r})")
    cur.execute("PRAGMA secure_delete=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _postgresql(url: str, where: str, config: StoreConfig) -> Database:
    timeout_ms = int(config.statement_timeout_s * 1000)
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=config.pool_size,
        max_overflow=config.pool_size,
        pool_timeout=config.connect_timeout_s,
        connect_args={
            "connect_timeout": config.connect_timeout_s,
            "options": f"-c statement_timeout={timeout_ms} -c lock_timeout={timeout_ms}",
        },
    )
    return Database(engine, where)
