"""Keeping a server's live sessions in step with the shared store, for replicas.

Every `interval` seconds the live sessions are checked against the store: one another server saved
since is dropped here (its next turn reloads it), one forgotten elsewhere is gone from this server's
memory too. A turn also checks its own session before it starts, so this only bounds how long memory
holds what another server already deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from whythis.errors import StoreError

log = logging.getLogger(__name__)


class SessionSync:
    """A daemon thread calling `sync()` (SessionManager.sync) every `interval` seconds until stopped."""

    def __init__(self, sync: Callable[[], int], interval: float) -> None:
        self._sync = sync
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="whythis-session-sync", daemon=True)
        if interval > 0:
            self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                dropped = self._sync()
            except StoreError as exc:  # the database is away: try again next time
                log.warning("session sync skipped: %s", exc)
                continue
            if dropped:
                log.info("dropped %d live session(s) changed or forgotten on another server", dropped)

    def stop(self) -> None:
        """Stop the thread (at most one sync in flight finishes)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
