"""Abuse limits per client: new sessions, messages and failed staff logins get 429 with Retry-After."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.ui.conftest import STAFF_PASSWORD, STAFF_USER, ShopperClient
from ui.app import build_app
from ui.errors_http import ApiError
from ui.rate_limits import RateLimitConfig, RateLimiter
from ui.serve_config import ServeConfig, load_serve_config
from ui.services import Services
from ui.staff_ui import CONSOLE_PATH, build_staff_uis
from whythis.errors import ConfigError

Make = Callable[..., ServeConfig]
MakeServices = Callable[..., Services]


def limited(make_config: Make, make_services: MakeServices, **rates: str) -> TestClient:
    config = make_config(rate_limits=RateLimitConfig(**rates))
    services = make_services(config)
    return TestClient(build_app(services, config, build_staff_uis(services)))


def refused(status: int, body: dict[str, dict[str, str]], headers: dict[str, str]) -> bool:
    return status == 429 and body["error"]["code"] == "too_many" and int(headers["retry-after"]) >= 1


def test_opening_sessions_is_limited_per_client(
    make_config: Make, make_services: Callable[..., Services]
) -> None:
    client = limited(make_config, make_services, open_sessions="2/minute")
    assert [ShopperClient(client).open(shopper_id="maya").status for _ in range(2)] == [200, 200]
    third = ShopperClient(client).open(shopper_id="maya")
    assert refused(third.status, third.body, third.headers)
    assert "too many new chats from this address (2 per 1 minute)" in third.body["error"]["message"]


def test_messages_and_feedback_share_the_message_limit(
    make_config: Make, make_services: Callable[..., Services]
) -> None:
    client = limited(make_config, make_services, messages="3/minute")
    shopper = ShopperClient(client)
    shopper.open(shopper_id="jonas")
    assert [shopper.send("why #1?").status for _ in range(2)] == [200, 200]
    url = f"/api/sessions/{shopper.session_id}/feedback"
    assert client.post(url, json={"rating": 1}, headers=shopper.auth()).status_code == 201
    over = shopper.send("why #2?")
    assert refused(over.status, over.body, over.headers)


def test_failed_staff_logins_are_limited_before_the_password_is_checked(
    make_config: Make, make_services: Callable[..., Services]
) -> None:
    client = limited(make_config, make_services, staff_logins="2/minute")
    assert client.get("/staff/sessions", auth=(STAFF_USER, STAFF_PASSWORD)).status_code == 200
    assert [client.get("/staff/sessions", auth=(STAFF_USER, "guess")).status_code for _ in range(2)] == [
        401,
        401,
    ]
    right = client.get("/staff/sessions", auth=(STAFF_USER, STAFF_PASSWORD))  # refused before the scrypt
    assert refused(right.status_code, right.json(), dict(right.headers))
    form = client.post(CONSOLE_PATH + "/login", data={"username": STAFF_USER, "password": STAFF_PASSWORD})
    assert refused(form.status_code, form.json(), dict(form.headers))


def test_the_staff_ui_login_form_counts_failures(
    make_config: Make, make_services: Callable[..., Services]
) -> None:
    client = limited(make_config, make_services, staff_logins="2/minute")
    wrong = {"username": STAFF_USER, "password": "guess"}
    assert [client.post(CONSOLE_PATH + "/login", data=wrong).status_code for _ in range(2)] == [400, 400]
    third = client.post(CONSOLE_PATH + "/login", data=wrong)
    assert refused(third.status_code, third.json(), dict(third.headers))


def test_each_client_has_its_own_window() -> None:
    limiter = RateLimiter(RateLimitConfig(open_sessions="1/hour"))
    limiter.hit("open", "10.0.0.1")
    limiter.hit("open", "10.0.0.2")
    with pytest.raises(ApiError, match="try again in"):
        limiter.hit("open", "10.0.0.1")


def test_a_rate_that_does_not_parse_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"'lots' is not a rate; give e.g\. '30/minute'"):
        load_serve_config(None, ["rate_limits.messages=lots"])
