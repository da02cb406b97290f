"""bench explain: every batch size explains its rows, each row is told its domain, the best size is named."""

from __future__ import annotations

import json
from pathlib import Path

from eval.xrec.bench_explain import ExplainBenchOptions, bench_rows, measure, results_table
from finetune.training.config import DataSource, TrainingConfig
from tests.fakes import GuidingGenerator, ScriptedGenerator


def write_domain(root: Path, domain: str, n: int) -> None:
    folder = root / "xrec" / domain
    folder.mkdir(parents=True)
    texts = {"user_profile": "Likes quiet places.", "item_profile": "A calm place.", "explanation": "Nice."}
    rows = [{"user_id": i, "item_id": 100 + i, "title": f"{domain} {i}", **texts} for i in range(n)]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_rows_alternate_domains_and_every_size_is_measured(tmp_path: Path) -> None:
    write_domain(tmp_path, "google", 40)
    write_domain(tmp_path, "yelp", 40)
    sources = [DataSource(domain="google"), DataSource(domain="yelp")]
    cfg = TrainingConfig(data_dir=str(tmp_path), data=sources, val_fraction=0.2)
    rows, domains = bench_rows(cfg, 10)
    assert len(rows) == 10 and domains[:4] == ["google", "yelp", "google", "yelp"]
    gen = ScriptedGenerator()
    metrics = measure(gen, rows, domains, ExplainBenchOptions(batch_sizes=(1, 8), rows=10))
    assert metrics["by_batch_size"]["1"]["rows"] == 5 and metrics["by_batch_size"]["8"]["rows"] == 10
    assert metrics["best_batch_size"] in (1, 8)
    # Every row is told its own domain (the item titles here are named after it), whatever the batch order.
    told = [str(p.messages[-1].content) for p in gen.seen[2:]]
    assert len(told) == 15 and {t.split("\n", 1)[0] for t in told} == {"Domain: google", "Domain: yelp"}
    assert all(t.startswith(f"Domain: {t.split('Item: ', 1)[1].split(' ', 1)[0]}\n") for t in told)
    assert results_table(metrics).count("\n") == 3


def test_guided_throughput_asks_for_guided_answers(tmp_path: Path) -> None:
    write_domain(tmp_path, "yelp", 40)
    cfg = TrainingConfig(data_dir=str(tmp_path), data=[DataSource(domain="yelp")], val_fraction=0.2)
    rows, domains = bench_rows(cfg, 8)
    rows = [r.model_copy(update={"user_profile": f"Likes mysteries number {i}."}) for i, r in enumerate(rows)]
    gen = GuidingGenerator()
    metrics = measure(gen, rows, domains, ExplainBenchOptions(batch_sizes=(8,), rows=8, guidance=2.0))
    assert metrics["guidance"] == 2.0 and metrics["by_batch_size"]["8"]["rows"] == 8
    assert [scale for scale, batch in gen.guided] == [2.0] and len(gen.guided[0][1]) == 8
