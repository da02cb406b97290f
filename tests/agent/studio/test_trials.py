"""Prompt trials: a saved version written for a share of the sessions (chosen by a hash of the session id),
started and stopped with an audit entry, and each version's shopper feedback counted from the store."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.config import AgentConfig, ReasonConfig
from agent.recommender import Agent
from agent.sessions.store import FeedbackRecord, open_store
from agent.store.database import StoreConfig
from agent.store.versioning import open_database
from agent.studio.trials import PromptTrials, Trial
from agent.studio.versions import PromptVersions, open_prompt_versions
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from tests.fakes import ScriptedGenerator, fake_agent, fake_runtime
from whythis.errors import DataError, PromptError

IDS = [f"session-{n:04d}" for n in range(1000)]


@pytest.fixture()
def versions(db_url: str) -> Iterator[PromptVersions]:
    opened = open_prompt_versions(open_database(db_url, StoreConfig()))
    yield opened
    opened.close()


def brief_realizer(versions: PromptVersions, author: str = "ann") -> int:
    """Save (inactive) a realize version whose steering says tone brief; its number."""
    text = versions.active("realize").text
    assert "tone: warm" in text
    return versions.save("realize", text.replace("tone: warm", "tone: brief"), author, "brief").version


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_a_trial_takes_about_its_share_of_sessions_the_same_on_every_turn_and_server(share: float) -> None:
    trial = Trial("realize", 2, share, "ann", 0.0)
    chosen = {s for s in IDS if trial.includes(s)}
    assert abs(len(chosen) / len(IDS) - share) < 0.05
    # Another server reading the same trial row later picks the very same sessions.
    again = Trial("realize", 2, share, "bob", 99.0)
    assert {s for s in IDS if again.includes(s)} == chosen
    # Another trial draws its own sessions: not always the same unlucky ones.
    other = Trial("reason", 5, share, "ann", 0.0)
    assert {s for s in IDS if other.includes(s)} != chosen


def test_start_and_stop_are_audited_and_a_bad_start_is_refused(versions: PromptVersions) -> None:
    trials = PromptTrials(versions)
    v2 = brief_realizer(versions)
    started = trials.start("realize", v2, 0.25, "ann")
    assert (started.version, started.share, started.actor) == (v2, 0.25, "ann")
    assert trials.running("realize") == started and trials.running("reason") is None
    entry = versions.audit(1)[0]
    assert (entry.actor, entry.action, entry.name, entry.version) == ("ann", "trial_start", "realize", v2)
    assert entry.detail == "on 25% of sessions"
    with pytest.raises(PromptError, match=r"is running \(v2 on 25% of sessions\); stop it first"):
        trials.start("realize", v2, 0.1, "ann")
    stopped = trials.stop("realize", "bob")
    assert stopped.version == v2 and trials.running("realize") is None
    entry = versions.audit(1)[0]
    assert (entry.actor, entry.action, entry.version, entry.detail) == (
        "bob",
        "trial_stop",
        v2,
        "was v2 on 25% of sessions",
    )
    with pytest.raises(PromptError, match="no trial of 'realize' is running"):
        trials.stop("realize", "bob")
    for share in (0.0, 0.6, float("nan")):
        with pytest.raises(DataError, match=r"more than 0 and at most 0.5; given"):
            trials.start("realize", v2, share, "ann")
    with pytest.raises(PromptError, match="is active; a trial runs a saved version that is not"):
        trials.start("realize", versions.active("realize").version, 0.2, "ann")
    with pytest.raises(PromptError, match="no version 42"):
        trials.start("realize", 42, 0.2, "ann")
    with pytest.raises(DataError, match="actor"):
        trials.start("realize", v2, 0.2, " ")


def test_trial_entries_leave_rollback_to_the_activations(versions: PromptVersions) -> None:
    trials = PromptTrials(versions)
    shipped = versions.active("realize").version
    v2 = brief_realizer(versions)
    versions.activate("realize", v2, "ann")
    expert = versions.active("realize").text.replace("tone: brief", "tone: expert")
    v3 = versions.save("realize", expert, "ann", "").version
    trials.start("realize", v3, 0.5, "ann")
    trials.stop("realize", "ann")
    assert versions.rollback("realize", "bob").version == shipped


def test_sessions_in_the_share_get_the_trial_version_by_name(versions: PromptVersions) -> None:
    trials = PromptTrials(versions)
    v2 = brief_realizer(versions)
    trial = trials.start("realize", v2, 0.5, "ann")
    inside = next(s for s in IDS if trial.includes(s))
    outside = next(s for s in IDS if not trial.includes(s))
    chosen = trials.prompts_for(inside)
    assert list(chosen) == ["realize"] and chosen["realize"].version == v2
    assert chosen["realize"].steering is not None and chosen["realize"].steering.tone == "brief"
    assert trials.prompts_for(outside) == {}
    trials.stop("realize", "ann")
    assert trials.prompts_for(inside) == {}


def feedback(prompt: str, version: int, rating: int, item_id: str | None = "i1") -> FeedbackRecord:
    return FeedbackRecord(
        session_id="s",
        shopper_id="u",
        turn=1,
        item_id=item_id,
        rating=rating,
        prompt_name=prompt,
        prompt_version=version,
        adapter=None,
        audience="shopper",
        text_shown="a reason",
        evidence=[],
        shopper={},
    )


def test_feedback_rates_per_version_come_from_the_stored_feedback(db_url: str) -> None:
    store = open_store(url=db_url)
    versions = open_prompt_versions(store.database)
    try:
        shipped, v2 = versions.active("realize").version, brief_realizer(versions)
        ratings = [(shipped, 1), (shipped, -1), (shipped, -1), (v2, 1), (v2, 1), (v2, 1), (v2, -1)]
        for version, rating in ratings:
            store.add_feedback(feedback("realize", version, rating))
        store.add_feedback(feedback("realize", v2, -1, item_id=None))  # on an answer, not a reason
        store.add_feedback(feedback("reason", v2, -1))  # another prompt's
        rates = {r.version: r for r in PromptTrials(versions).rates("realize")}
        assert (rates[v2].rated, rates[v2].helpful, rates[v2].not_helpful) == (4, 3, 1)
        assert (rates[shipped].rated, rates[shipped].helpful, rates[shipped].not_helpful) == (3, 1, 2)
        assert rates[v2].helpful_rate == 0.75 and rates[shipped].helpful_rate == pytest.approx(1 / 3)
        assert list(rates) == [v2, shipped]
        unrated = PromptTrials(versions).rates("xrec")
        assert [(r.rated, r.helpful_rate) for r in unrated] == [(0, None)]
    finally:
        versions.close()
        store.close()


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    # No reason cache: every turn's plans reach the generator, whose prompts show their tone.
    config = AgentConfig(reasons=ReasonConfig(cache_entries=0))
    return fake_agent(tmp_path_factory.mktemp("cache"), config=config)


def plan_tones(generator: ScriptedGenerator, since: int) -> set[str]:
    lines = [str(p.messages[-1].content) for p in generator.seen[since:]]
    return {m[1] for line in lines if (m := re.match(r"tone=(\w+) ", line))}


def test_a_trial_sessions_reasons_are_written_with_the_trials_steering_and_rated_for_it(
    agent: Agent, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "whythis.db")
    generator = ScriptedGenerator()  # answers a plan prompt with the bank's sentence: it echoes the plan
    runtime = fake_runtime(agent, store, generator=generator)
    assert runtime.versions is not None
    trials = PromptTrials(runtime.versions)
    trial = trials.start("realize", brief_realizer(runtime.versions), 0.5, "ann")
    maya = load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("maya")))
    seen: dict[bool, str] = {}
    try:
        while len(seen) < 2:  # one session in the trial's share and one outside it
            before = len(generator.seen)
            session_id, events = runtime.manager.open(maya)
            tone = "brief" if trial.includes(session_id) else "warm"
            assert [e for e in events if e.type == "reason"] and plan_tones(generator, before) == {tone}
            seen.setdefault(trial.includes(session_id), session_id)
            assert len(generator.seen) < 2000, "no session landed on both sides of a 50% trial"
        for session_id in seen.values():
            item_id = runtime.manager.conversation(session_id).state.shown[0]
            runtime.manager.feedback(session_id, item_id, 1)
        rates = {r.version: r.rated for r in trials.rates("realize")}
        assert rates == {trial.version: 1, runtime.versions.active("realize").version: 1}
    finally:
        runtime.close()
        store.close()
