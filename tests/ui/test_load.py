"""The server on real sockets: 20 concurrent shoppers, 3 turns each, cards sent before their reasons, and
clients that leave while queued or while their reasons are written."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.config import AgentConfig
from tests.fakes import GatedGenerator
from tests.ui.conftest import BlockingGenerator, parse_sse
from tests.ui.servers import WAIT_S, serving, wait_for
from ui.app import build_app
from ui.serve_config import ServeConfig
from ui.services import Services
from whythis.errors import SessionNotFound

SHOPPERS = 20
TURNS = ("why #1?", "something cheaper")


@dataclass
class Tally:
    """What all the clients saw."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    busy: int = 0
    statuses: list[int] = field(default_factory=list)
    last_events: list[str] = field(default_factory=list)

    def add(self, status: int, names: list[str]) -> None:
        with self.lock:
            self.statuses.append(status)
            self.last_events.append(names[-1] if names else "")


def post_turn(http: httpx.Client, url: str, body: dict[str, Any], token: str, tally: Tally) -> list[Any]:
    """POST one turn, retrying each 503 after its Retry-After; the SSE events of the answer."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    while True:
        response = http.post(url, json=body, headers=headers)
        if response.status_code != 503:
            break
        with tally.lock:
            tally.busy += 1
        time.sleep(float(response.headers["Retry-After"]))
    events = parse_sse(response.text) if response.status_code == 200 else []
    tally.add(response.status_code, [name for name, _ in events])
    return events


def one_shopper(base: str, shopper_id: str, start: threading.Barrier, tally: Tally) -> None:
    with httpx.Client(base_url=base, timeout=WAIT_S) as http:
        start.wait()
        events = post_turn(http, "/api/sessions", {"shopper_id": shopper_id}, "", tally)
        if not events:
            return
        session = events[0][1]
        url = f"/api/sessions/{session['session_id']}/messages"
        for message in TURNS:
            post_turn(http, url, {"message": message}, session["token"], tally)


def test_twenty_concurrent_shoppers_all_finish_every_turn(
    make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> None:
    config = make_config(workers=2, queue_size=2, retry_after_seconds=1)
    services = make_services(config)
    ids = sorted(services.shoppers)
    tally = Tally()
    start = threading.Barrier(SHOPPERS)
    with serving(build_app(services, config)) as base:
        clients = [
            threading.Thread(target=one_shopper, args=(base, ids[n % len(ids)], start, tally))
            for n in range(SHOPPERS)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
    assert len(tally.statuses) == SHOPPERS * (1 + len(TURNS))
    assert set(tally.statuses) == {200} and set(tally.last_events) == {"done"}
    assert tally.busy > 0  # 20 at once against room for 4: the 503 path was taken and retried
    wait_for(lambda: services.pool.in_flight == 0, "the finished turns to free their slots")


def test_a_client_leaving_while_queued_frees_its_slot_and_its_session(
    tmp_path: Path, make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> None:
    generator = BlockingGenerator()
    config = make_config(workers=1, queue_size=1)
    services = make_services(config, generator)
    with serving(build_app(services, config)) as base, httpx.Client(base_url=base, timeout=WAIT_S) as http:
        running = threading.Thread(target=lambda: http.post("/api/sessions", json={"shopper_id": "jonas"}))
        running.start()
        try:
            assert generator.entered.wait(timeout=WAIT_S)
            leaver = httpx.Client(base_url=base, timeout=WAIT_S)
            with leaver, leaver.stream("POST", "/api/sessions", json={"shopper_id": "maya"}) as queued:
                assert queued.status_code == 200
                lines = queued.iter_lines()  # kept: dropping it would close the connection early
                first = next(line for line in lines if line.startswith("data:"))
                session_id = parse_sse(first)[0][1]["session_id"]
                assert services.pool.in_flight == 2
            wait_for(lambda: services.pool.in_flight == 1, "the server to drop the queued turn")
            with pytest.raises(SessionNotFound):
                services.manager.conversation(session_id)
        finally:
            generator.release.set()
            running.join()
        wait_for(lambda: services.pool.in_flight == 0, "the finished turn to free its slot")


def test_cards_arrive_before_any_reason_and_a_client_leaving_mid_turn_stops_generation(
    make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> None:
    generator = GatedGenerator()
    config = make_config(workers=1, queue_size=1)
    services = make_services(config, generator)
    with serving(build_app(services, config)) as base:
        shopper = httpx.Client(base_url=base, timeout=WAIT_S)
        with shopper, shopper.stream("POST", "/api/sessions", json={"shopper_id": "jonas"}) as turn:
            data = (json.loads(line[5:]) for line in turn.iter_lines() if line.startswith("data:"))
            session_id = next(data)["session_id"]
            seen = [next(data)["type"] for _ in range(6)]  # the lead and five cards: no reason written yet
            assert seen == ["text"] + ["item_card"] * 5 and not generator.seen
            generator.steps.release()
            first = next(data)
            assert first["type"] == "reason" and first["position"] == 5 and first["reason_source"] == "model"
        wait_for(generator.left, "the server to notice the shopper left")
        generator.steps.release(10)  # what is still to come is not generated
        wait_for(lambda: services.pool.in_flight == 0, "the turn to end")
    assert len(generator.seen) == AgentConfig().reasons.candidates  # the first card's draws only
    saved = services.manager.save(session_id)
    assert len(saved["turns"]) == 1 and len(saved["turns"][0]["items"]) == 5
