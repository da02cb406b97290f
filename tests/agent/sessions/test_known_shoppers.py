"""The shoppers a server knows: the demo ones by default, any shopper files when given, ids unique."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.sessions.known_shoppers import load_shoppers
from retrieval.shopper_loaders import demo_shopper_paths
from whythis.errors import ConfigError


def test_default_is_the_demo_shoppers_by_id() -> None:
    found = load_shoppers()
    assert set(found) == {"maya", "jonas", "lea", "guest-0001"}
    assert all(shopper.shopper_id == key for key, shopper in found.items())


def test_an_id_given_twice_names_the_second_file(tmp_path: Path) -> None:
    first = demo_shopper_paths()[0]
    copy = tmp_path / "again.yaml"
    shutil.copy(first, copy)
    with pytest.raises(ConfigError, match=r"given twice \(again in .*again\.yaml\)"):
        load_shoppers([first, copy])
