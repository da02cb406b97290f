"""Building, loading and syncing the item index: embed a catalog, check a saved index, update it in place."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from retrieval.embedder import Embedder
from retrieval.index_manifest import (
    MANIFEST,
    REBUILD_HINT,
    CatalogDiff,
    Manifest,
    catalog_hash,
    check_manifest,
    diff_catalog,
    read_manifest,
    text_hash,
)
from retrieval.index_types import (
    IndexSettings,
    apply_search_settings,
    kind_of,
    resolve_kind,
    structure_params,
)
from retrieval.items import Item
from retrieval.vector_index import (
    INDEX_FILE,
    LABELS_FILE,
    PROGRESS_MIN,
    VectorIndex,
    empty_index,
    empty_labels,
    spans,
)
from whythis.errors import IndexStoreError

__all__ = [
    "INDEX_FILE",
    "LABELS_FILE",
    "MANIFEST",
    "IndexSettings",
    "Manifest",
    "VectorIndex",
    "build_index",
    "catalog_hash",
    "embed_texts",
    "empty_index",
    "index_from_vectors",
    "load_index",
    "open_or_build",
    "read_manifest",
]

EMBED_CHUNK = 1_024
# When more of the catalog changed than this, a fresh structure (IVF centroids, HNSW graph) fits the
# new data better than patching the old one; unchanged items' vectors are reused either way.
REBUILD_SHARE = 0.5


def index_from_vectors(
    item_ids: Sequence[str],
    vectors: np.ndarray,
    source: str,
    content_hash: str = "",
    settings: IndexSettings | None = None,
    text_hashes: Sequence[str] | None = None,
) -> VectorIndex:
    """An inner-product index over given vectors (row i is item_ids[i]); `source` names the space.

    A given `content_hash` is kept as the catalog hash until the first add or remove.
    """
    if len(item_ids) != len(vectors) or not len(item_ids) or np.ndim(vectors) != 2:
        raise IndexStoreError(f"need one vector per item id, got {len(vectors)} vectors, {len(item_ids)} ids")
    start = time.perf_counter()
    index = empty_index(int(np.shape(vectors)[1]), source, settings, len(item_ids))
    index.add(item_ids, vectors, text_hashes)
    seconds = round(time.perf_counter() - start, 3)
    index.stamp(seconds, content_hash)
    return index


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed texts in chunks (with a progress bar for long lists) into one float32 array."""
    if len(texts) <= PROGRESS_MIN:
        if not texts:
            return np.empty((0, embedder.dim), dtype=np.float32)
        return np.ascontiguousarray(embedder.encode(texts), dtype=np.float32)
    out = np.empty((len(texts), embedder.dim), dtype=np.float32)
    for a, b in spans(len(texts), EMBED_CHUNK, "embedding"):
        out[a:b] = embedder.encode(texts[a:b])
    return out


def build_index(
    items: Sequence[Item], embedder: Embedder, settings: IndexSettings | None = None
) -> VectorIndex:
    """Embed every item's text and index the vectors (exact up to the auto threshold, else ANN)."""
    if not items:
        raise IndexStoreError("cannot build an index of an empty catalog")
    start = time.perf_counter()
    texts = [item.text() for item in items]
    vectors = embed_texts(embedder, texts)
    hashes = [text_hash(t) for t in texts]
    index = index_from_vectors([i.item_id for i in items], vectors, embedder.name, "", settings, hashes)
    index.stamp(round(time.perf_counter() - start, 3))
    return index


def _tombstones(index: Any, labels: np.ndarray) -> np.ndarray:
    if kind_of(index) != "hnsw":
        return empty_labels()
    return np.setdiff1d(faiss.vector_to_array(index.id_map), labels).astype(np.int64)


