"""Prompt trials: a saved version of a prompt written for a share of the sessions, beside the active one,
and how each version did with shoppers (their helpful / not helpful feedback).

A session is in a trial when a hash of its id falls below the trial's share: the same on every turn and
every server, with nothing kept per session. A prompt has one trial at a time; starting and stopping it
go into the prompt audit log with the versions' own changes. Feedback names the version that wrote each
reason (agent/reasons/writer.py), so a trial's rates are its own.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, delete, exc, func, insert, select

from agent.store import schema as t
from agent.studio.versions import PromptVersions, record_audit, require_actor
from prompts.render import PromptFile
from whythis.errors import DataError, PromptError

MAX_SHARE = 0.5  # a trial never outweighs the active version
_T = t.prompt_trials.c
_F = t.feedback.c


@dataclass(frozen=True)
class Trial:
    """A running trial: version `version` of prompt `name` writes for `share` of the sessions."""

    name: str
    version: int
    share: float
    actor: str
    started_at: float

    def includes(self, session_id: str) -> bool:
        """Whether a session is in the trial's share: decided by a hash of its id and the trial's version,
        so each trial draws its own sessions."""
        digest = hashlib.sha256(f"{self.name}@{self.version}:{session_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") < self.share * 2**64


@dataclass(frozen=True)
class VersionRates:
    """The feedback on the reasons one version of a prompt wrote: how many were rated, and how."""

    name: str
    version: int
    rated: int
    helpful: int
    not_helpful: int

    @property
    def helpful_rate(self) -> float | None:
        """The share of rated reasons found helpful; None when none was rated."""
        return self.helpful / self.rated if self.rated else None


class PromptTrials:
    """The running trials, beside the prompt versions in the store's database."""

    def __init__(self, versions: PromptVersions) -> None:
        self._versions = versions
        self._db = versions.database

    def start(self, name: str, version: int, share: float, actor: str) -> Trial:
        """Write `share` (more than 0, at most 0.5) of the sessions with a saved, inactive version."""
        require_actor(actor, "actor")
        if not 0 < share <= MAX_SHARE:  # NaN fails this too
            raise DataError(f"a trial's share is more than 0 and at most {MAX_SHARE}; given {share}")
        if self._versions.get(name, version).active:
            raise PromptError(f"{name!r} v{version} is active; a trial runs a saved version that is not")
        running = self.running(name)
        if running is not None:
            raise PromptError(f"a trial of {name!r} is running ({_said(running)}); stop it first")
        row = {"name": name, "version": version, "share": share, "actor": actor}
        try:
            with self._db.begin() as conn:
                conn.execute(insert(t.prompt_trials).values(**row, started_at=time.time()))
                record_audit(conn, actor, "trial_start", name, version, f"on {share:.0%} of sessions")
        except exc.IntegrityError as error:
            raise PromptError(f"another trial of {name!r} was started at the same moment") from error
        return self._running_or_fail(name)

    def stop(self, name: str, actor: str) -> Trial:
        """End the trial of `name`: its sessions go back to the active version from their next turn."""
        require_actor(actor, "actor")
        running = self._running_or_fail(name)
        with self._db.begin() as conn:
            gone = conn.execute(delete(t.prompt_trials).where(_T.name == name, _T.version == running.version))
            if gone.rowcount:
                record_audit(conn, actor, "trial_stop", name, running.version, f"was {_said(running)}")
        return running

    def running(self, name: str) -> Trial | None:
        """The running trial of `name`, if any."""
        return next((r for r in self.all() if r.name == name), None)

    def all(self) -> list[Trial]:
        """Every running trial, by prompt name."""
        query = select(_T.name, _T.version, _T.share, _T.actor, _T.started_at).order_by(_T.name)
        with self._db.connect() as conn:
            return [_trial(tuple(r)) for r in conn.execute(query).all()]

    def prompts_for(self, session_id: str) -> dict[str, PromptFile]:
        """The trial versions a session's turn is written with, by prompt name (empty: the active ones)."""
        chosen = [r for r in self.all() if r.includes(session_id)]
        return {r.name: self._versions.prompt(r.name, r.version) for r in chosen}

    def rates(self, name: str) -> list[VersionRates]:
        """Each version's feedback on the reasons it wrote (answers are not counted), newest first; a
        version nobody rated is listed with zeros."""
        helpful = func.sum(case((_F.rating == 1, 1), else_=0))
        query = (
            select(_F.prompt_version, func.count(), helpful)
            .where(_F.prompt_name == name, _F.item_id.is_not(None))
            .group_by(_F.prompt_version)
        )
        with self._db.connect() as conn:
            counted = {int(v): (int(n), int(h)) for v, n, h in conn.execute(query).all()}
        versions = sorted({*counted, *(v.version for v in self._versions.history(name))}, reverse=True)
        return [VersionRates(name, v, *_split(counted.get(v, (0, 0)))) for v in versions]

    def _running_or_fail(self, name: str) -> Trial:
        running = self.running(name)
        if running is None:
            raise PromptError(f"no trial of {name!r} is running")
        return running


def _split(counts: tuple[int, int]) -> tuple[int, int, int]:
    rated, helpful = counts
    return rated, helpful, rated - helpful


def _said(trial: Trial) -> str:
    return f"v{trial.version} on {trial.share:.0%} of sessions"


def _trial(row: tuple[Any, ...]) -> Trial:
    name, version, share, actor, started_at = row
    return Trial(str(name), int(version), float(share), str(actor), float(started_at))
