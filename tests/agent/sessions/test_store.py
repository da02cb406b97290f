"""The chat store on SQLite and PostgreSQL: WAL, sessions, feedback round trip, forgetting a shopper."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from agent.sessions.store import FeedbackRecord, SessionMovedOn, Store, default_db_path, open_store

EVIL = "x'; DROP TABLE feedback; --"


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = open_store(url=db_url)
    yield opened
    opened.close()


def record(shopper_id: str, item_id: str | None = "NW-001", rating: int = 1) -> FeedbackRecord:
    return FeedbackRecord(
        session_id=f"sess-{shopper_id}",
        shopper_id=shopper_id,
        turn=2,
        item_id=item_id,
        rating=rating,
        prompt_name="reason",
        prompt_version=1,
        adapter="default",
        audience="shopper",
        text_shown="Recommended because it comes in blue.",
        evidence=[{"item_id": "NW-001", "signals": [{"signal": "content", "score": 0.7}]}],
        shopper={"id": shopper_id, "profile": "likes blue"},
        item={"item_id": "NW-001", "title": "Tee"} if item_id else None,
        context=[{"item_id": "NW-002", "title": "Cap"}],
        reason_source="model",
        comment="spot on",
        corrected_text="Recommended because it is blue.",
        corrected_grounded=True,
    )


def fill(store: Store, shopper_id: str) -> None:
    store.save_session(f"sess-{shopper_id}", shopper_id, {"turn": 1}, [("human", "hi"), ("ai", "hello")])
    store.save_shopper(shopper_id, {"shopper": {"id": shopper_id}, "learned": {"wants": "jackets"}})
    store.add_feedback(record(shopper_id))
    store.add_feedback(record(shopper_id, None, -1))


def test_the_sqlite_store_uses_wal_in_its_own_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_store(tmp_path / "chat.db")
    store.save_shopper("maya", {})
    assert store.where == str(tmp_path / "chat.db") and (tmp_path / "chat.db").is_file()
    assert sqlite3.connect(tmp_path / "chat.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path / "cache"))
    assert default_db_path() == tmp_path / "cache" / "whythis.db"


def test_feedback_round_trip(store: Store) -> None:
    sent = record("maya")
    new_id = store.add_feedback(sent)
    [row] = store.feedback()
    assert row.id == new_id and row.rating == 1 and row.corrected_grounded is True
    assert row.evidence == sent.evidence and row.shopper == sent.shopper and row.item == sent.item
    assert row.context == sent.context and row.text_shown == sent.text_shown
    assert (row.prompt_name, row.prompt_version, row.adapter) == ("reason", 1, "default")
    with pytest.raises(IntegrityError):
        store.add_feedback(record("maya", rating=0))


def test_sessions_save_load_and_replace(store: Store) -> None:
    store.save_session("s1", "maya", {"turn": 1}, [("human", "hi")])
    store.save_session("s1", "maya", {"turn": 2}, [("human", "hi"), ("ai", "hello")])
    row = store.load_session("s1")
    assert row is not None and row.state == {"turn": 2} and row.shopper_id == "maya"
    assert store.messages("s1") == [("human", "hi"), ("ai", "hello")]
    assert store.load_session("nope") is None


def test_sessions_and_feedback_are_listed_by_shopper_session_or_either(store: Store) -> None:
    for shopper in ("maya", "jonas", "lea"):
        fill(store, shopper)
    store.save_session("sess-maya", "maya", {"turn": 3}, [("human", "again")])  # now the latest
    assert [s.session_id for s in store.sessions()] == ["sess-maya", "sess-lea", "sess-jonas"]
    [jonas] = store.sessions(shopper_id="jonas")
    assert (jonas.session_id, jonas.turn) == ("sess-jonas", 1) and jonas.updated >= jonas.created
    assert [s.shopper_id for s in store.sessions(match="sess-lea")] == ["lea"]
    assert [s.session_id for s in store.sessions(match="maya")] == ["sess-maya"]
    assert store.sessions(shopper_id="sess-maya") == [] and len(store.sessions(limit=1)) == 1
    assert [f.rating for f in store.feedback(session_id="sess-jonas")] == [1, -1]
    assert {f.shopper_id for f in store.feedback(shopper_id="lea")} == {"lea"}
    newest = store.feedback(limit=2)
    assert [f.shopper_id for f in newest] == ["lea", "lea"] and newest[0].id < newest[1].id
    assert store.feedback(session_id="sess-lea", shopper_id="maya") == []


def test_forget_deletes_the_shopper_from_every_table_and_counts(store: Store) -> None:
    fill(store, "maya")
    fill(store, EVIL)
    assert store.count("maya") == {"feedback": 2, "messages": 2, "sessions": 1, "shoppers": 1}
    assert store.forget("maya") == {"feedback": 2, "messages": 2, "sessions": 1, "shoppers": 1}
    assert store.count("maya") == {"feedback": 0, "messages": 0, "sessions": 0, "shoppers": 0}
    assert store.load_shopper("maya") is None and store.load_session("sess-maya") is None
    assert all(r.shopper_id == EVIL for r in store.feedback())
    assert store.forget(EVIL)["feedback"] == 2 and store.feedback() == []


def test_a_reopened_store_keeps_its_rows(tmp_path: Path) -> None:
    first = open_store(tmp_path / "chat.db")
    fill(first, "lea")
    first.close()
    again = open_store(tmp_path / "chat.db")
    assert again.load_shopper("lea") == {"shopper": {"id": "lea"}, "learned": {"wants": "jackets"}}
    assert len(again.feedback()) == 2


def test_a_save_names_the_revision_it_read_so_servers_cannot_overwrite_each_other(store: Store) -> None:
    first = store.save_session("s1", "maya", {"turn": 1}, [("human", "hi")], {"learned": {}}, revision=0)
    assert first == 1 and store.revisions(["s1", "nope"]) == {"s1": 1}
    assert store.save_session("s1", "maya", {"turn": 2}, [("human", "hi"), ("ai", "yo")], revision=1) == 2
    with pytest.raises(SessionMovedOn, match="continued or forgotten elsewhere"):
        store.save_session("s1", "maya", {"turn": 2}, [("human", "other")], revision=1)  # a stale copy
    row = store.load_session("s1")
    assert row is not None and row.state == {"turn": 2} and row.revision == 2
    assert store.messages("s1") == [("human", "hi"), ("ai", "yo")]
    store.forget("maya")
    with pytest.raises(SessionMovedOn):
        store.save_session("s1", "maya", {"turn": 3}, [], revision=2)  # forgotten: never brought back
    assert store.load_session("s1") is None and store.count("maya")["messages"] == 0
