"""Prompt versions and their audit log in SQLite: save a checked draft, activate, roll back, follow.

The tables live in the chat store's database file (WAL, agent/sessions/store.py), on a connection of
their own. The prompt YAML is stored whole, so its house rules and banned phrasings are versioned with it.
Exactly one version of each prompt is active; a ReasonWriter built with `follower(name)` reads it on
every use, so activating a version changes the very next reason without a restart.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from agent.studio.preview import check_draft, with_version
from prompts.render import PromptFile, builtin_prompt_names, load_prompt, parse_prompt
from whythis.errors import DataError, PromptError

Action = Literal["save", "activate", "rollback"]
SHIPPED = "shipped"
_SCHEMA = """
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
_VERSION_COLUMNS = "name, version, text, author, note, created_at, active"


@dataclass(frozen=True)
class PromptVersion:
    """One stored version of a prompt file: its YAML, who saved it and why, and whether it is active."""

    name: str
    version: int
    text: str
    author: str
    note: str
    created_at: float
    active: bool


@dataclass(frozen=True)
class AuditEntry:
    """One change to the prompt versions: who did what to which version, and when."""

    id: int
    at: float
    actor: str
    action: str
    name: str
    version: int
    detail: str


class _BlockDumper(yaml.SafeDumper):
    pass


def _str_block(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str_block)


def prompt_yaml(prompt: PromptFile) -> str:
    """A prompt file as editable YAML: multi-line templates as literal blocks, keys in model order."""
    data = prompt.model_dump(mode="json")
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=110)


