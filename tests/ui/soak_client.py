"""The soak test's shoppers: each keeps a session going across replicas that die and come back.

A turn goes to the next replica in turn (as a proxy spreading load would send it); a refused connection
goes to the other one (as a proxy fails over); a 503 waits its Retry-After; a stream cut before `done`
(its server was killed) is repeated; a session lost with its server (opened but not yet stored) is
opened again after its 404. Every outcome is counted, so the test can hold the store to account.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.ui.conftest import parse_sse

MESSAGES = ("why #1?", "show me others", "something cheaper", "why #2?", "thanks")


@dataclass
class Ledger:
    """What the clients did and saw, shared by every shopper thread."""

    turns_left: int
    outcomes: Counter[str] = field(default_factory=Counter)
    # session id -> [turns answered with `done`, turns cut off]
    sessions: dict[str, list[int]] = field(default_factory=dict)
    feedback_sent: int = 0
    feedback_stored: int = 0
    feedback_statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_turn(self) -> bool:
        """Claim one of the turns still to run."""
        with self.lock:
            if self.turns_left <= 0:
                return False
            self.turns_left -= 1
            return True

    def note(self, outcome: str, session_id: str | None = None, answered: bool = False) -> None:
        """Count an outcome, and an answered or cut turn of a session."""
        with self.lock:
            self.outcomes[outcome] += 1
            if session_id is not None and outcome in ("answered", "cut"):
                tally = self.sessions.setdefault(session_id, [0, 0])
                tally[0 if answered else 1] += 1

    def answered(self) -> int:
        """How many turns were answered whole."""
        with self.lock:
            return self.outcomes["answered"]


@dataclass
class Shopper:
    """One shopper's client: its session and token, and which replica it tries next."""

    bases: Sequence[str]
    shopper_id: str
    ledger: Ledger
    think_s: float = 0.3  # a shopper reads before the next message
    session_id: str = ""
    token: str = ""
    _next: itertools.cycle[int] = field(default_factory=lambda: itertools.cycle((0, 1)))

    def run(self) -> None:
        """Turns until the ledger has none left."""
        for n in itertools.count():
            if not self.ledger.take_turn():
                return
            message = None if not self.session_id else MESSAGES[n % len(MESSAGES)]
            while not self._turn(message):
                message = None if not self.session_id else message
            if self.session_id and n % 3 == 2:
                self._feedback()
            time.sleep(self.think_s)

    def _turn(self, message: str | None) -> bool:
        """One attempt at a turn; False when it must be tried again."""
        url = "/api/sessions" if message is None else f"/api/sessions/{self.session_id}/messages"
        body: dict[str, Any] = {"shopper_id": self.shopper_id} if message is None else {"message": message}
        status, events, retry = self._post(url, body)
        if status == 503 or status == 0:
            self.ledger.note("busy_503" if status == 503 else "refused_connection")
            time.sleep(retry)
            return False
        if status == 404:
            self.ledger.note("not_found_404")
            self.session_id = ""  # lost with its server before it was stored: open a new one
            return False
        if status != 200:
            self.ledger.note(f"status_{status}")
            return True
        if message is None:
            opened = next((d for n, d in events if n == "session"), None)
            if opened is None:
                self.ledger.note("cut")
                return False
            self.session_id, self.token = opened["session_id"], opened["token"]
        whole = bool(events) and events[-1][0] == "done"
        self.ledger.note("answered" if whole else "cut", self.session_id, answered=whole)
        return whole

    def _post(self, url: str, body: dict[str, Any]) -> tuple[int, list[tuple[str, dict[str, Any]]], float]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token and "messages" in url else {}
        for _ in range(len(self.bases)):
            base = self.bases[next(self._next)]
            try:
                with httpx.Client(base_url=base, timeout=60) as http:
                    response = http.post(url, json=body, headers=headers)
            except httpx.ConnectError:
                continue  # the proxy's failover: the other replica
            except (httpx.RemoteProtocolError, httpx.ReadError):
                return 200, [], 0.0  # killed mid-stream: nothing whole arrived
            retry = float(response.headers.get("retry-after", "0"))
            events = parse_sse(response.text) if response.status_code == 200 else []
            return response.status_code, events, retry
        return 0, [], 0.5

    def _feedback(self) -> None:
        with self.ledger.lock:
            self.ledger.feedback_sent += 1
        url = f"/api/sessions/{self.session_id}/feedback"
        headers = {"Authorization": f"Bearer {self.token}"}
        for _ in range(len(self.bases)):
            try:
                with httpx.Client(base_url=self.bases[next(self._next)], timeout=30) as http:
                    response = http.post(url, json={"rating": 1}, headers=headers)
            except httpx.ConnectError:
                continue  # the proxy's failover: the other replica
            except httpx.TransportError:
                break  # sent, but its answer was lost with its server
            with self.ledger.lock:
                self.ledger.feedback_statuses[response.status_code] += 1
                self.ledger.feedback_stored += response.status_code == 201
            return
