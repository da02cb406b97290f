"""The bounded turn pool: chat turns run on a few worker threads, with a short queue in front of them.

A turn is CPU work (retrieval, the LM), so only `workers` run at once and at most `queue_size` more wait.
A submission beyond that is refused at once with `Busy` (the API answers 503 with Retry-After) instead
of letting latency grow without bound. A queued job whose client went away is cancelled and frees its
slot; a running job always finishes, and its slot is freed when it is done.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from whythis.errors import WhythisError

T = TypeVar("T")


class Busy(WhythisError):
    """Every worker is busy and the queue is full; try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"the server is busy with other chats; try again in {retry_after} s")


class TurnPool:
    """A thread pool with `workers` threads and room for `queue_size` waiting jobs."""

    def __init__(self, workers: int, queue_size: int, retry_after: int = 1) -> None:
        if workers < 1 or queue_size < 0:
            raise ValueError(f"workers must be >= 1 and queue_size >= 0, got {workers} and {queue_size}")
        self.workers = workers
        self.queue_size = queue_size
        self.retry_after = retry_after
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whythis-turn")
        self._slots = threading.BoundedSemaphore(workers + queue_size)
        self._count_lock = threading.Lock()
        self._in_flight = 0

    @property
    def in_flight(self) -> int:
        """Jobs running or waiting now."""
        with self._count_lock:
            return self._in_flight

    @property
    def capacity(self) -> int:
        """Jobs the pool holds at most (running plus waiting)."""
        return self.workers + self.queue_size

    def submit(self, job: Callable[[], T]) -> Future[T]:
        """Queue a job; `Busy` when the pool is full. The slot is freed when the job is done or cancelled."""
        if not self._slots.acquire(blocking=False):
            raise Busy(self.retry_after)
        with self._count_lock:
            self._in_flight += 1
        try:
            future = self._executor.submit(job)
        except RuntimeError:  # shut down: the slot was never used
            self._free()
            raise
        future.add_done_callback(lambda _: self._free())
        return future

    async def result(self, future: Future[T]) -> T:
        """Await a submitted job; if the awaiting task is cancelled, a job still queued is dropped."""
        # wrap_future cancels the concurrent future when the asyncio one is cancelled: a queued job
        # never starts, a running one finishes (its slot is freed by the done callback either way).
        return await asyncio.wrap_future(future)

    async def run(self, job: Callable[[], T]) -> T:
        """Submit a job and await its result."""
        return await self.result(self.submit(job))

    def shutdown(self, wait: bool = True) -> None:
        """Stop accepting jobs, drop the queued ones and (optionally) wait for the running ones."""
        self._executor.shutdown(wait=wait, cancel_futures=True)

    def _free(self) -> None:
        with self._count_lock:
            self._in_flight -= 1
        self._slots.release()
