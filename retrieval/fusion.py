"""Fusing ranked candidate lists: a weighted sum of normalised scores, or reciprocal-rank fusion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from retrieval.signals import Hit

FusionMethod = Literal["score", "rrf"]


def fuse(
    lists: Mapping[str, Sequence[Hit]],
    weights: Mapping[str, float],
    method: FusionMethod = "score",
    rrf_k: int = 60,
) -> list[tuple[str, float]]:
    """Item ids with their fused score, best first (ties keep the order items were first seen)."""
    fused: dict[str, float] = {}
    for name, hits in lists.items():
        weight = weights.get(name, 0.0)
        if weight <= 0 or not hits:
            continue
        for item_id, value in _contributions(hits, method, rrf_k):
            fused[item_id] = fused.get(item_id, 0.0) + weight * value
    return sorted(fused.items(), key=lambda kv: -kv[1])


def _contributions(hits: Sequence[Hit], method: FusionMethod, rrf_k: int) -> list[tuple[str, float]]:
    if method == "rrf":
        return [(hit.item_id, 1.0 / (rrf_k + rank)) for rank, hit in enumerate(hits, start=1)]
    # Each signal's best hit scores 1: similarities, counts and taste scores live on different scales,
    # and the best hit of a signal is what that signal is surest about.
    top = max(hit.score for hit in hits)
    if top <= 0:
        return [(hit.item_id, 0.0) for hit in hits]
    return [(hit.item_id, max(hit.score, 0.0) / top) for hit in hits]
