from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.filters import Constraints
from retrieval.index import build_index, load_index, open_or_build
from retrieval.items import Item
from retrieval.retriever import Query, Retriever, query_text
from retrieval.shoppers import PastPurchase, Preferences, Shopper
from tests.fakes import KeywordEmbedder
from whythis.errors import IndexStoreError

ITEMS = [
    Item(
        "r1",
        "Trail running shoe",
        category="running shoes",
        colour="Black",
        price=120.0,
        gender="Men",
    ),
    Item(
        "r2",
        "Road running shoe",
        category="running shoes",
        colour="Blue",
        price=90.0,
        gender="Women",
    ),
    Item(
        "r3",
        "Budget running shoe",
        category="running shoes",
        colour="Black",
        price=40.0,
        gender="Men",
    ),
    Item("j1", "Rain jacket", category="jackets", colour="Yellow", price=150.0, gender="Unisex"),
    Item("j2", "Down jacket", category="jackets", colour="Black", price=220.0, gender="Men"),
    Item("b1", "Hiking backpack", category="backpacks", colour="Green", price=70.0, gender="Unisex"),
]


@pytest.fixture
def retriever() -> Retriever:
    embedder = KeywordEmbedder()
    return Retriever(ITEMS, build_index(ITEMS, embedder), embedder)


def test_text_query_finds_matching_items_first(retriever: Retriever) -> None:
    found = retriever.search(Query(Shopper("s"), "running shoe"), 3)
    assert {c.item.item_id for c in found} == {"r1", "r2", "r3"}
    assert all(c.evidence[0].signal == "content" for c in found)


def test_filters_always_hold_and_bought_items_are_excluded(retriever: Retriever) -> None:
    shopper = Shopper("s", history=("r1",))
    c = Constraints(budget_max=100, colours=("black",))
    found = retriever.search(Query(shopper, "running shoe", c), 5)
    assert [x.item.item_id for x in found] == ["r3", "b1"][: len(found)] or found
    for cand in found:
        assert cand.item.item_id != "r1"
        assert cand.item.price is not None and cand.item.price <= 100
        assert "black" in (cand.item.colour or "").lower()


def test_history_signal_names_the_history_items(retriever: Retriever) -> None:
    found = retriever.search(Query(Shopper("s", history=("j1",))), 2)
    assert found[0].item.item_id == "j2"
    history = [e for e in found[0].evidence if e.signal == "history"]
    assert history and history[0].near == ("j1",)


def test_like_item_and_cold_start(retriever: Retriever) -> None:
    like = retriever.search(Query(Shopper("s"), like_item_id="r2"), 2)
    assert like[0].item.item_id == "r2" or like[0].item.category == "running shoes"
    cold = retriever.search(Query(Shopper("cold")), 3)
    assert len(cold) == 3 and cold[0].evidence[0].signal == "popular"


def test_query_text_uses_profile_purchases_and_preferences() -> None:
    shopper = Shopper(
        "s", "loves trails", Preferences(colours=("red",)), purchases=(PastPurchase("Old boots"),)
    )
    assert query_text(shopper, "new shoes") == "new shoes. loves trails. Old boots. red"


def test_index_is_saved_reused_and_rebuilt_on_change(tmp_path: Path) -> None:
    embedder = KeywordEmbedder()
    _, rebuilt = open_or_build(tmp_path, ITEMS, embedder)
    assert rebuilt and load_index(tmp_path).manifest.count == len(ITEMS)
    calls = embedder.calls
    _, rebuilt = open_or_build(tmp_path, ITEMS, embedder)
    assert not rebuilt and embedder.calls == calls
    _, rebuilt = open_or_build(tmp_path, ITEMS[:-1], embedder)
    assert rebuilt and load_index(tmp_path).manifest.count == len(ITEMS) - 1


def test_missing_or_corrupt_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(IndexStoreError, match="index build"):
        load_index(tmp_path)
    (tmp_path / "manifest.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexStoreError, match="corrupt"):
        load_index(tmp_path)
