"""Self-training rows: the model's own verified, personal reasons become prompt rows; the rest are counted."""

from __future__ import annotations

import json
from pathlib import Path

from agent.config import AgentConfig, ReasonConfig
from agent.reasons.selftrain import SelfTrainConfig, SelfTrainReport, self_train_rows, shop_pairs, write_rows
from finetune.training.sources import read_prompt_rows
from prompts.render import load_prompt, render
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, fake_agent

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
PERSONAL = "Recommended because this Kestrel Thermal Run Hoodie comes in blue, which you like, at 79.95 EUR."
GENERIC = "Recommended because the Kestrel Thermal Run Hoodie is a blue hoodie from Kestrel Athletics."


def _demo(prefix: str) -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith(prefix)))


def test_checked_in_defaults_equal_the_code_defaults() -> None:
    from whythis.config import load_config

    assert load_config(SelfTrainConfig, CONFIGS / "selftrain.toml") == SelfTrainConfig()


def test_only_the_models_verified_personal_reasons_become_rows_that_render(tmp_path: Path) -> None:
    # Maya's first card draws a generic and a personal true text; her second card and the stranger's get
    # texts about another item, then the scripted "it is the <title>".
    generator = ScriptedGenerator(answers=[GENERIC, PERSONAL, GENERIC, GENERIC])
    agent = fake_agent(tmp_path, generator, AgentConfig(reasons=ReasonConfig(candidates=2, mode="free")))
    gift = agent.candidates(_demo("cold"), 1)[0].item
    config = SelfTrainConfig(amazon2023=1, per_shopper=2, giftcards=1)
    pairs = list(shop_pairs([_demo("maya")], agent.candidates, [(_demo("cold"), gift)], config))
    assert [(p.source, p.audience, len(p.candidates)) for p in pairs] == [
        ("amazon2023", "shopper", 2),
        ("giftcards", "support", 1),
    ]
    report = SelfTrainReport()
    out = tmp_path / "rows.jsonl"
    assert write_rows(self_train_rows(agent.writer, pairs, report, threads=1), out) == 1
    assert report.as_dict()["pairs"] == 3 and report.kept == 1
    # Maya's second card (other item) had no passing draw; the stranger's card passed but says nothing.
    assert dict(report.dropped) == {
        "no drawn answer passed the check": 1,
        "says nothing of the item beyond its name": 1,
    }
    [row] = read_prompt_rows(out)
    assert row.answer == PERSONAL and row.key.startswith("selftrain:amazon2023:")
    rendered = render(load_prompt(row.prompt), row.variables)  # training renders it as inference does
    assert "Kestrel Thermal Run Hoodie" in str(rendered.messages[-1].content)
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[0])["prompt"] == "reason"
    assert not out.with_suffix(".jsonl.partial").exists()


def test_a_true_reason_that_ignores_what_met_the_shopper_is_not_learned(tmp_path: Path) -> None:
    agent = fake_agent(
        tmp_path, ScriptedGenerator(answers=[GENERIC] * 2), AgentConfig(reasons=ReasonConfig(mode="free"))
    )
    config = SelfTrainConfig(amazon2023=1, per_shopper=1, giftcards=0)
    report = SelfTrainReport()
    pairs = shop_pairs([_demo("maya")], agent.candidates, [], config)
    assert write_rows(self_train_rows(agent.writer, pairs, report), tmp_path / "rows.jsonl") == 0
    assert dict(report.dropped) == {"not personal though a fact of the shopper met the item": 1}
