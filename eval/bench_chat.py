"""`whythis bench chat`: latency of chat turns through the session API on the demo shop, real models.

Each trial opens a session for a demo shopper (the first-recommendation turn: retrieval plus k grounded
reasons), asks "why #n?" (the evidence turn) and, optionally, "something cheaper" (a refinement turn
that writes k new reasons). Every turn is timed until its last event, and the list turns also until
their cards, their first reason and all their reasons; sessions autosave to a store.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.compose import session_manager
from agent.config import AgentConfig
from agent.recommender import load_agent
from agent.sessions.events import Event, EvidenceEvent, filled_cards
from agent.sessions.manager import SessionManager
from agent.sessions.store import open_store
from agent.turns.reader import load_reader
from eval.timing import percentiles, timed
from eval.turn_times import TurnClock, stream_summary
from finetune.runtime.generator import Generator
from retrieval.catalog import demo_catalog_path
from retrieval.embedder import Embedder
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from whythis.errors import DataError


@dataclass(frozen=True)
class ChatBenchOptions:
    """How much to measure."""

    trials: int = 5
    shopper: str = "maya"
    refine: bool = True


@dataclass
class _Samples:
    first: list[float] = field(default_factory=list)
    first_event: list[float] = field(default_factory=list)
    why: list[float] = field(default_factory=list)
    refine: list[float] = field(default_factory=list)
    sources: Counter[str] = field(default_factory=Counter)
    opening_clocks: list[TurnClock] = field(default_factory=list)
    refine_clocks: list[TurnClock] = field(default_factory=list)


def _demo_shopper(name: str) -> Shopper:
    found = [p for p in demo_shopper_paths() if p.stem.startswith(name)]
    if not found:
        raise DataError(f"no demo shopper {name!r}")
    return load_shopper(found[0])


def _drain(stream: Iterator[Event], clock: TurnClock) -> tuple[list[Event], float, float]:
    """All events (each noted on the clock), the ms until the first one, and the ms until the last."""
    events: list[Event] = []
    first_ms = 0.0
    for event in stream:
        clock.saw(event.type, event.model_dump(mode="json"))
        if not events:
            first_ms = (time.perf_counter() - clock.start) * 1000
        events.append(event)
    return events, first_ms, (time.perf_counter() - clock.start) * 1000


def _trial(manager: SessionManager, shopper: Shopper, n: int, refine: bool, samples: _Samples) -> None:
    clock = TurnClock()
    session_id, stream = manager.open(shopper)
    events, first_event_ms, total_ms = _drain(stream, clock)
    cards = filled_cards(events)
    if not cards:
        raise DataError(f"the first turn showed no items: {[e.type for e in events]}")
    samples.first.append(total_ms)
    samples.first_event.append(first_event_ms)
    samples.opening_clocks.append(clock)
    samples.sources.update(str(c.reason_source) for c in cards)
    why, why_ms = timed(lambda: list(manager.send(session_id, f"why #{n % len(cards) + 1}?")))
    if not any(isinstance(e, EvidenceEvent) for e in why):
        raise DataError(f"the why turn carried no evidence: {[e.type for e in why]}")
    samples.why.append(why_ms)
    if refine:
        cheaper = TurnClock()
        _, _, cheaper_ms = _drain(manager.send(session_id, "something cheaper"), cheaper)
        samples.refine.append(cheaper_ms)
        samples.refine_clocks.append(cheaper)
    manager.close(session_id)


def run_chat_bench(
    config: AgentConfig,
    options: ChatBenchOptions,
    generator: Generator | None = None,
    embedder: Embedder | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """Measure chat turns on the demo catalog (real models unless given); metrics and the files read."""
    catalog = demo_catalog_path()
    agent, load_ms = timed(lambda: load_agent(config, catalog, generator=generator, embedder=embedder))
    shopper = _demo_shopper(options.shopper)
    samples = _Samples()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "whythis.db")
        # With the real models, each turn after the opening is read by the reader, as the shop runs it.
        reader = load_reader(config.generator, config.reader) if generator is None else None
        manager = session_manager(agent, store, reader=reader)
        _trial(manager, shopper, 0, False, _Samples())  # warm-up, not counted
        for n in range(options.trials):
            _trial(manager, shopper, n, options.refine, samples)
        store.close()
    metrics: dict[str, Any] = {
        "catalog_items": len(agent.items),
        "shopper": shopper.shopper_id,
        "k": config.chat.k,
        "agent_load_s": round(load_ms / 1000, 2),
        "first_recommendation_turn": percentiles(samples.first),
        "first_recommendation_first_event": percentiles(samples.first_event),
        "first_recommendation_stream": stream_summary(samples.opening_clocks),
        "why_turn": percentiles(samples.why),
        "reason_sources": dict(samples.sources),
    }
    if options.refine:
        metrics["cheaper_turn"] = percentiles(samples.refine)
        metrics["cheaper_stream"] = stream_summary(samples.refine_clocks)
    return metrics, [catalog]


def side_by_side(anchor: dict[str, Any], measured: dict[str, Any]) -> dict[str, Any]:
    """Both runs, and the measured run's p50 and p95 over the anchor's for the first reason and all."""
    ratios: dict[str, float] = {}
    for what in ("first_reason", "all_reasons"):
        for p in ("p50_ms", "p95_ms"):
            old = anchor["first_recommendation_stream"][what].get(p)
            new = measured["first_recommendation_stream"][what].get(p)
            if old and new is not None:
                ratios[f"{what}_{p.removesuffix('_ms')}"] = round(new / old, 3)
    return {"anchor": anchor, "measured": measured, "ratio_to_anchor": ratios}
