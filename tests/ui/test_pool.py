"""The bounded turn pool: capacity, Busy beyond it, cancelled queued jobs and finished jobs free slots."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator

import pytest

from ui.pool import Busy, TurnPool


@pytest.fixture
def pool() -> Iterator[TurnPool]:
    made = TurnPool(workers=1, queue_size=1, retry_after=3)
    yield made
    made.shutdown(wait=True)


def recorder(ran: list[str], value: str) -> Callable[[], str]:
    def job() -> str:
        ran.append(value)
        return value

    return job


def blocker(started: threading.Event, release: threading.Event, value: str) -> Callable[[], str]:
    def job() -> str:
        started.set()
        release.wait()
        return value

    return job


def test_a_full_pool_refuses_with_busy_and_frees_slots_when_jobs_end(pool: TurnPool) -> None:
    started, release = threading.Event(), threading.Event()
    running = pool.submit(blocker(started, release, "a"))
    assert started.wait(timeout=30)
    queued = pool.submit(lambda: "b")
    assert pool.in_flight == 2 == pool.capacity
    with pytest.raises(Busy) as refused:
        pool.submit(lambda: "c")
    assert refused.value.retry_after == 3 and "3 s" in str(refused.value)
    release.set()
    assert running.result(timeout=30) == "a" and queued.result(timeout=30) == "b"
    assert pool.submit(lambda: "d").result(timeout=30) == "d"
    assert pool.in_flight == 0


def test_a_cancelled_queued_job_never_runs_and_frees_its_slot(pool: TurnPool) -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    running = pool.submit(blocker(started, release, "a"))
    assert started.wait(timeout=30)
    queued = pool.submit(recorder(ran, "b"))
    assert queued.cancel() and pool.in_flight == 1
    extra = pool.submit(lambda: "c")  # the freed slot takes a new job
    release.set()
    assert running.result(timeout=30) == "a" and extra.result(timeout=30) == "c"
    assert ran == [] and pool.in_flight == 0


def test_an_awaiting_task_cancelled_while_queued_cancels_the_job(pool: TurnPool) -> None:
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []

    async def scenario() -> tuple[str, int]:
        running = asyncio.ensure_future(pool.run(blocker(started, release, "a")))
        assert await asyncio.to_thread(started.wait, 30)
        waiter = asyncio.ensure_future(pool.run(recorder(ran, "b")))
        await asyncio.sleep(0)
        waiter.cancel()  # the client went away while its turn was queued
        with pytest.raises(asyncio.CancelledError):
            await waiter
        left = pool.in_flight
        release.set()
        return await running, left

    assert asyncio.run(scenario()) == ("a", 1)
    assert ran == [] and pool.in_flight == 0


def test_a_running_job_finishes_when_its_waiter_is_cancelled(pool: TurnPool) -> None:
    started, release = threading.Event(), threading.Event()
    future = pool.submit(blocker(started, release, "a"))
    assert started.wait(timeout=30)
    assert not future.cancel() and pool.in_flight == 1
    release.set()
    assert future.result(timeout=30) == "a" and pool.in_flight == 0


def test_errors_come_back_to_the_caller_and_bad_sizes_are_refused(pool: TurnPool) -> None:
    def broken() -> str:
        raise RuntimeError("turn on fire")

    with pytest.raises(RuntimeError, match="fire"):
        asyncio.run(pool.run(broken))
    assert pool.in_flight == 0
    with pytest.raises(ValueError, match="workers"):
        TurnPool(workers=0, queue_size=1)
    pool.shutdown()
    with pytest.raises(RuntimeError):
        pool.submit(lambda: "late")
    assert pool.in_flight == 0
