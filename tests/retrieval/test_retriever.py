from __future__ import annotations

from pathlib import Path

import pytest

from retrieval.filters import Constraints, violation
from retrieval.index import build_index, load_index, open_or_build
from retrieval.items import Item
from retrieval.retriever import Candidate, Query, Retriever, RetrieverConfig, query_text
from retrieval.shoppers import PastPurchase, Preferences, Shopper
from tests.fakes import KeywordEmbedder
from tests.retrieval import collab_data
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
    # r3 is the one black running shoe under 100 that the shopper has not bought; b1 is green.
    assert [x.item.item_id for x in found] == ["r3"]
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


# --- hybrid retrieval: collaborative signals, fusion, evidence, cold start --------------------------

SHOP = collab_data.ITEMS


@pytest.fixture(scope="module")
def shop() -> Retriever:
    embedder = KeywordEmbedder()
    return Retriever(SHOP, build_index(SHOP, embedder), embedder, RetrieverConfig(), collab_data.model())


def signals_of(candidate: Candidate) -> set[str]:
    return {e.signal for e in candidate.evidence}


def test_without_interactions_only_text_and_history_signals_run(retriever: Retriever) -> None:
    assert set(retriever.signals()) == {"content", "keyword", "history", "like_item"}


def test_co_bought_item_comes_first_with_evidence_of_both_signals(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("newcomer", history=("tent",))), 3)
    assert found[0].item.item_id == "bag"
    assert {"collaborative", "bought_together"} <= signals_of(found[0])
    cooc = next(e for e in found[0].evidence if e.signal == "bought_together")
    assert cooc.detail == "bought together with Two-person dome tent by 6 shoppers"
    assert cooc.near == ("tent",) and cooc.rank == 1 and cooc.count == 6
    collab = next(e for e in found[0].evidence if e.signal == "collaborative")
    assert collab.near == ("tent",) and "Two-person dome tent" in collab.detail
    assert all(c.item.item_id != "tent" for c in found)  # already bought


def test_fused_text_and_collaborative_evidence_on_one_candidate(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("c1", history=("tent", "stove")), "warm sleeping bag"), 2)
    assert found[0].item.item_id == "bag"
    assert {"content", "keyword", "collaborative", "bought_together"} <= signals_of(found[0])
    keyword = next(e for e in found[0].evidence if e.signal == "keyword")
    assert "'sleeping bag'" in keyword.detail and keyword.terms[0] == "sleeping bag"
    assert found[0].score > found[1].score


def test_cold_start_shopper_with_only_a_message_gets_content_candidates(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("stranger"), "trail running shoe"), 3)
    assert found[0].item.item_id == "shoe"
    assert signals_of(found[0]) <= {"content", "keyword"} and "content" in signals_of(found[0])


def test_new_item_without_interactions_is_reachable_by_its_text(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("stranger"), "ultralight bivy shelter"), 3)
    assert found[0].item.item_id == "bivy"
    camper = shop.search(Query(Shopper("c2", history=("tent", "bag")), "ultralight bivy shelter"), 3)
    bivy = next(c for c in camper if c.item.item_id == "bivy")
    assert signals_of(bivy) <= {"content", "keyword", "history"} and "keyword" in signals_of(bivy)


def test_like_item_uses_text_and_co_buying(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("s"), like_item_id="tent"), 3)
    ids = [c.item.item_id for c in found]
    assert "tent" not in ids and "bag" in ids and "bivy" in ids
    bag = found[ids.index("bag")]
    assert "bought_together" in signals_of(bag)
    assert "Two-person dome tent" in next(e.detail for e in bag.evidence if e.signal == "bought_together")


def test_cold_shopper_without_words_gets_the_most_bought(shop: Retriever) -> None:
    found = shop.search(Query(Shopper("cold")), 4)
    assert {c.item.item_id for c in found} == {"tent", "bag", "shoe", "sock"}  # 6 buyers each
    assert all(c.evidence[0].signal == "popular" and c.evidence[0].count == 6 for c in found)
    assert "6 shoppers" in found[0].evidence[0].detail


