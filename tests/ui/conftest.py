"""Fixtures of the server tests: a real agent over the demo shop with the fakes, a tmp store, the app."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from agent.recommender import Agent
from agent.sessions.known_shoppers import load_shoppers
from agent.sessions.store import open_store
from prompts.render import Rendered
from retrieval.shopper_loaders import demo_shopper_paths
from tests.fakes import ScriptedGenerator, fake_agent, fake_runtime
from ui.app import build_app
from ui.auth import hash_password
from ui.rate_limits import RateLimitConfig
from ui.serve_config import ServeConfig, StaffUser
from ui.services import Services

STAFF_USER, STAFF_PASSWORD = "alice", "correct horse battery"
SHOP_ORIGIN = "https://shop.example"
SSE = list[tuple[str, dict[str, Any]]]


def parse_sse(text: str) -> SSE:
    """(event name, JSON data) of every SSE message in a response body."""
    out: SSE = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line for line in block.split("\n") if line and not line.startswith(":")]
        if not lines:
            continue
        name = next((line[6:].strip() for line in lines if line.startswith("event:")), "message")
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        out.append((name, json.loads(data)))
    return out


@dataclass
class BlockingGenerator(ScriptedGenerator):
    """A ScriptedGenerator that waits for `release` before answering; `entered` is set on each call."""

    release: threading.Event = field(default_factory=threading.Event)
    entered: threading.Event = field(default_factory=threading.Event)

    def generate(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
    ) -> list[str]:
        self.entered.set()
        self.release.wait()
        return super().generate(prompts, max_new_tokens, temperature)


@pytest.fixture(scope="session")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    return fake_agent(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def staff_hash() -> str:
    return hash_password(STAFF_PASSWORD, n=2**10)  # cheap parameters: the tests hash often


@pytest.fixture(scope="session")
def shoppers() -> dict[str, Any]:
    return load_shoppers(demo_shopper_paths())


@pytest.fixture
def make_config(tmp_path: Path, staff_hash: str) -> Callable[..., ServeConfig]:
    def make(**overrides: Any) -> ServeConfig:
        settings: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "staff_users": [StaffUser(username=STAFF_USER, password_hash=staff_hash)],
            "cors_origins": [SHOP_ORIGIN],
            "batch_window_ms": 1.0,
            # Every test client is one address: the per-client limits are tested on their own.
            "rate_limits": RateLimitConfig(open_sessions="100000/minute", messages="100000/minute"),
            **overrides,
        }
        return ServeConfig(**settings)

    return make


@pytest.fixture
def config(make_config: Callable[..., ServeConfig]) -> ServeConfig:
    return make_config()


@pytest.fixture
def make_services(agent: Agent, shoppers: dict[str, Any]) -> Iterator[Callable[..., Services]]:
    """Services as the server builds them, over the shared fake catalog; `generator`: a scripted LM."""
    made: list[Services] = []

    def make(config: ServeConfig, generator: ScriptedGenerator | None = None) -> Services:
        store = open_store(url=config.store_url(), config=config.store)
        runtime = fake_runtime(agent, store, shoppers, config.batch_window_ms, config.max_batch, generator)
        services = Services.over(runtime, store, shoppers, config)
        made.append(services)
        return services

    yield make
    for services in made:
        services.close()


@pytest.fixture
def services(config: ServeConfig, make_services: Callable[..., Services]) -> Services:
    return make_services(config)


@pytest.fixture
def client(services: Services, config: ServeConfig) -> Iterator[TestClient]:
    with TestClient(build_app(services, config)) as test_client:
        yield test_client


@dataclass
class Turn:
    """One streamed turn as the client saw it."""

    status: int
    events: SSE
    headers: dict[str, str]
    body: Any = None

    def names(self) -> list[str]:
        """The SSE event names in order."""
        return [name for name, _ in self.events]

    def of(self, name: str) -> list[dict[str, Any]]:
        """The data of every event with this name."""
        return [data for n, data in self.events if n == name]

    def cards(self) -> list[dict[str, Any]]:
        """The item cards, each with the reason its `reason` event brought."""
        reasons = {r["item_id"]: r for r in self.of("reason")}
        return [
            {
                **c,
                **{
                    k: reasons[c["item_id"]][k]
                    for k in ("reason", "reason_source")
                    if c["item_id"] in reasons
                },
            }
            for c in self.of("item_card")
        ]


@dataclass
class ShopperClient:
    """The shopper API over a test client: open, send, with the session's token remembered."""

    http: TestClient | httpx.Client
    session_id: str = ""
    token: str = ""

    def open(self, **body: Any) -> Turn:
        turn = self._turn(self.http.post("/api/sessions", json=body))
        if turn.status == 200:
            session = turn.of("session")[0]
            self.session_id, self.token = session["session_id"], session["token"]
        return turn

    def send(self, message: str, token: str | None = None) -> Turn:
        url = f"/api/sessions/{self.session_id}/messages"
        return self._turn(self.http.post(url, json={"message": message}, headers=self.auth(token)))

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    @staticmethod
    def _turn(response: Any) -> Turn:
        is_sse = response.headers.get("content-type", "").startswith("text/event-stream")
        events = parse_sse(response.text) if is_sse else []
        body = None if is_sse else response.json()
        return Turn(response.status_code, events, dict(response.headers), body)


@pytest.fixture
def shopper(client: TestClient) -> ShopperClient:
    return ShopperClient(client)
