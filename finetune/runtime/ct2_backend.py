"""The CTranslate2 backend: the merged, int8-quantised model on CPU (or GPU), the default serving engine.

Prompts are formatted exactly as for transformers (`format_prompt`), forwarded at once (the prompt's
keys and values fill the cache in one pass), and answered greedily or sampled from the same nucleus
(top-k 50, top-p 0.9). `workers` single-thread replicas each take their own slice of a batch: on small
matrices two threads on one batch fight, two batches side by side do not.

With `reuse_prefix` (the shop's setting), the beginning the prompts of a batch share (the instructions
and, for one shopper's cards, the shopper part, which the reason prompt puts first) is read once for the
batch as CTranslate2's static prompt: about a fifth less time for a shopper's five cards on this CPU.
The numbers take another path, so on a near-tie a greedy answer can differ from the answer to the
prompt alone; the reference runs (XRec parity) leave it off.

No n-gram ban: CTranslate2's `no_repeat_ngram_size` counts the prompt too, so an answer could not copy a
name from it ("Bahama Breeze" came out "Bahama Breezy" on 6 of 50 held-out yelp rows); without it, 46 of
those 50 greedy answers equal the transformers backend's (answer-only ban) in float32.
"""

from __future__ import annotations

import contextlib
import logging
import queue
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from finetune.runtime.decoding import TOP_K, TOP_P
from finetune.runtime.engine_build import ensure_engine
from finetune.runtime.generator import (
    Cancelled,
    GeneratorConfig,
    check_samples,
    first_answers,
    format_prompt,
    load_tokenizer,
)
from prompts.render import Rendered
from whythis.errors import ModelError

log = logging.getLogger(__name__)
# A shared beginning shorter than this is not worth a separate pass.
MIN_SHARED_TOKENS = 16


@dataclass
class _Ends:
    """Collects each sequence's tokens from the engine's callback and hands on each finished prompt (all
    `draws` of its sequences ended)."""

    cancelled: Cancelled | None
    draws: int = 1
    finished: queue.Queue[tuple[int, list[list[int]]]] = field(default_factory=queue.Queue)
    produced: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    ended: dict[int, int] = field(default_factory=dict)
    gone: bool = False  # the reader stopped: every sequence stops

    def on_token(self, step: Any) -> bool:
        """The engine's per-token callback (from its worker threads); True stops that sequence."""
        # An error escaping here would abort the process, so it stops the sequence instead.
        try:
            index = step.batch_id
            self.produced.setdefault((index, step.hypothesis_id), []).append(step.token_id)
            if step.is_last:
                self.ended[index] = self.ended.get(index, 0) + 1
                if self.ended[index] == self.draws:
                    self.finished.put((index, [self.produced[(index, h)] for h in range(self.draws)]))
            return self.gone or (self.cancelled is not None and self.cancelled(index))
        except Exception:
            log.exception("stopping sequence %s after an error in the token callback", step.batch_id)
            return True


