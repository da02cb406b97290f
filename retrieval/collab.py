"""Collaborative signals learned from interactions: matrix-factorisation vectors in a FAISS index,
item co-occurrence ("shoppers who bought X also bought this") and popularity."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from retrieval.index import VectorIndex, index_from_vectors
from retrieval.interactions import Interactions
from whythis.errors import DataError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

log = logging.getLogger(__name__)


class CollabConfig(BaseModel):
    """How the collaborative signals are trained (tuned on the XRec google and yelp training rows)."""

    model_config = ConfigDict(extra="forbid")

    model: Literal["als", "bpr"] = Field(default="als", description="implicit-feedback factorisation")
    factors: int = Field(default=256, ge=2, le=1024)
    iterations: int = Field(default=15, ge=1, le=1000)
    regularization: float = Field(default=0.05, ge=0.0)
    alpha: float = Field(default=1.0, gt=0.0, description="ALS confidence scale of an interaction")
    weighting: Literal["bm25", "none"] = Field(default="bm25", description="ALS input weighting")
    bm25_k1: float = Field(default=100.0, gt=0.0)
    bm25_b: float = Field(default=0.8, ge=0.0, le=1.0)
    learning_rate: float = Field(default=0.01, gt=0.0, description="BPR only")
    seed: int = 0
    threads: int = Field(default=1, ge=0, description="0: all cores")
    min_support: int = Field(
        default=3, ge=1, description="shoppers an item needs before collaborative signals use it"
    )
    # Co-occurrence score of item i for anchors A: sum over h in A of
    # co_buys_weighted(h, i) / (n_h^anchor * n_i^item); each co-buying user counts 1 / n_u^user.
    cooc_user_exponent: float = Field(default=0.5, ge=0.0, le=2.0)
    cooc_anchor_exponent: float = Field(default=0.5, ge=0.0, le=2.0)
    cooc_item_exponent: float = Field(default=0.7, ge=0.0, le=2.0)


@dataclass(frozen=True)
class CoBought:
    """A catalog item co-bought with anchors: its score, the anchor it shares most buyers with, how many."""

    item_id: str
    score: float
    anchor: str
    count: int


@dataclass(frozen=True)
class CollabModel:
    """Collaborative signals over the catalog items that appear in the interactions."""

    interactions: Interactions
    config: CollabConfig
    catalog_ids: tuple[str, ...]  # catalog items with min_support shoppers: the columns of `weighted`
    weighted: csr_matrix  # interaction items x catalog_ids, the co-occurrence scores
    counts: csr_matrix  # the same cells as raw numbers of shoppers who bought both
    popularity: np.ndarray  # shoppers per catalog_ids entry
    supported: np.ndarray  # per interactions item: bought by at least min_support shoppers
    factors: VectorIndex | None = None  # item vectors of catalog_ids (FAISS, inner product)
    user_factors: np.ndarray | None = None  # one row per interactions user
    item_factors: np.ndarray | None = None  # one row per interactions item
    solver: Any = None  # the fitted implicit model, for folding in unknown users

    def user_vector(self, user_id: str, history: Sequence[str]) -> np.ndarray | None:
        """The shopper's vector: learned when the model knows them, else folded in from their items."""
        if self.user_factors is None or self.item_factors is None:
            return None
        row = self.interactions.user_row.get(user_id)
        if row is not None:
            start, end = self.interactions.matrix.indptr[row], self.interactions.matrix.indptr[row + 1]
            if not self.supported[self.interactions.matrix.indices[start:end]].any():
                return None
            return np.asarray(self.user_factors[row], dtype=np.float32)
        cols = self._anchor_cols(history)
        return self._fold_in(cols) if cols else None

    def item_vector(self, item_id: str) -> np.ndarray | None:
        """The learned vector of one item (None for an item without interactions)."""
        col = self.interactions.item_col.get(item_id)
        if col is None or self.item_factors is None:
            return None
        return np.asarray(self.item_factors[col], dtype=np.float32)

    def nearest_in_factors(self, item_id: str, anchors: Sequence[str]) -> str | None:
        """Of the anchors, the one whose learned vector is closest (cosine) to the item's."""
        target = self.item_vector(item_id)
        known = [a for a in anchors if a in self.interactions.item_col]
        if target is None or not known or self.item_factors is None:
            return None
        vecs = self.item_factors[[self.interactions.item_col[a] for a in known]]
        sims = vecs @ target / np.maximum(np.linalg.norm(vecs, axis=1) * np.linalg.norm(target), 1e-9)
        return known[int(np.argmax(sims))]

    def co_bought(self, anchors: Sequence[str], k: int) -> list[CoBought]:
        """The k catalog items most bought together with the anchors, best first."""
        rows = self._anchor_cols(anchors)
        if not rows or not self.catalog_ids:
            return []
        block = self.weighted[rows]
        scores = np.asarray(block.sum(axis=0)).ravel()
        positive = int(np.count_nonzero(scores > 0))
        k = min(k, positive)
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        best = np.asarray(block[:, top].argmax(axis=0)).ravel()
        counts = self.counts[rows][:, top].toarray()
        ids = self.interactions.item_ids
        return [
            CoBought(self.catalog_ids[c], float(scores[c]), ids[rows[b]], int(counts[b, j]))
            for j, (c, b) in enumerate(zip(top, best, strict=True))
        ]

    def most_popular(self, k: int) -> list[tuple[str, int]]:
        """The k catalog items with the most shoppers, with their counts."""
        order = np.argsort(-self.popularity, kind="stable")[:k]
        return [(self.catalog_ids[c], int(self.popularity[c])) for c in order if self.popularity[c] > 0]

    def _anchor_cols(self, anchors: Sequence[str]) -> list[int]:
        # One shopper's single purchase says nothing about what goes with it.
        col = self.interactions.item_col
        supported = self.supported
        return sorted({col[a] for a in anchors if a in col and supported[col[a]]})

    def _fold_in(self, cols: list[int]) -> np.ndarray:
        from scipy.sparse import csr_matrix

        assert self.item_factors is not None
        if self.config.model == "als" and self.solver is not None:
            row = csr_matrix(
                (np.ones(len(cols), np.float32), (np.zeros(len(cols), np.int64), cols)),
                shape=(1, len(self.interactions.item_ids)),
            )
            return np.asarray(self.solver.recalculate_user(0, row), dtype=np.float32)
        # BPR has no closed-form fold-in: the mean of the items' vectors points the same way.
        return np.asarray(self.item_factors[cols].mean(axis=0), dtype=np.float32)


