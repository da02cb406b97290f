"""Prompt versions and their audit log in the store: save a checked draft, activate, roll back, follow.

The tables live in the store's database (agent/store: SQLite or PostgreSQL), so every server sharing it
sees the same versions. The prompt YAML is stored whole, so its house rules and banned phrasings are
versioned with it. Exactly one version of each prompt is active; a ReasonWriter built with
`follower(name)` reads it on every use, so activating a version on any server changes the very next
reason of every server without a restart. A trial of a saved version on a share of the sessions is
agent/studio/trials.py; its start and stop go into the same audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from sqlalchemy import Connection, exc, func, insert, select, update

from agent.store import schema as t
from agent.store.database import Database
from agent.studio.preview import check_draft, with_version
from prompts.render import PromptFile, builtin_prompt_names, load_prompt, parse_prompt
from whythis.errors import DataError, PromptError

Action = Literal["save", "activate", "rollback", "trial_start", "trial_stop"]
SHIPPED = "shipped"
_V = t.prompt_versions.c
_A = t.prompt_audit.c


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
    # A prompt without steering (all but the realizer's) keeps its YAML free of an empty block.
    data = prompt.model_dump(mode="json", exclude={"steering"} if prompt.steering is None else None)
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=110)


class PromptVersions:
    """Versions of every prompt and the audit log; safe to share between threads and servers."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self._parsed: dict[tuple[str, int], PromptFile] = {}

    @property
    def database(self) -> Database:
        """The store's database the versions live in (trials and feedback are read beside them)."""
        return self._db

    def names(self) -> list[str]:
        """The names of the versioned prompts."""
        with self._db.connect() as conn:
            rows = conn.execute(select(_V.name).distinct().order_by(_V.name)).all()
        return [str(r[0]) for r in rows]

    def save(self, name: str, text: str, author: str, note: str = "") -> PromptVersion:
        """Check a draft and store it, inactive, as the next version of `name`."""
        require_actor(author, "author")
        known = self.names()
        if name not in known:
            raise PromptError(f"unknown prompt {name!r}; versioned prompts: {', '.join(known) or 'none'}")
        check_draft(text, name)
        try:
            with self._db.begin() as conn:
                top = conn.execute(select(func.coalesce(func.max(_V.version), 0)).where(_V.name == name))
                version = int(top.scalar_one()) + 1
                _insert(conn, name, version, with_version(text, version), author, note, active=False)
                record_audit(conn, author, "save", name, version, note)
        except exc.IntegrityError as error:
            raise PromptError(
                f"another version of {name!r} was saved at the same moment; save again"
            ) from error
        return self.get(name, version)

    def activate(self, name: str, version: int, actor: str) -> PromptVersion:
        """Make `version` the active version of `name` (the next reason uses it)."""
        require_actor(actor, "actor")
        target = self.get(name, version)
        current = self.active(name)
        if current.version == target.version:
            return target
        with self._db.begin() as conn:
            _switch(conn, name, version)
            record_audit(conn, actor, "activate", name, version, f"was v{current.version}")
        return self.get(name, version)

    def rollback(self, name: str, actor: str) -> PromptVersion:
        """Re-activate the version that was active before the current one."""
        require_actor(actor, "actor")
        stack = self._activation_stack(name)
        if len(stack) < 2:
            raise PromptError(
                f"prompt {name!r} has nothing to roll back to: v{stack[-1] if stack else '?'} "
                "is the first version activated"
            )
        current, previous = stack[-1], stack[-2]
        with self._db.begin() as conn:
            _switch(conn, name, previous)
            record_audit(conn, actor, "rollback", name, previous, f"from v{current}")
        return self.get(name, previous)

    def get(self, name: str, version: int) -> PromptVersion:
        """One stored version; PromptError when there is no such version."""
        with self._db.connect() as conn:
            row = conn.execute(_versions().where(_V.name == name, _V.version == version)).first()
        if row is None:
            raise PromptError(f"prompt {name!r} has no version {version}; see its history for the versions")
        return _version(tuple(row))

    def active(self, name: str) -> PromptVersion:
        """The active version of `name`."""
        with self._db.connect() as conn:
            row = conn.execute(_versions().where(_V.name == name, _V.active == 1)).first()
        if row is None:
            raise PromptError(f"prompt {name!r} has no active version; versioned: {', '.join(self.names())}")
        return _version(tuple(row))

    def follower(self, name: str = "reason") -> Callable[[], PromptFile]:
        """A prompt source for a ReasonWriter: the active version of `name`, read on every use."""
        self.active_prompt(name)  # fails now, not on the first shopper's turn, when there is none
        return lambda: self.active_prompt(name)

    def active_prompt(self, name: str) -> PromptFile:
        """The active version's prompt file: one indexed query, parsed once per version."""
        with self._db.connect() as conn:
            found_version = conn.execute(select(_V.version).where(_V.name == name, _V.active == 1)).scalar()
        if found_version is None:
            raise PromptError(f"prompt {name!r} has no active version")
        return self.prompt(name, int(found_version))

    def prompt(self, name: str, version: int) -> PromptFile:
        """The prompt file of one stored version, parsed once."""
        found = self._parsed.get((name, version))
        if found is None:
            found = parse_prompt(self.get(name, version).text, f"prompt {name!r} v{version}")
            self._parsed[(name, version)] = found
        return found

    def history(self, name: str) -> list[PromptVersion]:
        """Every version of `name`, newest first."""
        with self._db.connect() as conn:
            rows = conn.execute(_versions().where(_V.name == name).order_by(_V.version.desc())).all()
        return [_version(tuple(r)) for r in rows]

    def audit(self, limit: int = 100, name: str | None = None) -> list[AuditEntry]:
        """The latest audit entries (of one prompt, or all), newest first."""
        query = select(_A.id, _A.at, _A.actor, _A.action, _A.name, _A.version, _A.detail)
        if name:
            query = query.where(_A.name == name)
        with self._db.connect() as conn:
            rows = conn.execute(query.order_by(_A.id.desc()).limit(limit)).all()
        return [_entry(tuple(r)) for r in rows]

    def close(self) -> None:
        """Close the database's connections."""
        self._db.close()

    def seed(self, seeds: Mapping[str, PromptFile]) -> None:
        """Store each seed as the active first version of its name, unless the name has versions already.

        The first version keeps the file's own version number, so feedback and training rows that named
        the shipped prompt's version still name the same text. Servers starting at once seed it once.
        """
        for name, prompt in seeds.items():
            try:
                with self._db.begin() as conn:
                    if conn.execute(select(_V.version).where(_V.name == name).limit(1)).first():
                        continue
                    version = prompt.version
                    text = prompt_yaml(prompt.model_copy(update={"name": name}))
                    _insert(conn, name, version, text, SHIPPED, "shipped file", active=True)
                    record_audit(conn, SHIPPED, "save", name, version, "shipped file")
                    record_audit(conn, SHIPPED, "activate", name, version, "first version")
            except exc.IntegrityError:
                continue  # another server seeded this name first

    def _activation_stack(self, name: str) -> list[int]:
        # Replayed from the audit log: an activation pushes, a rollback pops (saves and trials do neither).
        moves = _A.action.in_(("activate", "rollback"))
        query = select(_A.action, _A.version).where(_A.name == name, moves).order_by(_A.id)
        with self._db.connect() as conn:
            rows = conn.execute(query).all()
        stack: list[int] = []
        for action, version in rows:
            if action == "rollback" and stack:
                stack.pop()
            elif not stack or stack[-1] != version:
                stack.append(int(version))
        return stack


