from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from finetune.training.config import DataSource, TrainingConfig
from finetune.training.data import build_example, load_splits
from finetune.training.sources import plugin_rows, read_prompt_rows, valid_sources
from prompts.render import load_prompt, render
from tests.finetune.training.test_data import CharTokenizer, row, write_jsonl
from whythis.errors import ConfigError, RowError

REASON_VARS = {
    "audience": "shopper",
    "shopper": {"profile": "runs a lot", "preferences": ["colour blue"], "purchases": []},
    "item": {"title": "Solano Tee", "facts": {"colour": "Blue"}},
    "matches": ["colour blue -> colour: Blue"],
    "signals": ["shoppers who bought Blue Mug also bought it"],
}


def prompt_row(n: int, **changes: object) -> dict[str, object]:
    out: dict[str, object] = {
        "prompt": "reason",
        "variables": REASON_VARS,
        "answer": f"Recommended because it is blue ({n}).",
        "key": f"r{n}",
    }
    return {**out, **changes}


def test_a_source_needs_exactly_its_own_fields() -> None:
    assert DataSource(domain="yelp").label == "xrec/yelp"
    assert DataSource(source="rows", path="liked.jsonl").label == "rows:liked.jsonl"
    assert DataSource(source="amazon2023", rows=5).label == "amazon2023"
    with pytest.raises(ValidationError, match="domain"):
        DataSource(source="xrec")
    with pytest.raises(ValidationError, match="path"):
        DataSource(source="rows")
    with pytest.raises(ValidationError, match="domain"):
        DataSource(source="amazon2023", domain="yelp")
    with pytest.raises(ValidationError, match="once"):
        TrainingConfig(data=[DataSource(domain="yelp"), DataSource(domain="yelp")])


def test_rows_file_is_read_and_a_bad_line_names_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    write_jsonl(path, [prompt_row(1), prompt_row(2)])
    rows = read_prompt_rows(path)
    assert [r.key for r in rows] == ["r1", "r2"] and rows[0].prompt == "reason"
    assert len(read_prompt_rows(path, limit=1)) == 1
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(prompt_row(3, answer="")) + "\n")
    with pytest.raises(RowError) as err:
        read_prompt_rows(path)
    assert err.value.line == 3 and err.value.field == "answer"


def test_unknown_source_lists_the_valid_ones() -> None:
    assert {"xrec", "rows", "amazon2023", "giftcards"} <= set(valid_sources())
    with pytest.raises(ConfigError, match="valid: xrec, rows, amazon2023"):
        plugin_rows(DataSource(source="nosuch"), None, "auto")


def test_xrec_and_rows_mix_in_one_split_and_render_with_their_own_prompt(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "xrec" / "yelp" / "train.jsonl", [row(i) for i in range(10)])
    write_jsonl(tmp_path / "liked.jsonl", [prompt_row(i) for i in range(10)])
    cfg = TrainingConfig(
        data_dir=str(tmp_path),
        data=[DataSource(domain="yelp"), DataSource(source="rows", path=str(tmp_path / "liked.jsonl"))],
        val_fraction=0.2,
    )
    splits = load_splits(cfg)
    assert {r.source for r in splits.val} == {"xrec/yelp", str(tmp_path / "liked.jsonl")}
    assert len(splits.train) == 16 and len(splits.files) == 2
    liked = next(r for r in splits.train if r.prompt == "reason")
    example = build_example(CharTokenizer(), liked)
    assert "Solano Tee" in example.prompt_text
    # The response prefix is in the prompt, so the answer to learn continues after it.
    assert example.prompt_text.endswith("Recommended because")
    assert example.answer.startswith(" it is blue")
    assert render(load_prompt("reason"), REASON_VARS).response_prefix == "Recommended because"
