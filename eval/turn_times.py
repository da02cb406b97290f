"""When a streamed turn showed what: its cards, its first reason, all its reasons, its end; for the
benchmarks (`bench chat`, `bench serve`), which watch the same events a widget does."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.timing import percentiles


@dataclass
class TurnClock:
    """Started when the message is sent; `saw` each event as it arrives."""

    start: float = field(default_factory=time.perf_counter)
    cards_ms: float | None = None
    first_reason_ms: float | None = None
    all_reasons_ms: float | None = None
    done_ms: float | None = None
    sources: list[str] = field(default_factory=list)

    def saw(self, kind: str, data: Mapping[str, Any]) -> None:
        """Note an event of this type (its JSON data) arriving now."""
        ms = (time.perf_counter() - self.start) * 1000
        if kind == "item_card":
            self.cards_ms = ms  # the cards arrive together: the last one is when all are on screen
            if data.get("reason") is not None:  # a card sent with its reason already written
                self._reason(ms, str(data.get("reason_source")))
        elif kind == "reason":
            self._reason(ms, str(data.get("reason_source")))
        elif kind == "done":
            self.done_ms = ms

    def _reason(self, ms: float, source: str) -> None:
        if self.first_reason_ms is None:
            self.first_reason_ms = ms
        self.all_reasons_ms = ms
        self.sources.append(source)

    def as_json(self) -> dict[str, Any]:
        """The times in ms (None when the turn had no such event) and the reasons' sources."""
        return {
            "cards_ms": self.cards_ms,
            "first_reason_ms": self.first_reason_ms,
            "all_reasons_ms": self.all_reasons_ms,
            "done_ms": self.done_ms,
            "sources": list(self.sources),
        }


def stream_summary(clocks: Sequence[TurnClock]) -> dict[str, Any]:
    """p50/p95 of time to cards, to the first reason and to all reasons over the turns that showed
    cards, and how many of their reasons were shown as the model wrote them."""
    listed = [c for c in clocks if c.cards_ms is not None]
    sources: Counter[str] = Counter(s for c in listed for s in c.sources)
    shown = sum(sources.values())
    return {
        "turns_with_cards": len(listed),
        "cards": percentiles([c.cards_ms for c in listed if c.cards_ms is not None]),
        "first_reason": percentiles([c.first_reason_ms for c in listed if c.first_reason_ms is not None]),
        "all_reasons": percentiles([c.all_reasons_ms for c in listed if c.all_reasons_ms is not None]),
        "reasons_shown": shown,
        "reasons_by_model": sources.get("model", 0),
        "model_share": round(sources.get("model", 0) / shown, 3) if shown else None,
    }
