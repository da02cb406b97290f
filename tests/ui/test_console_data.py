"""The support console's data functions over real sessions of a fake-backed agent and a real store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.compose import session_manager
from agent.recommender import Agent
from agent.sessions.events import ItemCard, filled_cards
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store, open_store
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, fake_agent
from ui import console_data as data
from whythis.errors import DataError, SessionNotFound


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return fake_agent(tmp_path_factory.mktemp("cache"))


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "whythis.db")
    yield opened
    opened.close()


def demo(name: str) -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith(name)))


def jonas_session(agent: Agent, store: Store) -> tuple[SessionManager, str, list[ItemCard]]:
    manager = session_manager(agent, store)
    session_id, stream = manager.open(demo("jonas"))
    cards = filled_cards(stream)
    list(manager.send(session_id, "why #2?"))
    return manager, session_id, cards


def test_find_by_session_id_or_shopper_id_latest_first(agent: Agent, store: Store) -> None:
    manager, first, _ = jonas_session(agent, store)
    second, stream = manager.open(demo("jonas"))
    list(stream)
    list(manager.open(demo("maya"))[1])
    by_shopper = data.find_sessions(store, " jonas ")
    assert [s.session_id for s in by_shopper] == [second, first]
    assert all(s.shopper_id == "jonas" and s.updated >= s.created for s in by_shopper)
    assert [s.session_id for s in data.find_sessions(store, first)] == [first]
    assert data.find_sessions(store, "nobody") == [] and data.find_sessions(store, "  ") == []
    assert data.found_choices(by_shopper)[0] == (data.session_label(by_shopper[0]), second)
    assert data.session_label(by_shopper[0]).startswith("jonas · ")


def test_session_view_shows_profile_candidates_evidence_and_transcript(agent: Agent, store: Store) -> None:
    _, session_id, cards = jonas_session(agent, store)
    view = data.load_session_view(store, session_id)
    assert "`jonas`" in data.profile_markdown(view) and "NW-019" in data.profile_markdown(view)
    headers, rows = data.candidates_table(view)
    signals = data.signal_names(view)
    assert signals and headers == [
        "#",
        "item_id",
        "title",
        "price",
        "fused score",
        *signals,
        "reason",
        "reason source",
        "plan",
    ]
    assert [r[0] for r in rows] == [1, 2, 3, 4, 5] and [r[1] for r in rows] == [c.item_id for c in cards]
    recs = {r.item.item_id: r for r in view.saved.recommendations}
    for row in rows:
        rec = recs[row[1]]
        assert row[4] == round(rec.candidate.score, 4) and row[-3] == rec.reason.text
        assert row[-1].startswith("tone=")  # the plan behind the reason
        for e in rec.candidate.evidence:
            assert row[headers.index(e.signal)] == round(e.score, 4)
    points = data.evidence_points(view)
    assert len(points) == sum(len(r.candidate.evidence) for r in recs.values())
    assert {p["item"] for p in points} == {f"#{n} {c.item_id}" for n, c in enumerate(cards, start=1)}
    assert [m["role"] for m in data.transcript(view)] == ["assistant", "user", "assistant"]
    assert data.transcript(view)[1]["content"] == "why #2?"
    assert [r[:2] for r in data.turns_table(view)[1]] == [[1, "recommend"], [2, "why"]]
    assert data.item_choices(view)[1] == (f"#2 {cards[1].title}", cards[1].item_id)


def test_constraints_of_an_anonymous_search(agent: Agent, store: Store) -> None:
    manager = session_manager(agent, store)
    session_id, stream = manager.open(None, "a waterproof jacket under 150")
    list(stream)
    rows = dict(data.constraints_table(data.load_session_view(store, session_id))[1])
    assert rows["wants"] == "a waterproof jacket under 150" and rows["constraint budget_max"] == "150.0"
    assert "constraint exclude_ids" not in rows and "constraint colours" not in rows


def test_support_voice_re_explains_a_shown_item(agent: Agent, store: Store) -> None:
    _, session_id, cards = jonas_session(agent, store)
    view = data.load_session_view(store, session_id)
    reason = data.support_reason(agent.writer, view, cards[0].item_id)
    generator = agent.writer.generator
    assert isinstance(generator, ScriptedGenerator)
    assert 'about "the user"' in str(generator.seen[-1].messages[0].content)
    assert reason.item_id == cards[0].item_id and reason.text
    assert reason.text in data.support_reason_markdown(reason)
    with pytest.raises(DataError, match="was not recommended"):
        data.support_reason(agent.writer, view, "NW-999")


def test_flag_stores_a_thumbs_down_by_the_staff_user_even_after_a_restart(agent: Agent, store: Store) -> None:
    manager, session_id, cards = jonas_session(agent, store)
    manager.feedback(session_id, cards[0].item_id, 1, comment="lovely")
    restarted = session_manager(agent, store)
    view = data.load_session_view(store, session_id)
    feedback_id = data.flag_reason(restarted, view, cards[2].item_id, "ann")
    flagged = data.load_session_view(store, session_id).feedback[-1]
    assert (flagged.id, flagged.rating, flagged.comment, flagged.item_id) == (
        feedback_id,
        -1,
        "flagged by ann",
        cards[2].item_id,
    )
    assert flagged.turn == 1 and flagged.text_shown == cards[2].reason
    headers, rows = data.feedback_table(data.load_session_view(store, session_id))
    assert [r[headers.index("rating")] for r in rows] == [1, -1]
    assert rows[1][headers.index("comment")] == "flagged by ann"


def test_an_unknown_session_is_not_found(store: Store) -> None:
    with pytest.raises(SessionNotFound, match="no stored session"):
        data.load_session_view(store, "nope")
