"""A turn's events handed from the pool thread that runs the turn to the request that streams them.

The turn runs on a worker thread (it is CPU work) and the SSE response is written on the event loop.
Each event travels in a chain of futures: the producer resolves the current one with the event and the
next future, the consumer awaits them in turn. No thread waits per client, and the producer never needs
to know the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import Future, InvalidStateError
from dataclasses import dataclass, field

from agent.sessions.events import Event

# An event and where the next one will arrive; None ends the turn.
_Link = tuple[Event, "Future[_Link | None]"] | None


@dataclass
class Handoff:
    """One turn's events, produced by `run` on a worker thread and read by `events` on the loop."""

    _head: Future[_Link] = field(default_factory=Future)
    left: threading.Event = field(default_factory=threading.Event)

    def run(self, stream: Iterator[Event]) -> None:
        """Produce the turn's events (the pool job); an error reaches the reader after what went before."""
        tail = self._head
        try:
            for event in stream:
                following: Future[_Link] = Future()
                _settle(tail, (event, following))
                tail = following
        except Exception as exc:
            _settle(tail, exc)
            return
        _settle(tail, None)

    def never_ran(self) -> None:
        """The job was dropped before it started (the server is stopping): the reader stops waiting."""
        _settle(self._head, RuntimeError("the server stopped before this turn started"))

    async def events(self) -> AsyncIterator[Event]:
        """The events as they are produced; if the reader stops early, `left` tells the turn."""
        link = self._head
        try:
            while (got := await asyncio.wrap_future(link)) is not None:
                event, link = got
                yield event
        finally:
            self.left.set()  # harmless after the end; before it, the shopper left: stop generating

    def cancelled(self) -> bool:
        """True once the reader has gone (the turn's `cancelled` callback)."""
        return self.left.is_set()


def _settle(link: Future[_Link], value: _Link | Exception) -> None:
    # A reader that left cancels the link it awaited; the turn still runs to its end and is stored.
    with contextlib.suppress(InvalidStateError):
        if isinstance(value, Exception):
            link.set_exception(value)
        else:
            link.set_result(value)
