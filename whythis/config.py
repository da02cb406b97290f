"""Loading a stage config: a TOML file validated by a pydantic model, then `--set key=value` overrides."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from whythis.errors import ConfigError, DataError

ConfigT = TypeVar("ConfigT", bound=BaseModel)


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split `a.b=value` into its key path and a value parsed as JSON when it parses, else a string."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set expects key=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip().split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Return a copy of `data` with every `key.path=value` override set."""
    out: dict[str, Any] = json.loads(json.dumps(data))
    for text in overrides:
        path, value = parse_override(text)
        node = out
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {text!r}: {part!r} is a value, not a section")
            node = child
        node[path[-1]] = value
    return out


def load_config(
    model: type[ConfigT], path: Path | None = None, overrides: list[str] | None = None
) -> ConfigT:
    """Validate a config from an optional TOML file plus overrides; errors name the bad key."""
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    data = apply_overrides(data, overrides or [])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, str(path or "config"), model)) from exc


def describe_validation(exc: ValidationError, where: str, model: type[BaseModel] | None = None) -> str:
    """One readable line per pydantic error: the key, what was given, what is valid."""
    lines = [f"{where} is invalid:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        given = err.get("input")
        shown = repr(given)[:80] if err["type"] != "missing" else "nothing"
        line = f"  {key}: {err['msg']} (given {shown})"
        if err["type"] == "extra_forbidden" and model is not None:
            line += f"; valid keys: {', '.join(_valid_keys(model, err['loc'][:-1]))}"
        lines.append(line)
    return "\n".join(lines)


def _valid_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    current: Any = model
    for part in loc:
        field = current.model_fields.get(str(part)) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        current = field.annotation
    return sorted(current.model_fields) if hasattr(current, "model_fields") else []


def dump_toml(config: BaseModel) -> str:
    """Render a config as TOML (flat tables only), for checked-in defaults and run records."""
    data = config.model_dump(mode="json")
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines = [f"{k} = {_toml_value(v)}" for k, v in scalars.items() if v is not None]
    for name, table in tables.items():
        lines.append(f"\n[{name}]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items() if v is not None)
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise ConfigError(f"cannot write {value!r} to TOML")


def load_yaml_file(model: type[ConfigT], path: Path, what: str) -> ConfigT:
    """A YAML data file validated by a pydantic model; DataError names the file and every bad key."""
    import yaml

    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"cannot read {what} {path}: {exc}") from exc
    except ValidationError as exc:
        bad = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise DataError(f"{path} is not a valid {what}: {bad}") from exc
