from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from whythis.cli import main


def test_bad_catalog_row_names_file_line_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "shop.jsonl"
    rows = [{"item_id": "a", "title": "Tee", "price": 10}, {"item_id": "b", "title": "Cap", "price": "lots"}]
    catalog.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code = main(["recommend", "--catalog", str(catalog), "--mapping", "demo"])
    err = capsys.readouterr().err
    assert code == 2
    assert "shop.jsonl, line 2, field 'price'" in err and "Traceback" not in err


def test_bad_override_and_unknown_shopper_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recommend", "--set", "chat.k=zero"]) == 2
    assert "chat.k" in capsys.readouterr().err
    assert main(["recommend", "--shopper", "nobody"]) == 2
    assert "maya" in capsys.readouterr().err


def test_index_info_without_an_index_says_how_to_build_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    assert main(["index", "info"]) == 2
    assert "whythis index build" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_chat_script_with_the_real_models(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "chat.txt"
    script.write_text("why #2?\nsomething cheaper\nmore like #1\nwhat do you know about me?\nquit\n")
    assert main(["chat", "--script", str(script), "--set", "generator.threads=2"]) == 0
    out = capsys.readouterr().out
    # 5 picks, the explained #2, and at least one card for each refinement, each with its reason.
    cards = re.findall(r"^#\d .+\n {3}\S.+$", out, re.MULTILINE)
    assert len(cards) >= 8, out
    assert "What I matched" in out and "Here are cheaper options" in out and "Bye" in out


@pytest.mark.slow
def test_index_build_then_reuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    assert main(["index", "build"]) == 0
    assert "built in" in capsys.readouterr().out
    assert main(["index", "build"]) == 0
    assert "unchanged, reused" in capsys.readouterr().out
    assert main(["index", "info"]) == 0
    assert json.loads(capsys.readouterr().out)["items"] == 90
