"""A bounded soak on loopback: 200 turns over two replicas on PostgreSQL, each replica killed with
SIGKILL and restarted once while the shoppers go on (two kills in all). Every turn is answered or gets a
documented error and is repeated; nothing is lost: the store holds exactly the turns the clients saw
answered (plus at most the ones cut after their save), no half turn, no orphan message, and every
acknowledged feedback row."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from agent.sessions.store import open_store
from agent.store.database import normalized_url
from tests.ui.fake_servers import FakeServer
from tests.ui.soak_client import Ledger, Shopper

TURNS, SHOPPERS = 200, 8
ORPHANS = "SELECT COUNT(*) FROM messages m LEFT JOIN sessions s ON s.id = m.session_id WHERE s.id IS NULL"
DOCUMENTED = {"answered", "cut", "busy_503", "refused_connection", "not_found_404"}


@pytest.fixture
def two(pg_url: str, tmp_path: Path) -> Iterator[tuple[FakeServer, FakeServer]]:
    servers = [FakeServer(pg_url, tmp_path / f"replica-{n}.log", delay_s=0.15) for n in (1, 2)]
    for server in servers:
        server.start()
    yield servers[0], servers[1]
    for server in servers:
        server.stop()


def kill_and_restart(
    servers: tuple[FakeServer, FakeServer], ledger: Ledger, done: threading.Event, restarted: list[int]
) -> None:
    """Kill each replica once, a quarter and half way into the run, and start it again."""
    for server, at in zip(servers, (TURNS // 4, TURNS // 2), strict=True):
        while ledger.answered() < at and not done.is_set():
            done.wait(0.02)
        server.kill()
        server.start()
        restarted.append(ledger.answered())


def test_200_turns_with_replicas_killed_twice_lose_nothing(
    two: tuple[FakeServer, FakeServer], pg_url: str
) -> None:
    ledger = Ledger(TURNS)
    ids = ("maya", "jonas", "lea", "maya")
    shoppers = [Shopper([two[0].base, two[1].base], ids[n % len(ids)], ledger) for n in range(SHOPPERS)]
    done = threading.Event()
    restarted: list[int] = []
    killer = threading.Thread(target=kill_and_restart, args=(two, ledger, done, restarted))
    threads = [threading.Thread(target=s.run) for s in shoppers]
    killer.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    done.set()
    killer.join(timeout=120)
    assert set(ledger.outcomes) <= DOCUMENTED, ledger.outcomes
    assert ledger.answered() == TURNS and len(restarted) == 2 and restarted[-1] < TURNS
    store = open_store(url=pg_url)
    for session_id, (answered, cut) in ledger.sessions.items():
        row = store.load_session(session_id)
        stored = 0 if row is None else int(row.state["turn"])
        assert answered <= stored <= answered + cut, (session_id, answered, cut, stored)
        if row is not None:
            in_state = [(m["type"], m["data"]["content"]) for m in row.state["messages"]]
            assert store.messages(session_id) == in_state
    assert ledger.feedback_stored <= len(store.feedback()) <= ledger.feedback_sent
    store.close()
    engine = create_engine(normalized_url(pg_url))
    with engine.connect() as conn:
        orphans = conn.execute(text(ORPHANS)).scalar_one()
    engine.dispose()
    assert orphans == 0
