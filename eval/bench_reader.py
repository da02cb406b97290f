"""`whythis bench reader`: how long one turn's reading takes on this machine's engine, one turn at a
time as the chat reads them, beside the router it replaces (rules and the example head) in the same
process. Prompt and action lengths are reported too: the reading's cost is one pass over the prompt
and a few decoding steps."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.intents.router import build_router
from agent.turns.action import TurnLine
from agent.turns.reader import load_reader
from agent.turns.rows import read_turns
from eval.turn_readers import vocabularies
from eval.turns import test_files
from retrieval.embedder import load_embedder
from whythis.errors import ConfigError
from whythis.paths import data_dir


def spread(turns: Sequence[TurnLine], count: int) -> list[TurnLine]:
    """`count` turns spread evenly over the test files (every setting represented)."""
    step = max(1, len(turns) // max(1, count))
    return list(turns[::step])[:count]


def seconds_each(read: Callable[[TurnLine], object], turns: Sequence[TurnLine]) -> dict[str, float]:
    """p50 / p95 / mean seconds of `read` per turn, after one warm-up call."""
    read(turns[0])
    times = []
    for turn in turns:
        start = time.perf_counter()
        read(turn)
        times.append(time.perf_counter() - start)
    ordered = sorted(times)
    return {
        "turns": len(times),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "mean_ms": round(1000 * statistics.fmean(ordered), 1),
    }


def run_reader_bench(config: AgentConfig, count: int) -> tuple[dict[str, Any], list[Path]]:
    """The model reader's and the router's time per turn on the same test turns."""
    if config.reader.mode != "model":
        raise ConfigError("bench reader measures the model reader; reader.mode is 'rules'")
    turns = spread(read_turns(test_files()), count)
    reader = load_reader(config.generator, config.reader)
    assert reader is not None  # mode "model" was checked above
    embedder = load_embedder(config.retriever.embedder, max_seq_length=config.retriever.max_seq_length)
    router = build_router(vocabularies(data_dir())["demo"], embedder)
    readings = reader.read_many([(t.context, t.message) for t in turns])
    metrics = {
        "model": seconds_each(lambda t: reader.read(t.context, t.message), turns),
        "router": seconds_each(lambda t: router.route(t.message), turns),
        "action_tokens_max": config.reader.max_new_tokens,
        "readings_used": sum(r.action is not None for r in readings),
        "readings": len(readings),
    }
    return metrics, test_files()
