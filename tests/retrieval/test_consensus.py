"""Consensus choice: the candidate closest in meaning to the others wins; ties keep the first."""

from __future__ import annotations

import numpy as np

from retrieval.consensus import consensus_index, consensus_picks
from tests.fakes import KeywordEmbedder


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return np.asarray(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), dtype=np.float32)


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
