"""The prompt studio's data functions: pickers, active-vs-draft previews, versions and the audit log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.reasons.realized import Steering
from agent.recommender import Agent
from agent.sessions.store import open_store
from agent.studio.trials import PromptTrials
from agent.studio.versions import PromptVersions, open_prompt_versions
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, fake_agent
from ui import studio_data as data
from whythis.errors import DataError, PromptError


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return fake_agent(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def shoppers() -> dict[str, Shopper]:
    loaded = [load_shopper(p) for p in demo_shopper_paths()]
    return {s.shopper_id: s for s in loaded}


@pytest.fixture()
def versions(tmp_path: Path) -> Iterator[PromptVersions]:
    opened = open_prompt_versions(open_store(tmp_path / "whythis.db").database)
    yield opened
    opened.close()


def test_pickers_offer_each_shoppers_candidates(agent: Agent, shoppers: dict[str, Shopper]) -> None:
    assert data.shopper_ids(shoppers) == sorted(shoppers)
    choices = data.candidate_choices(agent, shoppers, ["maya", "jonas"])
    values = [v for _, v in choices]
    maya = [c.item.item_id for c in agent.candidates(shoppers["maya"], data.ITEMS_PER_SHOPPER)]
    assert values[:5] == [data.pair_value("maya", i) for i in maya] and len(values) == 10
    assert choices[0][0].startswith(f"maya · {maya[0]} ")
    assert data.default_pairs(choices) == [values[0], values[1], values[5], values[6]]


def test_resolve_pairs_finds_the_candidates_and_names_bad_picks(
    agent: Agent, shoppers: dict[str, Shopper]
) -> None:
    values = [v for _, v in data.candidate_choices(agent, shoppers, ["lea"])][:2]
    pairs = data.resolve_pairs(agent, shoppers, values)
    assert [(s.shopper_id, data.pair_value(s.shopper_id, c.item.item_id)) for s, c in pairs] == [
        ("lea", v) for v in values
    ]
    with pytest.raises(DataError, match="unknown shopper 'zoe'; known: guest-0001, jonas, lea, maya"):
        data.resolve_pairs(agent, shoppers, ["zoe|NW-001"])
    with pytest.raises(DataError, match="'NW-999' is not among the top 5 candidates of shopper 'lea'"):
        data.resolve_pairs(agent, shoppers, ["lea|NW-999"])


def test_active_and_draft_previews_side_by_side(
    agent: Agent, shoppers: dict[str, Shopper], versions: PromptVersions
) -> None:
    pairs = data.resolve_pairs(
        agent, shoppers, ["maya|" + agent.candidates(shoppers["maya"], 1)[0].item.item_id]
    )
    draft = versions.active("reason").text.replace(
        "response_prefix: Recommended because", "response_prefix: Worth a look because"
    )
    found = data.run_previews(agent, versions, "reason", draft, pairs)
    assert found.problems == [] and found.draft is not None
    assert found.active.rows[0].text.startswith("Recommended because")
    assert found.draft.rows[0].text.startswith("Worth a look because")
    headers, rows = data.preview_table(found.draft)
    assert headers == data.PREVIEW_HEADERS and rows[0][2] == found.draft.rows[0].text
    assert "(unsaved)" in data.metrics_markdown(found.draft, "Draft", versioned=False)
    active_metrics = data.metrics_markdown(found.active, "Active")
    assert f"reason v{found.active.prompt_version}, 1 pairs" in active_metrics
    draws = agent.config.reasons.candidates
    assert f"grounding pass rate: 100% ({draws}/{draws} generated)" in active_metrics
    assert (
        "written by the model: 100%" in active_metrics
        and "true and coherent (all shown): 100%" in active_metrics
    )


def test_a_broken_draft_previews_only_the_active_version(
    agent: Agent, shoppers: dict[str, Shopper], versions: PromptVersions
) -> None:
    pairs = data.resolve_pairs(
        agent, shoppers, ["lea|" + agent.candidates(shoppers["lea"], 1)[0].item.item_id]
    )
    broken = versions.active("reason").text.replace("{{ item.title }}", "{{ item.price_tag }}")
    found = data.run_previews(agent, versions, "reason", broken, pairs)
    assert found.draft is None and "price_tag" in found.problems[0] and len(found.active.rows) == 1
    assert data.preview_table(None) == (data.PREVIEW_HEADERS, [])
    assert "fix the draft" in data.metrics_markdown(None, "Draft")
    assert "price_tag" in data.draft_problems_markdown(broken, "reason")
    assert data.draft_problems_markdown(versions.active("reason").text, "reason").startswith("✅")
    with pytest.raises(PromptError, match="cannot be previewed here"):
        data.run_previews(agent, versions, "xrec", versions.active("xrec").text, pairs)
    with pytest.raises(DataError, match="at least one"):
        data.run_previews(agent, versions, "reason", broken, [])


def test_history_audit_and_version_choices_follow_the_changes(versions: PromptVersions) -> None:
    shipped = versions.active("reason").version
    text = versions.active("reason").text.replace("under 40 words", "under 30 words")
    saved = versions.save("reason", text, data.staff_name("ann"), "shorter")
    assert data.changed_message("saved", saved) == f"✅ saved reason v{saved.version} (saved inactive)"
    done = versions.activate("reason", saved.version, data.staff_name(None))
    assert "active: the next reason uses it" in data.changed_message("activated", done)
    headers, rows = data.history_table(versions, "reason")
    assert headers == ["version", "active", "author", "note", "created"]
    assert [r[:4] for r in rows] == [
        [saved.version, "✔", "ann", "shorter"],
        [shipped, "", "shipped", "shipped file"],
    ]
    assert data.version_choices(versions, "reason")[0] == (
        f"v{saved.version} (active) by ann — shorter",
        saved.version,
    )
    audit_headers, audit = data.audit_table(versions)
    assert audit_headers == ["when", "actor", "action", "prompt", "version", "detail"]
    assert [r[1:5] for r in audit[:2]] == [
        ["staff", "activate", "reason", saved.version],
        ["ann", "save", "reason", saved.version],
    ]


def test_a_realizer_drafts_preview_is_steered_by_its_own_block(
    agent: Agent, shoppers: dict[str, Shopper], versions: PromptVersions
) -> None:
    generator = agent.writer.generator
    assert isinstance(generator, ScriptedGenerator)
    pairs = data.resolve_pairs(
        agent, shoppers, ["maya|" + agent.candidates(shoppers["maya"], 1)[0].item.item_id]
    )
    draft = versions.active("realize").text.replace("tone: warm", "tone: brief")
    before = len(generator.seen)
    found = data.run_previews(agent, versions, "realize", draft, pairs)
    assert found.problems == [] and found.draft is not None
    assert (found.active.steering, found.draft.steering) == (Steering("warm"), Steering("brief"))
    assert any(str(p.messages[-1].content).startswith("tone=brief ") for p in generator.seen[before:])
    assert found.active.rows[0].text != found.draft.rows[0].text  # the bank words each tone its own way
    assert "- steering: tone **brief** · lead kinds: none (the planner's order) · words to avoid: none" in (
        data.metrics_markdown(found.draft, "Draft", versioned=False)
    )
    assert agent.writer.steering == Steering("warm")  # the live writer is left as it was


def test_a_versions_steering_reads_plainly(versions: PromptVersions) -> None:
    shipped = versions.active("realize").version
    assert data.version_steering_markdown(versions, "realize", shipped) == (
        f"**Steering of v{shipped}**: tone **warm** · lead kinds: none (the planner's order) · "
        "words to avoid: none"
    )
    steered = versions.active("realize").text.replace("tone: warm", "tone: expert")
    steered = steered.replace("lead_kinds: []", "lead_kinds: [rating, budget]")
    v2 = versions.save("realize", steered.replace("avoid_words: []", "avoid_words: [cheap]"), "ann", "")
    assert data.version_steering_markdown(versions, "realize", v2.version) == (
        f"**Steering of v{v2.version}**: tone **expert** · lead kinds: rating, budget · words to avoid: cheap"
    )
    plain = versions.active("realize").text.split("steering:")[0]
    v3 = versions.save("realize", plain, "ann", "no steering")
    assert "none in this version, so the config's applies" in data.version_steering_markdown(
        versions, "realize", v3.version
    )
    assert data.version_steering_markdown(versions, "reason", versions.active("reason").version) == ""
    assert data.version_steering_markdown(versions, "realize", 42) == ""


def test_trials_and_feedback_per_version_in_the_studio(versions: PromptVersions) -> None:
    trials = PromptTrials(versions)
    shipped = versions.active("realize").version
    brief = versions.active("realize").text.replace("tone: warm", "tone: brief")
    v2 = versions.save("realize", brief, "ann", "brief").version
    assert data.trial_markdown(trials, "realize").startswith("No trial of realize is running")
    with pytest.raises(DataError, match=r"at most 0\.5; given 0\.8"):
        data.start_trial(trials, "realize", v2, 80, "ann")
    started = data.start_trial(trials, "realize", v2, 20, "ann")
    assert started == f"✅ trial started: realize v{v2} writes for 20% of sessions"
    assert data.trial_markdown(trials, "realize").startswith(
        f"🧪 Trial: realize v{v2} writes for 20% of sessions (started by ann, "
    )
    headers, rows = data.rates_table(trials, versions, "realize")
    assert headers == data.RATES_HEADERS
    assert rows == [[v2, "trial", 0, 0, 0, "—"], [shipped, "active", 0, 0, 0, "—"]]
    stopped = data.stop_trial(trials, "realize", "bob")
    assert stopped.startswith(f"✅ trial stopped: realize v{v2}")
    audit = data.audit_table(versions)[1]
    assert [r[1:5] for r in audit[:2]] == [
        ["bob", "trial_stop", "realize", v2],
        ["ann", "trial_start", "realize", v2],
    ]
