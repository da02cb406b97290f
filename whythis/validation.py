"""A pydantic error in words (the field, what is wrong, what was given, what is valid), and JSON-lines
files read row by row through a model: written once for every loader."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from whythis.errors import DataError, RowError

M = TypeVar("M", bound=BaseModel)


def short_repr(value: object, limit: int = 60) -> str:
    """A value as an error message quotes it: its repr, cut."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_problem(
    exc: ValidationError, top: str = "(row)", model: type[BaseModel] | None = None, given: bool = True
) -> tuple[str, str]:
    """The first error of `exc` as (field path, problem): "missing (required)", an unknown field with
    the valid ones (when `model` is given), else pydantic's message and, with `given`, the value."""
    err = exc.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or top
    if err["type"] == "missing":
        return field, "missing (required)"
    if err["type"] == "extra_forbidden" and model is not None:
        return field, f"unknown field; valid fields: {', '.join(model.model_fields)}"
    if not given:
        return field, str(err["msg"])
    return field, f"{err['msg']} (given {short_repr(err.get('input'))})"


def read_jsonl(path: Path, model: type[M]) -> list[M]:
    """Every row of a JSON-lines file validated as `model`; a bad row names file, line and field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from exc
    out: list[M] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            out.append(model.model_validate_json(line))
        except ValidationError as exc:
            field, problem = first_problem(exc, model=model)
            raise RowError(str(path), n, field, problem) from exc
    return out