def _versions() -> Any:
    return select(_V.name, _V.version, _V.text, _V.author, _V.note, _V.created_at, _V.active)


def _insert(
    conn: Connection, name: str, version: int, text: str, author: str, note: str, active: bool
) -> None:
    row = {"name": name, "version": version, "text": text, "author": author, "note": note}
    conn.execute(insert(t.prompt_versions).values(**row, created_at=time.time(), active=int(active)))


def _switch(conn: Connection, name: str, version: int) -> None:
    conn.execute(update(t.prompt_versions).where(_V.name == name, _V.active == 1).values(active=0))
    conn.execute(update(t.prompt_versions).where(_V.name == name, _V.version == version).values(active=1))


def record_audit(conn: Connection, actor: str, action: Action, name: str, version: int, detail: str) -> None:
    """One audit entry, written in the caller's transaction (with the change it records)."""
    row = {"actor": actor, "action": action, "name": name, "version": version, "detail": detail}
    conn.execute(insert(t.prompt_audit).values(**row, at=time.time()))


def _version(row: tuple[Any, ...]) -> PromptVersion:
    name, version, text, author, note, created_at, active = row
    return PromptVersion(
        str(name), int(version), str(text), str(author), str(note), float(created_at), bool(active)
    )


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    at_id, at, actor, action, name, version, detail = row
    return AuditEntry(int(at_id), float(at), str(actor), str(action), str(name), int(version), str(detail))


def require_actor(who: str, role: str) -> None:
    """DataError unless the staff user's name is given."""
    if not who or not who.strip():
        raise DataError(f"the {role} of a prompt change is empty; give the staff user's name")


def shipped_prompts() -> dict[str, PromptFile]:
    """Every prompt shipped in the prompts package, by name."""
    return {name: load_prompt(name) for name in builtin_prompt_names()}


def open_prompt_versions(database: Database, seeds: Mapping[str, PromptFile] | None = None) -> PromptVersions:
    """The prompt versions in the store's database, seeded with the shipped prompts where a name has none."""
    versions = PromptVersions(database)
    versions.seed(shipped_prompts() if seeds is None else seeds)
    return versions
