"""`whythis bench engines`: the generation engines side by side in one process, on the shop's own prompts.

For each engine (transformers, the reference; ctranslate2, the serving engine; any other registered
backend asked for) and batch size: generated tokens per second over the same reason prompts (demo
shoppers x their top candidates), greedy, and the time to one checked reason (the reason writer with
its grounding check, one candidate). Each engine is warmed up on one prompt first.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from agent.config import AgentConfig
from agent.recommender import load_agent, make_writer
from eval.silent import SilentGenerator
from eval.timing import percentiles, timed
from finetune.runtime.backends import load_generator
from finetune.runtime.base import resolve_base_model
from finetune.runtime.generator import Generator, load_tokenizer
from prompts.render import Rendered
from retrieval.retriever import Candidate
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper


@dataclass(frozen=True)
class EngineBenchOptions:
    """Which engines, batch sizes, how many prompts and reasons, and the token cap."""

    engines: tuple[str, ...] = ("transformers", "ctranslate2")
    batch_sizes: tuple[int, ...] = (1, 5, 16)
    prompts: int = 16
    reasons: int = 5
    max_new_tokens: int = 48


@dataclass(frozen=True)
class ShopWork:
    """The prompts and (shopper, candidate) pairs every engine is measured on."""

    prompts: tuple[Rendered, ...]
    pairs: tuple[tuple[Shopper, Candidate], ...]


def shop_work(config: AgentConfig, options: EngineBenchOptions) -> tuple[ShopWork, Any]:
    """Reason prompts of the demo shoppers' top candidates, and the agent that rendered them (no LM)."""
    agent = load_agent(config, generator=SilentGenerator())
    shoppers = [load_shopper(p) for p in demo_shopper_paths()]
    per_shopper = [[(s, c) for c in agent.candidates(s, options.prompts)] for s in shoppers]
    # Round robin over the shoppers, so every batch mixes them as a busy shop's would.
    pairs = [row[i] for i in range(options.prompts) for row in per_shopper if i < len(row)][: options.prompts]
    prompts = tuple(agent.writer.render_for(s, c.item, None, c.evidence) for s, c in pairs)
    return ShopWork(prompts, tuple(pairs)), agent


def tokens_per_second(
    generator: Generator, tokenizer: Any, prompts: Sequence[Rendered], batch: int, max_new_tokens: int
) -> dict[str, Any]:
    """Greedy answers to every prompt in batches of `batch`: generated tokens per second."""
    start = time.perf_counter()
    answers: list[str] = []
    for i in range(0, len(prompts), batch):
        answers += generator.generate(prompts[i : i + batch], max_new_tokens=max_new_tokens)
    seconds = time.perf_counter() - start
    generated = sum(
        len(tokenizer.encode(a[len(p.response_prefix) :], add_special_tokens=False))
        for a, p in zip(answers, prompts, strict=True)
    )
    return {"prompts": len(prompts), "seconds": round(seconds, 2), "tokens": generated,
            "tokens_per_second": round(generated / seconds, 1) if seconds else None}  # fmt: skip


def measure_engine(
    generator: Generator, agent: Any, config: AgentConfig, work: ShopWork, options: EngineBenchOptions
) -> dict[str, Any]:
    """Tokens/s per batch size and the time to one checked reason, for one engine."""
    tokenizer = load_tokenizer(resolve_base_model(config.generator.base_model))
    generator.generate(list(work.prompts[:1]), max_new_tokens=8)  # warm-up
    by_batch = {
        str(b): tokens_per_second(generator, tokenizer, work.prompts, b, options.max_new_tokens)
        for b in options.batch_sizes
    }
    writer = make_writer(agent.items, generator, config)
    checked = [_reason_ms(writer, shopper, candidate) for shopper, candidate in work.pairs[: options.reasons]]
    return {"by_batch_size": by_batch, "one_checked_reason": percentiles(checked)}


def _reason_ms(writer: Any, shopper: Shopper, candidate: Candidate) -> float:
    start = time.perf_counter()
    writer.write(shopper, [candidate])
    return (time.perf_counter() - start) * 1000.0


def run_engine_bench(config: AgentConfig, options: EngineBenchOptions) -> dict[str, Any]:
    """Every engine on the same work, one after the other in this process, and the speed-up over the first."""
    work, agent = shop_work(config, options)
    results: dict[str, Any] = {}
    for engine in options.engines:
        gen_config = config.generator.model_copy(update={"backend": engine})
        generator, load_ms = timed(lambda g=gen_config: load_generator(g))  # type: ignore[misc]
        measured = measure_engine(generator, agent, config, work, options)
        results[engine] = {"load_s": round(load_ms / 1000, 1), **measured}
        del generator
    return {"engines": results, "speedup": _speedup(results, options)}


def _speedup(results: dict[str, Any], options: EngineBenchOptions) -> dict[str, Any]:
    """Each engine's tokens/s over the first engine's (the reference), per batch size and at the best."""
    reference = options.engines[0]

    def rate(engine: str, batch: str) -> float:
        return float(results[engine]["by_batch_size"][batch]["tokens_per_second"] or 0.0)

    out: dict[str, Any] = {}
    for engine in options.engines[1:]:
        per = {b: round(rate(engine, b) / rate(reference, b), 2) for b in map(str, options.batch_sizes)}
        best = max(rate(engine, b) for b in per) / max(rate(reference, b) for b in per)
        out[engine] = {"by_batch_size": per, "best_vs_best": round(best, 2)}
    return out


def results_table(metrics: dict[str, Any]) -> str:
    """A markdown table: one line per engine and batch size."""
    lines = ["| engine | batch | tokens/s | seconds | one checked reason p50 ms |", "|---|---|---|---|---|"]
    for engine, m in metrics["engines"].items():
        first = m["one_checked_reason"].get("p50_ms")
        for batch, b in m["by_batch_size"].items():
            lines.append(f"| {engine} | {batch} | {b['tokens_per_second']} | {b['seconds']} | {first} |")
    return "\n".join(lines)