def load_index(folder: Path, settings: IndexSettings | None = None) -> VectorIndex:
    """Load a saved index and check it against its manifest (kind, dim, counts, format)."""
    manifest = read_manifest(folder)
    try:
        index = faiss.read_index(str(folder / INDEX_FILE))
        labels = np.asarray(np.load(folder / LABELS_FILE, allow_pickle=False), dtype=np.int64).ravel()
    except (RuntimeError, OSError, ValueError, EOFError) as exc:
        raise IndexStoreError(f"cannot read the index files in {folder}: {exc}; {REBUILD_HINT}") from exc
    removed = _tombstones(index, labels)
    found: dict[str, int | str] = {
        "index type": kind_of(index),
        "dim": int(index.d),
        "vectors": int(index.ntotal),
        "labels": len(labels),
        "item ids": len(manifest.item_ids),
        "text hashes": len(manifest.text_hashes),
        "tombstones": len(removed),
    }
    check_manifest(folder, manifest, found)
    if settings is not None:
        apply_search_settings(index, settings)
    return VectorIndex(index, manifest, labels, removed, settings or IndexSettings())


@dataclass(frozen=True)
class _Fresh:
    """Newly embedded items: ids, vectors, text hashes."""

    ids: list[str]
    vectors: np.ndarray
    hashes: list[str]


def _reusable(folder: Path, embedder_name: str, settings: IndexSettings) -> VectorIndex | None:
    if not (folder / MANIFEST).is_file():
        return None
    try:
        saved = load_index(folder, settings)
    except IndexStoreError:
        return None  # outdated format or broken files: build anew
    return saved if saved.manifest.embedder == embedder_name else None


def _fits(saved: VectorIndex, settings: IndexSettings, count: int) -> bool:
    """Whether the saved structure is the one the settings ask for at this catalog size."""
    kind = resolve_kind(settings, count)
    if saved.kind != kind:
        return False
    want = dict(structure_params(kind, settings, count))
    if kind == "ivf" and settings.nlist is None:
        want.pop("nlist")  # the automatic list count follows the size; a grown catalog keeps its lists
    have = dict(saved.manifest.index_params)
    return all(have.get(key) == value for key, value in want.items())


def _rebuilt(saved: VectorIndex, diff: CatalogDiff, fresh: _Fresh, settings: IndexSettings) -> VectorIndex:
    """A new structure over the saved vectors of unchanged items plus the fresh ones."""
    stale = set(diff.stale)
    keep = [row for row, item_id in enumerate(saved.item_ids) if item_id not in stale]
    ids = [saved.item_ids[r] for r in keep] + fresh.ids
    hashes = [saved.manifest.text_hashes[r] for r in keep] + fresh.hashes
    vectors = np.vstack([saved.vectors(keep), fresh.vectors])
    return index_from_vectors(ids, vectors, saved.manifest.embedder, "", settings, hashes)


def open_or_build(
    folder: Path, items: Sequence[Item], embedder: Embedder, settings: IndexSettings | None = None
) -> tuple[VectorIndex, bool]:
    """Reuse the saved index, update it when only some items changed, else build it; True when saved anew."""
    if not items:
        raise IndexStoreError("cannot build an index of an empty catalog")
    settings = settings or IndexSettings()
    saved = _reusable(folder, embedder.name, settings)
    if saved is None:
        index = build_index(items, embedder, settings)
        index.save(folder)
        return index, True
    start = time.perf_counter()
    texts = [item.text() for item in items]
    ids = [item.item_id for item in items]
    hashes = [text_hash(t) for t in texts]
    diff = diff_catalog(saved.manifest, ids, hashes)
    fits = _fits(saved, settings, len(items))
    if fits and not diff.size:
        return saved, False
    vectors = embed_texts(embedder, [texts[p] for p in diff.fresh])
    fresh = _Fresh([ids[p] for p in diff.fresh], vectors, [hashes[p] for p in diff.fresh])
    if fits and diff.size <= REBUILD_SHARE * len(items):
        saved.remove(diff.stale)
        saved.add(fresh.ids, fresh.vectors, fresh.hashes)
        index = saved
    else:
        index = _rebuilt(saved, diff, fresh, settings)
    index.stamp(round(time.perf_counter() - start, 3))
    index.save(folder)
    return index, True
