"""Chat sessions: typed event streams, evidence, errors, save/restore, isolation, store and feedback."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from agent.compose import session_manager
from agent.intents.parse import Parsed
from agent.reasons.cache import ReasonCache
from agent.recommender import Agent, Recommendation
from agent.sessions.events import (
    DoneEvent,
    ErrorEvent,
    Event,
    EvidenceEvent,
    ItemCard,
    TextChunk,
    evidence_event,
    filled_cards,
)
from agent.sessions.store import open_store
from retrieval.retriever import Evidence
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, fake_agent, fake_runtime
from whythis.errors import DataError, SessionNotFound


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return fake_agent(tmp_path_factory.mktemp("cache"))


def demo(name: str) -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith(name)))


def dumped(events: Iterable[Event]) -> list[dict[str, Any]]:
    return [e.model_dump(mode="json") for e in events]


def text_of(events: list[Event]) -> str:
    return "".join(e.text for e in events if isinstance(e, TextChunk))


def test_known_shopper_opens_with_text_then_cards_then_done(agent: Agent) -> None:
    manager = session_manager(agent)
    session_id, stream = manager.open(demo("jonas"))
    events = list(stream)
    kinds = [e.type for e in events]
    assert kinds == ["text"] * kinds.count("text") + ["item_card"] * 5 + ["reason"] * 5 + ["done"]
    assert all(isinstance(e, ItemCard) and e.reason is None for e in events if e.type == "item_card")
    assert text_of(events) == "Here are my picks for you:"
    cards = filled_cards(events)
    assert [c.position for c in cards] == [1, 2, 3, 4, 5] and cards[1].explain == "why #2?"
    assert all(c.reason and "[" not in c.reason and c.reason_source == "model" for c in cards)
    assert events[-1] == DoneEvent(intent="recommend", turn=1)
    assert len(session_id) >= 32


def test_anonymous_session_searches_for_its_first_message(agent: Agent) -> None:
    manager = session_manager(agent)
    session_id, stream = manager.open(None, "a waterproof jacket under 150")
    cards = filled_cards(stream)
    assert cards and all((c.price or 0) <= 150 for c in cards)
    saved = manager.save(session_id)
    assert (
        saved["shopper"]["id"].startswith("anon-")
        and saved["state"]["wants"] == "a waterproof jacket under 150"
    )
    _, hello = manager.open()
    assert "looking for" in text_of(list(hello))


def test_why_turn_streams_structured_evidence(agent: Agent) -> None:
    manager = session_manager(agent)
    session_id, stream = manager.open(demo("jonas"))
    cards = filled_cards(stream)
    events = list(manager.send(session_id, "why #2?"))
    assert [e.type for e in events][-2:] == ["evidence", "done"]
    evidence = events[-2]
    assert isinstance(evidence, EvidenceEvent)
    assert (evidence.item_id, evidence.position, evidence.reason) == (cards[1].item_id, 2, cards[1].reason)
    assert {s.signal for s in evidence.signals} <= {"content", "history"} and evidence.signals
    history = next(s for s in evidence.signals if s.signal == "history")
    assert history.near and history.rank >= 1 and 0 < history.score <= 1
    assert all(m.shopper_fact.startswith("past purchase") for m in evidence.matched)
    assert text_of(events).startswith("#2 ")  # the realizer's answer; the evidence is its own event


def test_every_event_serialises_to_json_and_back(agent: Agent) -> None:
    from agent.sessions.events import parse_event

    manager = session_manager(agent)
    session_id, stream = manager.open(demo("maya"))
    events = [*stream, *manager.send(session_id, "why #1?")]
    for event in events:
        assert parse_event(json.loads(event.model_dump_json())) == event


@dataclass(frozen=True)
class CountedEvidence(Evidence):
    count: int = 0


def test_collaborative_evidence_is_carried_as_data(agent: Agent) -> None:
    manager = session_manager(agent)
    session_id, stream = manager.open(demo("jonas"))
    list(stream)
    rec = manager.conversation(session_id).shown_recommendations()[0]
    bought = CountedEvidence(
        "covisit", 12.0, 1, "bought together with a jacket by 12 shoppers", ("NW-019",), 12
    )
    with_collab = Recommendation(
        rec.candidate.__class__(rec.item, rec.candidate.score, (bought,)), rec.reason
    )
    event = evidence_event(with_collab, 1, lambda i: "Title of " + i)
    [collab] = event.collaborative
    assert (collab.with_item, collab.title, collab.count, collab.signal) == (
        "NW-019",
        "Title of NW-019",
        12,
        "covisit",
    )
    assert event.signals[0].signal == "covisit"


def test_a_bad_turn_is_an_error_event_and_the_session_goes_on(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    manager = session_manager(agent)
    session_id, stream = manager.open(demo("jonas"))
    list(stream)

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("index on fire")

    monkeypatch.setattr(agent, "candidates", broken)
    events = list(manager.send(session_id, "something cheaper"))
    assert [e.type for e in events] == ["error", "done"]
    error = events[0]
    assert isinstance(error, ErrorEvent) and error.code == "internal" and "fire" not in error.message
    _, opening = manager.open(demo("maya"))
    assert [e.type for e in opening] == ["error", "done"]
    monkeypatch.undo()
    assert [e.type for e in manager.send(session_id, "why #1?")][-2:] == ["evidence", "done"]
    with pytest.raises(SessionNotFound):
        manager.send("not-a-session", "hi")


def test_saved_json_restores_to_an_identical_continuation(agent: Agent) -> None:
    manager = session_manager(agent)
    first, stream = manager.open(demo("jonas"))
    list(stream)
    for message in ["why #2?", "something cheaper"]:
        list(manager.send(first, message))
    saved = json.loads(json.dumps(manager.save(first)))
    second = manager.restore(saved)
    assert second != first and manager.save(second) == saved
    for message in ["more like #1", "why #1?", "compare #1 and #2", "show me others"]:
        assert dumped(manager.send(first, message)) == dumped(manager.send(second, message))
    assert manager.save(first) == manager.save(second)
    with pytest.raises(DataError, match="format"):
        manager.restore({**saved, "format": "other/9"})


def test_two_sessions_never_see_each_others_shopper(agent: Agent) -> None:
    manager = session_manager(agent)
    maya, lea = demo("maya"), demo("lea")
    a, stream_a = manager.open(maya)
    b, stream_b = manager.open(lea)
    seen_b = dumped(stream_b) + dumped(manager.send(b, "what do you know about me?"))
    seen_b += dumped(manager.send(b, "why #1?"))
    seen_a = dumped(stream_a) + dumped(manager.send(a, "what do you know about me?"))
    text_b = json.dumps(seen_b) + json.dumps(manager.save(b))
    text_a = json.dumps(seen_a) + json.dumps(manager.save(a))
    assert maya.profile and maya.profile[:40] not in text_b and lea.profile[:40] not in text_a
    assert f'"{maya.shopper_id}"' not in text_b and f'"{lea.shopper_id}"' not in text_a
    assert f'"id": "{lea.shopper_id}"' in text_b


def test_store_backed_sessions_resume_by_id_and_forget_deletes_everything(
    agent: Agent, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "chat.db")
    manager = session_manager(agent, store)
    session_id, stream = manager.open(demo("maya"))
    cards = filled_cards(stream)
    other, rest = manager.open(demo("maya"))
    list(rest)
    manager.feedback(session_id, cards[0].item_id, 1, comment="lovely")
    later = session_manager(agent, store)  # e.g. after a restart: the id finds the stored session
    assert [e.type for e in later.send(session_id, "why #1?")][-2:] == ["evidence", "done"]
    conv = later.conversation(session_id)
    later.bot.respond(conv, "forget me", Parsed(intent="forget_me"))
    events = list(later.send(session_id, "yes"))
    assert events[-1] == DoneEvent(intent="forgotten", turn=3)
    assert "deleted" in text_of(events) and store.count("maya") == {k: 0 for k in store.count("maya")}
    with pytest.raises(SessionNotFound):
        later.send(other, "hi")
    saved = later.save(session_id)
    assert saved["shopper"]["id"].startswith("anon-") and "maya" not in json.dumps(saved)


def test_feedback_records_prompt_adapter_evidence_and_text(agent: Agent, tmp_path: Path) -> None:
    store = open_store(tmp_path / "chat.db")
    manager = session_manager(agent, store)
    session_id, stream = manager.open(demo("jonas"))
    cards = filled_cards(stream)
    list(manager.send(session_id, "why #2?"))
    manager.feedback(session_id, cards[1].item_id, -1, comment="meh", turn=1)
    manager.feedback(session_id, None, 1)
    reason, answer = store.feedback()
    assert (reason.prompt_name, reason.prompt_version, reason.adapter) == ("realize", 1, "plans-smollm2")
    assert reason.text_shown == cards[1].reason and reason.evidence[0]["item_id"] == cards[1].item_id
    assert reason.item is not None and reason.shopper["id"] == "jonas" and reason.context
    assert answer.item_id is None and answer.text_shown.startswith("#2 ") and answer.turn == 2
    with pytest.raises(DataError, match="not shown"):
        manager.feedback(session_id, "NOPE", 1)
    with pytest.raises(DataError, match="rating"):
        manager.feedback(session_id, None, 0)


def test_forget_me_drops_the_shoppers_cached_reasons_and_only_theirs(agent: Agent) -> None:
    cache = ReasonCache()
    cached = Agent(agent.items, agent.retriever, replace(agent.writer, cache=cache), agent.config)
    manager = session_manager(cached, None, None, cache.forget)
    maya, stream = manager.open(demo("maya"))
    list(stream)
    _, other = manager.open(demo("jonas"))
    list(other)
    kept = len(cache)
    assert kept >= 2
    list(manager.send(maya, "forget me"))
    assert next(e for e in manager.send(maya, "yes") if isinstance(e, DoneEvent)).intent == "forgotten"
    assert 0 < len(cache) < kept  # jonas's reasons stay


def test_a_shopper_forgotten_on_another_server_leaves_nothing_here(agent: Agent, tmp_path: Path) -> None:
    store = open_store(tmp_path / "chat.db")
    lm_a = ScriptedGenerator()
    here, there = fake_runtime(agent, store, generator=lm_a).manager, fake_runtime(agent, store).manager
    first, stream = here.open(demo("maya"))
    list(stream)
    asked = len(lm_a.seen)
    second, stream = here.open(demo("maya"))
    list(stream)
    assert len(lm_a.seen) == asked  # the same cards: their reasons came from this server's cache
    elsewhere, stream = there.open(demo("maya"))
    list(stream)
    there.bot.respond(there.conversation(elsewhere), "forget me", Parsed(intent="forget_me"))
    done = list(there.send(elsewhere, "yes"))[-1]
    assert isinstance(done, DoneEvent) and done.intent == "forgotten"
    assert here.sync() == 2 and not here.is_live(first) and not here.is_live(second)
    list(here.open(demo("maya"))[1])
    assert len(lm_a.seen) > asked  # written anew: nothing of hers was kept in the cache
