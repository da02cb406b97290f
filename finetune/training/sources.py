"""Training sources as prompt rows: XRec domains, JSONL files of prompt rows, and registered shop sources.

A prompt row is a prompt name, the variables that prompt renders from, and the answer to learn. Shop
sources (amazon2023, giftcards, liked reasons from feedback) build their variables with the agent's own
code, so they register through the `whythis.training_sources` entry points and this package imports none
of it: training renders their rows with the same renderer inference uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finetune.training.config import DataSource
from whythis.errors import ConfigError, RowError
from whythis.validation import first_problem

ENTRY_POINTS = "whythis.training_sources"
BUILT_IN = ("xrec", "rows")

# A registered source: (data_dir, at most this many rows or None, audience "auto"|"shopper"|"support")
# -> prompt rows as plain dicts, the format of a rows file line.
SourceFn = Callable[[str | None, int | None, str], list[dict[str, Any]]]


class PromptRowFile(BaseModel):
    """One line of a prompt-rows file: which prompt, its variables, and the answer to learn."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1)
    variables: dict[str, Any]
    answer: str = Field(min_length=1)
    key: str = Field(default="", description="a stable id of the row (for splits and reports)")


@dataclass(frozen=True)
class PromptRow:
    """A training row ready to render: prompt name, variables, answer, and where it came from."""

    prompt: str
    variables: dict[str, Any]
    answer: str
    key: str
    source: str


def registered_sources() -> dict[str, Any]:
    """The shop sources installed packages register, by name."""
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINTS)}


def valid_sources() -> list[str]:
    """Every source name a training config may use."""
    return [*BUILT_IN, *sorted(registered_sources())]


def plugin_rows(source: DataSource, data_dir: str | None, audience: str) -> list[PromptRow]:
    """The prompt rows of a registered source; ConfigError listing valid names for an unknown one."""
    found = registered_sources().get(source.source)
    if found is None:
        raise ConfigError(f"unknown training source {source.source!r}; valid: {', '.join(valid_sources())}")
    make: SourceFn = found.load()
    label = source.label
    out = []
    for n, raw in enumerate(make(data_dir, source.rows, audience), start=1):
        row = _validate(raw, label, n)
        out.append(PromptRow(row.prompt, row.variables, row.answer, row.key or f"{label}:{n}", label))
    return out


def read_prompt_rows(path: Path, limit: int | None = None) -> list[PromptRow]:
    """The rows of a prompt-rows JSONL file; RowError names the line and field of a bad one."""
    out: list[PromptRow] = []
    for line_no, raw in _json_lines(path):
        if limit is not None and len(out) >= limit:
            break
        row = _validate(raw, str(path), line_no)
        out.append(
            PromptRow(row.prompt, row.variables, row.answer, row.key or f"{path.name}:{line_no}", str(path))
        )
    return out


def _json_lines(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield line_no, json.loads(line)
            except json.JSONDecodeError as exc:
                raise RowError(str(path), line_no, "(json)", f"not valid JSON: {exc.msg}") from exc


def _validate(raw: Any, where: str, line_no: int) -> PromptRowFile:
    try:
        return PromptRowFile.model_validate(raw)
    except ValidationError as exc:
        field, problem = first_problem(exc, given=False)
        raise RowError(where, line_no, field, problem) from exc
