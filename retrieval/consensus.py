"""Consensus choice among candidate texts: the one closest in meaning to all the others.

Minimum-Bayes-risk selection with embedding similarity as the utility: of several answers a model
could give, the most central one is the best single guess of what a reader expects (Kumar & Byrne,
2004; Freitag et al., 2022), and with a sentence embedder it costs one batched encode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.embedder import Embedder


def consensus_index(vectors: np.ndarray, allowed: Sequence[bool] | None = None) -> int:
    """The row of L2-normalised `vectors` with the highest summed cosine to the other rows.

    Only rows marked `allowed` may be chosen (all of them still vote); none allowed: row 0.
    """
    usable = np.ones(len(vectors), dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if len(usable) != len(vectors):
        raise ValueError(f"{len(usable)} allowed flags for {len(vectors)} candidates")
    if len(vectors) < 3 or not usable.any():
        return 0  # with two candidates neither is more central: keep the first (the greedy answer)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    return int(np.argmax(np.where(usable, similarity.sum(axis=1), -np.inf)))


def consensus_picks(
    embedder: Embedder,
    groups: Sequence[Sequence[str]],
    allowed: Sequence[Sequence[bool]] | None = None,
) -> list[int]:
    """For each group of candidate texts, the index of its consensus text; one encode for all."""
    flat = [text for group in groups for text in group]
    if not flat:
        return [0 for _ in groups]
    vectors = embedder.encode(flat)
    picks: list[int] = []
    start = 0
    for g, group in enumerate(groups):
        flags = allowed[g] if allowed is not None else None
        picks.append(consensus_index(vectors[start : start + len(group)], flags) if group else 0)
        start += len(group)
    return picks
