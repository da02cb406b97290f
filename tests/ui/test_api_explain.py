"""POST /api/explain: reasons for a shop's own picks, for an API key or a staff login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from agent.recommender import Agent
from tests.ui.test_api import STAFF, error_of
from ui.app import build_app
from ui.auth import key_hash
from ui.serve_config import ServeConfig
from ui.services import Services

KEY = "k-" + "x" * 40


def test_explain_needs_a_key_or_a_login_and_explains_the_given_items(
    agent: Agent, make_config: Callable[..., ServeConfig], make_services: Callable[..., Services]
) -> None:
    config = make_config(api_key_hashes=[key_hash(KEY)])
    items = [agent.items[3].item_id, agent.items[7].item_id]
    body: dict[str, Any] = {"shopper_id": "maya", "items": items}
    with TestClient(build_app(make_services(config), config)) as client:
        assert error_of(client.post("/api/explain", json=body)) == (401, "unauthorized")
        wrong = client.post("/api/explain", json=body, headers={"X-API-Key": "nope"})
        assert error_of(wrong) == (401, "unauthorized")
        done = client.post("/api/explain", json=body, headers={"X-API-Key": KEY})
        assert done.status_code == 200, done.text
        cards = done.json()["cards"]
        assert [c["item_id"] for c in cards] == items
        assert all(c["text"] and c["written_by"] in {"model", "template"} for c in cards)
        by_staff = client.post("/api/explain", json={"shopper_id": "maya", "k": 2}, auth=STAFF)
        assert by_staff.status_code == 200 and len(by_staff.json()["cards"]) == 2
        unknown = client.post("/api/explain", json={"shopper_id": "maya", "items": ["nope"]}, auth=STAFF)
        assert error_of(unknown) == (422, "bad_request") and "nope" in unknown.json()["error"]["message"]
        both = client.post("/api/explain", json={"items": items}, auth=STAFF)
        assert error_of(both)[1] == "bad_request"
        inline = {"shopper": {"id": "s9", "preferences": {"budget_max": 90}}, "items": items[:1]}
        assert client.post("/api/explain", json=inline, headers={"X-API-Key": KEY}).status_code == 200
