"""The store's schema version: Alembic migrations, applied on open or by `whythis store upgrade`.

On open, a database is one of: fresh (no tables: created at the head), current, older (SQLite, the
embedded one-process store, upgrades in place; PostgreSQL, shared by replicas, waits for an explicit
`whythis store upgrade` so a rolling deploy never changes the schema under a running replica), newer
(written by a later whythis: refused), or foreign (tables that are not the store's: refused). A SQLite
file that is not one, or is damaged, is refused before anything is written to it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url

from agent.store.database import SQLITE_MAGIC, Database, StoreConfig, create, normalized_url
from whythis.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STORE_TABLES = frozenset(
    {"sessions", "messages", "feedback", "shoppers", "prompt_versions", "prompt_audit", "prompt_trials"}
)
# The chat tables every store had before migrations were versioned.
_LEGACY = frozenset({"sessions", "messages", "feedback", "shoppers"})
# One number for PostgreSQL's advisory lock: replicas starting at once create the tables once.
_LOCK_KEY = 0x77687974
Status = Literal["fresh", "legacy", "current", "older", "newer", "foreign"]


@dataclass(frozen=True)
class SchemaState:
    """What a database holds: its schema revision, the head this whythis knows, and its tables."""

    where: str
    current: str | None
    head: str
    tables: tuple[str, ...]

    @property
    def status(self) -> Status:
        """fresh, legacy (before versioning), current, older, newer, or foreign."""
        if self.current is None:
            present = set(self.tables)
            if not present:
                return "fresh"
            return "legacy" if _LEGACY <= present <= STORE_TABLES else "foreign"
        if self.current == self.head:
            return "current"
        return "older" if self.current in _known_revisions() else "newer"


def alembic_config(conn: Connection) -> Config:
    """Alembic's config over our migrations, running on `conn`."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    """The newest schema revision this whythis knows."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None, "the store has no migrations"
    return head


def _known_revisions() -> set[str]:
    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS)).walk_revisions()}


def schema_state(conn: Connection, where: str) -> SchemaState:
    """The schema state of the database on `conn`."""
    current = MigrationContext.configure(conn).get_current_revision()
    tables = tuple(sorted(set(inspect(conn).get_table_names()) - {"alembic_version"}))
    return SchemaState(where, current, head_revision(), tables)


def open_database(url: str, config: StoreConfig, upgrade: bool | None = None) -> Database:
    """Open the store's database, creating or upgrading its schema as the rules above say.

    `upgrade`: None applies the rules; True also upgrades an older PostgreSQL database; False never
    changes an existing schema."""
    db = _checked(url, config)
    try:
        with db.begin() as conn:
            _lock(conn)
            state = schema_state(conn, db.where)
            if _must_upgrade(state, db.dialect, upgrade):
                command.upgrade(alembic_config(conn), "head")
    except BaseException:
        db.close()
        raise
    return db


def _checked(url: str, config: StoreConfig) -> Database:
    """An engine for `url`, after a SQLite file was found to be one and whole."""
    url = normalized_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        check_sqlite_file(Path(make_url(url).database or ""))
    return create(url, config)


def _must_upgrade(state: SchemaState, dialect: str, upgrade: bool | None) -> bool:
    status = state.status
    if status == "current":
        return False
    if status == "foreign":
        raise StoreError(
            f"{state.where} is not a whythis store: its tables are {', '.join(state.tables)}; "
            "point store.url at an empty database or a whythis store"
        )
    if status == "newer":
        raise StoreError(
            f"the store {state.where} was written by a newer whythis (schema {state.current}); this "
            f"version knows schemas up to {state.head}: upgrade whythis, or use another database"
        )
    if status == "fresh" or upgrade or (upgrade is None and dialect == "sqlite"):
        return True
    raise StoreError(
        f"the store {state.where} has schema {state.current or 'unversioned'}, this whythis needs "
        f"{state.head}: run `whythis store upgrade` with the same store.url first"
    )


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a SQLite database, or a damaged one, before anything writes to it."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.stat().st_size == 0:
            return
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StoreError(f"cannot open the store {path}: {exc.strerror or exc}") from exc
    if not os.access(path.parent, os.W_OK) or not os.access(path, os.W_OK):
        raise StoreError(
            f"the store {path} is read-only (its file or directory {path.parent}); make both writable "
            "for the user running whythis"
        )
    if head != SQLITE_MAGIC:
        raise StoreError(
            f"{path} is not a SQLite database (another program's file?); move it or set store.url"
        )
    problem = _quick_check(path)
    if problem is not None:
        raise StoreError(f"the store {path} is damaged ({problem}); restore it from a backup or move it")


def _quick_check(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0)
        try:
            rows = conn.execute("PRAGMA quick_check").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:
        raise StoreError(f"cannot open the store {path} ({exc}); is its directory writable?") from exc
    except sqlite3.DatabaseError as exc:
        return str(exc)
    found = [str(r[0]) for r in rows]
    return None if found == ["ok"] else "; ".join(found[:3])


def store_status(url: str, config: StoreConfig) -> SchemaState:
    """The schema state of the store at `url`, changing nothing (a missing SQLite file is not made)."""
    parsed = make_url(normalized_url(url))
    if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").exists():
        return SchemaState(str(parsed.database), None, head_revision(), ())
    db = _checked(url, config)
    try:
        with db.connect() as conn:
            return schema_state(conn, db.where)
    finally:
        db.close()


def upgrade_store(url: str, config: StoreConfig) -> tuple[SchemaState, SchemaState]:
    """Upgrade the store at `url` to the head schema (creating it when empty); the state before and after."""
    before = store_status(url, config)
    open_database(url, config, upgrade=True).close()
    return before, store_status(url, config)
