from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict

from whythis.config import apply_overrides, dump_toml, load_config, parse_override
from whythis.errors import ConfigError


class Inner(BaseModel):
    model_config = ConfigDict(extra="forbid")
    k: int = 5
    name: str = "x"


class Outer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    inner: Inner = Inner()
    flag: bool = False


def test_override_parses_json_values_and_strings() -> None:
    assert parse_override("a.b=3") == (["a", "b"], 3)
    assert parse_override("a=hello") == (["a"], "hello")
    assert apply_overrides({"a": {"b": 1}}, ["a.b=2", "c=true"]) == {"a": {"b": 2}, "c": True}


def test_bad_override_and_bad_value_say_what_was_given() -> None:
    with pytest.raises(ConfigError, match="key=value"):
        parse_override("novalue")
    with pytest.raises(ConfigError, match=r"inner\.k.*'many'"):
        load_config(Outer, None, ["inner.k=many"])
    with pytest.raises(ConfigError, match="valid keys: k, name"):
        load_config(Outer, None, ["inner.colour=red"])


def test_file_then_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("flag = true\n[inner]\nk = 7\n", encoding="utf-8")
    cfg = load_config(Outer, path, ["inner.name=y"])
    assert cfg == Outer(inner=Inner(k=7, name="y"), flag=True)
    with pytest.raises(ConfigError, match="not found"):
        load_config(Outer, tmp_path / "missing.toml")


def test_dump_toml_round_trips() -> None:
    cfg = Outer(inner=Inner(k=3), flag=True)
    assert Outer.model_validate(tomllib.loads(dump_toml(cfg))) == cfg