def train_collab(
    interactions: Interactions,
    catalog_ids: Sequence[str],
    config: CollabConfig | None = None,
    factorise: bool = True,
) -> CollabModel:
    """Co-occurrence and popularity over the catalog items, plus (factorise) learned item vectors."""
    config = config or CollabConfig()
    present = [i for i in dict.fromkeys(catalog_ids) if i in interactions.item_col]
    if not present:
        raise DataError(
            f"none of the {len(catalog_ids)} catalog items occurs in the interactions "
            f"({len(interactions.item_ids)} items); are they for this catalog?"
        )
    shoppers = interactions.popularity()
    known = [i for i in present if shoppers[interactions.item_col[i]] >= config.min_support]
    cols = np.asarray([interactions.item_col[i] for i in known], dtype=np.int64)
    weighted, counts = _cooccurrence(interactions.matrix, cols, config)
    supported = shoppers >= config.min_support
    model = CollabModel(interactions, config, tuple(known), weighted, counts, shoppers[cols], supported)
    log.info("collaborative model: %d of %d catalog items have support", len(known), len(catalog_ids))
    if not factorise or not known:
        return model
    solver, users, items = _factorise(interactions.matrix, config)
    source = f"{config.model}:{config.factors}"
    index = index_from_vectors(known, items[cols], source, _fingerprint(interactions, config))
    return replace(model, factors=index, user_factors=users, item_factors=items, solver=solver)


def _cooccurrence(
    matrix: csr_matrix, cols: np.ndarray, config: CollabConfig
) -> tuple[csr_matrix, csr_matrix]:
    from scipy.sparse import csr_matrix, diags

    per_item = np.maximum(np.asarray(matrix.getnnz(axis=0), dtype=np.float64), 1.0)
    per_user = np.maximum(np.asarray(matrix.getnnz(axis=1), dtype=np.float64), 1.0)
    catalog = matrix[:, cols]
    counts = csr_matrix(matrix.T @ catalog, dtype=np.float32)
    # An item is not "bought together" with itself.
    counts[cols, np.arange(len(cols))] = 0
    counts.eliminate_zeros()
    weighted = matrix.T @ diags(per_user**-config.cooc_user_exponent) @ catalog
    weighted = diags(per_item**-config.cooc_anchor_exponent) @ weighted
    weighted = weighted @ diags(per_item[cols] ** -config.cooc_item_exponent)
    weighted = csr_matrix(weighted, dtype=np.float32)
    weighted[cols, np.arange(len(cols))] = 0
    weighted.eliminate_zeros()
    return weighted, counts


def _factorise(matrix: csr_matrix, config: CollabConfig) -> tuple[Any, np.ndarray, np.ndarray]:
    import implicit.cpu.als  # noqa: F401  (loads its BLAS before the limit below is set)
    from threadpoolctl import threadpool_limits

    # implicit runs its own `threads`; BLAS threads inside each of them would only fight for the cores.
    with threadpool_limits(limits=1, user_api="blas"):
        solver = _fit(matrix, config)
    users = np.ascontiguousarray(solver.user_factors, dtype=np.float32)
    items = np.ascontiguousarray(solver.item_factors, dtype=np.float32)
    return solver, users, items


def _fit(matrix: csr_matrix, config: CollabConfig) -> Any:
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.cpu.bpr import BayesianPersonalizedRanking
    from implicit.nearest_neighbours import bm25_weight

    solver: Any
    if config.model == "als":
        solver = AlternatingLeastSquares(
            factors=config.factors,
            regularization=config.regularization,
            alpha=config.alpha,
            iterations=config.iterations,
            num_threads=config.threads,
            random_state=config.seed,
        )
        data = matrix
        if config.weighting == "bm25":
            data = bm25_weight(matrix, K1=config.bm25_k1, B=config.bm25_b).tocsr()
        solver.fit(data.astype(np.float32), show_progress=False)
    else:
        solver = BayesianPersonalizedRanking(
            factors=config.factors,
            learning_rate=config.learning_rate,
            regularization=config.regularization,
            iterations=config.iterations,
            num_threads=config.threads,
            random_state=config.seed,
        )
        solver.fit(matrix, show_progress=False)
    return solver


def _fingerprint(interactions: Interactions, config: CollabConfig) -> str:
    h = hashlib.sha256(config.model_dump_json().encode())
    h.update(np.asarray(interactions.matrix.indptr).tobytes())
    h.update(np.asarray(interactions.matrix.indices).tobytes())
    return h.hexdigest()
