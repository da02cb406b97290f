"""`whythis eval retrieval`: can each retrieval method find the item a shopper actually chose?

XRec: each row's item among all items of the domain, from the row's user profile and the user's other
interactions. amazon2023: each held-out 5th item among all items of the file, from the 4 reviewed ones,
with collaborative signals trained leave-fold-out. Every method is the real Retriever with some signals
switched off, so the numbers measure the code the agent runs (bought items excluded, fallbacks
included). Ranks deeper than DEPTH count as not found (MRR is MRR@DEPTH).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eval.report import run_folder, save_result
from eval.retrieval_data import Fold, MemoEmbedder, Setup, cached_vectors, load_setup
from retrieval.collab import CollabConfig, CollabModel, train_collab
from retrieval.embedder import Embedder
from retrieval.fusion import FusionMethod
from retrieval.index import VectorIndex, index_from_vectors
from retrieval.retriever import Query, Retriever, RetrieverConfig
from retrieval.signals import query_text
from whythis.config import load_config

DEPTH = 100
OFF = {f"{name}_weight": 0.0 for name in RetrieverConfig().weights()}
# The plain item-to-item baseline: cosine-normalised co-occurrence counts.
COSINE = {"cooc_user_exponent": 0.0, "cooc_anchor_exponent": 0.5, "cooc_item_exponent": 0.5}


class RetrievalEvalConfig(BaseModel):
    """The fused retriever's settings, the collaborative training settings, amazon2023 folds."""

    model_config = ConfigDict(extra="forbid")

    retriever: RetrieverConfig = Field(default_factory=RetrieverConfig)
    collab: CollabConfig = Field(default_factory=CollabConfig)
    folds: int = Field(default=5, ge=2, le=50, description="amazon2023 leave-fold-out splits")


@dataclass(frozen=True)
class Method:
    """One row of the table: which signals run (weights) and which collaborative model feeds them."""

    label: str
    weights: dict[str, float]
    collab: str | None = None  # "full" (factorised), "baseline" (cosine co-occurrence) or none
    fusion: FusionMethod | None = None
    needs_interactions: bool = True  # False: runs without a collaborative model where there is none


def methods(config: RetrieverConfig) -> list[Method]:
    """The compared methods; the fused one is `config` as given."""
    fused = {f"{name}_weight": w for name, w in config.weights().items()}
    return [
        Method("popularity", {**OFF, "popular_weight": 1.0}, "full"),
        Method("content-only", {**OFF, "content_weight": 1.0}),
        Method(
            "content+history (previous retriever)",
            {**OFF, "content_weight": 1.0, "history_weight": 1.0},
            fusion="rrf",
        ),
        Method("keyword-only", {**OFF, "keyword_weight": 1.0}),
        Method("item co-occurrence (cosine)", {**OFF, "bought_together_weight": 1.0}, "baseline"),
        Method("collaborative-only", {**OFF, "collaborative_weight": 1.0}, "full"),
        Method("fused", fused, "full", needs_interactions=False),
    ]


def recall_at(ranks: Sequence[int | None], k: int) -> float:
    """Share of cases whose item is ranked k or better (ranks start at 1; None: not found)."""
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks) if ranks else 0.0


def ndcg_at(ranks: Sequence[int | None], k: int) -> float:
    """Mean NDCG@k with one relevant item per case: 1 / log2(rank + 1) when ranked k or better."""
    gains = [1.0 / math.log2(r + 1) for r in ranks if r is not None and r <= k]
    return sum(gains) / len(ranks) if ranks else 0.0


def mrr(ranks: Sequence[int | None]) -> float:
    """Mean reciprocal rank (0 for a case whose item was not found)."""
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks) if ranks else 0.0


def coverage(tops: Sequence[Sequence[str]], catalog_size: int) -> float:
    """Share of the catalog that appears in at least one top list."""
    return len({i for top in tops for i in top}) / catalog_size if catalog_size else 0.0


def summarise(
    ranks: Sequence[int | None], tops: Sequence[Sequence[str]], catalog_size: int
) -> dict[str, float]:
    """Recall@10, Recall@50, NDCG@10, MRR and coverage of the top 10s, rounded."""
    values = {
        "recall@10": recall_at(ranks, 10),
        "recall@50": recall_at(ranks, 50),
        "ndcg@10": ndcg_at(ranks, 10),
        "mrr": mrr(ranks),
        "coverage@10": coverage([t[:10] for t in tops], catalog_size),
    }
    return {k: round(v, 4) for k, v in values.items()}


def run_method(retriever: Retriever, fold: Fold) -> tuple[list[int | None], list[list[str]]]:
    """The target's rank (None past DEPTH) and the ranked ids, per case of a fold."""
    ranks: list[int | None] = []
    tops: list[list[str]] = []
    for case in fold.cases:
        found = [c.item.item_id for c in retriever.search(Query(case.shopper), DEPTH)]
        ranks.append(found.index(case.target) + 1 if case.target in found else None)
        tops.append(found)
    return ranks, tops


Factory = Callable[[Method, Fold], Retriever | None]


