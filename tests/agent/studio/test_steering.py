"""Steering in the realizer's prompt file: parsed, checked before a draft is saved, versioned with the
prompt, followed by the writer, and seeded from the config."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.compose import assemble
from agent.config import AgentConfig, ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.plans.facts import PlanError
from agent.reasons.realized import Steering, steering_of
from agent.reasons.writer import ReasonWriter
from agent.recommender import Agent, CatalogIndex
from agent.sessions.store import open_store
from agent.studio.preview import validate_draft
from agent.studio.versions import PromptVersions, open_prompt_versions, prompt_yaml, shipped_prompts
from prompts.render import SteeringBlock, load_prompt, parse_prompt
from retrieval.retriever import Candidate
from tests.agent.plans.test_facts_and_build import SHOES
from tests.agent.reasons.test_realized import RUNNER, SOCKS
from tests.fakes import ScriptedGenerator, fake_agent
from whythis.errors import PromptError

REALIZE = prompt_yaml(load_prompt("realize"))
CARDS = [Candidate(SHOES, 1.0, ()), Candidate(SOCKS, 0.9, ())]


def test_the_shipped_realizer_carries_the_default_steering() -> None:
    prompt = load_prompt("realize")
    assert prompt.steering == SteeringBlock(tone="warm", lead_kinds=[], avoid_words=[])
    assert steering_of(prompt, Steering("expert")) == Steering("warm")
    assert validate_draft(REALIZE, "realize") == []


def test_a_steering_block_is_parsed_into_the_writers_steering() -> None:
    text = REALIZE.replace("tone: warm", "tone: brief").replace(
        "lead_kinds: []", "lead_kinds:\n  - rating\n  - price"
    )
    prompt = parse_prompt(text.replace("avoid_words: []", "avoid_words: [cheap]"), "draft")
    assert steering_of(prompt, Steering()) == Steering("brief", ("rating", "price"), ("cheap",))


def test_a_steering_block_takes_only_its_three_fields() -> None:
    with pytest.raises(PromptError, match=r"steering\.mood: Extra inputs are not permitted"):
        parse_prompt(REALIZE.replace("tone: warm", "tone: warm\n  mood: sunny"), "draft")


def test_a_version_stored_without_steering_still_loads_and_keeps_the_default() -> None:
    before = REALIZE[: REALIZE.index("steering:")]
    prompt = parse_prompt(before, "realize v1 as stored before steering")
    assert prompt.steering is None
    assert steering_of(prompt, Steering("expert", ("rating",))) == Steering("expert", ("rating",))
    assert "steering" not in prompt_yaml(load_prompt("reason"))  # unsteered prompts keep their YAML


def test_a_bad_tone_or_kind_is_named_with_the_valid_ones() -> None:
    bad = REALIZE.replace("tone: warm", "tone: chatty").replace("lead_kinds: []", "lead_kinds: [pricey]")
    problems = validate_draft(bad, "realize")
    assert problems[0] == "steering tone 'chatty' is not a tone; valid tones: brief, warm, expert"
    assert problems[1].startswith("steering lead_kinds: unknown ['pricey']; kinds a card may lead with: ")
    assert "rating" in problems[1] and len(problems) == 2
    with pytest.raises(PlanError, match="valid tones: brief, warm, expert"):
        steering_of(parse_prompt(bad, "bad"), Steering())
    reason = prompt_yaml(load_prompt("reason")) + "steering:\n  tone: brief\n"
    assert validate_draft(reason, "reason") == [
        "steering is set but only the realizer's prompt (which takes `plan`) is steered"
    ]


@pytest.fixture()
def versions(tmp_path: Path) -> Iterator[PromptVersions]:
    # The realizer as a store kept it before steering existed: its first version has no block.
    old = load_prompt("realize").model_copy(update={"steering": None})
    database = open_store(tmp_path / "whythis.db").database
    opened = open_prompt_versions(database, {**shipped_prompts(), "realize": old})
    yield opened
    opened.close()


def test_saving_a_draft_with_a_bad_tone_is_refused_before_it_is_stored(versions: PromptVersions) -> None:
    text = versions.active("realize").text + "steering:\n  tone: shouty\n"
    with pytest.raises(PromptError, match="steering tone 'shouty' is not a tone; valid tones: brief, warm"):
        versions.save("realize", text, "ann", "")
    assert len(versions.history("realize")) == 1


def tones(generator: ScriptedGenerator) -> set[str]:
    lines = [str(p.messages[-1].content) for p in generator.seen]
    return {m[1] for line in lines if (m := re.match(r"tone=(\w+) ", line))}


def test_the_writer_follows_the_active_realizer_versions_steering(versions: PromptVersions) -> None:
    generator = ScriptedGenerator()
    writer = ReasonWriter(
        generator,
        GroundingChecker(frozenset({"Nike", "Puma"})),
        load_prompt("reason"),
        ReasonConfig(),
        realizer=load_prompt("realize"),
        steering=Steering("expert"),  # the config's: the stored version has no block
        realizer_source=versions.follower("realize"),
    )
    writer.write(RUNNER, CARDS)
    assert tones(generator) == {"expert"}
    text = versions.active("realize").text + "steering:\n  tone: brief\n  lead_kinds: [budget]\n"
    saved = versions.save("realize", text, "ann", "brief, budget first")
    versions.activate("realize", saved.version, "ann")
    generator.seen.clear()
    reasons = writer.write(RUNNER, CARDS)
    assert tones(generator) == {"brief"}
    assert all(r.plan is not None and r.plan.kinds[0] == "budget" for r in reasons)
    assert {(r.prompt_name, r.prompt_version) for r in reasons} == {("realize", saved.version)}
    # A turn of a trial: the same writer fixed to another version, the followed one left alone.
    expert = versions.active_prompt("realize").model_copy(
        update={"version": 9, "steering": SteeringBlock(tone="expert")}
    )
    generator.seen.clear()
    trial = writer.using({"realize": expert}).write(RUNNER, CARDS)
    assert tones(generator) == {"expert"} and {r.prompt_version for r in trial} == {9}
    assert writer.steering == Steering("expert")
    assert writer.current_realizer() == versions.active_prompt("realize")


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return fake_agent(tmp_path_factory.mktemp("cache"))


def test_a_new_store_keeps_the_configs_steering_as_the_realizers_first_version(
    agent: Agent, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "whythis.db")
    config = AgentConfig(reasons=ReasonConfig(tone="brief", lead_kinds=["rating"], avoid_words=["cheap"]))
    runtime = assemble(CatalogIndex(agent.items, agent.retriever), ScriptedGenerator(), config, store)
    try:
        assert runtime.versions is not None
        stored = runtime.versions.active_prompt("realize")
        assert steering_of(stored, Steering()) == Steering("brief", ("rating",), ("cheap",))
    finally:
        runtime.close()
        store.close()
