from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np
import pytest
from pydantic import ValidationError

from retrieval import index_types, vector_index
from retrieval.index import (
    INDEX_FILE,
    LABELS_FILE,
    MANIFEST,
    IndexSettings,
    VectorIndex,
    catalog_hash,
    index_from_vectors,
    load_index,
    open_or_build,
)
from retrieval.index_types import ANN_KIND, ivf_lists, resolve_kind
from retrieval.items import Item
from tests.fakes import KeywordEmbedder
from whythis.errors import IndexStoreError

DIM = 32
KINDS = ("flat", "ivf", "hnsw")
# Exhaustive settings: IVF scans every list and HNSW keeps a candidate list as large as the data.
EXACT = {
    "flat": IndexSettings(kind="flat"),
    "ivf": IndexSettings(kind="ivf", nlist=8, nprobe=8),
    "hnsw": IndexSettings(kind="hnsw", m=16, ef_search=400),
}


def unit_vectors(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return np.asarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)


def ids_of(n: int, prefix: str = "i") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def make(kind: str, n: int = 400) -> tuple[VectorIndex, np.ndarray]:
    vecs = unit_vectors(n)
    return index_from_vectors(ids_of(n), vecs, "test", settings=EXACT[kind]), vecs


def found_ids(index: VectorIndex, query: np.ndarray, k: int) -> list[str]:
    _, rows = index.search(query, k)
    return [index.item_ids[r] for r in rows[0] if r >= 0]


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_finds_the_exact_neighbours(kind: str) -> None:
    index, vecs = make(kind)
    queries = unit_vectors(20, seed=1)
    exact = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]
    _, rows = index.search(queries, 10)
    assert index.kind == kind and index.manifest.count == 400
    if kind == "hnsw":
        hits = sum(len(set(r) & set(e)) for r, e in zip(rows, exact, strict=True))
        assert hits / exact.size >= 0.99
    else:
        np.testing.assert_array_equal(rows, exact)


