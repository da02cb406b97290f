"""Consensus choice among candidate texts: the one closest to all the others in meaning and wording.

Minimum-Bayes-risk selection: of several answers a model could give, the one with the highest expected
utility against the rest is the best single guess of what a reader expects (Kumar & Byrne, 2004;
Freitag et al., 2022). The utility here is the cosine of sentence embeddings (meaning), optionally mixed
with ROUGE-L F1 between the texts (wording); the embeddings cost one batched encode.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from retrieval.embedder import Embedder


def consensus_index(utility: np.ndarray, allowed: Sequence[bool] | None = None) -> int:
    """The row of a square pairwise `utility` matrix with the highest summed utility to the other rows.

    Only rows marked `allowed` may be chosen (all of them still vote); none allowed: row 0.
    """
    size = len(utility)
    usable = np.ones(size, dtype=bool) if allowed is None else np.asarray(allowed, dtype=bool)
    if len(usable) != size or utility.shape != (size, size):
        raise ValueError(f"{len(usable)} allowed flags for a {utility.shape} utility matrix")
    if size < 3 or not usable.any():
        return 0  # with two candidates neither is more central: keep the first (the greedy answer)
    votes = utility.sum(axis=1) - np.diag(utility)
    return int(np.argmax(np.where(usable, votes, -np.inf)))


def cosine_matrix(vectors: np.ndarray) -> np.ndarray:
    """Pairwise cosines of L2-normalised row vectors."""
    return np.asarray(vectors @ vectors.T, dtype=np.float64)


def wording_matrix(texts: Sequence[str]) -> np.ndarray:
    """Pairwise ROUGE-L F1 (with stemming) of the texts; symmetric, ones on the diagonal."""
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    out = np.eye(len(texts))
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            out[i, j] = out[j, i] = scorer.score(texts[i], texts[j])["rougeL"].fmeasure
    return out


def consensus_picks(
    embedder: Embedder,
    groups: Sequence[Sequence[str]],
    allowed: Sequence[Sequence[bool]] | None = None,
    wording_weight: float = 0.0,
) -> list[int]:
    """For each group of candidate texts, the index of its consensus text; one encode for all.

    `wording_weight` in [0, 1]: the share of ROUGE-L in the utility, the rest being embedding cosine.
    """
    if not 0.0 <= wording_weight <= 1.0:
        raise ValueError(f"wording_weight must be in [0, 1], got {wording_weight}")
    flat = [text for group in groups for text in group]
    if not flat:
        return [0 for _ in groups]
    vectors = embedder.encode(flat)
    picks: list[int] = []
    start = 0
    for g, group in enumerate(groups):
        utility = cosine_matrix(vectors[start : start + len(group)])
        if wording_weight > 0 and group:
            utility = (1 - wording_weight) * utility + wording_weight * wording_matrix(group)
        flags = allowed[g] if allowed is not None else None
        picks.append(consensus_index(utility, flags) if group else 0)
        start += len(group)
    return picks
