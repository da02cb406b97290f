"""The chat benchmark's plumbing, with the fakes (the real run is `whythis bench chat`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import AgentConfig
from eval.bench_chat import ChatBenchOptions, run_chat_bench
from tests.fakes import KeywordEmbedder, ScriptedGenerator


def test_chat_bench_times_every_turn(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    options = ChatBenchOptions(trials=2, shopper="jonas")
    metrics, files = run_chat_bench(AgentConfig(), options, ScriptedGenerator(), KeywordEmbedder())
    assert metrics["catalog_items"] == 90 and metrics["shopper"] == "jonas" and len(files) == 1
    for turn in ("first_recommendation_turn", "why_turn", "cheaper_turn"):
        assert metrics[turn]["n"] == 2 and metrics[turn]["p95_ms"] >= metrics[turn]["p50_ms"] > 0
    assert metrics["reason_sources"] == {"model": 10}
    for stream in ("first_recommendation_stream", "cheaper_stream"):
        times = metrics[stream]
        assert times["turns_with_cards"] == 2 and times["reasons_shown"] == 10
        assert times["reasons_by_model"] == 10 and times["model_share"] == 1.0
        assert times["cards"]["p50_ms"] <= times["first_reason"]["p50_ms"] <= times["all_reasons"]["p50_ms"]
