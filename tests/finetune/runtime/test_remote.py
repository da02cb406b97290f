"""The OpenAI-compatible generator against an in-memory fake server (httpx.MockTransport)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import ValidationError

from agent.config import AgentConfig, ReasonConfig, load_agent_config
from agent.recommender import Agent, load_agent
from finetune.runtime.generator import GeneratorConfig
from finetune.runtime.remote import OpenAIGenerator
from prompts.render import Rendered
from retrieval.catalog import demo_catalog_path
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import KeywordEmbedder
from whythis.errors import ConfigError, ModelError

ENDPOINT = "http://fake-vllm.test:8001/v1"
PREFIX = "Recommended because"
ROOT = Path(__file__).resolve().parents[3]


def prompt(title: str, prefix: str = PREFIX) -> Rendered:
    return Rendered((SystemMessage("Be brief."), HumanMessage(f"Product: {title}\nWhy?")), prefix)


def title_of(body: dict[str, Any]) -> str:
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    return str(user).split("Product: ", 1)[-1].split("\n", 1)[0]


def says_title(body: dict[str, Any]) -> str:
    return f" it is the {title_of(body)}."


def completion(model: str, text: str | None, choices: bool = True, n: int = 1) -> dict[str, Any]:
    """A reply of `n` choices; beyond one, each text is numbered so the test can tell them apart."""
    numbered = [text if n == 1 or text is None else f"{text} ({i})" for i in range(n)]
    listed = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
              for i, t in enumerate(numbered)]  # fmt: skip
    return {"id": "c-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": listed if choices else []}  # fmt: skip


def sse(model: str, pieces: list[str]) -> bytes:
    def chunk(delta: dict[str, str], n: int = 1) -> str:
        choices = [{"index": 0, "delta": delta, "finish_reason": None}][:n]
        body = {"id": "c-1", "object": "chat.completion.chunk", "created": 0, "model": model}
        body["choices"] = choices
        return f"data: {json.dumps(body)}\n\n"

    # A role-only first delta and a trailing usage-style chunk without choices, as servers send them.
    events = [chunk({"role": "assistant"}), *(chunk({"content": p}) for p in pieces), chunk({}, n=0)]
    return ("".join(events) + "data: [DONE]\n\n").encode()


@dataclass
class FakeServer:
    """An OpenAI-compatible chat endpoint in memory: records every request and answers by a rule."""

    answer: Callable[[dict[str, Any]], str] = says_title
    status: int = 200
    choices: bool = True
    n: int | None = None  # choices per reply; None: as many as asked for
    pieces: list[str] = field(default_factory=lambda: [" it", " is", " red."])
    requests: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        body: dict[str, Any] = json.loads(request.content)
        self.requests.append(body)
        self.keys.append(request.headers.get("authorization", ""))
        assert request.url.path == "/v1/chat/completions"
        if self.status != 200:
            error = {"error": {"message": "engine crashed", "type": "server_error"}}
            return httpx.Response(self.status, json=error, headers={"retry-after-ms": "1"})
        if body.get("stream"):
            headers = {"content-type": "text/event-stream"}
            return httpx.Response(200, content=sse(body["model"], self.pieces), headers=headers)
        reply = completion(body["model"], self.answer(body), self.choices, self.n or body.get("n", 1))
        return httpx.Response(200, json=reply)

    def generator(self, max_retries: int = 2, **settings: Any) -> OpenAIGenerator:
        config = GeneratorConfig(backend="openai", endpoint=ENDPOINT, served_model="whythis", **settings)
        client = httpx.Client(transport=httpx.MockTransport(self.handle))
        return OpenAIGenerator(config, http_client=client, max_retries=max_retries)


def test_request_carries_messages_prefix_flags_model_and_limits() -> None:
    server = FakeServer()
    gen = server.generator()
    assert gen.generate([prompt("Red Lamp")], max_new_tokens=20) == [f"{PREFIX} it is the Red Lamp."]
    sent = server.requests[0]
    assert sent["model"] == "whythis" and sent["max_tokens"] == 20 and sent["temperature"] == 0
    assert sent["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Product: Red Lamp\nWhy?"},
        {"role": "assistant", "content": PREFIX},
    ]
    assert sent["continue_final_message"] is True and sent["add_generation_prompt"] is False
    assert sent["repetition_penalty"] == 1.0 and "top_p" not in sent and "top_k" not in sent

    gen.generate([prompt("Red Lamp")], temperature=0.7)
    sampled = server.requests[1]
    assert (sampled["temperature"], sampled["top_p"], sampled["top_k"]) == (0.7, 0.9, 50)
    assert server.requests[1]["max_tokens"] == 48


def test_prompts_go_concurrently_and_answers_keep_their_order() -> None:
    n = 4
    # Every request must be in flight before any is answered, and they finish last-first.
    barrier = threading.Barrier(n, timeout=20)
    done = [threading.Event() for _ in range(n)]
    finished: list[int] = []

    def answer(body: dict[str, Any]) -> str:
        index = int(title_of(body).removeprefix("item-"))
        barrier.wait()
        for later in done[index + 1 :]:
            assert later.wait(timeout=20)
        finished.append(index)
        done[index].set()
        return f" it is item-{index}."

    gen = FakeServer(answer=answer).generator(max_concurrency=n)
    out = gen.generate([prompt(f"item-{i}") for i in range(n)])
    assert out == [f"{PREFIX} it is item-{i}." for i in range(n)]
    assert finished == [3, 2, 1, 0]


def test_samples_come_in_one_request_per_prompt_after_the_greedy_one() -> None:
    server = FakeServer()
    greedy, sampled = server.generator().generate_samples([prompt("Red Lamp"), prompt("Blue Mug")], 3,
                                                          temperature=0.6)  # fmt: skip
    assert greedy == [f"{PREFIX} it is the Red Lamp.", f"{PREFIX} it is the Blue Mug."]
    assert sampled[1] == [f"{PREFIX} it is the Blue Mug. ({i})" for i in range(3)] and len(sampled[0]) == 3
    asked = sorted((r["temperature"], r.get("n", 1), title_of(r)) for r in server.requests)
    assert asked == [(0, 1, "Blue Mug"), (0, 1, "Red Lamp"), (0.6, 3, "Blue Mug"), (0.6, 3, "Red Lamp")]
    with pytest.raises(ModelError, match="asked for 3 answer"):
        FakeServer(n=2).generator().generate_samples([prompt("Red Lamp")], 3)


def test_drawn_answers_come_in_one_request_of_n_per_prompt_as_it_returns() -> None:
    server = FakeServer()
    drawn = dict(
        server.generator().generate_drawn([prompt("Red Lamp"), prompt("Blue Mug")], 2, temperature=0.5)
    )
    assert drawn[0] == [f"{PREFIX} it is the Red Lamp. ({i})" for i in range(2)] and len(drawn[1]) == 2
    assert sorted((r["temperature"], r["n"]) for r in server.requests) == [(0.5, 2), (0.5, 2)]
    kept = list(server.generator().generate_drawn([prompt("a"), prompt("b")], 2, cancelled=lambda i: i == 1))
    assert [i for i, _ in kept] == [0] and title_of(server.requests[-1]) == "a"


def test_without_continue_prefix_the_prefix_is_prepended_once() -> None:
    replies = {"a": f"{PREFIX} it is red.", "b": "It glows.", "c": f"  {PREFIX.lower()} it hums."}
    server = FakeServer(answer=lambda body: replies[title_of(body)])
    gen = server.generator(continue_prefix=False)
    assert gen.generate([prompt("a"), prompt("b"), prompt("c"), prompt("b", prefix="")]) == [
        f"{PREFIX} it is red.",
        f"{PREFIX} It glows.",
        f"{PREFIX} it hums.",
        "It glows.",
    ]
    sent = server.requests[0]
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]
    assert not {"continue_final_message", "add_generation_prompt", "repetition_penalty"} & set(sent)


def test_stream_yields_the_prefix_then_the_chunks() -> None:
    server = FakeServer()
    assert list(server.generator().stream(prompt("Red Lamp"), max_new_tokens=9)) == [
        PREFIX,
        " it",
        " is",
        " red.",
    ]
    sent = server.requests[0]
    assert sent["stream"] is True and sent["max_tokens"] == 9 and sent["continue_final_message"] is True

    repeated = FakeServer(pieces=["Recomm", "ended because", " it is", " red."])
    pieces = list(repeated.generator(continue_prefix=False).stream(prompt("Red Lamp")))
    assert pieces[0] == PREFIX and "".join(pieces) == f"{PREFIX} it is red."
    fresh = FakeServer(pieces=["It", " glows."])
    assert "".join(fresh.generator(continue_prefix=False).stream(prompt("x"))) == f"{PREFIX} It glows."


def test_server_errors_become_model_errors_naming_the_endpoint() -> None:
    failing = FakeServer(status=500)
    with pytest.raises(ModelError, match=r"fake-vllm\.test:8001/v1.*HTTP 500.*engine crashed"):
        failing.generator().generate([prompt("a"), prompt("b")])
    with pytest.raises(ModelError, match=r"fake-vllm\.test:8001/v1.*streaming"):
        list(failing.generator(max_retries=0).stream(prompt("a")))
    # The client retried the 500s (the fake asks for a 1 ms pause) before giving up.
    assert len(failing.requests) >= 3
    with pytest.raises(ModelError, match=r"HTTP 404.*'whythis' among the server's models"):
        FakeServer(status=404).generator().generate([prompt("a")])
    with pytest.raises(ModelError, match=r"fake-vllm\.test:8001/v1.*no choices"):
        FakeServer(choices=False).generator().generate([prompt("a")])


def test_timeouts_and_refused_connections_become_model_errors() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    config = GeneratorConfig(backend="openai", endpoint=ENDPOINT, served_model="whythis", timeout_s=2)
    timing_out = OpenAIGenerator(config, httpx.Client(transport=httpx.MockTransport(slow)), max_retries=0)
    with pytest.raises(ModelError, match=r"fake-vllm\.test:8001/v1.*timed out after 2 s"):
        timing_out.generate([prompt("a")])

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}/v1"
    refused = OpenAIGenerator(config.model_copy(update={"endpoint": endpoint}), max_retries=0)
    with pytest.raises(ModelError, match=rf"127\.0\.0\.1:{port}/v1.*cannot connect"):
        refused.generate([prompt("a")])


def test_api_key_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHYTHIS_TEST_KEY", "s3cret")
    monkeypatch.delenv("WHYTHIS_NO_SUCH_KEY", raising=False)
    server = FakeServer()
    server.generator(api_key_env="WHYTHIS_TEST_KEY").generate([prompt("a")])
    server.generator(api_key_env="WHYTHIS_NO_SUCH_KEY").generate([prompt("a")])
    assert server.keys == ["Bearer s3cret", "Bearer EMPTY"]


def test_config_names_the_missing_server_keys() -> None:
    with pytest.raises(ValidationError, match=r"generator\.endpoint and generator\.served_model"):
        GeneratorConfig(backend="openai")
    with pytest.raises(ConfigError, match=r"missing: served_model"):
        load_agent_config(None, ["generator.backend=openai", "generator.endpoint=http://127.0.0.1:8001/v1"])
    with pytest.raises(ConfigError, match=r"http\(s\) URL, got '127.0.0.1:8001'"):
        load_agent_config(None, ["generator.backend=openai", "generator.endpoint=127.0.0.1:8001",
                                 "generator.served_model=whythis"])  # fmt: skip
    with pytest.raises(ConfigError, match=r"needs generator\.endpoint"):
        OpenAIGenerator(GeneratorConfig())
    assert GeneratorConfig(endpoint="", served_model="").backend == "transformers"


def test_load_generator_picks_the_server_without_importing_torch() -> None:
    script = (
        "import sys\n"
        "from finetune.runtime.backends import load_generator\n"
        "from finetune.runtime.generator import GeneratorConfig\n"
        "cfg = GeneratorConfig(backend='openai', endpoint='http://127.0.0.1:9/v1', served_model='whythis')\n"
        "gen = load_generator(cfg)\n"
        "print(type(gen).__name__, gen.name, 'torch' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.split() == ["OpenAIGenerator", "openai:whythis", "False"]


def agent_on(server: FakeServer) -> Agent:
    """The demo shop's agent generating on the fake server."""
    generator = server.generator()
    # The fake server writes free text, as a remote model that is not the realizer does.
    config = AgentConfig(generator=generator.config, reasons=ReasonConfig(mode="free"))
    return load_agent(config, demo_catalog_path(), generator=generator, embedder=KeywordEmbedder())


