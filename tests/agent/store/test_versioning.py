"""The store's schema versions: created fresh, an older store upgraded in place, a newer or foreign
database, a non-SQLite or damaged file refused with a message naming it; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from agent.sessions.store import open_store
from agent.store import schema
from agent.store.database import StoreConfig, normalized_url
from agent.store.versioning import alembic_config, head_revision, open_database, store_status, upgrade_store
from whythis.errors import StoreError

# The layout every store had before versioned migrations (PRAGMA user_version = 1).
LEGACY_CHAT = """
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
LEGACY_PROMPTS = """
CREATE TABLE IF NOT EXISTS prompt_versions (
    name TEXT NOT NULL,
    version INTEGER NOT NULL CHECK (version >= 1),
    text TEXT NOT NULL,
    author TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
    PRIMARY KEY (name, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS prompt_versions_active ON prompt_versions (name) WHERE active = 1;
CREATE TABLE IF NOT EXISTS prompt_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('save', 'activate', 'rollback')),
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS prompt_audit_by_name ON prompt_audit (name, id);
"""


def at_revision(url: str, revision: str) -> None:
    """Bring an empty database to an older schema revision, as an older whythis left it."""
    engine = create_engine(normalized_url(url))
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    engine.dispose()


def test_a_fresh_database_is_created_at_the_head_equal_to_the_tables_described(db_url: str) -> None:
    db = open_database(db_url, StoreConfig())
    with db.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == head_revision()
        assert compare_metadata(MigrationContext.configure(conn), schema.metadata) == []
    db.close()
    assert store_status(db_url, StoreConfig()).status == "current"


def test_a_store_from_before_versioning_upgrades_in_place_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(LEGACY_CHAT + LEGACY_PROMPTS)
    conn.execute("INSERT INTO sessions VALUES ('s1', 'maya', '{\"turn\": 2}', 1.0, 2.0)")
    conn.execute("INSERT INTO shoppers VALUES ('maya', '{\"learned\": {}}', 2.0)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    assert store_status(f"sqlite:///{path}", StoreConfig()).status == "legacy"
    store = open_store(path)
    row = store.load_session("s1")
    assert row is not None and row.state == {"turn": 2} and row.revision == 0
    assert store.load_shopper("maya") == {"learned": {}}
    store.close()
    assert store_status(f"sqlite:///{path}", StoreConfig()).status == "current"


def test_an_older_postgresql_store_waits_for_store_upgrade(pg_url: str) -> None:
    db_url = pg_url
    at_revision(db_url, "0001")
    with pytest.raises(StoreError, match="run `whythis store upgrade`"):
        open_database(db_url, StoreConfig())
    before, after = upgrade_store(db_url, StoreConfig())
    assert (before.current, before.status) == ("0001", "older")
    assert (after.current, after.status) == (head_revision(), "current")
    open_database(db_url, StoreConfig()).close()


def test_a_database_written_by_a_newer_whythis_is_refused(db_url: str) -> None:
    open_database(db_url, StoreConfig()).close()
    engine = create_engine(normalized_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"newer whythis \(schema 9999\).*up to " + head_revision()):
        open_database(db_url, StoreConfig())


def test_another_programs_database_is_refused_untouched(db_url: str) -> None:
    engine = create_engine(normalized_url(db_url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"))
    engine.dispose()
    with pytest.raises(StoreError, match="is not a whythis store: its tables are invoices"):
        open_database(db_url, StoreConfig())
    assert store_status(db_url, StoreConfig()).tables == ("invoices",)


def test_a_file_that_is_not_sqlite_or_is_truncated_is_refused_at_start(tmp_path: Path) -> None:
    other = tmp_path / "notes.db"
    other.write_text("shopping list: milk, eggs\n" * 100)
    with pytest.raises(StoreError, match=f"{other} is not a SQLite database"):
        open_store(other)
    assert other.read_text().startswith("shopping list")
    whole = tmp_path / "whole.db"
    store = open_store(whole)
    for n in range(300):
        store.save_session(f"s{n}", "maya", {"turn": n, "pad": "x" * 500}, [("human", "hi " * 50)])
    store.close()
    data = whole.read_bytes()
    cut = tmp_path / "cut.db"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match=f"the store {cut} is damaged"):
        open_store(cut)