def test_ivf_scanning_every_list_equals_flat() -> None:
    flat, _ = make("flat")
    ivf, _ = make("ivf")
    queries = unit_vectors(30, seed=2)
    scores_f, rows_f = flat.search(queries, 25)
    scores_i, rows_i = ivf.search(queries, 25)
    np.testing.assert_array_equal(rows_i, rows_f)
    np.testing.assert_allclose(scores_i, scores_f, rtol=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_added_item_is_found_and_its_vector_stored(kind: str) -> None:
    index, _ = make(kind)
    before = index.manifest.catalog_hash
    new = unit_vectors(2, seed=9)
    index.add(["new0", "new1"], new, ["h0", "h1"])
    assert index.manifest.count == 402 and index.item_ids[-2:] == ("new0", "new1")
    assert found_ids(index, new[1], 1) == ["new1"]
    np.testing.assert_allclose(index.vectors([401]), new[1:], rtol=1e-6)
    assert index.manifest.catalog_hash != before
    assert index.manifest.text_hashes[-2:] == ("h0", "h1")
    with pytest.raises(IndexStoreError, match="already in the index"):
        index.add(["new0"], new[:1])


@pytest.mark.parametrize("kind", KINDS)
def test_removed_items_are_never_returned(kind: str) -> None:
    index, vecs = make(kind)
    gone = [f"i{i}" for i in range(0, 400, 10)]
    index.remove(gone)
    assert index.manifest.count == 360 and not set(gone) & set(index.item_ids)
    for row in range(0, 400, 10):
        hits = found_ids(index, vecs[row], 50)
        assert len(hits) == 50 and not set(hits) & set(gone)
    everything = found_ids(index, vecs[0], 400)
    assert not set(everything) & set(gone)
    survivor = index.item_ids.index("i7")
    np.testing.assert_allclose(index.vectors([survivor])[0], vecs[7], rtol=1e-6)
    with pytest.raises(IndexStoreError, match="not in the index"):
        index.remove(["i0"])


@pytest.mark.parametrize("kind", KINDS)
def test_add_and_remove_keep_the_catalog_hash_consistent(kind: str) -> None:
    index, vecs = make(kind, 100)
    original = index.manifest.catalog_hash
    index.remove(["i3"])
    index.add(["i3"], vecs[3:4], [""])
    assert index.manifest.catalog_hash == original
    assert found_ids(index, vecs[3], 1) == ["i3"]


@pytest.mark.parametrize("kind", KINDS)
def test_save_and_load_round_trip(kind: str, tmp_path: Path) -> None:
    index, vecs = make(kind)
    index.remove(["i1", "i2"])  # HNSW keeps 2 tombstones (< 10 %): they must survive the round trip
    index.add(["extra"], unit_vectors(1, seed=5))
    index.save(tmp_path)
    loaded = load_index(tmp_path)
    assert loaded.manifest == index.manifest
    assert loaded.manifest.tombstones == (2 if kind == "hnsw" else 0)
    queries = unit_vectors(10, seed=3)
    np.testing.assert_array_equal(loaded.search(queries, 20)[1], index.search(queries, 20)[1])
    assert "i1" not in found_ids(loaded, vecs[1], 50)


def test_hnsw_tombstones_are_compacted_on_save(tmp_path: Path) -> None:
    index, vecs = make("hnsw")
    index.remove(ids_of(60))
    assert index.index.ntotal == 400 and index.manifest.tombstones == 60
    index.save(tmp_path)
    loaded = load_index(tmp_path)
    assert loaded.index.ntotal == 340 and loaded.manifest.tombstones == 0
    assert found_ids(loaded, vecs[100], 1) == ["i100"]


def _manifest(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 1}, r"format version 1, expected 2; rebuild it with `whythis index build`"),
        ({"index_type": "hnsw"}, r"index type 'flat' \(manifest: 'hnsw'\)"),
        ({"dim": 64}, r"dim 32 \(manifest: 64\)"),
        ({"count": 39}, r"vectors 40 \(manifest: 39\)"),
        ({"item_ids": ["x"] * 40}, "duplicate item ids"),
        ({"text_hashes": []}, r"text hashes 0 \(manifest: 40\)"),
        ({"item_ids": None}, "corrupt"),
    ],
)
def test_a_mismatched_manifest_says_what_and_what_to_do(
    tmp_path: Path, change: dict[str, object], message: str
) -> None:
    index_from_vectors(ids_of(40), unit_vectors(40), "test").save(tmp_path)
    data = _manifest(tmp_path)
    data.update(change)
    (tmp_path / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IndexStoreError, match=message) as err:
        load_index(tmp_path)
    assert "rebuild" in str(err.value)


def test_missing_or_corrupt_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="whythis index build"):
        load_index(tmp_path)
    index_from_vectors(ids_of(40), unit_vectors(40), "test").save(tmp_path)
    (tmp_path / LABELS_FILE).write_bytes(b"not numpy")
    with pytest.raises(IndexStoreError, match="cannot read the index files"):
        load_index(tmp_path)
    (tmp_path / LABELS_FILE).unlink()
    (tmp_path / INDEX_FILE).write_bytes(b"junk")
    with pytest.raises(IndexStoreError, match="cannot read the index files"):
        load_index(tmp_path)


@dataclass
class RecordingEmbedder:
    """A keyword embedder that remembers every text it was asked to encode."""

    inner: KeywordEmbedder = field(default_factory=lambda: KeywordEmbedder(dim=256))
    name: str = "fake:keywords"
    dim: int = 256
    texts: list[str] = field(default_factory=list)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        return self.inner.encode(texts)


COLOURS = ("red", "blue", "green", "black", "white")
WORDS = ("boot", "jacket", "scarf", "glove", "shirt", "skirt", "sandal", "beanie")


def catalog(n: int = 30) -> list[Item]:
    return [
        Item(f"p{i}", f"{COLOURS[i % 5]} {WORDS[i % 8]} model{i}", colour=COLOURS[i % 5]) for i in range(n)
    ]


