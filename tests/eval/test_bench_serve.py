"""The serve benchmark's helpers (the real run starts a server: `whythis bench serve`)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from eval.bench_serve import (
    ServeBenchOptions,
    TurnSample,
    demo_shopper_ids,
    parse_sse,
    read_events,
    run_load,
    summarize,
    turn_plan,
)
from eval.turn_times import TurnClock
from tests.ui.fake_servers import FakeServer
from whythis.errors import DataError


def test_the_plan_opens_then_cycles_the_follow_ups() -> None:
    assert turn_plan(3) == [("open", None), ("why", "why #1?"), ("cheaper", "something cheaper")]
    assert [kind for kind, _ in turn_plan(8)][-2:] == ["why", "cheaper"]
    with pytest.raises(DataError, match="turns"):
        turn_plan(0)
    assert "jonas" in demo_shopper_ids()


def test_sse_bodies_parse_into_named_events() -> None:
    body = 'event: session\ndata: {"session_id": "s"}\n\n: ping\n\nevent: done\r\ndata: {"turn": 1}\r\n\r\n'
    assert parse_sse(body) == [("session", {"session_id": "s"}), ("done", {"turn": 1})]
    assert parse_sse('data: {"a": 1}\n\n') == [("message", {"a": 1})]


def test_summary_has_percentiles_per_kind_503s_and_errors() -> None:
    samples = [
        TurnSample("open", 100.0, 200, True, busy=2, waited_ms=2000.0),
        TurnSample("open", 300.0, 200, True),
        TurnSample("why", 50.0, 200, True),
        TurnSample("why", 70.0, 200, False),
        TurnSample("cheaper", 10.0, 500, False),
    ]
    summary = summarize(samples)
    assert summary["turns"] == 5 and summary["busy_503"] == 2 and summary["errors"] == 2
    assert summary["error_statuses"] == {"500": 1}
    assert summary["per_kind"]["open"]["n"] == 2 and summary["per_kind"]["open"]["p50_ms"] == 200.0
    assert summary["per_kind"]["why"] == {
        "n": 1,
        "p50_ms": 50.0,
        "p95_ms": 50.0,
        "p99_ms": 50.0,
        "mean_ms": 50.0,
    }
    assert "cheaper" not in summary["per_kind"] and summary["overall"]["n"] == 3
    assert summary["overall_with_retries"]["p95_ms"] > summary["overall"]["p95_ms"]


def test_a_streamed_turn_is_read_event_by_event_onto_its_clock() -> None:
    body = (
        'event: item_card\ndata: {"type": "item_card", "reason": null}\n\n'
        'event: reason\ndata: {"type": "reason", "reason_source": "model"}\n\n'
        'event: done\ndata: {"type": "done"}'
    )
    clock = TurnClock()
    events = read_events(httpx.Response(200, content=body.encode()), clock)
    assert [name for name, _ in events] == ["item_card", "reason", "done"]
    assert clock.sources == ["model"] and clock.done_ms is not None and clock.cards_ms is not None


def test_shoppers_spread_their_turns_over_replicas_sharing_one_store(pg_url: str, tmp_path: Path) -> None:
    servers = [FakeServer(pg_url, tmp_path / f"replica-{n}.log", delay_s=0.01) for n in (1, 2)]
    try:
        for server in servers:
            server.start()
        samples = run_load([s.base for s in servers], ServeBenchOptions(shoppers=4, turns=3))
    finally:
        for server in servers:
            server.stop()
    # Turns 1 and 3 of each shopper went to one replica, turn 2 to the other: the session followed.
    assert len(samples) == 12 and all(s.status == 200 and s.done for s in samples)
