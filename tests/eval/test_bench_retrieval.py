"""`whythis bench retrieval` on a tiny synthetic catalog, and the synthetic vectors it measures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.bench_retrieval import (
    RetrievalBenchOptions,
    recall_at,
    results_table,
    run_retrieval_bench,
    save_report,
)
from eval.synthetic_vectors import BLOCK, SyntheticSpec, SyntheticVectors
from retrieval.index import IndexSettings
from retrieval.index_types import ivf_lists
from whythis.cli import main
from whythis.errors import ConfigError

N = 2_000
NLIST = ivf_lists(IndexSettings(), N)


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    options = RetrievalBenchOptions(
        sizes=(N,), myntra=False, queries=25, nprobes=(2, NLIST), ef_searches=(64, 512), seed=1
    )
    return run_retrieval_bench(options)[0]


def test_flat_is_exact_and_every_index_type_has_numbers(metrics: dict[str, Any]) -> None:
    data = metrics["datasets"][f"synthetic-{N}"]
    results = data["results"]
    assert data["items"] == N and data["queries"] == 25
    expected = {"flat", "ivf nprobe=2", f"ivf nprobe={NLIST}", "hnsw ef_search=64", "hnsw ef_search=512"}
    assert set(results) == expected
    assert results["flat"]["recall_at_50"] == 1.0
    assert results[f"ivf nprobe={NLIST}"]["recall_at_50"] == 1.0  # scanning every list is exhaustive
    assert results["hnsw ef_search=512"]["recall_at_50"] >= 0.97
    assert results["ivf nprobe=2"]["recall_at_50"] < results[f"ivf nprobe={NLIST}"]["recall_at_50"]
    for r in results.values():
        assert 0 < r["latency"]["p50_ms"] <= r["latency"]["p95_ms"] <= r["latency"]["p99_ms"]
        assert r["latency"]["n"] == 25 and r["build_s"] >= 0
        assert r["index_mb"] >= round(N * 384 * 4 / 2**20, 1)  # at least the raw vectors
    assert results["hnsw ef_search=64"]["params"] == {"m": 32, "ef_construction": 64}
    assert results["ivf nprobe=2"]["params"] == {"nlist": NLIST}


def test_targets_name_the_best_approximate_setting(metrics: dict[str, Any]) -> None:
    best = metrics["targets"][f"synthetic-{N}_best_ann"]
    results = metrics["datasets"][f"synthetic-{N}"]["results"]
    assert best["recall_at_50"] >= 0.95 and best["setting"] in results
    assert best["p99_ms"] == min(
        r["latency"]["p99_ms"] for r in results.values() if r["kind"] != "flat" and r["recall_at_50"] >= 0.95
    )
    assert "myntra_exact_p99_ms" not in metrics["targets"]
    assert metrics["search_threads"] == 1


def test_report_has_the_table_and_every_metric(metrics: dict[str, Any], tmp_path: Path) -> None:
    report = save_report(tmp_path, RetrievalBenchOptions(sizes=(N,), myntra=False), [], metrics)
    text = report.read_text(encoding="utf-8")
    table = results_table(metrics)
    assert table in text and text.count("\n| synthetic-2000 (2,000) |") == 5
    assert "clustered" in text.lower() or "mixture" in text.lower()
    run = json.loads((report.parent / "run.json").read_text(encoding="utf-8"))
    assert run["metrics"]["datasets"][f"synthetic-{N}"]["results"]["flat"]["recall_at_50"] == 1.0
    assert run["config"]["sizes"] == [N]


def test_recall_counts_shared_rows_and_ties_with_the_kth_score() -> None:
    exact = (np.array([[0.9, 0.8, 0.7, 0.6], [0.9, 0.8, 0.7, 0.6]]), np.array([[1, 2, 3, 4], [5, 6, 7, 8]]))
    found = (np.array([[0.9, 0.8, 0.7, 0.6], [0.9, 0.5, 0.0, 0.0]]), np.array([[4, 3, 2, 1], [5, 9, -1, -1]]))
    assert recall_at(found, exact) == 0.625
    tie = (np.array([[0.9, 0.8, 0.7, 0.6]]), np.array([[1, 2, 3, 99]]))  # 99 duplicates item 4's vector
    assert recall_at(tie, (exact[0][:1], exact[1][:1])) == 1.0
    below = (np.array([[0.9, 0.8, 0.7, 0.59]]), np.array([[1, 2, 3, 99]]))
    assert recall_at(below, (exact[0][:1], exact[1][:1])) == 0.75


def test_synthetic_vectors_are_seeded_normalised_clustered_and_chunk_independent() -> None:
    spec = SyntheticSpec(count=BLOCK + 500, dim=64, clusters=20, seed=3)
    vectors = SyntheticVectors.of(spec)
    whole = np.concatenate(list(vectors.chunks(spec.count, spec.count)))
    pieces = list(vectors.chunks(BLOCK + 100, 7_000))
    assert [len(p) for p in pieces] == [spec.count]  # blocks are never split: one first chunk here
    np.testing.assert_array_equal(np.concatenate(list(vectors.chunks(1, 1))), whole)
    np.testing.assert_array_equal(SyntheticVectors.of(spec).block(1), whole[BLOCK:])
    assert whole.shape == (spec.count, 64)
    np.testing.assert_allclose(np.linalg.norm(whole, axis=1), 1.0, rtol=1e-5)
    queries = vectors.queries(50)
    nearest = (queries @ whole.T).max(axis=1)
    assert nearest.max() < 0.9999  # held out: no query is a catalog vector
    uniform = np.random.default_rng(0).standard_normal((50, 64))
    uniform /= np.linalg.norm(uniform, axis=1, keepdims=True)
    assert nearest.mean() > (uniform @ whole.T).max(axis=1).mean() + 0.2  # neighbours are much closer


def test_tiny_sizes_are_refused() -> None:
    with pytest.raises(ConfigError, match="at least 1000"):
        run_retrieval_bench(RetrievalBenchOptions(sizes=(10,), myntra=False))


def test_cli_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["bench", "retrieval", "--items", "1000", "--no-myntra", "--queries", "5", "--out", str(tmp_path)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "| synthetic-1000 (1,000) | flat | exact |" in out and "report:" in out
    assert len(list(tmp_path.glob("bench-retrieval-*/report.md"))) == 1
