"""Small fakes that implement the real interfaces (Embedder, Generator) for the fast test tier."""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from finetune.runtime.generator import first_answers
from prompts.render import Rendered

if TYPE_CHECKING:
    from agent.compose import Runtime
    from agent.config import AgentConfig
    from agent.recommender import Agent
    from agent.sessions.store import Store
    from retrieval.shoppers import Shopper

_STOP = frozenset("the and for with has its are you your from this that under over what".split())


@dataclass
class KeywordEmbedder:
    """Hashes each word into one of `dim` buckets: texts sharing words get similar vectors."""

    dim: int = 2048
    name: str = "fake:keywords"
    calls: int = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised bag-of-words vector per text."""
        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z]{3,}", text.lower()):
                if word in _STOP:
                    continue
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim
                out[row, bucket] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.asarray(out / np.maximum(norms, 1e-9), dtype=np.float32)


def realizer_plan(prompt: Rendered) -> str | None:
    """A perfect realizer: the phrasing bank's own sentence for a plan prompt (None for other prompts)."""
    line = str(prompt.messages[-1].content) if prompt.messages else ""
    found = re.match(r"tone=(\w+) v=(\d) \| ([a-z_| ]+?)(?: \| avoid=.*)?$", line)
    if found is None:
        return None
    from agent.plans.bank import load_bank

    kinds = [k.strip() for k in found[3].split("|")]
    text = load_bank().compose(kinds, found[1], int(found[2]))
    return re.sub(r" (?=\[[A-Z])", "", text)  # as the tokenizer decodes slot tokens: no space before


@dataclass
class ScriptedGenerator:
    """Answers from a script: a function of the rendered prompt, or fixed texts in turn."""

    answers: list[str] = field(default_factory=list)
    name: str = "fake:scripted"
    seen: list[Rendered] = field(default_factory=list)
    temperatures: list[float] = field(default_factory=list)
    broken: bool = False  # every call raises, as a backend whose server is down does

    def _next(self, prompt: Rendered) -> str:
        self.seen.append(prompt)
        if self.answers:
            return self.answers.pop(0)
        plan = realizer_plan(prompt)
        if plan is not None:
            return plan
        title = str(prompt.messages[-1].content).split("Product: ", 1)[-1].split("\n", 1)[0]
        return f"{prompt.response_prefix} it is the {title}."

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """One scripted answer per prompt."""
        self.temperatures.append(temperature)
        if self.broken:
            raise RuntimeError("the LM is down")
        return [self._next(p) for p in prompts]

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """The scripted answer, a word at a time."""
        for word in self._next(prompt).split(" "):
            yield word + " "


@dataclass
class SlowGenerator(ScriptedGenerator):
    """A ScriptedGenerator taking `delay_s` per call, as a real LM takes its time: a turn is long enough
    to be interrupted."""

    delay_s: float = 0.2

    def generate(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
    ) -> list[str]:
        time.sleep(self.delay_s)
        return super().generate(prompts, max_new_tokens, temperature)


def fake_agent(
    cache: Path, generator: ScriptedGenerator | None = None, config: AgentConfig | None = None
) -> Agent:
    """A real agent over the demo catalog with the fast fakes, its index cached under `cache`."""
    # Imported here: the agent package is what the fakes stand in for, not what they are built from.
    from agent.config import AgentConfig
    from agent.recommender import load_agent
    from retrieval.catalog import demo_catalog_path

    previous = os.environ.get("WHYTHIS_CACHE_DIR")
    os.environ["WHYTHIS_CACHE_DIR"] = str(cache)
    try:
        return load_agent(
            config or AgentConfig(),
            demo_catalog_path(),
            generator=generator or ScriptedGenerator(),
            embedder=KeywordEmbedder(),
        )
    finally:
        if previous is None:
            del os.environ["WHYTHIS_CACHE_DIR"]
        else:
            os.environ["WHYTHIS_CACHE_DIR"] = previous


def fake_runtime(
    agent: Agent,
    store: Store | None = None,
    shoppers: Mapping[str, Shopper] | None = None,
    batch_window_ms: float = 0.0,
    max_batch: int = 1,
    generator: ScriptedGenerator | None = None,
) -> Runtime:
    """The running agent over a fake agent's catalog and index, built by the composition root."""
    from agent.compose import assemble
    from agent.recommender import CatalogIndex

    shelf = CatalogIndex(agent.items, agent.retriever)
    lm = generator or ScriptedGenerator()
    return assemble(shelf, lm, agent.config, store, shoppers, batch_window_ms, max_batch)


@dataclass
class GuidingGenerator(ScriptedGenerator):
    """A scripted backend with guided decoding: records each call's scale and contrast prompts, and answers
    "guided N" to a prompt whose user profile says "number N"."""

    guided: list[tuple[float, list[str]]] = field(default_factory=list)

    def generate_guided(
        self,
        prompts: Sequence[Rendered],
        contrasts: Sequence[Rendered],
        scale: float,
        max_new_tokens: int | None = None,
    ) -> list[str]:
        self.guided.append((scale, [str(c.messages[-1].content) for c in contrasts]))
        return [f"guided {str(p.messages[-1].content).split('number ')[1][0]}" for p in prompts]


@dataclass
class SteppedGenerator(ScriptedGenerator):
    """A scripted generator that finishes a batch's prompts one at a time, last prompt first (as an
    engine's shortest answer comes out first), and skips a prompt cancelled before its turn."""

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, str]]:
        """(index, scripted answer), last prompt first."""
        self.temperatures.append(temperature)
        for index in reversed(range(len(prompts))):
            if cancelled is None or not cancelled(index):
                yield index, self._next(prompts[index])


@dataclass
class GatedGenerator(ScriptedGenerator):
    """Finishes one prompt (with all its draws) per `step` released (last prompt first); skips the prompts
    cancelled by then."""

    steps: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(0))
    asked: list[Callable[[int], bool]] = field(default_factory=list)  # each call's cancelled callback

    def left(self) -> bool:
        """True once the latest call's caller no longer wants its first prompt (the shopper left)."""
        return bool(self.asked) and self.asked[-1](0)

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, str]]:
        yield from first_answers(self.generate_drawn(prompts, 1, max_new_tokens, temperature, cancelled))

    def generate_drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
        cancelled: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, list[str]]]:
        """A prompt's draws all finish at its step, as an engine reading the prompt once answers them."""
        self.asked.append(cancelled or (lambda _: False))
        for index in reversed(range(len(prompts))):
            self.steps.acquire()
            if cancelled is None or not cancelled(index):
                yield index, [self._next(prompts[index]) for _ in range(draws)]
