"""`whythis eval search`: does a new shopper's first message find the right products?

Each labelled request (eval/data/search_requests.yaml) is sent as the first message of a new chat,
the way the widget sends it; the five items shown are compared with the request's relevance rule.
Beside it, two baselines over the raw message with no parsing or filters: BM25 alone and dense
(MiniLM) alone. Precision@5 counts relevant products among the first five cards shown, cut at the
number of relevant products when a catalog holds fewer than five; a card counts when its item or
another colour of the same product answers the request, and a product's second card counts for
nothing (five cards of one jacket are one answer). nDCG@5 uses binary gains.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.chat.agent import ChatAgent
from agent.chat.state import anonymous_shopper
from agent.config import AgentConfig
from agent.recommender import build_retriever, load_agent
from agent.turns.reader import TurnReader
from eval.search_data import REQUESTS, SearchRequest, catalog_path, load_requests, relevant_ids
from eval.silent import SilentGenerator
from retrieval.embedder import Embedder
from retrieval.items import Item
from retrieval.retriever import Query, Retriever, RetrieverConfig
from retrieval.variants import variant_key

K = 5
SYSTEMS = ("whythis", "bm25", "dense")
_BASELINES = {"bm25": "keyword", "dense": "content"}


def precision(ranked: Sequence[str], relevant: frozenset[str], k: int = K) -> float:
    """Relevant items among the first k, over k (or over the relevant count when it is smaller)."""
    cut = min(k, len(relevant)) or k
    return sum(i in relevant for i in ranked[:cut]) / cut


def ndcg(ranked: Sequence[str], relevant: frozenset[str], k: int = K) -> float:
    """Binary-gain nDCG at k."""
    dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(ranked[:k]) if i in relevant)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


@dataclass
class Outcome:
    """What each system showed for one request."""

    request: SearchRequest
    relevant: frozenset[str]
    items: Sequence[Item] = ()  # the catalog, to tell which products the relevant items are
    shown: dict[str, list[Item]] = field(default_factory=dict)

    def scores(self, system: str) -> tuple[float, float]:
        """(precision@5, nDCG@5) of one system, by product: a card counts when its item or another colour
        of the same product answers the request, and a product's second card counts for nothing."""
        keys = {variant_key(i) for i in self.items if i.item_id in self.relevant}
        ranked, seen = [], set()
        for item in self.shown[system]:
            key = variant_key(item)
            ranked.append(key if key not in seen else f"again:{item.item_id}")
            seen.add(key)
        return precision(ranked, frozenset(keys)), ndcg(ranked, frozenset(keys))


def _alone(
    items: Sequence[Item], path: Path, config: AgentConfig, signal: str, embedder: Embedder | None
) -> Retriever:
    off = {f"{name}_weight": 0.0 for name in RetrieverConfig().weights()}
    settings = config.retriever.model_copy(update={**off, f"{signal}_weight": 1.0})
    retriever, _ = build_retriever(items, path, config.model_copy(update={"retriever": settings}), embedder)
    return retriever


def _catalog_outcomes(
    config: AgentConfig,
    name: str,
    requests: Sequence[SearchRequest],
    embedder: Embedder | None,
    reader: TurnReader | None = None,
) -> list[Outcome]:
    path = catalog_path(name)
    agent = load_agent(config, path, skip_bad=True, generator=SilentGenerator(), embedder=embedder)
    chat = ChatAgent.over(agent, reader=reader)
    alone = {s: _alone(agent.items, path, config, signal, embedder) for s, signal in _BASELINES.items()}
    out = []
    for request in requests:
        outcome = Outcome(request, relevant_ids(request, agent.items), agent.items)
        _, reply = chat.start(anonymous_shopper(), request.text)
        outcome.shown["whythis"] = [r.item for r in reply.items]
        for system, retriever in alone.items():
            found = retriever.search(Query(anonymous_shopper(), request.text), K)
            outcome.shown[system] = [c.item for c in found]
        out.append(outcome)
    return out


def run_search(
    config: AgentConfig,
    path: Path = REQUESTS,
    embedder: Embedder | None = None,
    reader: TurnReader | None = None,
) -> tuple[dict[str, Any], list[Outcome], list[Path]]:
    """Every labelled request through each system (the chat reading it with `reader` when given, as the
    shop runs it); metrics overall and per catalog."""
    requests = load_requests(path)
    outcomes: list[Outcome] = []
    for name in dict.fromkeys(r.catalog for r in requests):
        chosen = [r for r in requests if r.catalog == name]
        outcomes += _catalog_outcomes(config, name, chosen, embedder, reader)
    catalogs = sorted({o.request.catalog for o in outcomes})
    metrics: dict[str, Any] = {"requests": len(outcomes), "overall": _summary(outcomes)}
    metrics["per_catalog"] = {c: _summary([o for o in outcomes if o.request.catalog == c]) for c in catalogs}
    files = [path, *{catalog_path(c) for c in catalogs}]
    return metrics, outcomes, files


def _summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    out: dict[str, Any] = {"requests": len(outcomes)}
    for system in SYSTEMS:
        pairs = [o.scores(system) for o in outcomes]
        out[system] = {
            "precision@5": round(sum(p for p, _ in pairs) / len(pairs), 4),
            "ndcg@5": round(sum(n for _, n in pairs) / len(pairs), 4),
        }
    return out


def search_markdown(metrics: dict[str, Any], outcomes: Sequence[Outcome]) -> str:
    """The report: the table per catalog, then every request whythis answered imperfectly."""
    heads = " | ".join(f"{s} P@5 | {s} nDCG@5" for s in SYSTEMS)
    lines = [
        "# eval-search",
        "",
        f"| catalog | requests | {heads} |",
        "|" + " --- |" * (2 + 2 * len(SYSTEMS)),
    ]
    rows = [("all", metrics["overall"]), *metrics["per_catalog"].items()]
    for name, m in rows:
        cells = [f"{m[s]['precision@5']:.3f} | {m[s]['ndcg@5']:.3f}" for s in SYSTEMS]
        lines.append(f"| {name} | {m['requests']} | " + " | ".join(cells) + " |")
    lines += ["", "## Requests whythis answered imperfectly", ""]
    for o in outcomes:
        p, _ = o.scores("whythis")
        if p < 1.0:
            head = f"- `{o.request.id}` {o.request.text!r}: P@5 {p:.2f}"
            lines.append(f"{head} ({len(o.relevant)} relevant)")
            lines += [f"  - {'+' if i.item_id in o.relevant else '-'} {i.title}" for i in o.shown["whythis"]]
    return "\n".join(lines) + "\n"