@dataclass
class CT2Generator:
    """A CTranslate2 generator over an engine folder, with the tokenizer saved beside it."""

    engine: Any
    tokenizer: Any
    config: GeneratorConfig
    name: str = "ctranslate2"

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """One answer per prompt; the batch is split across the workers."""
        if not prompts:
            return []
        tokens, shared = self._inputs(prompts)
        results = self.engine.generate_batch(
            tokens, **shared, **self._decoding(max_new_tokens, temperature), **self._split(len(prompts))
        )
        return [self._answer(p, r.sequences_ids[0]) for p, r in zip(prompts, results, strict=True)]

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, str]]:
        """(index, answer) as each sequence of the batch ends; a cancelled one stops at its next token."""
        yield from first_answers(self._drawn(prompts, 1, max_new_tokens, temperature, cancelled))

    def generate_drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, list[str]]]:
        """(index, `draws` sampled answers) as each prompt's last sequence ends; each prompt is read once."""
        check_samples(draws, temperature)
        yield from self._drawn(prompts, draws, max_new_tokens, temperature, cancelled)

    def _drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None,
        temperature: float,
        cancelled: Cancelled | None,
    ) -> Iterator[tuple[int, list[str]]]:
        if not prompts:
            return
        ends = _Ends(cancelled, draws)
        tokens, shared = self._inputs(prompts)
        results = self.engine.generate_batch(
            tokens,
            **shared,
            **self._decoding(max_new_tokens, temperature),
            **self._split(len(prompts)),
            num_hypotheses=draws,
            asynchronous=True,
            callback=ends.on_token,
        )
        try:
            yield from self._as_finished(prompts, results, ends.finished, cancelled)
        finally:
            ends.gone = True
            # Every sequence stops at its next token; wait for that so no work outlives the call.
            for result in results:
                with contextlib.suppress(Exception):  # a failure was raised above, or nobody reads it
                    result.result()

    def _as_finished(
        self,
        prompts: Sequence[Rendered],
        results: Sequence[Any],
        finished: queue.Queue[tuple[int, list[list[int]]]],
        cancelled: Cancelled | None,
    ) -> Iterator[tuple[int, list[str]]]:
        left = set(range(len(prompts)))
        while left:
            try:
                index, ids = finished.get(timeout=0.05)
            except queue.Empty:
                if all(r.done() for r in results):
                    break
                continue
            if index in left and not (cancelled is not None and cancelled(index)):
                left.discard(index)
                yield index, [self._answer(prompts[index], one) for one in ids]
        for index in sorted(left):  # ended without a last-token call, or failed: the result says which
            result = results[index].result()
            if not (cancelled is not None and cancelled(index)):
                yield index, [self._answer(prompts[index], one) for one in result.sequences_ids]

    def generate_samples(
        self,
        prompts: Sequence[Rendered],
        samples: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
    ) -> tuple[list[str], list[list[str]]]:
        """Per prompt, the greedy answer and `samples` sampled ones (one request for all the samples)."""
        check_samples(samples, temperature)
        greedy = self.generate(prompts, max_new_tokens)
        options = {**self._decoding(max_new_tokens, temperature), **self._split(len(prompts))}
        tokens, shared = self._inputs(prompts)
        results = self.engine.generate_batch(tokens, **shared, num_hypotheses=samples, **options)
        sampled = [
            [self._answer(p, ids) for ids in r.sequences_ids] for p, r in zip(prompts, results, strict=True)
        ]
        return greedy, sampled

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Yield the prefix, then the text each new token adds."""
        if prompt.response_prefix:
            yield prompt.response_prefix
        ids: list[int] = []
        shown = ""
        for step in self.engine.generate_tokens(self._tokens(prompt), **self._decoding(max_new_tokens, 0.0)):
            ids.append(step.token_id)
            text = self.tokenizer.decode(ids, skip_special_tokens=True)
            if len(text) > len(shown):
                yield text[len(shown) :]
                shown = text

    def _inputs(self, prompts: Sequence[Rendered]) -> tuple[list[list[str]], dict[str, Any]]:
        """The prompts' tokens, their shared beginning cut off and passed once as the static prompt."""
        tokens = [self._tokens(p) for p in prompts]
        n = shared_prefix(tokens)
        if not self.config.reuse_prefix or len(tokens) < 2 or n < MIN_SHARED_TOKENS:
            return tokens, {}
        # Not cached: the engine's cache of static prompts is never evicted, and each shopper has one.
        return [t[n:] for t in tokens], {"static_prompt": tokens[0][:n], "cache_static_prompt": False}

    def _tokens(self, prompt: Rendered) -> list[str]:
        ids = self.tokenizer.encode(format_prompt(self.tokenizer, prompt), add_special_tokens=False)
        tokens: list[str] = self.tokenizer.convert_ids_to_tokens(ids)
        return tokens

    def _answer(self, prompt: Rendered, ids: Sequence[int]) -> str:
        text: str = self.tokenizer.decode(list(ids), skip_special_tokens=True)
        return prompt.response_prefix + text

    def _decoding(self, max_new_tokens: int | None, temperature: float) -> dict[str, Any]:
        """Options of one answer: length, penalty, greedy or the nucleus."""
        sampling: dict[str, Any] = {"sampling_topk": 1}
        if temperature > 0:
            sampling = {"sampling_topk": TOP_K, "sampling_topp": TOP_P, "sampling_temperature": temperature}
        return {
            "max_length": max_new_tokens or self.config.max_new_tokens,
            "repetition_penalty": self.config.repetition_penalty,
            **sampling,
        }

    def _split(self, count: int) -> dict[str, Any]:
        """Options of a batch: each worker takes an even slice (5 prompts run as 3 + 2 on two workers)."""
        share = max(1, min(self.config.batch_size, -(-count // self.config.workers)))
        return {"max_batch_size": share, "include_prompt_in_result": False}


def shared_prefix(tokens: Sequence[Sequence[str]]) -> int:
    """How many leading tokens all the sequences share, leaving each at least one of its own."""
    if not tokens:
        return 0
    limit = min(len(t) for t in tokens) - 1
    n = 0
    while n < limit and all(t[n] == tokens[0][n] for t in tokens):
        n += 1
    return n


def load_ctranslate2(config: GeneratorConfig) -> CT2Generator:
    """The engine built (or found in the cache) for the configured base and adapter, loaded."""
    import ctranslate2

    folder = ensure_engine(config.base_model, config.adapter, config.quantization)
    device = "cuda" if config.device in ("auto", "cuda") and ctranslate2.get_cuda_device_count() else "cpu"
    if config.device == "cuda" and device != "cuda":
        raise ModelError("device 'cuda' was asked for but CTranslate2 sees no GPU; use 'auto' or 'cpu'")
    if config.seed is not None:
        ctranslate2.set_random_seed(config.seed)
    compute = config.quantization if device == "cpu" else "int8_float16"
    try:
        engine = ctranslate2.Generator(
            str(folder),
            device=device,
            compute_type=compute,
            inter_threads=config.workers,
            intra_threads=config.threads or 1,
        )
    except (RuntimeError, ValueError) as exc:
        raise ModelError(f"cannot load the engine in {folder}: {exc}") from exc
    return CT2Generator(engine, load_tokenizer(str(folder)), config)
