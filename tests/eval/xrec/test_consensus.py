"""Consensus choice: the candidate nearest the others in meaning and wording wins; ties keep the first."""

from __future__ import annotations

import numpy as np
import pytest

from eval.xrec.consensus import consensus_index, consensus_picks, cosine_matrix, wording_matrix
from tests.fakes import KeywordEmbedder


def unit(*rows: list[float]) -> np.ndarray:
    """The pairwise cosines of the given vectors, once normalised."""
    vectors = np.array(rows, dtype=np.float32)
    return cosine_matrix(
        np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)
    )


def test_the_most_central_vector_is_chosen() -> None:
    # Rows 0 and 2 are far apart; row 1 lies between them, so it is closest to both.
    assert consensus_index(unit([1, 0], [1, 1], [0, 1])) == 1
    # An answer the model gave twice beats three it gave once; of the two, the first is kept.
    assert consensus_index(unit([1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1])) == 1


def test_one_or_two_candidates_keep_the_first() -> None:
    assert consensus_index(unit([1, 0])) == 0
    assert consensus_index(unit([1, 0], [0.9, 0.1])) == 0


def test_each_group_gets_its_own_pick_from_one_encode() -> None:
    embedder = KeywordEmbedder()
    groups = [
        ["cosy wool scarf", "the scarf is warm wool", "warm wool scarf for winter", "fast sports car"],
        ["blue garden hose", "trail running shoes", "running shoes for the trail", "light trail shoes"],
        [],
    ]
    picks = consensus_picks(embedder, groups)
    # The odd one out is never the pick, not even in first place (where ties fall).
    assert picks[0] in (0, 1, 2) and picks[1] in (1, 2, 3) and picks[2] == 0
    assert embedder.calls == 1


def test_only_allowed_candidates_are_chosen_but_all_of_them_vote() -> None:
    vectors = unit([1, 0], [1, 1], [0, 1], [0.2, 1])
    assert consensus_index(vectors) == 1
    # Row 1 is ruled out; of the rest, row 3 is nearest to the others (row 1 still counts as a voter).
    assert consensus_index(vectors, [True, False, True, True]) == 3
    assert consensus_index(vectors, [False, False, False, False]) == 0
    embedder = KeywordEmbedder()
    groups = [["warm wool scarf", "wool scarf", "warm scarf"]]
    assert consensus_picks(embedder, groups, [[False, False, True]]) == [2]


def test_wording_counts_word_order_where_meaning_does_not() -> None:
    embedder = KeywordEmbedder()
    # Rows 1 and 2 hold row 0's words in another order: by meaning (a bag of words here) row 0 is the
    # most central; by wording (ROUGE-L) rows 1 and 2 agree with each other word for word.
    group = ["a warm wool scarf and hat", "scarf wool warm", "scarf wool warm", "a warm wool hat"]
    assert consensus_picks(embedder, [group]) == [0]
    assert consensus_picks(embedder, [group], wording_weight=1.0) == [1]
    assert consensus_picks(embedder, [group], wording_weight=0.5) == [1]
    overlap = wording_matrix(group)
    assert np.allclose(overlap, overlap.T) and np.allclose(np.diag(overlap), 1.0) and overlap[1, 2] == 1.0
    assert 0.2 < overlap[0, 1] < 0.3  # their longest common subsequence is a single word


def test_a_wording_weight_outside_zero_to_one_or_a_misshapen_matrix_is_refused() -> None:
    with pytest.raises(ValueError, match="wording_weight"):
        consensus_picks(KeywordEmbedder(), [["a", "b", "c"]], wording_weight=1.5)
    with pytest.raises(ValueError, match="utility matrix"):
        consensus_index(np.zeros((3, 2)))
