"""The candidate retriever: content and history signals from FAISS, fused, then hard-filtered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrieval.embedder import EMBEDDED_MINILM, Embedder
from retrieval.filters import Constraints, violation
from retrieval.index import VectorIndex
from retrieval.items import Item
from retrieval.shoppers import Shopper

Hit = tuple[str, float, tuple[str, ...]]  # item id, similarity, the anchor items it is near


class RetrieverConfig(BaseModel):
    """How candidates are found."""

    model_config = ConfigDict(extra="forbid")

    embedder: str = EMBEDDED_MINILM
    max_seq_length: int = Field(default=128, ge=16, le=512, description="embedder tokens per text")
    fetch_k: int = Field(default=200, ge=10, description="neighbours per signal before filtering")
    rrf_k: int = Field(default=60, ge=1, description="reciprocal-rank-fusion constant")
    history_weight: float = Field(default=1.0, ge=0.0)
    content_weight: float = Field(default=1.0, ge=0.0)


@dataclass(frozen=True)
class Evidence:
    """Why a signal put a candidate forward: its score, its rank, and what it is near."""

    signal: str
    score: float
    rank: int
    detail: str
    near: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An item worth explaining, with the fused score and the evidence of each signal."""

    item: Item
    score: float
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Query:
    """What to retrieve for: the shopper, what they said, hard constraints, an anchor item."""

    shopper: Shopper
    text: str = ""
    constraints: Constraints = field(default_factory=Constraints)
    like_item_id: str | None = None


def query_text(shopper: Shopper, said: str = "") -> str:
    """The text that stands for the shopper: what they said, their profile, what they bought."""
    prefs = shopper.preferences
    parts = [said, shopper.profile]
    parts += [p.title for p in shopper.purchases[:4]]
    parts += list(prefs.categories) + list(prefs.colours) + list(prefs.brands)
    if prefs.gender:
        parts.append(prefs.gender)
    return ". ".join(p for p in parts if p)


@dataclass
class Retriever:
    """FAISS search over item embeddings, fused over signals, filtered by constraints."""

    items: Sequence[Item]
    index: VectorIndex
    embedder: Embedder
    config: RetrieverConfig = field(default_factory=RetrieverConfig)

    def __post_init__(self) -> None:
        self._row_of = {item_id: row for row, item_id in enumerate(self.index.item_ids)}
        self._items = {item.item_id: item for item in self.items}

    def item(self, item_id: str) -> Item | None:
        """The catalog item with this id, if any."""
        return self._items.get(item_id)

    def search(self, query: Query, k: int) -> list[Candidate]:
        """The k best candidates that break no constraint."""
        bought = frozenset(query.shopper.history)
        constraints = query.constraints.merged(Constraints(exclude_ids=bought))
        total = len(self.index.item_ids)
        # Filters can reject most neighbours (a tight budget); then search the whole catalog.
        for fetch in dict.fromkeys((min(self.config.fetch_k, total), total)):
            signals = self._signals(query, fetch)
            out = self._ranked(signals, constraints, k)
            if len(out) >= k:
                return out
        return out + self._fill(constraints, {c.item.item_id for c in out}, k - len(out))

    def _ranked(self, signals: dict[str, list[Hit]], constraints: Constraints, k: int) -> list[Candidate]:
        out: list[Candidate] = []
        for item_id, (score, evidence) in self._fuse(signals):
            item = self._items.get(item_id)
            if item is None or violation(item, constraints) is not None:
                continue
            out.append(Candidate(item, round(score, 6), tuple(evidence)))
            if len(out) == k:
                break
        return out

    def _signals(self, query: Query, fetch: int) -> dict[str, list[Hit]]:
        signals: dict[str, list[Hit]] = {}
        text = query_text(query.shopper, query.text)
        if text:
            vec = self.embedder.encode([text])
            signals["content"] = self._neighbours(vec, (), fetch)
        anchors = [query.like_item_id] if query.like_item_id else list(query.shopper.history)
        rows = [self._row_of[i] for i in anchors if i in self._row_of]
        if rows:
            vecs = self.index.vectors(rows)
            centroid = vecs.mean(axis=0, keepdims=True)
            centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
            name = "like_item" if query.like_item_id else "history"
            near = tuple(self.index.item_ids[r] for r in rows)
            signals[name] = self._neighbours(centroid, near, fetch)
        return signals

    def _neighbours(self, vec: np.ndarray, near: tuple[str, ...], fetch: int) -> list[Hit]:
        scores, rows = self.index.search(vec, fetch)
        ids = self.index.item_ids
        return [(ids[r], float(s), near) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def _fuse(self, signals: dict[str, list[Hit]]) -> list[tuple[str, tuple[float, list[Evidence]]]]:
        weights = {"content": self.config.content_weight, "history": self.config.history_weight}
        fused: dict[str, tuple[float, list[Evidence]]] = {}
        for name, hits in signals.items():
            weight = weights.get(name, 1.0)
            for rank, (item_id, score, near) in enumerate(hits, start=1):
                total, evidence = fused.get(item_id, (0.0, []))
                detail = _detail(name, score)
                evidence.append(Evidence(name, round(score, 4), rank, detail, near))
                fused[item_id] = (total + weight / (self.config.rrf_k + rank), evidence)
        return sorted(fused.items(), key=lambda kv: -kv[1][0])

    def _fill(self, constraints: Constraints, taken: set[str], n: int) -> list[Candidate]:
        # Nothing (or too little) came from the signals: fall back to the best-rated fitting items.
        pool = [i for i in self.items if i.item_id not in taken and violation(i, constraints) is None]
        pool.sort(key=lambda i: (-(i.rating or 0.0), i.price or 0.0))
        return [
            Candidate(i, 0.0, (Evidence("popular", i.rating or 0.0, r, "well rated in the catalog"),))
            for r, i in enumerate(pool[:n], start=1)
        ]


def _detail(signal: str, score: float) -> str:
    if signal == "content":
        return f"its description matches what we know you want (similarity {score:.2f})"
    if signal == "history":
        return f"similar to things you bought (similarity {score:.2f})"
    return f"similar to the item you pointed at (similarity {score:.2f})"
