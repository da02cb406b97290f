"""FAISS index kinds (exact, IVF, HNSW): settings, construction, training, search parameters, GPU."""

from __future__ import annotations

import math
from typing import Any, Literal

import faiss
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from whythis.errors import IndexStoreError

IndexKind = Literal["flat", "ivf", "hnsw"]
KINDS: tuple[IndexKind, ...] = ("flat", "ivf", "hnsw")

# k-means places IVF centroids well with about 40 points per list; more only makes training slower.
TRAIN_POINTS_PER_LIST = 40

# What `auto` picks above the threshold: IVF. On one core, `whythis bench retrieval --items 1000000`
# (clustered synthetic vectors, top-50) measured IVF nprobe=16 at p99 0.84 ms with recall@50 0.997 and
# nprobe=64 at p99 2.3 ms with 0.999, while HNSW (m=32) needed efSearch=256 for 0.952 at p99 1.2 ms and
# took 128 s to build against IVF's 51 s. IVF also deletes natively; HNSW stays selectable.
ANN_KIND: IndexKind = "ivf"

# faiss's bundled stubs lack DirectMap, SearchParametersHNSW and the HNSW fields; typed as Any here.
_faiss: Any = faiss


class IndexSettings(BaseModel):
    """Which FAISS index to build and how to search it (L2-normalised vectors, inner product)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["auto", "flat", "ivf", "hnsw"] = "auto"
    auto_threshold: int = Field(default=50_000, ge=1, description="above this many items auto picks ANN")
    nlist: int | None = Field(default=None, ge=1, description="IVF lists; None = about 4*sqrt(n)")
    # Defaults reach recall@50 >= 0.95 on Myntra and on the 100k synthetic catalog of the bench.
    nprobe: int = Field(default=64, ge=1, description="IVF lists scanned per query")
    m: int = Field(default=32, ge=4, le=128, description="HNSW links per node")
    ef_search: int = Field(default=256, ge=1, description="HNSW candidate list per query (at least k)")
    ef_construction: int = Field(default=64, ge=8, description="HNSW candidate list while building")
    use_gpu: Literal["auto", "never"] = "auto"


def resolve_kind(settings: IndexSettings, count: int) -> IndexKind:
    """The index kind for a catalog of `count` items: the setting, or exact up to the threshold."""
    if settings.kind != "auto":
        return settings.kind
    return "flat" if count <= settings.auto_threshold else ANN_KIND


def ivf_lists(settings: IndexSettings, count: int) -> int:
    """IVF list count: the setting, else ~4*sqrt(n) but never so many that a list trains on < 40 points."""
    if settings.nlist is not None:
        return settings.nlist
    return max(1, min(round(4 * math.sqrt(count)), count // TRAIN_POINTS_PER_LIST))


def training_points(settings: IndexSettings, count: int) -> int:
    """How many vectors the first add to an untrained IVF index should bring (0 for other kinds)."""
    if resolve_kind(settings, count) != "ivf":
        return 0
    return min(count, ivf_lists(settings, count) * TRAIN_POINTS_PER_LIST)


def structure_params(kind: IndexKind, settings: IndexSettings, count: int) -> tuple[tuple[str, int], ...]:
    """The build-time parameters of an index; changing one of them needs a new index."""
    if kind == "ivf":
        return (("nlist", ivf_lists(settings, count)),)
    if kind == "hnsw":
        return (("m", settings.m), ("ef_construction", settings.ef_construction))
    return ()


def make_index(kind: IndexKind, dim: int, params: tuple[tuple[str, int], ...]) -> Any:
    """An empty CPU index that takes caller-chosen int64 labels (add_with_ids) and supports reconstruct."""
    p = dict(params)
    ip = faiss.METRIC_INNER_PRODUCT
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "ivf":
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, p["nlist"], ip)
        # A hashtable direct map lets reconstruct and remove_ids work with arbitrary labels.
        index.set_direct_map_type(_faiss.DirectMap.Hashtable)
        return index
    inner = faiss.IndexHNSWFlat(dim, p["m"], ip)
    inner.hnsw.efConstruction = p["ef_construction"]
    return faiss.IndexIDMap2(inner)


def kind_of(index: Any) -> str:
    """The kind of a faiss index as this module builds it, or 'other:<class>' for anything else."""
    name = type(index).__name__
    if name == "IndexIVFFlat":
        return "ivf"
    if name == "IndexIDMap2":
        inner = type(faiss.downcast_index(index.index)).__name__
        return {"IndexFlatIP": "flat", "IndexFlat": "flat", "IndexHNSWFlat": "hnsw"}.get(
            inner, f"other:{inner}"
        )
    return f"other:{name}"


def hnsw_of(index: Any) -> Any:
    """The HNSW graph of an index this module built as kind 'hnsw' (for efSearch and friends)."""
    return _faiss.downcast_index(index.index).hnsw


def train_if_needed(index: Any, vectors: np.ndarray) -> None:
    """Train an untrained IVF index on (a seeded sample of) the vectors about to be added."""
    if index.is_trained:
        return
    nlist = int(index.nlist)
    if len(vectors) < nlist:
        raise IndexStoreError(
            f"an IVF index with nlist={nlist} needs at least {nlist} vectors to train, got {len(vectors)}; "
            "lower nlist or use kind='flat'"
        )
    size = min(len(vectors), nlist * TRAIN_POINTS_PER_LIST)
    rows = np.sort(np.random.default_rng(0).choice(len(vectors), size=size, replace=False))
    index.train(np.ascontiguousarray(vectors[rows]))


def apply_search_settings(index: Any, settings: IndexSettings) -> None:
    """Set the query-time knobs (IVF nprobe, HNSW efSearch); they need no rebuild."""
    kind = kind_of(index)
    if kind == "ivf":
        index.nprobe = min(settings.nprobe, int(index.nlist))
    elif kind == "hnsw":
        hnsw_of(index).efSearch = settings.ef_search


def tombstone_params(index: Any, removed: np.ndarray) -> tuple[Any, ...]:
    """HNSW search parameters that skip removed labels, plus the selectors they point to (keep alive)."""
    batch = faiss.IDSelectorBatch(np.ascontiguousarray(removed, dtype=np.int64))
    skip = faiss.IDSelectorNot(batch)
    ef = int(hnsw_of(index).efSearch)
    # Parameters passed to search replace the index's own, so efSearch is copied over explicitly.
    return _faiss.SearchParametersHNSW(sel=skip, efSearch=ef), skip, batch


def gpu_copy(index: Any, settings: IndexSettings) -> Any | None:
    """A copy of the index on all GPUs when allowed and present (faiss-gpu), else None."""
    if settings.use_gpu == "never" or kind_of(index) == "hnsw":
        return None  # faiss has no GPU HNSW; that index always searches on the CPU
    if not hasattr(faiss, "get_num_gpus") or faiss.get_num_gpus() < 1:
        return None
    try:
        return faiss.index_cpu_to_all_gpus(index)
    except (RuntimeError, AttributeError):
        return None
