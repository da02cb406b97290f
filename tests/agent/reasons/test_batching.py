"""Continuous batching: concurrent callers share inner calls, each gets its own answers as they finish,
first answers go before retries, errors reach all, a caller that left stops its prompts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from langchain_core.messages import HumanMessage

from agent.reasons.batching import BatchingGenerator
from prompts.render import Rendered
from whythis.errors import ModelError

# A window far longer than the test needs: batches close when max_batch prompts are in, not on time.
LONG_WINDOW_MS = 10_000.0


def prompt(text: str) -> Rendered:
    return Rendered((HumanMessage(content=text),), "Because")


@dataclass
class RecordingGenerator:
    """Answers 'Because <prompt>' and records every call's size and settings; can fail on demand."""

    name: str = "fake:recording"
    batches: list[int] = field(default_factory=list)
    settings: list[tuple[int | None, float]] = field(default_factory=list)
    fail_next: bool = False
    threads: set[str] = field(default_factory=set)

    def generate(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
    ) -> list[str]:
        self.batches.append(len(prompts))
        self.settings.append((max_new_tokens, temperature))
        self.threads.add(threading.current_thread().name)
        if self.fail_next:
            self.fail_next = False
            raise RuntimeError("model on fire")
        return [f"{p.response_prefix} {p.messages[0].content}" for p in prompts]

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        yield "streamed"


def ask_concurrently(gen: BatchingGenerator, calls: list[list[str]], **kwargs: object) -> list[object]:
    """Each list of texts from its own thread at once; the answers (or the raised error) in order."""
    start = threading.Barrier(len(calls))

    def one(texts: list[str]) -> object:
        start.wait()
        try:
            return gen.generate([prompt(t) for t in texts], **kwargs)  # type: ignore[arg-type]
        except (RuntimeError, ModelError) as exc:
            return exc

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_four_concurrent_callers_share_one_inner_call_and_get_their_own_answers() -> None:
    inner = RecordingGenerator()
    gen = BatchingGenerator(inner, window_ms=LONG_WINDOW_MS, max_batch=5)
    calls = [["a"], ["b", "c"], ["d"], ["e"]]
    answers = ask_concurrently(gen, calls)
    assert answers == [[f"Because {t}" for t in texts] for texts in calls]
    assert inner.batches == [5] and gen.calls == 1
    assert inner.threads == {"whythis-batching"} and gen.name == "fake:recording"
    gen.stop()
    assert not gen.running


def test_no_thread_before_first_use_and_stop_then_reuse() -> None:
    gen = BatchingGenerator(RecordingGenerator(), window_ms=0.0)
    assert not gen.running
    assert gen.generate([]) == []
    assert not gen.running
    assert gen.generate([prompt("x")]) == ["Because x"]
    assert gen.running
    gen.stop()
    assert not gen.running
    assert gen.generate([prompt("y")]) == ["Because y"]
    gen.stop()
    assert list(gen.stream(prompt("z"))) == ["streamed"]


def test_only_calls_with_the_same_settings_are_merged() -> None:
    inner = RecordingGenerator()
    gen = BatchingGenerator(inner, window_ms=LONG_WINDOW_MS, max_batch=2)
    start = threading.Barrier(4)

    def one(text: str, temperature: float) -> list[str]:
        start.wait()
        return gen.generate([prompt(text)], temperature=temperature)

    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(one, t, temp) for t, temp in [("a", 0.0), ("b", 0.7), ("c", 0.0), ("d", 0.7)]]
        answers = [f.result() for f in futures]
    gen.stop()
    assert answers == [["Because a"], ["Because b"], ["Because c"], ["Because d"]]
    assert sorted(inner.batches) == [2, 2] and sorted(inner.settings) == [(None, 0.0), (None, 0.7)]


def test_an_inner_error_reaches_every_caller_of_the_batch_and_the_thread_survives() -> None:
    inner = RecordingGenerator(fail_next=True)
    gen = BatchingGenerator(inner, window_ms=LONG_WINDOW_MS, max_batch=3)
    results = ask_concurrently(gen, [["a"], ["b"], ["c"]])
    assert all(isinstance(r, RuntimeError) and "fire" in str(r) for r in results)
    assert inner.batches == [3] and gen.running
    again = [prompt(t) for t in ("x", "y", "z")]  # a full batch: served without waiting for others
    assert gen.generate(again) == ["Because x", "Because y", "Because z"]
    gen.stop()


