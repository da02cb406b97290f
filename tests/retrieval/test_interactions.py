from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.interactions import from_pairs, load_interactions
from whythis.errors import DataError, RowError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "interactions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_ids_matrix_and_popularity(tmp_path: Path) -> None:
    path = write(tmp_path, "user_id,item_id\nu1,a\nu1,b\nu2,a\n\nu2,a\nu3, c \n")
    got = load_interactions(path)
    assert got.user_ids == ("u1", "u2", "u3")
    assert got.item_ids == ("a", "b", "c")
    assert got.count == 4  # the repeated (u2, a) counts once, the blank line is no row
    assert got.matrix.shape == (3, 3)
    assert set(np.unique(got.matrix.data)) == {1.0}
    assert got.popularity().tolist() == [2, 1, 1]
    assert got.items_of("u1") == ("a", "b")
    assert got.items_of("nobody") == ()


def test_without_users_drops_their_rows_only() -> None:
    got = from_pairs([("u1", "a"), ("u2", "a"), ("u2", "b")]).without_users(["u2", "ghost"])
    assert got.user_ids == ("u1",)
    assert got.item_ids == ("a", "b")
    assert got.popularity().tolist() == [1, 0]
    assert got.items_of("u1") == ("a",)


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("user_id,item_id\nu1,a\nu2\n", 3, "item_id"),
        ("user_id,item_id\nu1,a,extra\n", 2, "item_id"),
        ("user_id,item_id\n,a\n", 2, "user_id"),
        ("user_id,item_id\nu1,a\nu2,  \n", 3, "item_id"),
    ],
)
def test_malformed_rows_name_line_and_field(tmp_path: Path, text: str, line: int, field: str) -> None:
    with pytest.raises(RowError) as info:
        load_interactions(write(tmp_path, text))
    assert (info.value.line, info.value.field) == (line, field)
    assert str(tmp_path) in str(info.value)


def test_bad_header_empty_and_missing_files_are_clear(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"header user_id,item_id; line 1 has user,item"):
        load_interactions(write(tmp_path, "user,item\nu1,a\n"))
    with pytest.raises(DataError, match="empty file"):
        load_interactions(write(tmp_path, ""))
    with pytest.raises(DataError, match="no interactions"):
        load_interactions(write(tmp_path, "user_id,item_id\n"))
    with pytest.raises(DataError, match="not found"):
        load_interactions(tmp_path / "missing.csv")
