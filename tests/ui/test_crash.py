"""kill -9 of a server in the middle of a turn: after a restart the session goes on, the interrupted turn
is stored whole or not at all (no half turn, no orphan message), and the shopper can repeat it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from agent.sessions.store import Store, open_store
from tests.ui.conftest import ShopperClient
from tests.ui.fake_servers import FakeServer


@pytest.fixture
def server(db_url: str, tmp_path: Path) -> Iterator[FakeServer]:
    running = FakeServer(db_url, tmp_path / "server.log", delay_s=0.3).start()
    yield running
    running.stop()


def consistent(store: Store, session_id: str) -> int:
    """The stored session's turn, after checking its messages rows are exactly its state's messages."""
    row = store.load_session(session_id)
    assert row is not None
    in_state = [(m["type"], m["data"]["content"]) for m in row.state["messages"]]
    assert store.messages(session_id) == in_state
    return int(row.state["turn"])


def test_a_turn_cut_by_kill_9_is_stored_whole_or_not_at_all_and_can_be_repeated(
    server: FakeServer, db_url: str
) -> None:
    with httpx.Client(base_url=server.base, timeout=60) as http:
        shopper = ShopperClient(http)
        assert shopper.open(shopper_id="maya").status == 200
        seen: list[str] = []
        with http.stream(
            "POST",
            f"/api/sessions/{shopper.session_id}/messages",
            json={"message": "show me others"},
            headers=shopper.auth(),
        ) as response:
            for line in response.iter_lines():
                seen.append(line)
                if line.startswith("event: item_card"):  # cards out, reasons being written: mid-turn
                    server.kill()
                    break
    assert "event: done" not in seen
    server.start()
    store = open_store(url=db_url)
    assert consistent(store, shopper.session_id) == 1  # the cut turn was not stored
    with httpx.Client(base_url=server.base, timeout=60) as http:
        again = ShopperClient(http, shopper.session_id, shopper.token).send("show me others")
    assert again.status == 200 and again.of("done")[0]["turn"] == 2 and len(again.of("reason")) >= 1
    assert consistent(store, shopper.session_id) == 2
    store.close()
