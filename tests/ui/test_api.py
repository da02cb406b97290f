"""The shopper and staff API through the real app: SSE turns, errors, auth, CORS, OpenAPI, a full pool."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from agent.recommender import Agent
from tests.ui.conftest import (
    SHOP_ORIGIN,
    STAFF_PASSWORD,
    STAFF_USER,
    BlockingGenerator,
    ShopperClient,
)
from ui.app import STATIC_DIR, build_app
from ui.errors_http import install_error_handlers
from ui.serve_config import ServeConfig
from ui.services import Services

STAFF = (STAFF_USER, STAFF_PASSWORD)


def error_of(response: Any) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return response.status_code, body["error"]["code"]


def test_opening_streams_session_text_cards_and_done(shopper: ShopperClient) -> None:
    turn = shopper.open(shopper_id="jonas")
    assert turn.status == 200 and turn.headers["content-type"].startswith("text/event-stream")
    names = turn.names()
    assert names[0] == "session" and names[-1] == "done"
    assert names[1:-1] == ["text"] * names.count("text") + ["item_card"] * 5 + ["reason"] * 5
    session = turn.of("session")[0]
    assert set(session) == {"session_id", "token"} and len(session["token"]) == 43
    assert all(c["reason"] is None for c in turn.of("item_card"))  # cards first, reasons after
    cards = turn.cards()
    assert [c["position"] for c in cards] == [1, 2, 3, 4, 5]
    first = cards[0]
    assert first["title"] and first["price"] > 0 and first["currency"] == "EUR"
    assert first["reason"] and "[" not in first["reason"] and first["explain"] == "why #1?"
    assert all(data["type"] == name for name, data in turn.events[1:])
    assert turn.of("done")[0] == {"type": "done", "intent": "recommend", "turn": 1, "ended": False}


def test_why_streams_the_evidence_of_the_card_shown(shopper: ShopperClient) -> None:
    cards = shopper.open(shopper_id="jonas").cards()
    turn = shopper.send(cards[0]["explain"])
    assert turn.status == 200 and turn.names()[-2:] == ["evidence", "done"]
    evidence = turn.of("evidence")[0]
    assert (evidence["item_id"], evidence["position"]) == (cards[0]["item_id"], 1)
    assert evidence["signals"] and evidence["reason"] == cards[0]["reason"]
    # A planned reason's evidence lists the typed facts it states, each with its values.
    assert evidence["facts"] and all(f["what"] and f["values"] for f in evidence["facts"])
    assert turn.of("done")[0]["turn"] == 2


def test_anonymous_opening_greets_and_a_first_message_searches(shopper: ShopperClient) -> None:
    hello = shopper.open(shopper_id=None)
    assert hello.names()[0] == "session" and set(hello.names()[1:-1]) == {"text"}
    assert "looking for" in "".join(t["text"] for t in hello.of("text")) and hello.names()[-1] == "done"
    search = shopper.open(message="a waterproof jacket under 150")
    assert search.of("item_card") and all(c["price"] <= 150 for c in search.of("item_card"))


def test_feedback_is_stored_and_the_session_can_be_redrawn(
    shopper: ShopperClient, client: TestClient
) -> None:
    cards = shopper.open(shopper_id="maya").cards()
    shopper.send("why #2?")
    url = f"/api/sessions/{shopper.session_id}"
    body = {"item_id": cards[1]["item_id"], "rating": 1, "comment": "nice", "turn": 1}
    response = client.post(f"{url}/feedback", json=body, headers=shopper.auth())
    assert response.status_code == 201 and isinstance(response.json()["feedback_id"], int)
    bad = client.post(f"{url}/feedback", json={**body, "item_id": "NOPE"}, headers=shopper.auth())
    assert error_of(bad) == (422, "bad_request")
    redraw = client.get(url, headers=shopper.auth()).json()
    assert redraw["session_id"] == shopper.session_id and redraw["turn"] == 2
    assert [t["intent"] for t in redraw["turns"]] == ["recommend", "why"]
    assert redraw["turns"][0]["items"] == [c["item_id"] for c in cards]
    assert [m["role"] for m in redraw["messages"]] == ["ai", "human", "ai"]
    assert redraw["messages"][1]["text"] == "why #2?"
    assert redraw["cards"] == cards and redraw["cards_turn"] == 1  # the cards still on screen


def test_malformed_bodies_are_bad_requests(shopper: ShopperClient, client: TestClient) -> None:
    headers = {"Content-Type": "application/json"}
    assert error_of(client.post("/api/sessions", content=b"{not json", headers=headers)) == (
        400,
        "bad_request",
    )
    unknown = client.post("/api/sessions", json={"shopper_id": None, "colour": "red"})
    assert error_of(unknown) == (422, "bad_request") and "colour" in unknown.json()["error"]["message"]
    assert error_of(client.post("/api/sessions", json={"message": 5})) == (422, "bad_request")
    assert error_of(client.post("/api/sessions", json={"shopper_id": "nobody"})) == (422, "bad_request")
    shopper.open()
    wrong = client.post(
        f"/api/sessions/{shopper.session_id}/feedback", json={"rating": 3}, headers=shopper.auth()
    )
    assert error_of(wrong) == (422, "bad_request")


def test_oversize_message_and_body_are_too_large(shopper: ShopperClient, client: TestClient) -> None:
    too_long = "a" * 1001  # chat.max_message_chars is 1000
    assert error_of(client.post("/api/sessions", json={"message": too_long})) == (413, "too_large")
    shopper.open()
    assert error_of_turn(shopper.send(too_long)) == (413, "too_large")
    huge = {"message": "a" * 70_000}  # over max_body_bytes (65536)
    assert error_of(client.post("/api/sessions", json=huge)) == (413, "too_large")

    def chunks() -> Any:
        yield b'{"message": "'
        for _ in range(70):
            yield b"a" * 1000
        yield b'"}'

    streamed = client.post("/api/sessions", content=chunks(), headers={"Content-Type": "application/json"})
    assert error_of(streamed) == (413, "too_large")


def error_of_turn(turn: Any) -> tuple[int, str]:
    assert turn.events == [] and set(turn.body["error"]) == {"code", "message"}
    return turn.status, turn.body["error"]["code"]


def test_tokens_grant_their_own_session_only(
    shopper: ShopperClient, client: TestClient, services: Services
) -> None:
    other = ShopperClient(client)
    other.open(shopper_id="lea")
    shopper.open(shopper_id="maya")
    assert error_of_turn(shopper.send("hi", token=other.token)) == (403, "forbidden")
    url = f"/api/sessions/{shopper.session_id}"
    assert error_of(client.get(url)) == (401, "unauthorized")
    assert client.get(url).headers["www-authenticate"] == "Bearer"
    assert error_of(client.get(url, headers={"Authorization": "Bearer short"})) == (401, "unauthorized")
    assert error_of(client.get(url, headers={"Authorization": "Basic abc"})) == (401, "unauthorized")
    missing = client.post(f"{url}/messages", json={"message": "hi"})
    assert error_of(missing) == (401, "unauthorized")
    gone = "x" * 32
    unknown = client.get(f"/api/sessions/{gone}", headers=shopper.auth(services.tokens.token(gone)))
    assert error_of(unknown) == (404, "not_found")
    unknown_send = ShopperClient(client, gone, services.tokens.token(gone)).send("hi")
    assert error_of_turn(unknown_send) == (404, "not_found")
    assert shopper.send("why #1?").status == 200


def test_staff_api_needs_a_login(shopper: ShopperClient, client: TestClient) -> None:
    cards = shopper.open(shopper_id="maya").cards()
    client.post(
        f"/api/sessions/{shopper.session_id}/feedback",
        json={"item_id": cards[0]["item_id"], "rating": -1},
        headers=shopper.auth(),
    )
    anonymous = client.get("/staff/sessions")
    assert error_of(anonymous) == (401, "unauthorized") and anonymous.headers["www-authenticate"].startswith(
        "Basic"
    )
    assert error_of(client.get("/staff/feedback", auth=(STAFF_USER, "wrong"))) == (401, "unauthorized")
    listed = client.get("/staff/sessions", params={"shopper_id": "maya"}, auth=STAFF)
    assert listed.status_code == 200
    [row] = listed.json()["sessions"]
    assert (row["session_id"], row["shopper_id"], row["turn"]) == (shopper.session_id, "maya", 1)
    assert client.get("/staff/sessions", params={"shopper_id": "lea"}, auth=STAFF).json() == {"sessions": []}
    one = client.get(f"/staff/sessions/{shopper.session_id}", auth=STAFF).json()
    assert one["state"]["turn"] == 1 and one["messages"][0]["role"] == "ai"
    assert [f["rating"] for f in one["feedback"]] == [-1]
    feedback = client.get("/staff/feedback", params={"shopper_id": "maya"}, auth=STAFF).json()["feedback"]
    assert feedback[0]["item_id"] == cards[0]["item_id"] and feedback[0]["session_id"] == shopper.session_id
    assert error_of(client.get("/staff/sessions/nope", auth=STAFF)) == (404, "not_found")


def test_cors_allows_the_configured_shop_only(client: TestClient) -> None:
    allowed = client.get("/api/health", headers={"Origin": SHOP_ORIGIN})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == SHOP_ORIGIN
    other = client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert error_of(other) == (403, "forbidden") and "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/sessions",
        headers={"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type,authorization"},
    )  # fmt: skip
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == SHOP_ORIGIN
    for own in ("http://testserver", "https://testserver"):  # https: the page behind a TLS proxy
        same_origin = client.get("/api/health", headers={"Origin": own})
        assert same_origin.status_code == 200 and "access-control-allow-origin" not in same_origin.headers
    assert client.get("/api/health", headers={"Origin": "http://testserver.evil"}).status_code == 403


def test_health_and_openapi(client: TestClient, agent: Agent) -> None:
    version = agent.writer.current_prompt().version
    assert client.get("/api/health").json() == {
        "status": "ok",
        "adapter": agent.config.generator.adapter,
        "prompt_version": version,
    }
    spec = client.get("/openapi.json").json()
    bodies = {
        "/api/sessions": "OpenSessionIn",
        "/api/sessions/{session_id}/messages": "MessageIn",
        "/api/sessions/{session_id}/feedback": "FeedbackIn",
    }
    for path, model in bodies.items():
        post = spec["paths"][path]["post"]
        ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{model}"
        assert "503" in post["responses"] and "413" in post["responses"]
    assert "text/event-stream" in spec["paths"]["/api/sessions"]["post"]["responses"]["200"]["content"]
    assert spec["components"]["schemas"]["OpenSessionIn"]["additionalProperties"] is False
    assert "get" in spec["paths"]["/api/sessions/{session_id}"] and "/staff/feedback" in spec["paths"]


def test_widget_files_and_shop_page(client: TestClient) -> None:
    shop = client.get("/shop")
    if (STATIC_DIR / "shop.html").is_file():
        assert shop.status_code == 200 and shop.headers["content-type"].startswith("text/html")
    else:
        assert error_of(shop) == (404, "not_found")
    assert error_of(client.get("/widget/no-such-file.js")) == (404, "not_found")


def test_a_full_pool_answers_503_with_retry_after(
    tmp_path: Path, make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> None:
    generator = BlockingGenerator()
    config = make_config(workers=1, queue_size=0, retry_after_seconds=7)
    services = make_services(config, generator)
    results: list[Any] = []
    with TestClient(build_app(services, config)) as client:
        first = threading.Thread(
            target=lambda: results.append(ShopperClient(client).open(shopper_id="jonas"))
        )
        first.start()
        try:
            assert generator.entered.wait(timeout=60)  # the one worker is now busy with the first turn
            busy = client.post("/api/sessions", json={"shopper_id": "maya"})
            assert error_of(busy) == (503, "busy") and busy.headers["retry-after"] == "7"
        finally:
            generator.release.set()
            first.join()
        assert results[0].status == 200 and results[0].names()[-1] == "done"
        # The last event goes out before the job returns: its slot frees a moment after.
        deadline = time.monotonic() + 60
        while services.pool.in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
        assert services.pool.in_flight == 0
        assert ShopperClient(client).open(shopper_id="maya").names()[-1] == "done"


def test_errors_never_carry_internals(agent: Agent) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("password=hunter2 at /srv/secret.py line 3")

    response = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert error_of(response) == (500, "internal") and "hunter2" not in response.text
    assert error_of(TestClient(app).get("/nowhere")) == (404, "not_found")
    assert error_of(TestClient(app).post("/boom")) == (405, "bad_request")


@pytest.mark.parametrize("path", ["/api/health", "/openapi.json"])
def test_public_endpoints_need_no_token(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200
