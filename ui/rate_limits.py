"""Abuse limits of a public widget, per client: opening sessions, sending messages, failed staff logins.

The `limits` library keeps a moving window per client address in this process's memory (each replica
limits on its own: behind a proxy spreading N replicas a client gets up to N times the rate, unless the
proxy keeps a client on one replica). A refused request is a 429 `too_many` with Retry-After. A staff
login is checked against the limit before its password is (a refused login costs no scrypt), and only a
failed one counts.
"""

from __future__ import annotations

import math
import time
from typing import Literal

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ui.errors_http import ApiError

Action = Literal["open", "message", "login"]


class RateLimitConfig(BaseModel):
    """Each limit as '<count>/<second|minute|hour|day>' (limits' notation), e.g. '30/minute'."""

    model_config = ConfigDict(extra="forbid")

    open_sessions: str = Field(default="30/minute", description="new chat sessions per client")
    messages: str = Field(default="120/minute", description="chat messages and feedback per client")
    staff_logins: str = Field(default="10/minute", description="failed staff logins per client")

    @field_validator("open_sessions", "messages", "staff_logins")
    @classmethod
    def _parses(cls, value: str) -> str:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate; give e.g. '30/minute' or '5/second'") from exc
        return value


class RateLimiter:
    """The configured limits over one in-memory moving window; safe to share between threads."""

    def __init__(self, config: RateLimitConfig) -> None:
        self._window = MovingWindowRateLimiter(MemoryStorage())
        self._items: dict[Action, RateLimitItem] = {
            "open": parse(config.open_sessions),
            "message": parse(config.messages),
            "login": parse(config.staff_logins),
        }

    def hit(self, action: Action, client: str) -> None:
        """Count one request of `client`; a 429 ApiError when it is over the limit."""
        if not self._window.hit(self._items[action], action, client):
            raise self._refusal(action, client)

    def check_login(self, client: str) -> None:
        """A 429 ApiError when `client` has used up its failed logins (nothing is counted)."""
        if not self._window.test(self._items["login"], "login", client):
            raise self._refusal("login", client)

    def login_failed(self, client: str) -> None:
        """Count one failed login of `client`."""
        self._window.hit(self._items["login"], "login", client)

    def _refusal(self, action: Action, client: str) -> ApiError:
        item = self._items[action]
        stats = self._window.get_window_stats(item, action, client)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        what = {"open": "new chats", "message": "messages", "login": "failed logins"}[action]
        rate = f"{item.amount} per {item.multiples} {item.GRANULARITY.name}"
        message = f"too many {what} from this address ({rate}); try again in {wait} s"
        return ApiError(429, "too_many", message, {"Retry-After": str(wait)})
