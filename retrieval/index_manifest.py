"""The manifest of a saved index: what it was built from, how it is checked, and how a catalog differs."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from retrieval.items import Item
from whythis.errors import IndexStoreError

MANIFEST = "manifest.json"
FORMAT_VERSION = 2
_HASH_SPACE = 2**256
REBUILD_HINT = "rebuild it with `whythis index build` (or delete the folder to rebuild on next use)"


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
    text_hashes: tuple[str, ...] = ()  # per row: text_hash of what was embedded, "" when unknown
    index_params: tuple[tuple[str, int], ...] = ()
    tombstones: int = 0  # removed vectors still inside an HNSW graph
    format_version: int = FORMAT_VERSION


def text_hash(text: str) -> str:
    """A short hash of one embedded text; equal texts give equal hashes."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def item_digest(item_id: str, text_digest: str) -> int:
    """One item's share of the catalog hash."""
    return int.from_bytes(hashlib.sha256(f"{item_id}\0{text_digest}".encode()).digest(), "big")


def digest_total(item_ids: Sequence[str], text_hashes: Sequence[str]) -> int:
    """The sum of item digests: adding or removing an item updates it without touching the rest."""
    return sum(item_digest(i, h) for i, h in zip(item_ids, text_hashes, strict=True)) % _HASH_SPACE


def hash_of_total(total: int) -> str:
    """The catalog hash for a digest total."""
    return f"{total % _HASH_SPACE:064x}"


def catalog_hash(items: Sequence[Item]) -> str:
    """A hash of every item id with its embedded text, independent of order: any change changes it."""
    return hash_of_total(digest_total([i.item_id for i in items], [text_hash(i.text()) for i in items]))


def manifest_json(manifest: Manifest) -> str:
    """The manifest as JSON text."""
    return json.dumps(asdict(manifest), ensure_ascii=False)


def read_manifest(folder: Path) -> Manifest:
    """The manifest of a saved index; errors say what is missing, broken or outdated and what to do."""
    path = folder / MANIFEST
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexStoreError(
            f"no index at {folder} (missing {MANIFEST}); run `whythis index build`"
        ) from exc
    except json.JSONDecodeError as exc:
        raise IndexStoreError(f"index manifest {path} is corrupt: {exc}; {REBUILD_HINT}") from exc
    found = data.get("format_version") if isinstance(data, dict) else None
    if found != FORMAT_VERSION:
        raise IndexStoreError(
            f"index manifest {path} has format version {found}, expected {FORMAT_VERSION}; {REBUILD_HINT}"
        )
    try:
        data["item_ids"] = tuple(data["item_ids"])
        data["text_hashes"] = tuple(data["text_hashes"])
        data["index_params"] = tuple((str(k), int(v)) for k, v in data["index_params"])
        return Manifest(**data)
    except (KeyError, TypeError, ValueError) as exc:
        raise IndexStoreError(f"index manifest {path} is corrupt: {exc!r}; {REBUILD_HINT}") from exc


def check_manifest(folder: Path, manifest: Manifest, found: dict[str, int | str]) -> None:
    """Raise when what was loaded (kind, dim, vectors, labels) disagrees with the manifest."""
    expected: dict[str, int | str] = {
        "index type": manifest.index_type,
        "dim": manifest.dim,
        "vectors": manifest.count + manifest.tombstones,
        "labels": manifest.count,
        "item ids": manifest.count,
        "text hashes": manifest.count,
    }
    bad = [
        f"{key} {found[key]!r} (manifest: {want!r})" for key, want in expected.items() if found[key] != want
    ]
    if len(set(manifest.item_ids)) != len(manifest.item_ids):
        bad.append("duplicate item ids")
    if bad:
        raise IndexStoreError(
            f"index at {folder} does not match its manifest: {'; '.join(bad)}; {REBUILD_HINT}"
        )


@dataclass(frozen=True)
class CatalogDiff:
    """How a catalog differs from an index: ids to drop (gone or changed) and items to embed and add."""

    stale: tuple[str, ...]
    fresh: tuple[int, ...]  # positions in the catalog: new items and items whose text changed

    @property
    def size(self) -> int:
        """How many rows change."""
        return len(self.stale) + len(self.fresh)


def diff_catalog(manifest: Manifest, item_ids: Sequence[str], text_hashes: Sequence[str]) -> CatalogDiff:
    """Compare a catalog's ids and text hashes with what the index holds."""
    held = dict(zip(manifest.item_ids, manifest.text_hashes, strict=True))
    wanted = dict(zip(item_ids, text_hashes, strict=True))
    stale = tuple(i for i, h in held.items() if wanted.get(i) != h)
    fresh = tuple(
        pos for pos, (i, h) in enumerate(zip(item_ids, text_hashes, strict=True)) if held.get(i) != h
    )
    return CatalogDiff(stale, fresh)
