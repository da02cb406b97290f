"""A FAISS index over item embeddings, saved with a manifest that ties it to its catalog and model."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.embedder import Embedder
from retrieval.items import Item
from whythis.errors import IndexStoreError

MANIFEST = "manifest.json"
INDEX_FILE = "items.faiss"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    """What an index was built from; a saved index is reused only when all of it still matches."""

    catalog_hash: str
    embedder: str
    dim: int
    count: int
    index_type: str
    item_ids: tuple[str, ...]
    built_seconds: float
    format_version: int = FORMAT_VERSION


def catalog_hash(items: Sequence[Item]) -> str:
    """A hash of the item texts in order: any change to what is embedded changes it."""
    h = hashlib.sha256()
    for item in items:
        h.update(item.item_id.encode())
        h.update(b"\0")
        h.update(item.text().encode())
        h.update(b"\n")
    return h.hexdigest()


@dataclass
class VectorIndex:
    """Item vectors in a faiss inner-product index; row i is item_ids[i]."""

    index: faiss.Index
    manifest: Manifest

    @property
    def item_ids(self) -> tuple[str, ...]:
        """Item id of each row."""
        return self.manifest.item_ids

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Scores and row numbers of the k nearest rows per query (-1 where fewer exist)."""
        k = max(1, min(k, self.index.ntotal))
        scores, rows = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k)
        return scores, rows

    def vectors(self, rows: Sequence[int]) -> np.ndarray:
        """The stored vectors of the given rows."""
        return np.vstack([self.index.reconstruct(int(r)) for r in rows])

    def save(self, folder: Path) -> None:
        """Write the index and its manifest to a folder."""
        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self.index, str(folder / INDEX_FILE))
        (folder / MANIFEST).write_text(json.dumps(asdict(self)["manifest"]), encoding="utf-8")


def build_index(items: Sequence[Item], embedder: Embedder) -> VectorIndex:
    """Embed every item's text and put the vectors in an exact inner-product index."""
    if not items:
        raise IndexStoreError("cannot build an index of an empty catalog")
    start = time.perf_counter()
    vectors = embedder.encode([item.text() for item in items])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    manifest = Manifest(
        catalog_hash=catalog_hash(items),
        embedder=embedder.name,
        dim=int(vectors.shape[1]),
        count=len(items),
        index_type="flat",
        item_ids=tuple(item.item_id for item in items),
        built_seconds=round(time.perf_counter() - start, 3),
    )
    return VectorIndex(index, manifest)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a saved index; errors say what is missing or broken."""
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["item_ids"] = tuple(data["item_ids"])
        return Manifest(**data)
    except FileNotFoundError as exc:
        raise IndexStoreError(
            f"no index at {folder} (missing {MANIFEST}); run `whythis index build`"
        ) from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise IndexStoreError(f"index manifest {path} is corrupt: {exc}") from exc


def load_index(folder: Path) -> VectorIndex:
    """Load a saved index and check it against its manifest."""
    manifest = read_manifest(folder)
    try:
        index = faiss.read_index(str(folder / INDEX_FILE))
    except RuntimeError as exc:
        raise IndexStoreError(f"cannot read {folder / INDEX_FILE}: {exc}") from exc
    if index.ntotal != manifest.count or index.d != manifest.dim:
        raise IndexStoreError(
            f"index at {folder} holds {index.ntotal}x{index.d} vectors, manifest says "
            f"{manifest.count}x{manifest.dim}; rebuild it"
        )
    return VectorIndex(index, manifest)


def open_or_build(folder: Path, items: Sequence[Item], embedder: Embedder) -> tuple[VectorIndex, bool]:
    """Reuse the saved index when catalog and embedder are unchanged, else rebuild and save it."""
    want = catalog_hash(items)
    if (folder / MANIFEST).is_file():
        try:
            saved = load_index(folder)
        except IndexStoreError:
            saved = None
        if saved and saved.manifest.catalog_hash == want and saved.manifest.embedder == embedder.name:
            return saved, False
    index = build_index(items, embedder)
    index.save(folder)
    return index, True
