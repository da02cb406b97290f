"""The mutable item index: faiss vectors under stable labels, searchable by row, grown and shrunk in place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from tqdm import tqdm

from retrieval.index_manifest import MANIFEST, Manifest, digest_total, hash_of_total, manifest_json
from retrieval.index_types import (
    IndexKind,
    IndexSettings,
    apply_search_settings,
    gpu_copy,
    hnsw_of,
    make_index,
    resolve_kind,
    structure_params,
    tombstone_params,
    train_if_needed,
)
from whythis.errors import IndexStoreError

INDEX_FILE = "items.faiss"
LABELS_FILE = "labels.npy"
PROGRESS_MIN = 5_000  # items or queries above which long loops show a progress bar
ADD_CHUNK = 20_000
SEARCH_CHUNK = 4_096
# HNSW cannot delete a node: a removed item's vector stays in the graph as a tombstone that search
# skips (an IDSelector), so a removal costs nothing. Once tombstones exceed this share of the live
# items, save rebuilds the graph from the stored vectors (no re-embedding) so searches stay fast.
COMPACT_SHARE = 0.1


def empty_labels() -> np.ndarray:
    """An empty int64 label array."""
    return np.empty(0, dtype=np.int64)


def spans(total: int, size: int, desc: str) -> Iterator[tuple[int, int]]:
    """(start, stop) spans covering range(total), with a progress bar when the range is long."""
    with tqdm(total=total, desc=desc, unit="item", disable=total <= PROGRESS_MIN, leave=False) as bar:
        for start in range(0, total, size):
            stop = min(start + size, total)
            yield start, stop
            bar.update(stop - start)


@dataclass
class VectorIndex:
    """Item vectors in a faiss inner-product index; row i is item_ids[i], stored under label labels[i]."""

    index: Any
    manifest: Manifest
    labels: np.ndarray = field(default_factory=empty_labels)
    removed: np.ndarray = field(default_factory=empty_labels)  # HNSW tombstone labels
    settings: IndexSettings = field(default_factory=IndexSettings)
    _row_of: np.ndarray = field(init=False, repr=False, default_factory=empty_labels)
    _next_label: int = field(init=False, repr=False, default=0)
    _searcher: Any = field(init=False, repr=False, default=None)
    _params: tuple[Any, ...] = field(init=False, repr=False, default=())
    _total: int | None = field(init=False, repr=False, default=None)
    _ids: set[str] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if not self.labels.size and self.manifest.count:
            self.labels = np.arange(self.manifest.count, dtype=np.int64)
        self._refresh()

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item id of each row."""
        return self.manifest.item_ids

    @property
    def kind(self) -> str:
        """flat, ivf or hnsw."""
        return self.manifest.index_type

    def stamp(self, built_seconds: float, catalog_hash: str | None = None) -> None:
        """Record how long the build took (and the catalog it was built from) in the manifest."""
        self.manifest = replace(
            self.manifest,
            built_seconds=built_seconds,
            catalog_hash=catalog_hash or self.manifest.catalog_hash,
        )

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers of the k nearest rows per query (-1 where fewer exist)."""
        k = max(1, min(k, self.manifest.count))
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        params = self._params[0] if self._params else None
        if self._searcher is None:
            gpu = gpu_copy(self.index, self.settings)
            self._searcher = self.index if gpu is None else gpu
        if len(queries) <= SEARCH_CHUNK:
            scores, labels = self._searcher.search(queries, k, params=params)
        else:
            chunks = spans(len(queries), SEARCH_CHUNK, "searching")
            parts = [self._searcher.search(queries[a:b], k, params=params) for a, b in chunks]
            scores, labels = np.vstack([p[0] for p in parts]), np.vstack([p[1] for p in parts])
        rows = np.where(labels >= 0, self._row_of[np.maximum(labels, 0)], -1)
        return scores, rows

    def vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of the given rows."""
        wanted = np.asarray(rows, dtype=np.int64)
        if not wanted.size:
            return np.empty((0, self.manifest.dim), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(self.labels[wanted]), dtype=np.float32)

    def add(
        self, item_ids: Sequence[str], vectors: np.ndarray, text_hashes: Sequence[str] | None = None
    ) -> None:
        """Add items with their vectors (and text hashes, "" when unknown) without a rebuild."""
        ids = list(item_ids)
        hashes = list(text_hashes) if text_hashes is not None else [""] * len(ids)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._check_new(ids, vectors, hashes)
        if not ids:
            return
        train_if_needed(self.index, vectors)
        labels = np.arange(self._next_label, self._next_label + len(ids), dtype=np.int64)
        for a, b in spans(len(ids), ADD_CHUNK, f"adding to {self.kind} index"):
            self.index.add_with_ids(vectors[a:b], labels[a:b])
        total = self._digest() + digest_total(ids, hashes)
        self.labels = np.concatenate([self.labels, labels])
        self._known().update(ids)
        self._update(self.item_ids + tuple(ids), self.manifest.text_hashes + tuple(hashes), total)

    def remove(self, item_ids: Sequence[str]) -> None:
        """Remove items by id without a rebuild (HNSW: tombstones skipped at search, compacted on save)."""
        gone = set(item_ids)
        if not gone:
            return
        missing = sorted(gone - self._known())
        if missing:
            raise IndexStoreError(f"cannot remove {len(missing)} ids not in the index, e.g. {missing[:5]}")
        keep = np.fromiter((i not in gone for i in self.item_ids), dtype=bool, count=self.manifest.count)
        dropped = self.labels[~keep]
        if self.kind == "hnsw":
            self.removed = np.union1d(self.removed, dropped)
        else:
            self.index.remove_ids(dropped)
        old_hashes = [h for h, k in zip(self.manifest.text_hashes, keep, strict=True) if not k]
        total = self._digest() - digest_total([i for i in self.item_ids if i in gone], old_hashes)
        self.labels = self.labels[keep]
        self._known().difference_update(gone)
        ids = tuple(i for i, k in zip(self.item_ids, keep, strict=True) if k)
        hashes = tuple(h for h, k in zip(self.manifest.text_hashes, keep, strict=True) if k)
        self._update(ids, hashes, total)

    def configure(self, settings: IndexSettings) -> None:
        """Apply query-time settings (IVF nprobe, HNSW efSearch, GPU use); no rebuild needed."""
        self.settings = settings
        apply_search_settings(self.index, settings)
        self._refresh()

    def save(self, folder: Path) -> None:
        """Write the CPU index, its labels and its manifest (last: an interrupted save is detected)."""
        if self.removed.size > COMPACT_SHARE * max(self.manifest.count, 1):
            self._compact()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / MANIFEST).unlink(missing_ok=True)
        _write_atomic(folder / INDEX_FILE, lambda p: faiss.write_index(self.index, str(p)))
        _write_atomic(folder / LABELS_FILE, lambda p: np.save(p, self.labels))
        _write_atomic(
            folder / MANIFEST, lambda p: p.write_text(manifest_json(self.manifest), encoding="utf-8")
        )

    def _check_new(self, ids: list[str], vectors: np.ndarray, hashes: list[str]) -> None:
        if vectors.ndim != 2 or len(vectors) != len(ids) or len(hashes) != len(ids):
            raise IndexStoreError(
                f"need one vector and text hash per item id: {len(ids)} ids, "
                f"vectors of shape {vectors.shape}, {len(hashes)} text hashes"
            )
        if ids and vectors.shape[1] != self.manifest.dim:
            raise IndexStoreError(
                f"vectors have {vectors.shape[1]} dims, the index holds {self.manifest.dim}"
            )
        clash = self._known().intersection(ids)
        if clash or len(set(ids)) != len(ids):
            dupes = sorted(clash) or sorted(i for i, n in Counter(ids).items() if n > 1)
            raise IndexStoreError(
                f"item ids already in the index or repeated, e.g. {dupes[:5]}; remove first"
            )

    def _known(self) -> set[str]:
        """The set of item ids, kept up to date by add and remove (checks stay O(added))."""
        if self._ids is None:
            self._ids = set(self.item_ids)
        return self._ids

    def _digest(self) -> int:
        if self._total is None:
            self._total = digest_total(self.item_ids, self.manifest.text_hashes)
        return self._total

    def _update(self, ids: tuple[str, ...], hashes: tuple[str, ...], total: int) -> None:
        self._total = total
        self.manifest = replace(
            self.manifest,
            item_ids=ids,
            text_hashes=hashes,
            count=len(ids),
            catalog_hash=hash_of_total(total),
            tombstones=int(self.removed.size),
        )
        self._refresh()

    def _refresh(self) -> None:
        """Rebuild the label -> row map and the search parameters; drop a stale GPU copy."""
        top = max(int(self.labels.max(initial=-1)), int(self.removed.max(initial=-1)))
        self._next_label = top + 1
        self._row_of = np.full(max(self._next_label, 1), -1, dtype=np.int64)
        self._row_of[self.labels] = np.arange(len(self.labels), dtype=np.int64)
        self._params = tombstone_params(self.index, self.removed) if self.removed.size else ()
        self._searcher = None

    def _compact(self) -> None:
        """Rebuild an HNSW graph from its live vectors, keeping labels (so rows stay the same)."""
        fresh = make_index("hnsw", self.manifest.dim, self.manifest.index_params)
        hnsw_of(fresh).efSearch = hnsw_of(self.index).efSearch
        for a, b in spans(self.manifest.count, ADD_CHUNK, "compacting hnsw index"):
            fresh.add_with_ids(self.vectors(np.arange(a, b)), self.labels[a:b])
        self.index = fresh
        self.removed = empty_labels()
        self.manifest = replace(self.manifest, tombstones=0)
        self._refresh()


def _write_atomic(path: Path, write: Callable[[Path], object]) -> None:
    tmp = path.with_name(f".tmp-{path.name}")  # keeps the suffix: np.save would add ".npy" otherwise
    write(tmp)
    tmp.replace(path)


def empty_index(
    dim: int, source: str, settings: IndexSettings | None = None, expected: int = 0
) -> VectorIndex:
    """An empty index of the kind the settings pick for ~`expected` items (IVF trains on its first add)."""
    settings = settings or IndexSettings()
    kind: IndexKind = resolve_kind(settings, expected)
    params = structure_params(kind, settings, expected)
    index = make_index(kind, dim, params)
    apply_search_settings(index, settings)
    manifest = Manifest(
        catalog_hash=hash_of_total(0),
        embedder=source,
        dim=dim,
        count=0,
        index_type=kind,
        item_ids=(),
        built_seconds=0.0,
        index_params=params,
    )
    return VectorIndex(index, manifest, settings=settings)
