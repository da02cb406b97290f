"""Two servers over one PostgreSQL store, on loopback: they share nothing else, and the shopper cannot tell.

A session opened on A continues on B and back on A; a prompt version activated on A is what B writes
with next; "forget me" said on B removes the session A holds in memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import httpx
import pytest

from agent.store.database import StoreConfig
from tests.ui.conftest import STAFF_USER, ShopperClient
from tests.ui.servers import serving
from ui.app import build_app
from ui.serve_config import ServeConfig
from ui.services import Services

SECRET = "one-secret-both-replicas-share-0123456789"
Replica = tuple[Services, httpx.Client]


@pytest.fixture
def replicas(
    pg_url: str, make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> Iterator[tuple[Replica, Replica]]:
    config = make_config(secret=SECRET, store=StoreConfig(url=pg_url, sync_seconds=0.1))
    with ExitStack() as stack:
        out = []
        for _ in range(2):
            services = make_services(config)
            url = stack.enter_context(serving(build_app(services, config)))
            out.append((services, stack.enter_context(httpx.Client(base_url=url, timeout=30))))
        yield out[0], out[1]


def test_a_session_opened_on_one_replica_continues_on_the_other(replicas: tuple[Replica, Replica]) -> None:
    (_, http_a), (_, http_b) = replicas
    on_a = ShopperClient(http_a)
    assert on_a.open(shopper_id="maya").status == 200
    on_b = ShopperClient(http_b, on_a.session_id, on_a.token)
    why = on_b.send("why #1?")
    assert why.status == 200 and why.of("done")[0]["turn"] == 2 and not why.of("error")
    assert why.of("evidence")[0]["item_id"] == on_a.send("why #1?").of("evidence")[0]["item_id"]
    again = ShopperClient(http_a, on_a.session_id, on_a.token).send("thanks")
    assert again.of("done")[0]["turn"] == 4  # A read B's turn before answering
    shown = http_b.get(f"/api/sessions/{on_a.session_id}", headers=on_b.auth()).json()
    assert shown["turn"] == 4 and len(shown["turns"]) == 4


def test_a_prompt_version_activated_on_one_replica_is_used_by_the_other(
    replicas: tuple[Replica, Replica],
) -> None:
    (services_a, _), (_, http_b) = replicas
    before = http_b.get("/api/health").json()["prompt_version"]
    versions = services_a.versions
    draft = versions.active("reason").text.replace("under 40 words", "under 30 words")
    saved = versions.save("reason", draft, STAFF_USER, "shorter")
    versions.activate("reason", saved.version, STAFF_USER)
    assert http_b.get("/api/health").json()["prompt_version"] == saved.version != before


def test_forget_me_on_one_replica_removes_what_the_other_holds_in_memory(
    replicas: tuple[Replica, Replica],
) -> None:
    (services_a, http_a), (services_b, http_b) = replicas
    held = ShopperClient(http_a)
    assert held.open(shopper_id="maya").status == 200 and services_a.manager.is_live(held.session_id)
    on_b = ShopperClient(http_b)
    on_b.open(shopper_id="maya")
    assert "Say 'yes' to confirm" in "".join(e["text"] for e in on_b.send("forget me").of("text"))
    assert on_b.send("yes").of("done")[0]["intent"] == "forgotten"
    deadline = time.monotonic() + 10
    while services_a.manager.is_live(held.session_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not services_a.manager.is_live(held.session_id)
    assert held.send("hello again").status == 404
    assert services_b.store.count("maya") == {"feedback": 0, "messages": 0, "sessions": 0, "shoppers": 0}