def test_open_or_build_reembeds_only_what_changed(tmp_path: Path) -> None:
    embedder = RecordingEmbedder()
    items = catalog()
    _, rebuilt = open_or_build(tmp_path, items, embedder)
    assert rebuilt and len(embedder.texts) == 30
    changed = Item("p4", "purple raincoat model4", colour="purple")
    added = Item("p99", "orange wellies model99", colour="orange")
    new_items = [*items[:4], changed, *items[5:29], added]  # p29 is gone
    embedder.texts.clear()
    index, rebuilt = open_or_build(tmp_path, new_items, embedder)
    assert rebuilt and embedder.texts == [changed.text(), added.text()]
    assert 4 not in index.labels  # updated in place: the changed row lost its label, no relabelling
    assert index.manifest.count == 30 and "p29" not in index.item_ids
    assert index.manifest.catalog_hash == catalog_hash(new_items)
    assert found_ids(index, embedder.encode(["purple raincoat"]), 1) == ["p4"]
    embedder.texts.clear()
    again, rebuilt = open_or_build(tmp_path, list(reversed(new_items)), embedder)
    assert not rebuilt and embedder.texts == [] and again.manifest == index.manifest


def test_an_old_format_index_is_rebuilt(tmp_path: Path) -> None:
    embedder = RecordingEmbedder()
    open_or_build(tmp_path, catalog(), embedder)
    data = _manifest(tmp_path)
    data["format_version"] = 1
    (tmp_path / MANIFEST).write_text(json.dumps(data), encoding="utf-8")
    embedder.texts.clear()
    _, rebuilt = open_or_build(tmp_path, catalog(), embedder)
    assert rebuilt and len(embedder.texts) == 30 and load_index(tmp_path).manifest.format_version == 2


def test_auto_picks_flat_below_the_threshold_and_ann_above() -> None:
    settings = IndexSettings(auto_threshold=100)
    assert resolve_kind(settings, 100) == "flat" and resolve_kind(settings, 101) == ANN_KIND
    small = index_from_vectors(ids_of(50), unit_vectors(50), "t", settings=settings)
    large = index_from_vectors(ids_of(500), unit_vectors(500), "t", settings=settings)
    assert small.kind == "flat" and large.kind == ANN_KIND
    assert ivf_lists(IndexSettings(), 1_000_000) == 4000 and ivf_lists(IndexSettings(), 400) == 10


def test_growing_past_the_threshold_switches_kind_without_reembedding(tmp_path: Path) -> None:
    embedder = RecordingEmbedder()
    settings = IndexSettings(auto_threshold=25)
    first, _ = open_or_build(tmp_path, catalog(20), embedder, settings)
    embedder.texts.clear()
    grown, rebuilt = open_or_build(tmp_path, catalog(30), embedder, settings)
    assert first.kind == "flat" and grown.kind == ANN_KIND and rebuilt
    assert len(embedder.texts) == 10 and load_index(tmp_path).kind == ANN_KIND


def test_settings_reject_unknown_keys() -> None:
    with pytest.raises(ValidationError):
        IndexSettings.model_validate({"kind": "flat", "nprobes": 3})
    with pytest.raises(ValidationError):
        IndexSettings.model_validate({"kind": "annoy"})


def test_gpu_is_used_only_when_present_and_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    index, vecs = make("flat", 50)
    assert faiss.get_num_gpus() == 0 and index_types.gpu_copy(index.index, IndexSettings()) is None
    moved: list[object] = []

    def fake_to_gpus(cpu: object) -> object:
        moved.append(cpu)
        return cpu

    monkeypatch.setattr(faiss, "get_num_gpus", lambda: 1)
    monkeypatch.setattr(faiss, "index_cpu_to_all_gpus", fake_to_gpus)
    assert found_ids(index, vecs[3], 1) == ["i3"] and moved == [index.index]
    index.configure(IndexSettings(use_gpu="never"))
    assert found_ids(index, vecs[4], 1) == ["i4"] and len(moved) == 1


def test_large_query_sets_are_searched_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    index, _ = make("flat", 100)
    queries = unit_vectors(25, seed=4)
    whole = index.search(queries, 5)
    monkeypatch.setattr(vector_index, "SEARCH_CHUNK", 7)
    batched = index.search(queries, 5)
    np.testing.assert_array_equal(batched[1], whole[1])
    np.testing.assert_allclose(batched[0], whole[0])
