"""Continuous batching of generation calls from concurrent turns into fewer, larger calls of one generator.

Chat turns run on several threads and each asks the LM for a handful of reasons. Batched generation costs
little more than a single prompt, so one background thread gathers the requests that arrive within a
short window (or until `max_batch` prompts), calls the wrapped generator once, and hands every caller its
own answers as each one finishes. Only requests with the same `max_new_tokens` and `temperature` are
merged (and the same number of draws per prompt); first answers (greedy, or a card's drawn candidates)
go before retries (sampled), so a new turn's reasons never wait behind another turn's second tries. A
caller that stops reading (its shopper left) cancels its prompts.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Generator as Gen
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from finetune.runtime.generator import Cancelled, Generator, drawn_as_done, first_answers
from prompts.render import Rendered

log = logging.getLogger(__name__)

# (max_new_tokens, temperature, draws per prompt)
_Key = tuple[int | None, float, int]
_END = object()


@dataclass
class _Request:
    prompts: Sequence[Rendered]
    key: _Key
    cancelled: Cancelled | None = None
    answers: queue.Queue[tuple[int, list[str]] | BaseException | object] = field(default_factory=queue.Queue)
    abandoned: bool = False

    def gone(self, index: int) -> bool:
        """True when the answer to this request's prompt at `index` is no longer wanted."""
        return self.abandoned or (self.cancelled is not None and self.cancelled(index))

    def wanted(self) -> bool:
        """True while some answer of this request is still wanted."""
        return not all(self.gone(i) for i in range(len(self.prompts)))


_STOP = object()


@dataclass
class BatchingGenerator:
    """A Generator that merges concurrent calls into batched calls of `inner`."""

    inner: Generator
    window_ms: float = 10.0
    max_batch: int = 16
    name: str = field(init=False)
    calls: int = field(default=0, init=False)
    _queue: queue.Queue[_Request | object] = field(default_factory=queue.Queue, init=False, repr=False)
    _held: deque[_Request] = field(default_factory=deque, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.window_ms < 0 or self.max_batch < 1:
            raise ValueError(
                f"window_ms must be >= 0 and max_batch >= 1, got {self.window_ms}, {self.max_batch}"
            )
        self.name = self.inner.name

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """Answer every prompt, possibly in one inner call together with other threads' prompts."""
        answers = dict(self.generate_each(prompts, max_new_tokens, temperature))
        return [answers[i] for i in range(len(prompts))]

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Cancelled | None = None,
    ) -> Gen[tuple[int, str], None, None]:
        """(index, answer) as each is finished, batched with other threads' prompts."""
        yield from first_answers(self._answered(prompts, (max_new_tokens, temperature, 1), cancelled))

    def generate_drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
        cancelled: Cancelled | None = None,
    ) -> Gen[tuple[int, list[str]], None, None]:
        """(index, `draws` sampled answers) as each prompt's are all in, batched with other threads'."""
        yield from self._answered(prompts, (max_new_tokens, temperature, draws), cancelled)

    def _answered(
        self, prompts: Sequence[Rendered], key: _Key, cancelled: Cancelled | None
    ) -> Gen[tuple[int, list[str]], None, None]:
        if not prompts:
            return
        request = _Request(list(prompts), key, cancelled)
        with self._lock:  # enqueued with a live thread, never behind a stop
            self._ensure_thread()
            self._queue.put(request)
        try:
            while (got := request.answers.get()) is not _END:
                if isinstance(got, BaseException):
                    raise got
                yield got  # type: ignore[misc]
        finally:
            request.abandoned = True

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Streaming is one prompt by nature: passed straight to the inner generator."""
        return self.inner.stream(prompt, max_new_tokens)

    @property
    def running(self) -> bool:
        """True while the batching thread is alive."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def start(self) -> None:
        """Start the batching thread if it is not running (first use starts it too)."""
        with self._lock:
            self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name="whythis-batching", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Serve what is queued, then end the thread; a later call starts it again."""
        # Held under the lock until the old thread is gone, so two loops never share the queue.
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None and thread.is_alive():
                self._queue.put(_STOP)
                thread.join()

    def _loop(self) -> None:
        stopping = False
        while True:
            if not self._held and not stopping:
                stopping = not self._hold(self._queue.get())
            stopping = self._drain() or stopping
            first = self._pick()
            if first is None:
                if stopping:  # everything queued before the stop has been served
                    return
                continue
            batch, stop_seen = self._collect(first, wait=not stopping)
            self._run(batch)
            stopping = stopping or stop_seen

    def _hold(self, item: _Request | object) -> bool:
        """Set a request aside for picking; False for the stop sign."""
        if isinstance(item, _Request):
            self._held.append(item)
            return True
        return False

    def _drain(self) -> bool:
        """Hold everything queued now; True if the stop sign was among it."""
        stop = False
        while True:
            try:
                stop = not self._hold(self._queue.get_nowait()) or stop
            except queue.Empty:
                return stop

    def _pick(self) -> _Request | None:
        """The oldest first-answer request (greedy or drawn), else the oldest retry; drops unwanted ones."""
        for request in [r for r in self._held if not r.wanted()]:
            self._held.remove(request)
            request.answers.put(_END)
        if not self._held:
            return None
        first = next((r for r in self._held if r.key[1] == 0.0 or r.key[2] > 1), self._held[0])
        self._held.remove(first)
        return first

    def _collect(self, first: _Request, wait: bool) -> tuple[list[_Request], bool]:
        """The first request plus compatible ones held or arriving within the window; True on a stop."""
        batch, size = [first], len(first.prompts)
        for other in [r for r in self._held if r.key == first.key]:
            if size >= self.max_batch:
                return batch, False
            self._held.remove(other)
            batch.append(other)
            size += len(other.prompts)
        deadline = time.monotonic() + self.window_ms / 1000
        while wait and size < self.max_batch:
            left = deadline - time.monotonic()
            try:
                item = self._queue.get(timeout=left) if left > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if not isinstance(item, _Request):
                return batch, True
            if item.key == first.key:
                batch.append(item)
                size += len(item.prompts)
            else:
                self._held.append(item)
        return batch, False

    def _run(self, batch: list[_Request]) -> None:
        prompts = [p for r in batch for p in r.prompts]
        owners = [(r, i) for r in batch for i in range(len(r.prompts))]
        max_new_tokens, temperature, draws = batch[0].key
        self.calls += 1
        try:
            for index, answers in drawn_as_done(
                self.inner,
                prompts,
                draws,
                max_new_tokens,
                temperature,
                lambda g: owners[g][0].gone(owners[g][1]),
            ):
                request, own = owners[index]
                request.answers.put((own, answers))
        except Exception as exc:  # every caller of the batch gets the error; the thread goes on
            log.warning("batched generation failed for %d prompts: %s", len(prompts), exc)
            for request in batch:
                request.answers.put(exc)
            return
        for request in batch:
            request.answers.put(_END)