def maya() -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("maya")))


def test_agent_recommends_end_to_end_on_the_server_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    server = FakeServer()
    recs = agent_on(server).recommend(maya(), 2)
    assert len(recs) == 2 and len(server.requests) >= 2
    for rec in recs:
        assert rec.reason.source in ("model", "model-retry", "fallback") and rec.reason.text
    model_written = [r for r in recs if r.reason.source == "model"]
    assert model_written, [r.reason for r in recs]
    assert all(r.reason.text.startswith(PREFIX) and r.item.title in r.reason.text for r in model_written)


def test_answers_come_as_each_request_returns_and_a_cancelled_prompt_is_never_sent() -> None:
    n = 3
    barrier = threading.Barrier(n, timeout=20)
    received = [threading.Event() for _ in range(n)]

    def answer(body: dict[str, Any]) -> str:
        index = int(title_of(body).removeprefix("item-"))
        barrier.wait()  # all in flight at once
        if index + 1 < n:  # answered only once the reader has the later one: last-first, or it hangs
            assert received[index + 1].wait(timeout=20)
        return f" it is item-{index}."

    gen = FakeServer(answer=answer).generator(max_concurrency=n)
    got = []
    for index, text in gen.generate_each([prompt(f"item-{i}") for i in range(n)]):
        got.append((index, text))
        received[index].set()
    assert [i for i, _ in got] == [2, 1, 0] and got[0][1] == f"{PREFIX} it is item-2."
    server = FakeServer()
    kept = list(server.generator().generate_each([prompt("a"), prompt("b")], cancelled=lambda i: i == 0))
    assert [i for i, _ in kept] == [1] and [title_of(r) for r in server.requests] == ["b"]


def test_a_chat_turn_streams_cards_then_checked_reasons_on_the_server_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.compose import session_manager
    from agent.sessions.events import ItemCard, ReasonEvent

    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    server = FakeServer()
    _, stream = session_manager(agent_on(server)).open(maya())
    events = list(stream)
    cards = [e for e in events if isinstance(e, ItemCard)]
    reasons = [e for e in events if isinstance(e, ReasonEvent)]
    assert len(cards) == 5 and all(c.reason is None for c in cards)
    assert events.index(cards[-1]) < events.index(reasons[0]) and len(reasons) == 5
    assert any(r.reason_source == "model" for r in reasons) and len(server.requests) >= 5
