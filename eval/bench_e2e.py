"""`whythis bench e2e`: index build, retrieval latency, model load, reason latency and grounding
rejections on the real Myntra catalog with amazon2023 shoppers."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.config import AgentConfig
from agent.recommender import Agent, make_writer
from eval.timing import percentiles, timed
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from retrieval.catalog import load_catalog
from retrieval.datasets import dataset_path
from retrieval.embedder import load_embedder
from retrieval.index import build_index
from retrieval.items import Item
from retrieval.retriever import Query, Retriever
from retrieval.shopper_loaders import load_amazon2023_users
from retrieval.shoppers import Shopper


@dataclass(frozen=True)
class E2EOptions:
    """How much to measure."""

    shoppers: int = 20
    per_shopper: int = 5
    latency_trials: int = 8
    retrieval_queries: int = 200


def _model_load_times(config: AgentConfig) -> tuple[Generator, dict[str, float]]:
    import os

    from finetune.runtime.base import resolve_base_model

    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("WHYTHIS_CACHE_DIR")
        os.environ["WHYTHIS_CACHE_DIR"] = tmp
        try:
            _, first_ms = timed(lambda: resolve_base_model(config.generator.base_model))
        finally:
            if old is None:
                os.environ.pop("WHYTHIS_CACHE_DIR", None)
            else:
                os.environ["WHYTHIS_CACHE_DIR"] = old
    resolve_base_model(config.generator.base_model)
    generator, cached_ms = timed(lambda: load_generator(config.generator))
    return generator, {
        "first_load_s": round(first_ms / 1000, 2),
        "cached_load_s": round(cached_ms / 1000, 2),
    }


def _retrieval(retriever: Retriever, shoppers: Sequence[Shopper], n: int) -> dict[str, Any]:
    queries = [Query(shoppers[i % len(shoppers)]) for i in range(n)]
    full = [timed(lambda q=q: retriever.search(q, 50))[1] for q in queries]  # type: ignore[misc]
    vecs = retriever.embedder.encode([f"{s.profile}" for s in shoppers])
    search_only = [timed(lambda v=v: retriever.index.search(v[None, :], 50))[1] for v in vecs]  # type: ignore[misc]
    return {"top50_end_to_end": percentiles(full), "top50_faiss_only": percentiles(search_only)}


def _reason_latency(agent: Agent, shopper: Shopper, trials: int) -> dict[str, Any]:
    writer = agent.writer
    cands = agent.candidates(shopper, 5)
    one = writer.render_for(shopper, cands[0].item)
    prompts5 = [writer.render_for(shopper, c.item) for c in cands]
    gen = writer.generator
    first_one, full_one, first_five, full_five = [], [], [], []
    for _ in range(trials):
        start = time.perf_counter()
        stream = gen.stream(one)
        next(stream)  # the response prefix comes out at once; the next piece is the model's
        next(stream, None)
        first_one.append((time.perf_counter() - start) * 1000)
        for _piece in stream:
            pass
        full_one.append((time.perf_counter() - start) * 1000)
        first_five.append(timed(lambda: gen.generate(prompts5, max_new_tokens=1))[1])
        full_five.append(timed(lambda: writer.write(shopper, cands))[1])
    return {
        "one_reason_first_token": percentiles(first_one),
        "one_reason_full": percentiles(full_one),
        "five_reasons_first_token": percentiles(first_five),
        "five_reasons_full_with_grounding": percentiles(full_five),
    }


def _grounding(agent: Agent, shoppers: Sequence[Shopper], per_shopper: int) -> dict[str, Any]:
    writer = agent.writer
    before = (writer.stats.generated, writer.stats.rejected, writer.stats.fallbacks)
    examples: list[dict[str, str]] = []
    total = 0
    for shopper in shoppers:
        recs = agent.recommend(shopper, per_shopper)
        total += len(recs)
        examples += [
            {
                "shopper": shopper.shopper_id,
                "item": r.item.title,
                "reason": r.reason.text,
                "source": r.reason.source,
            }
            for r in recs[:1]
        ]
    s = writer.stats
    first_pass_rejected = s.rejected - before[1]
    return {
        "reasons": total,
        "texts_generated": s.generated - before[0],
        "texts_rejected": first_pass_rejected,
        "fallbacks_shown": s.fallbacks - before[2],
        "rejected_claim_kinds": dict(s.rejected_claims),
        "examples": examples[:3],
    }


def run_e2e(config: AgentConfig, options: E2EOptions) -> tuple[dict[str, Any], list[Path]]:
    """Measure the whole path on Myntra + amazon2023; returns metrics and the data files read."""
    catalog_path = dataset_path("myntra", "products.csv")
    users_path = dataset_path("amazon2023", "train.jsonl")
    items: list[Item] = list(load_catalog(catalog_path, "myntra").items)
    shoppers = load_amazon2023_users(users_path)[: options.shoppers]
    embedder = load_embedder(config.retriever.embedder, max_seq_length=config.retriever.max_seq_length)
    index, build_ms = timed(lambda: build_index(items, embedder))
    retriever = Retriever(items, index, embedder, config.retriever)
    metrics: dict[str, Any] = {
        "catalog_items": len(items),
        "index_build_s": round(build_ms / 1000, 2),
    }
    metrics["retrieval"] = _retrieval(retriever, shoppers, options.retrieval_queries)
    generator, metrics["model_load"] = _model_load_times(config)
    agent = Agent(items, retriever, make_writer(items, generator, config), config)
    metrics["reason_latency"] = _reason_latency(agent, shoppers[0], options.latency_trials)
    metrics["grounding"] = _grounding(agent, shoppers, options.per_shopper)
    return metrics, [catalog_path, users_path]