@pytest.mark.parametrize(
    "constraints",
    [
        Constraints(budget_max=100),
        Constraints(gender="Men"),
        Constraints(colours=("green",)),
        Constraints(budget_max=160, gender="Women", colours=("red", "white")),
        Constraints(budget_min=1000),
    ],
)
def test_constraints_are_never_broken_by_any_signal(shop: Retriever, constraints: Constraints) -> None:
    shoppers = [Shopper("c1", history=("tent",)), Shopper("r1", history=("shoe",)), Shopper("new")]
    for shopper in shoppers:
        for text in ("", "tent sleeping bag", "running shoe socks cap"):
            for like in (None, "tent", "shoe"):
                found = shop.search(Query(shopper, text, constraints, like), 5)
                assert all(violation(c.item, constraints) is None for c in found)
                assert all(c.item.item_id not in shopper.history for c in found)


def test_variants_of_one_product_are_one_candidate_that_names_the_other_colours() -> None:
    jackets = [
        Item("v1", "Nordvik Fjord Rain Jacket, Blue", brand="Nordvik", colour="Blue", price=149.0),
        Item("v2", "Nordvik Fjord Rain Jacket, Red", brand="Nordvik", colour="Red", price=149.0),
        Item("v3", "Nordvik Fjord Rain Jacket, Black", brand="Nordvik", colour="Black", price=149.0),
        Item("v4", "Nordvik Polar Down Jacket, Black", brand="Nordvik", colour="Black", price=279.0),
    ]
    embedder = KeywordEmbedder()
    index = build_index(jackets, embedder)
    one = Retriever(jackets, index, embedder)  # the default: one card per product
    found = one.search(Query(Shopper("s"), "rain jacket"), 3)
    assert [c.item.item_id for c in found].count("v4") == 1 and len(found) == 2
    fjord = next(c for c in found if "Fjord" in c.item.title)
    assert sorted(c.lower() for c in [fjord.item.colour or "", *fjord.also_in]) == ["black", "blue", "red"]
    each = RetrieverConfig(collapse_variants=False)
    every = Retriever(jackets, index, embedder, each).search(Query(Shopper("s"), "rain jacket"), 3)
    assert len(every) == 3 and not any(c.also_in for c in every)  # off: each item its own card


YOUNG = [
    Item("k1", "Puddle rain jacket for kids", category="jackets", colour="Yellow", price=40.0, gender="Kids"),
    Item("k2", "Splash rain jacket", category="jackets", colour="Red", price=45.0, gender="Boys"),
    *ITEMS,
]


@pytest.fixture
def with_children() -> Retriever:
    embedder = KeywordEmbedder()
    return Retriever(YOUNG, build_index(YOUNG, embedder), embedder)


def test_with_no_child_named_adult_items_come_first(with_children: Retriever) -> None:
    found = [c.item.item_id for c in with_children.search(Query(Shopper("s"), "rain jacket"), 5)]
    assert found[:2] == ["j1", "j2"]
    # Still listed: after every adult jacket, before adult items that answer nothing of the request.
    assert set(found[2:4]) == {"k1", "k2"}


@pytest.mark.parametrize(
    "query",
    [
        Query(Shopper("s"), "rain jacket for my son"),
        Query(Shopper("s"), "rain jacket", Constraints(gender="kids")),
        Query(Shopper("s", preferences=Preferences(gender="boys")), "rain jacket"),
    ],
)
def test_a_child_named_or_known_keeps_children_s_items_in_place(
    with_children: Retriever, query: Query
) -> None:
    found = [c.item.item_id for c in with_children.search(query, 4)]
    # The boys' rain jacket keeps its place on merit: above the adult down jacket (or alone, when only
    # children's items fit).
    assert "k2" in found[:2]
    assert "j2" not in found or found.index("k2") < found.index("j2")
