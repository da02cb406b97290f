"""Feedback to training rows: liked and grounded corrected reasons, read back by `whythis finetune`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.compose import session_manager
from agent.config import AgentConfig, ReasonConfig
from agent.recommender import Agent
from agent.sessions.codec import item_from_dict, shopper_from_dict
from agent.sessions.events import ItemCard, filled_cards
from agent.sessions.feedback_export import export_feedback
from agent.sessions.store import Store, open_store
from finetune.training.config import DataSource, TrainingConfig
from finetune.training.data import build_example, load_splits
from finetune.training.sources import read_prompt_rows
from prompts.render import load_prompt, render
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from tests.fakes import fake_agent
from tests.finetune.training.test_data import CharTokenizer
from whythis.cli import main


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    # Export turns liked free-text reasons into rows; planned ones learn from the phrasing bank.
    return fake_agent(tmp_path_factory.mktemp("cache"), config=AgentConfig(reasons=ReasonConfig(mode="free")))


def filled_store(agent: Agent, path: Path) -> tuple[Store, list[ItemCard]]:
    store = open_store(path)
    manager = session_manager(agent, store)
    jonas = load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("jonas")))
    session_id, stream = manager.open(jonas)
    cards = filled_cards(stream)
    item = agent.item(cards[2].item_id)
    assert item is not None
    manager.feedback(session_id, cards[0].item_id, 1, comment="yes, exactly")
    manager.feedback(session_id, cards[0].item_id, 1)  # the same row again: exported once
    manager.feedback(session_id, cards[1].item_id, -1, comment="not for me")
    good = f"Recommended because it is the {item.title}, from {item.brand}."
    manager.feedback(session_id, cards[2].item_id, -1, corrected=good)
    manager.feedback(session_id, cards[3].item_id, -1, corrected="Recommended because it is 50% off today.")
    manager.feedback(session_id, cards[4].item_id, -1, corrected=f"It is the {item.title}.")
    manager.feedback(session_id, None, 1)
    return store, cards


def test_export_keeps_liked_and_grounded_corrections_only(agent: Agent, tmp_path: Path) -> None:
    store, cards = filled_store(agent, tmp_path / "chat.db")
    report = export_feedback(store, tmp_path / "rows.jsonl")
    assert (report.rows, report.liked, report.corrected) == (2, 1, 1)
    assert report.skipped == {
        "corrected text failed the grounding check": 1,
        "corrected text does not start with 'Recommended because'": 1,
        "disliked without a correction": 1,
        "duplicate": 1,
        "feedback on an answer, not a reason": 1,
    }
    liked, corrected = read_prompt_rows(tmp_path / "rows.jsonl")
    fixed = agent.item(cards[2].item_id)
    assert fixed is not None and fixed.brand
    assert liked.answer == cards[0].reason and corrected.answer.endswith(f"from {fixed.brand}.")
    assert liked.prompt == "reason" and liked.key.startswith("feedback:")


def test_exported_rows_render_the_agents_prompt_and_load_in_finetune(agent: Agent, tmp_path: Path) -> None:
    store, cards = filled_store(agent, tmp_path / "chat.db")
    export_feedback(store, tmp_path / "rows.jsonl")
    feedback = next(r for r in store.feedback() if r.item_id == cards[0].item_id)
    shopper, item = shopper_from_dict(feedback.shopper), item_from_dict(feedback.item)
    rows = read_prompt_rows(tmp_path / "rows.jsonl")
    assert render(load_prompt("reason"), rows[0].variables) == agent.writer.render_for(shopper, item)
    config = TrainingConfig(
        data=[DataSource(source="rows", path=str(tmp_path / "rows.jsonl"))], val_fraction=0.0
    )
    splits = load_splits(config)
    assert len(splits.train) == 2 and splits.files == [tmp_path / "rows.jsonl"]
    example = build_example(CharTokenizer(), splits.train[0])
    assert example.prompt_text.endswith("Recommended because") and not example.answer.startswith(
        "Recommended"
    )


def test_feedback_export_command(agent: Agent, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    filled_store(agent, tmp_path / "chat.db")[0].close()
    out = tmp_path / "out" / "rows.jsonl"
    assert main(["feedback", "export", "--output", str(out), "--db", str(tmp_path / "chat.db")]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 2 and out.is_file()
    assert main(["feedback", "export", "--output", str(out), "--db", str(tmp_path / "none.db")]) == 2
    assert "no chat store" in capsys.readouterr().err
