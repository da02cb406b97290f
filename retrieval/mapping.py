"""Column mappings: which source column feeds which catalog field, and the value clean-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from retrieval.items import CatalogRow
from whythis.errors import ConfigError

# CatalogRow fields a source column can feed; `extra` is filled from ColumnMapping.extra.
MAPPABLE_FIELDS: tuple[str, ...] = tuple(name for name in CatalogRow.model_fields if name != "extra")

_NUMBER = r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?"
_CURRENCY = r"(?:[$€£₹¥]|rs\.?|inr|eur|usd|gbp)"
_PRICE = re.compile(rf"^{_CURRENCY}?\s*({_NUMBER})\s*{_CURRENCY}?$", re.IGNORECASE)
_RATING = re.compile(rf"^({_NUMBER})\s*(?:/\s*5(?:\.0)?|out of 5(?: stars)?|stars?)?$", re.I)
_PERCENT = re.compile(rf"^-?\s*({_NUMBER})\s*%?(?:\s*off)?$", re.IGNORECASE)


class FieldProblem(Exception):
    """One field of one row cannot be used; the loader adds the file and line."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ColumnMapping(BaseModel):
    """Which source column feeds each catalog field; unmapped fields use a same-named column."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item_id: str | None = None
    title: str | None = None
    category: str | None = None
    kind: str | None = None
    brand: str | None = None
    price: str | None = None
    colour: str | None = None
    material: str | None = None
    gender: str | None = None
    sizes: str | None = None
    rating: str | None = None
    discount_pct: str | None = None
    description: str | None = None
    extra: list[str] = Field(default_factory=list)
    defaults: dict[str, str] = Field(default_factory=dict)

    @field_validator("defaults")
    @classmethod
    def _known_defaults(cls, value: dict[str, str]) -> dict[str, str]:
        valid = [name for name in MAPPABLE_FIELDS if name != "item_id"]
        for key in value:
            if key not in valid:
                raise ValueError(f"no catalog field {key!r} to default; valid: {', '.join(valid)}")
        return value

    def source_columns(self) -> dict[str, str]:
        """The explicitly mapped fields and their source columns."""
        return {name: col for name in MAPPABLE_FIELDS if (col := getattr(self, name)) is not None}


def load_mapping(path: str | Path) -> ColumnMapping:
    """A ColumnMapping from a small YAML file; ConfigError naming the file and the bad key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"mapping file not found: {path}") from exc
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the mapping as YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a mapping file must be a YAML mapping of field: column")
    try:
        return ColumnMapping.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_mapping_problem(exc)}") from exc


def _mapping_problem(exc: ValidationError) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        valid = ", ".join([*MAPPABLE_FIELDS, "extra", "defaults"])
        return f"unknown key {key!r}; valid keys: {valid}"
    return f"key {key!r}: {error['msg']} (given {error['input']!r})"


def map_row(mapping: ColumnMapping, raw: Mapping[str, Any], native: bool) -> dict[str, Any]:
    """The CatalogRow input for one raw record; native records are already in our field names."""
    if native:
        row = dict(raw)
    else:
        row = {}
        for name in MAPPABLE_FIELDS:
            column = getattr(mapping, name) or name
            if column in raw:
                row[name] = raw[column]
        extra = {col: text for col in mapping.extra if (text := extra_text(raw.get(col)))}
        if extra:
            row["extra"] = extra
    for name, value in mapping.defaults.items():
        if is_blank(row.get(name)):
            row[name] = value
    return row


def is_blank(value: object) -> bool:
    """True for None, empty or whitespace-only text and empty lists."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | dict) and not value)


def extra_text(value: object) -> str:
    """A source value as the text kept in Item.extra (lists joined with '; ')."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(text for v in value if (text := extra_text(v)))
    return str(value).strip()


def coerce_row(row: dict[str, Any]) -> dict[str, Any]:
    """Shop-style text values made typed: "$1,250.00" -> 1250.0, "4.5/5" -> 4.5, "20%" -> 20."""
    out = {key: value for key, value in row.items() if not (value is None and key == "description")}
    for name, pattern in (("price", _PRICE), ("rating", _RATING), ("discount_pct", _PERCENT)):
        if name in out:
            out[name] = _number(name, out[name], pattern)
    if isinstance(out.get("description"), list):
        out["description"] = " ".join(extra_text(v) for v in out["description"] if v)
    return out


def _number(name: str, value: object, pattern: re.Pattern[str]) -> object:
    if not isinstance(value, str):
        return value  # numbers and None pass through; pydantic reports any other type
    text = value.strip()
    if not text:
        return None
    match = pattern.match(text)
    if match is None:
        raise FieldProblem(name, f"not a number: {value[:60]!r}")
    return float(match.group(1).replace(",", ""))
