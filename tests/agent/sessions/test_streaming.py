"""Cards at once, reasons streamed in: each checked reason as its own event when it is ready, a turn whose
shopper left stops generating, an LM that fails leaves the cards their templates; the turn is stored whole."""

from __future__ import annotations

from pathlib import Path

from agent.compose import session_manager
from agent.config import AgentConfig
from agent.recommender import Agent
from agent.sessions.events import DoneEvent, Event, ItemCard, ReasonEvent
from agent.sessions.store import open_store
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, SteppedGenerator, fake_agent


def jonas() -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("jonas")))


def agent_over(tmp_path: Path, generator: ScriptedGenerator) -> Agent:
    return fake_agent(tmp_path / "cache", generator)


def test_cards_come_first_and_each_reason_follows_as_it_is_finished(tmp_path: Path) -> None:
    store = open_store(tmp_path / "chat.db")
    manager = session_manager(agent_over(tmp_path, SteppedGenerator()), store)
    session_id, stream = manager.open(jonas())
    events = list(stream)
    cards = [e for e in events if isinstance(e, ItemCard)]
    reasons = [e for e in events if isinstance(e, ReasonEvent)]
    assert [c.position for c in cards] == [1, 2, 3, 4, 5] and all(c.reason is None for c in cards)
    assert events.index(cards[-1]) < events.index(reasons[0])
    assert [r.position for r in reasons] == [5, 4, 3, 2, 1]  # the order the engine finished them
    assert all(r.reason_source == "model" and "[" not in r.reason for r in reasons)
    assert {r.item_id: r.position for r in reasons} == {c.item_id: c.position for c in cards}
    saved = manager.save(session_id)
    assert saved["turns"][0]["items"] == [c.item_id for c in cards]
    stored = store.load_session(session_id)
    assert stored is not None
    reply = stored.state["messages"][-1]["data"]["content"]
    assert all(r.reason in reply for r in reasons)


def test_a_turn_whose_shopper_left_stops_generating_and_is_stored_with_templates(tmp_path: Path) -> None:
    generator = SteppedGenerator()
    store = open_store(tmp_path / "chat.db")
    manager = session_manager(agent_over(tmp_path, generator), store)
    left = [False]
    session_id, stream = manager.open(jonas(), cancelled=lambda: left[0])
    events: list[Event] = []
    for event in stream:
        events.append(event)
        if isinstance(event, ReasonEvent):
            left[0] = True  # the shopper closed the page after the first reason
    reasons = [e for e in events if isinstance(e, ReasonEvent)]
    draws = AgentConfig().reasons.candidates
    assert len(generator.seen) == draws  # one card's draws generated, four cards never asked for
    assert [r.reason_source for r in reasons] == ["model"] + ["fallback"] * 4
    assert isinstance(events[-1], DoneEvent) and events[-1].turn == 1
    assert len(manager.save(session_id)["turns"][0]["items"]) == 5
    assert store.load_session(session_id) is not None


def test_an_lm_that_fails_mid_turn_leaves_every_card_its_grounded_template(tmp_path: Path) -> None:
    manager = session_manager(agent_over(tmp_path, ScriptedGenerator(broken=True)))
    session_id, stream = manager.open(jonas())
    events = list(stream)
    reasons = [e for e in events if isinstance(e, ReasonEvent)]
    assert len(reasons) == 5 and {r.reason_source for r in reasons} == {"fallback"}
    assert [e.type for e in events][-1] == "done" and "error" not in [e.type for e in events]
    follow_up = list(manager.send(session_id, "why #2?"))
    assert [e.type for e in follow_up][-2:] == ["evidence", "done"]
