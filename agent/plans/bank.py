"""The phrasing bank (phrasings.yaml): hand-written sentences per fact kind and tone, and how a plan's
target sentence is composed from them. Training targets come from here, and so does what the plan check
accepts (check.py), so the model is taught nothing the check would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.plans.facts import KINDS, PlanError
from agent.plans.planner import TONES, VARIANTS
from agent.plans.slots import slots_in

BANK_FILE = Path(__file__).with_name("phrasings.yaml")


class _Phrasings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lead: list[str] = Field(min_length=VARIANTS)
    vp: list[str] = Field(min_length=2)


class _BankFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, dict[str, _Phrasings]]
    joins: dict[str, list[str]]


@dataclass(frozen=True)
class Phrasings:
    """One kind's phrasings in one tone: leads open a reason, verb phrases follow "it"."""

    lead: tuple[str, ...]
    vp: tuple[str, ...]


@dataclass(frozen=True)
class Bank:
    """Every kind's phrasings by tone, and the openers that join a second sentence."""

    facts: Mapping[str, Mapping[str, Phrasings]]
    joins: Mapping[str, tuple[str, ...]]

    def compose(self, kinds: Sequence[str], tone: str, variant: int) -> str:
        """A plan's target: the lead of its first fact, then "It ... and ..." for the rest."""
        first = self.facts[kinds[0]][tone]
        text = first.lead[(variant - 1) % len(first.lead)]
        if len(kinds) == 1:
            return text
        joins = self.joins[tone]
        phrases = [
            self.facts[k][tone].vp[(variant - 1 + i) % len(self.facts[k][tone].vp)]
            for i, k in enumerate(kinds[1:])
        ]
        return f"{text} {joins[(variant - 1) % len(joins)]} {' and '.join(phrases)}."


def load_bank(text: str | None = None, source: str = "agent/plans/phrasings.yaml") -> Bank:
    """The bank from its YAML (default: the shipped file), every phrasing checked against its kind."""
    if text is None:
        return _shipped()
    try:
        parsed = _BankFile.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise PlanError(f"{source} is not a valid phrasing bank: {exc}") from exc
    _check_complete(parsed, source)
    facts = {
        kind: MappingProxyType({t: Phrasings(tuple(p.lead), tuple(p.vp)) for t, p in tones.items()})
        for kind, tones in parsed.facts.items()
    }
    joins = {t: tuple(j) for t, j in parsed.joins.items()}
    return Bank(MappingProxyType(facts), MappingProxyType(joins))


@cache
def _shipped() -> Bank:
    text = resources.files("agent.plans").joinpath("phrasings.yaml").read_text(encoding="utf-8")
    return load_bank(text)


def _check_complete(bank: _BankFile, source: str) -> None:
    missing = [k for k in KINDS if k not in bank.facts] + [t for t in TONES if t not in bank.joins]
    unknown = [k for k in bank.facts if k not in KINDS]
    if missing or unknown:
        raise PlanError(f"{source}: missing {missing or 'nothing'}, unknown kinds {unknown or 'none'}")
    for kind, tones in bank.facts.items():
        if set(tones) != set(TONES):
            raise PlanError(f"{source}: {kind} has tones {sorted(tones)}, needs {list(TONES)}")
        want = sorted(KINDS[kind].slots)
        for tone, p in tones.items():
            for phrase in [*p.lead, *p.vp]:
                if sorted(slots_in(phrase)) != want:
                    raise PlanError(f"{source}: {kind}/{tone} {phrase!r} must use exactly {want}")