def test_a_wrong_answer_count_is_an_error_not_a_misdelivery() -> None:
    class Short(RecordingGenerator):
        def generate(
            self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
        ) -> list[str]:
            return super().generate(prompts, max_new_tokens, temperature)[:-1]

    gen = BatchingGenerator(Short(), window_ms=0.0)
    with pytest.raises(ModelError, match="1 answers to 2 prompts"):
        gen.generate([prompt("a"), prompt("b")])
    gen.stop()


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="max_batch"):
        BatchingGenerator(RecordingGenerator(), max_batch=0)


@dataclass
class SteppedGenerator(RecordingGenerator):
    """Finishes its prompts one at a time, in reverse order, each when the test releases a step;
    records which prompts it was asked to generate (not cancelled at the start)."""

    steps: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    generated: list[str] = field(default_factory=list)

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, str]]:
        self.batches.append(len(prompts))
        self.settings.append((max_new_tokens, temperature))
        for index in reversed(range(len(prompts))):
            self.steps.acquire()
            if cancelled is not None and cancelled(index):
                continue
            text = str(prompts[index].messages[0].content)
            self.generated.append(text)
            yield index, f"Because {text}"


def test_answers_reach_their_caller_as_each_is_finished_not_when_the_batch_is() -> None:
    inner = SteppedGenerator()
    gen = BatchingGenerator(inner, window_ms=0.0)
    answers = gen.generate_each([prompt("a"), prompt("b"), prompt("c")])
    inner.steps.release()
    assert next(answers) == (2, "Because c")  # the others are not finished yet, and not waited for
    inner.steps.release(2)
    assert list(answers) == [(1, "Because b"), (0, "Because a")]
    inner.steps.release(3)
    assert gen.generate([prompt("x"), prompt("y"), prompt("z")]) == ["Because x", "Because y", "Because z"]
    gen.stop()


def test_cancelled_prompts_are_not_generated_and_a_reader_that_leaves_stops_the_rest() -> None:
    inner = SteppedGenerator()
    gen = BatchingGenerator(inner, window_ms=0.0)
    inner.steps.release(3)
    kept = list(gen.generate_each([prompt("a"), prompt("b"), prompt("c")], cancelled=lambda i: i == 1))
    assert kept == [(2, "Because c"), (0, "Because a")] and inner.generated == ["c", "a"]
    leaving = gen.generate_each([prompt("d"), prompt("e"), prompt("f")])
    inner.steps.release()
    assert next(leaving) == (2, "Because f")
    leaving.close()  # the shopper left
    inner.steps.release(2)
    gen.stop()
    assert inner.generated == ["c", "a", "f"]


def test_first_answers_of_a_new_turn_go_before_the_retries_already_waiting() -> None:
    inner = SteppedGenerator()
    gen = BatchingGenerator(inner, window_ms=0.0, max_batch=1)
    with ThreadPoolExecutor(3) as pool:
        busy = pool.submit(gen.generate, [prompt("busy")])  # holds the batching thread until released
        while not inner.batches:
            time.sleep(0.01)
        retry = pool.submit(gen.generate, [prompt("retry")], None, 0.7)
        time.sleep(0.05)  # ordering, not timing: the retry is queued before the new turn's prompt
        first = pool.submit(gen.generate, [prompt("first")])
        time.sleep(0.05)
        inner.steps.release(3)
        assert busy.result() == ["Because busy"]
        assert first.result() == ["Because first"] and retry.result() == ["Because retry"]
    gen.stop()
    assert inner.generated == ["busy", "first", "retry"]


def test_drawn_requests_of_two_callers_share_one_inner_call_and_each_gets_its_draws() -> None:
    inner = RecordingGenerator()
    gen = BatchingGenerator(inner, window_ms=LONG_WINDOW_MS, max_batch=2)
    start = threading.Barrier(2)

    def one(text: str) -> dict[int, list[str]]:
        start.wait()
        return dict(gen.generate_drawn([prompt(text)], 3, temperature=0.8))

    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(one, ["a", "b"]))
    gen.stop()
    # The recording generator draws nothing itself: each prompt is asked three times in the one call.
    assert got == [{0: ["Because a"] * 3}, {0: ["Because b"] * 3}]
    assert inner.batches == [6] and inner.settings == [(None, 0.8)]