class PromptVersions:
    """Versions of every prompt and the audit log; safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self.path = path
        self._conn = conn
        self._lock = threading.Lock()
        self._parsed: dict[tuple[str, int], PromptFile] = {}

    def names(self) -> list[str]:
        """The names of the versioned prompts."""
        with self._lock:
            rows = self._conn.execute("SELECT DISTINCT name FROM prompt_versions ORDER BY name").fetchall()
        return [str(r[0]) for r in rows]

    def save(self, name: str, text: str, author: str, note: str = "") -> PromptVersion:
        """Check a draft and store it, inactive, as the next version of `name`."""
        _require_actor(author, "author")
        known = self.names()
        if name not in known:
            raise PromptError(f"unknown prompt {name!r}; versioned prompts: {', '.join(known) or 'none'}")
        check_draft(text, name)
        try:
            with self._lock, self._conn:
                row = self._conn.execute(
                    "SELECT COALESCE(MAX(version), 0) FROM prompt_versions WHERE name = ?", (name,)
                ).fetchone()
                version = int(row[0]) + 1
                self._insert(name, version, with_version(text, version), author, note, active=False)
                self._audit(author, "save", name, version, note)
        except sqlite3.IntegrityError as exc:
            raise PromptError(
                f"another version of {name!r} was saved at the same moment; save again"
            ) from exc
        return self.get(name, version)

    def activate(self, name: str, version: int, actor: str) -> PromptVersion:
        """Make `version` the active version of `name` (the next reason uses it)."""
        _require_actor(actor, "actor")
        target = self.get(name, version)
        current = self.active(name)
        if current.version == target.version:
            return target
        with self._lock, self._conn:
            self._switch(name, version)
            self._audit(actor, "activate", name, version, f"was v{current.version}")
        return self.get(name, version)

    def rollback(self, name: str, actor: str) -> PromptVersion:
        """Re-activate the version that was active before the current one."""
        _require_actor(actor, "actor")
        stack = self._activation_stack(name)
        if len(stack) < 2:
            raise PromptError(
                f"prompt {name!r} has nothing to roll back to: v{stack[-1] if stack else '?'} "
                "is the first version activated"
            )
        current, previous = stack[-1], stack[-2]
        with self._lock, self._conn:
            self._switch(name, previous)
            self._audit(actor, "rollback", name, previous, f"from v{current}")
        return self.get(name, previous)

    def get(self, name: str, version: int) -> PromptVersion:
        """One stored version; PromptError when there is no such version."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE name = ? AND version = ?",
                (name, version),
            ).fetchone()
        if row is None:
            raise PromptError(f"prompt {name!r} has no version {version}; see its history for the versions")
        return _version(row)

    def active(self, name: str) -> PromptVersion:
        """The active version of `name`."""
        with self._lock:
            row = self._conn.execute(
                f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE name = ? AND active = 1", (name,)
            ).fetchone()
        if row is None:
            raise PromptError(f"prompt {name!r} has no active version; versioned: {', '.join(self.names())}")
        return _version(row)

    def follower(self, name: str = "reason") -> Callable[[], PromptFile]:
        """A prompt source for a ReasonWriter: the active version of `name`, read on every use."""
        self.active_prompt(name)  # fails now, not on the first shopper's turn, when there is none
        return lambda: self.active_prompt(name)

    def active_prompt(self, name: str) -> PromptFile:
        """The active version's prompt file: one indexed query, parsed once per version."""
        with self._lock:
            row = self._conn.execute(
                "SELECT version FROM prompt_versions WHERE name = ? AND active = 1", (name,)
            ).fetchone()
        if row is None:
            raise PromptError(f"prompt {name!r} has no active version")
        key = (name, int(row[0]))
        found = self._parsed.get(key)
        if found is None:
            found = parse_prompt(self.get(*key).text, f"prompt {name!r} v{key[1]}")
            self._parsed[key] = found
        return found

    def history(self, name: str) -> list[PromptVersion]:
        """Every version of `name`, newest first."""
        with self._lock:
            rows = self._conn.execute(
                f"SELECT {_VERSION_COLUMNS} FROM prompt_versions WHERE name = ? ORDER BY version DESC",
                (name,),
            ).fetchall()
        return [_version(r) for r in rows]

    def audit(self, limit: int = 100, name: str | None = None) -> list[AuditEntry]:
        """The latest audit entries (of one prompt, or all), newest first."""
        where, params = ("WHERE name = ?", (name, limit)) if name else ("", (limit,))
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, actor, action, name, version, detail FROM prompt_audit "
                f"{where} ORDER BY id DESC LIMIT ?",
                params,
            ).fetchall()
        return [_entry(r) for r in rows]

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def seed(self, seeds: Mapping[str, PromptFile]) -> None:
        """Store each seed as the active first version of its name, unless the name has versions already.

        The first version keeps the file's own version number, so feedback and training rows that named
        the shipped prompt's version still name the same text.
        """
        with self._lock, self._conn:
            for name, prompt in seeds.items():
                if self._conn.execute("SELECT 1 FROM prompt_versions WHERE name = ?", (name,)).fetchone():
                    continue
                version = prompt.version
                text = prompt_yaml(prompt.model_copy(update={"name": name}))
                self._insert(name, version, text, SHIPPED, "shipped file", active=True)
                self._audit(SHIPPED, "save", name, version, "shipped file")
                self._audit(SHIPPED, "activate", name, version, "first version")

    def _activation_stack(self, name: str) -> list[int]:
        # Replayed from the audit log: an activation pushes, a rollback pops.
        with self._lock:
            rows = self._conn.execute(
                "SELECT action, version FROM prompt_audit WHERE name = ? AND action != 'save' ORDER BY id",
                (name,),
            ).fetchall()
        stack: list[int] = []
        for action, version in rows:
            if action == "rollback" and stack:
                stack.pop()
            elif not stack or stack[-1] != version:
                stack.append(int(version))
        return stack

    def _insert(self, name: str, version: int, text: str, author: str, note: str, active: bool) -> None:
        self._conn.execute(
            f"INSERT INTO prompt_versions ({_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, version, text, author, note, time.time(), int(active)),
        )

    def _switch(self, name: str, version: int) -> None:
        self._conn.execute("UPDATE prompt_versions SET active = 0 WHERE name = ? AND active = 1", (name,))
        self._conn.execute(
            "UPDATE prompt_versions SET active = 1 WHERE name = ? AND version = ?", (name, version)
        )

    def _audit(self, actor: str, action: Action, name: str, version: int, detail: str) -> None:
        self._conn.execute(
            "INSERT INTO prompt_audit (at, actor, action, name, version, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (time.time(), actor, action, name, version, detail),
        )


def _version(row: tuple[Any, ...]) -> PromptVersion:
    name, version, text, author, note, created_at, active = row
    return PromptVersion(
        str(name), int(version), str(text), str(author), str(note), float(created_at), bool(active)
    )


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    at_id, at, actor, action, name, version, detail = row
    return AuditEntry(int(at_id), float(at), str(actor), str(action), str(name), int(version), str(detail))


def _require_actor(who: str, role: str) -> None:
    if not who or not who.strip():
        raise DataError(f"the {role} of a prompt change is empty; give the staff user's name")


def shipped_prompts() -> dict[str, PromptFile]:
    """Every prompt shipped in the prompts package, by name."""
    return {name: load_prompt(name) for name in builtin_prompt_names()}


def open_prompt_versions(path: Path, seeds: Mapping[str, PromptFile] | None = None) -> PromptVersions:
    """Open (creating and seeding if needed) the prompt versions in the database file at `path`."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, timeout=10.0)
        mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        conn.execute("PRAGMA synchronous=NORMAL")
        with conn:
            conn.executescript(_SCHEMA)
    except sqlite3.Error as exc:
        raise DataError(f"cannot open the prompt versions in {path}: {exc}") from exc
    if str(mode).lower() != "wal":
        raise DataError(f"the database {path} cannot use WAL mode (got {mode!r})")
    versions = PromptVersions(conn, path)
    versions.seed(shipped_prompts() if seeds is None else seeds)
    return versions
