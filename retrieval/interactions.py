"""Shopper-item interactions (who bought or reviewed what): a compact user x item matrix."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.records import read_text
from whythis.errors import DataError, RowError

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

COLUMNS = ("user_id", "item_id")


@dataclass(frozen=True)
class Interactions:
    """Binary user x item interactions: row u is user_ids[u], column i is item_ids[i]."""

    user_ids: tuple[str, ...]
    item_ids: tuple[str, ...]
    matrix: csr_matrix
    user_row: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    item_col: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Fills the lookup maps once; the dataclass stays frozen for everything else.
        if not self.user_row:
            self.user_row.update((u, r) for r, u in enumerate(self.user_ids))
        if not self.item_col:
            self.item_col.update((i, c) for c, i in enumerate(self.item_ids))

    @property
    def count(self) -> int:
        """Number of distinct (user, item) pairs."""
        return int(self.matrix.nnz)

    def popularity(self) -> np.ndarray:
        """How many users interacted with each item, by column."""
        return np.asarray(self.matrix.getnnz(axis=0), dtype=np.int64)

    def items_of(self, user_id: str) -> tuple[str, ...]:
        """The items a user interacted with (empty for an unknown user)."""
        row = self.user_row.get(user_id)
        if row is None:
            return ()
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        return tuple(self.item_ids[c] for c in self.matrix.indices[start:end])

    def without_users(self, user_ids: Iterable[str]) -> Interactions:
        """The same interactions with some users' rows removed (for leave-users-out evaluation)."""
        drop = {self.user_row[u] for u in user_ids if u in self.user_row}
        keep = [r for r in range(len(self.user_ids)) if r not in drop]
        return Interactions(tuple(self.user_ids[r] for r in keep), self.item_ids, self.matrix[keep])


def from_pairs(pairs: Iterable[tuple[str, str]]) -> Interactions:
    """Interactions from (user id, item id) pairs; repeated pairs count once."""
    from scipy.sparse import csr_matrix

    users: dict[str, int] = {}
    items: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for user, item in pairs:
        rows.append(users.setdefault(user, len(users)))
        cols.append(items.setdefault(item, len(items)))
    data = np.ones(len(rows), dtype=np.float32)
    matrix = csr_matrix((data, (rows, cols)), shape=(len(users), len(items)), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return Interactions(tuple(users), tuple(items), matrix)


def load_interactions(path: str | Path) -> Interactions:
    """A `user_id,item_id` CSV file; RowError naming the line and field of a malformed row."""
    path = Path(path)
    reader = csv.reader(io.StringIO(read_text(path)))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        given = ",".join(header) if header else "nothing (empty file)"
        raise DataError(f"{path}: interactions need the header {','.join(COLUMNS)}; line 1 has {given}")
    interactions = from_pairs(_pairs(path, reader))
    if not interactions.count:
        raise DataError(f"{path}: no interactions after the header")
    return interactions


def _pairs(path: Path, reader: Iterable[list[str]]) -> Iterable[tuple[str, str]]:
    for line, fields in enumerate(reader, start=2):
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank lines are not rows
        if len(fields) != len(COLUMNS):
            field_name = COLUMNS[min(len(fields), len(COLUMNS) - 1)]
            problem = f"expected 2 values (user_id,item_id), got {len(fields)}: {','.join(fields)[:60]!r}"
            raise RowError(str(path), line, field_name, problem)
        user, item = (value.strip() for value in fields)
        for name, value in zip(COLUMNS, (user, item), strict=True):
            if not value:
                raise RowError(str(path), line, name, "empty (an id is required)")
        yield user, item
