"""Consensus choice among candidate texts: the one closest in meaning to all the others.

Minimum-Bayes-risk selection with embedding similarity as the utility: of several answers a model
could give, the most central one is the best single guess of what a reader expects (Kumar & Byrne,
2004; Freitag et al., 2022), and with a sentence embedder it costs one batched encode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.embedder import Embedder


def consensus_index(vectors: np.ndarray) -> int:
    """The row of L2-normalised `vectors` with the highest summed cosine to the other rows."""
    if len(vectors) < 3:
        return 0  # with two candidates neither is more central: keep the first (the greedy answer)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    return int(np.argmax(similarity.sum(axis=1)))


def consensus_picks(embedder: Embedder, groups: Sequence[Sequence[str]]) -> list[int]:
    """For each group of candidate texts, the index of its consensus text; one encode for all."""
    flat = [text for group in groups for text in group]
    if not flat:
        return [0 for _ in groups]
    vectors = embedder.encode(flat)
    picks: list[int] = []
    start = 0
    for group in groups:
        picks.append(consensus_index(vectors[start : start + len(group)]) if group else 0)
        start += len(group)
    return picks
