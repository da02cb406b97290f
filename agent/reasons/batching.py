"""Micro-batching of generation calls from concurrent threads into fewer, larger calls of one generator.

Chat turns run on several threads and each asks the LM for a handful of reasons. Batched generation costs
little more than a single prompt, so one background thread gathers the requests that arrive within a
short window (or until `max_batch` prompts), calls the wrapped generator once, and hands every caller its
own slice. Only requests with the same `max_new_tokens` and `temperature` are merged.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from finetune.runtime.generator import Generator
from prompts.render import Rendered

log = logging.getLogger(__name__)

_Key = tuple[int | None, float]


@dataclass
class _Request:
    prompts: Sequence[Rendered]
    key: _Key
    future: Future[list[str]] = field(default_factory=Future)


_STOP = object()


@dataclass
class BatchingGenerator:
    """A Generator that merges concurrent `generate` calls into batched calls of `inner`."""

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
        if not prompts:
            return []
        request = _Request(list(prompts), (max_new_tokens, temperature))
        with self._lock:  # enqueued with a live thread, never behind a stop
            self._ensure_thread()
            self._queue.put(request)
        return request.future.result()

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
        while True:
            first = self._held.popleft() if self._held else self._queue.get()
            if not isinstance(first, _Request):
                self._serve_held()
                return
            batch, stopping = self._collect(first)
            self._run(batch)
            if stopping:
                self._serve_held()
                return

    def _collect(self, first: _Request) -> tuple[list[_Request], bool]:
        """The first request plus compatible ones arriving within the window; True if told to stop."""
        batch, size = [first], len(first.prompts)
        deadline = time.monotonic() + self.window_ms / 1000
        for other in list(self._held):
            if size >= self.max_batch:
                return batch, False
            if other.key == first.key:
                self._held.remove(other)
                batch.append(other)
                size += len(other.prompts)
        while size < self.max_batch:
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
        max_new_tokens, temperature = batch[0].key
        self.calls += 1
        try:
            answers = self.inner.generate(prompts, max_new_tokens=max_new_tokens, temperature=temperature)
            if len(answers) != len(prompts):
                raise RuntimeError(f"{self.inner.name} gave {len(answers)} answers to {len(prompts)} prompts")
        except Exception as exc:  # every caller of the batch gets the error; the thread goes on
            log.warning("batched generation failed for %d prompts: %s", len(prompts), exc)
            for request in batch:
                request.future.set_exception(exc)
            return
        start = 0
        for request in batch:
            end = start + len(request.prompts)
            request.future.set_result(list(answers[start:end]))
            start = end

    def _serve_held(self) -> None:
        # Requests set aside before a stop are still served: a caller must never wait forever.
        while self._held:
            first = self._held.popleft()
            same = [r for r in self._held if r.key == first.key]
            for request in same:
                self._held.remove(request)
            self._run([first, *same])
