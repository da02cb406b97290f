from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent.cli import print_turn
from agent.sessions.events import DoneEvent, Event, ItemCard, ReasonEvent, TextChunk
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
    # 5 picks and at least one card for each refinement, each card first, its reason when written.
    cards = re.findall(r"^#(\d) .+ - .+$", out, re.MULTILINE)
    reasons = re.findall(r"^ {3}#(\d) \S.+$", out, re.MULTILINE)
    assert len(reasons) >= 7 and len(cards) >= len(reasons) and set(reasons) <= set(cards), out
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


def test_the_terminal_prints_the_cards_first_then_each_reason_as_it_comes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    events: list[Event] = [
        TextChunk(text="Here is what I found:"),
        ItemCard(item_id="a", position=1, title="Red Lamp", brand="Lumo", price=19.5, explain="why #1?"),
        ItemCard(item_id="b", position=2, title="Blue Mug", price=None, explain="why #2?"),
        ReasonEvent(item_id="b", position=2, reason="It is blue.", reason_source="model"),
        ReasonEvent(item_id="a", position=1, reason="It is red.", reason_source="fallback"),
        DoneEvent(intent="recommend", turn=1),
    ]
    assert print_turn(iter(events)) is False
    assert capsys.readouterr().out.splitlines() == [
        "Here is what I found:",
        "#1 Red Lamp by Lumo - 19.50",
        "#2 Blue Mug - price not listed",
        "   #2 It is blue.",
        "   #1 It is red.",
    ]


def test_a_bad_shoppers_file_names_line_and_field_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shoppers = tmp_path / "shoppers.jsonl"
    rows = [{"id": "a"}, {"id": "b", "preferences": {"budget_max": "lots"}}]
    shoppers.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert main(["recommend", "--shoppers", str(shoppers)]) == 2
    err = capsys.readouterr().err
    assert "shoppers.jsonl, line 2, field 'preferences.budget_max'" in err and "Traceback" not in err


@pytest.mark.slow
def test_recommend_for_a_file_of_shoppers_writes_a_line_per_card(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shoppers = tmp_path / "shoppers.jsonl"
    rows = [{"id": "a", "preferences": {"budget_max": 150}}, {"id": "b", "profile": "trail running"}]
    shoppers.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "cards.jsonl"
    assert main(["recommend", "--shoppers", str(shoppers), "-k", "3", "--out", str(out)]) == 0
    cards = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [c["shopper_id"] for c in cards] == ["a"] * 3 + ["b"] * 3
    assert all(c["text"] and c["written_by"] in {"model", "template"} for c in cards)
    assert any(c["plan"] and c["slots"] for c in cards)