def evaluate(
    setup: Setup, make: Factory, fused: RetrieverConfig, log: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Metrics of every method over every fold (a method that needs interactions is skipped without)."""
    out: dict[str, Any] = {}
    for method in methods(fused):
        ranks: list[int | None] = []
        tops: list[list[str]] = []
        start = time.perf_counter()
        for fold in setup.folds:
            retriever = make(method, fold)
            if retriever is None:
                break
            fold_ranks, fold_tops = run_method(retriever, fold)
            ranks += fold_ranks
            tops += fold_tops
        else:
            out[method.label] = summarise(ranks, tops, len(setup.items))
            out[method.label]["seconds"] = round(time.perf_counter() - start, 1)
            if log:
                log(f"{method.label}: {out[method.label]}")
    return out


@dataclass
class RetrieverFactory:
    """Builds the retriever of a method for a fold; content index shared, collab models cached per fold."""

    setup: Setup
    index: VectorIndex
    embedder: Embedder
    config: RetrievalEvalConfig

    def __post_init__(self) -> None:
        self._models: dict[tuple[int, str], CollabModel] = {}

    def __call__(self, method: Method, fold: Fold) -> Retriever | None:
        """The method's retriever, or None when it needs interactions the fold does not have."""
        collab = None
        if method.collab is not None and fold.interactions is not None:
            collab = self._model(method.collab, fold)
        elif method.collab is not None and method.needs_interactions:
            return None
        update: dict[str, Any] = dict(method.weights)
        if method.fusion:
            update["fusion"] = method.fusion
        config = self.config.retriever.model_copy(update=update)
        return Retriever(self.setup.items, self.index, self.embedder, config, collab)

    def _model(self, kind: str, fold: Fold) -> CollabModel:
        key = (id(fold), kind)
        if key not in self._models:
            assert fold.interactions is not None
            ids = [item.item_id for item in self.setup.items]
            if kind == "baseline":
                cfg = self.config.collab.model_copy(update=COSINE)
                self._models[key] = train_collab(fold.interactions, ids, cfg, factorise=False)
            else:
                self._models[key] = train_collab(fold.interactions, ids, self.config.collab)
        return self._models[key]


def load_retrieval_config(overrides: list[str] | None = None) -> RetrievalEvalConfig:
    """The defaults plus `--set retriever.KEY=V`, `--set collab.KEY=V` or `--set folds=N`."""
    return load_config(RetrievalEvalConfig, None, overrides)


def prepare(setup: Setup, embedder: Embedder, config: RetrievalEvalConfig) -> RetrieverFactory:
    """Embed the items (cached on disk) and every case's query text, then a retriever factory."""
    vectors = cached_vectors(embedder, setup.texts, f"{setup.domain}-items")
    ids = [item.item_id for item in setup.items]
    index = index_from_vectors(ids, vectors, embedder.name)
    queries = list(dict.fromkeys(query_text(c.shopper) for c in setup.cases))
    known = dict(zip(queries, cached_vectors(embedder, queries, f"{setup.domain}-queries"), strict=True))
    return RetrieverFactory(setup, index, MemoEmbedder(embedder, known), config)


def markdown(domain: str, metrics: dict[str, Any]) -> str:
    """One row per method: Recall@10, Recall@50, NDCG@10, MRR, coverage."""
    keys = ("recall@10", "recall@50", "ndcg@10", "mrr", "coverage@10")
    lines = [
        f"{domain} ({metrics['cases']} cases, {metrics['catalog_items']} items; MRR over the top {DEPTH})",
        "",
        "| method | Recall@10 | Recall@50 | NDCG@10 | MRR | coverage@10 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, values in metrics["methods"].items():
        lines.append(f"| {label} | " + " | ".join(f"{values[k]:.4f}" for k in keys) + " |")
    return "\n".join(lines)


def run_retrieval_eval(
    domain: str,
    rows: Path | None,
    limit: int | None,
    config: RetrievalEvalConfig,
    out: Path,
    embedder: Embedder | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], Path]:
    """Evaluate every method on a domain; write run.json and report.md; return metrics and report."""
    from retrieval.embedder import load_embedder

    setup = load_setup(domain, rows, limit, config.folds)
    embedder = embedder or load_embedder(
        config.retriever.embedder, max_seq_length=config.retriever.max_seq_length
    )
    results = evaluate(setup, prepare(setup, embedder, config), config.retriever, log)
    metrics = {
        "domain": domain,
        "cases": len(setup.cases),
        "skipped_rows": setup.skipped,
        "catalog_items": len(setup.items),
        "depth": DEPTH,
        "methods": results,
    }
    folder = run_folder(out, f"eval-retrieval-{domain.replace('/', '-')}")
    settings = {**config.model_dump(mode="json"), "domain": domain, "rows": str(rows), "limit": limit}
    report = save_result(folder, "eval-retrieval", settings, setup.files, metrics)
    report.write_text(f"# eval-retrieval\n\n{markdown(domain, metrics)}\n", encoding="utf-8")
    return metrics, report
