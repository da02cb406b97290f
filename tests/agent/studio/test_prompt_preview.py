"""Prompt previews on shoppers x items with the fakes, their metrics, and validation as you type."""

from __future__ import annotations

import pytest

from agent.config import AgentConfig, ReasonConfig
from agent.reasons.choose import distinct_n
from agent.recommender import Agent
from agent.studio.preview import (
    PreviewPair,
    banned_hits,
    preview_prompt,
    sample_variables,
    validate_draft,
    with_version,
)
from agent.studio.versions import prompt_yaml
from prompts.render import PromptFile, load_prompt
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from tests.fakes import ScriptedGenerator, fake_agent

REASON = prompt_yaml(load_prompt("reason"))


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    # The reason prompt is the free-text mode's; the studio previews a prompt in the mode that uses it.
    return fake_agent(tmp_path_factory.mktemp("cache"), config=AgentConfig(reasons=ReasonConfig(mode="free")))


def pairs(agent: Agent, per_shopper: int = 2) -> list[PreviewPair]:
    out: list[PreviewPair] = []
    for name in ("maya", "jonas"):
        shopper = load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith(name)))
        out += [(shopper, c) for c in agent.candidates(shopper, per_shopper)]
    return out


def test_the_shipped_prompts_validate() -> None:
    assert validate_draft(REASON) == []
    assert validate_draft(prompt_yaml(load_prompt("xrec")), "xrec") == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("{{ item.title }}", "{{ item.titel }}", "no attribute 'titel'"),
        ("{{ item.title }}", "{% if item.title %}", "Unexpected end of template"),
        ("- matches", "- matches\n- coupon", "coupon are not provided"),
        ("house_rules | join", "shopper.preferences | join", "house_rules are set but no message uses"),
        ("messages:", "messages: [", "not valid YAML"),
        ("role: system", "role: robot", "messages.0.role"),
    ],
)
def test_validation_names_each_problem(old: str, new: str, problem: str) -> None:
    assert old in REASON
    problems = validate_draft(REASON.replace(old, new, 1))
    assert len(problems) >= 1 and problem in " ".join(problems)


def test_a_template_using_an_undeclared_variable_is_a_problem() -> None:
    # house_rules and every declared variable are given; a variable the file does not declare is not.
    assert "matches" in sample_variables("reason")
    assert "- matches\n" in REASON
    problems = validate_draft(REASON.replace("- matches\n", ""))
    assert any("'matches' is undefined" in p for p in problems)


def test_the_version_field_is_set_or_added() -> None:
    assert "version: 7" in with_version(REASON, 7) and "version: 1\n" not in with_version(REASON, 7)
    added = with_version("name: reason\ndescription: x\n", 3)
    assert added.splitlines()[:2] == ["name: reason", "version: 3"]


def test_preview_of_the_active_prompt_on_shoppers_x_items(agent: Agent) -> None:
    chosen = pairs(agent)
    stats_before = agent.writer.stats.generated
    preview = preview_prompt(agent.writer, load_prompt("reason"), chosen)
    assert [(r.shopper_id, r.item_id) for r in preview.rows] == [
        (s.shopper_id, c.item.item_id) for s, c in chosen
    ]
    assert all(r.source == "model" and r.text.startswith("Recommended because") for r in preview.rows)
    m, draws = preview.metrics, agent.config.reasons.candidates
    assert (m.pairs, m.generated, m.accepted) == (4, 4 * draws, 4 * draws)
    assert m.voice["shown"] == 4 and m.voice["model_written"] == 1.0 and m.voice["true_and_coherent"] == 1.0
    assert (m.grounding_pass_rate, m.fallback_rate, m.banned_hits) == (1.0, 0.0, 0)
    assert m.mean_words > 3 and 0 < m.distinct_2 <= 1
    assert agent.writer.stats.generated == stats_before  # previews leave the live writer's counts alone


def test_preview_of_a_draft_that_bans_what_the_model_says_falls_back(agent: Agent) -> None:
    active = agent.writer.current_prompt()
    draft = load_prompt("reason").model_copy(update={"version": 9, "banned_phrases": ["it is the"]})
    preview = preview_prompt(agent.writer, draft, pairs(agent, 1))
    draws = agent.config.reasons.candidates
    assert all(r.source == "fallback" and len(r.rejected) == draws for r in preview.rows)
    m = preview.metrics
    assert (m.generated, m.accepted, m.grounding_pass_rate, m.fallback_rate) == (2 * draws, 0, 0.0, 1.0)
    assert m.banned_hits == 2 * draws and preview.prompt_version == 9 and m.voice["model_written"] == 0.0
    assert agent.writer.current_prompt() is active


def test_preview_renders_with_the_given_prompt(agent: Agent) -> None:
    generator = agent.writer.generator
    assert isinstance(generator, ScriptedGenerator)
    draft: PromptFile = load_prompt("reason").model_copy(
        update={"house_rules": ["Say it in a friendly way."]}
    )
    preview_prompt(agent.writer, draft, pairs(agent, 1))
    assert "Say it in a friendly way." in str(generator.seen[-1].messages[0].content)


def test_metric_helpers() -> None:
    assert banned_hits(["Free shipping and guaranteed", "fine"], ["free shipping", "guaranteed"]) == 2
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)
    assert distinct_n(["one"], 2) == 0.0
