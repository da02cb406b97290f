from __future__ import annotations

import pytest

from retrieval.fusion import fuse
from retrieval.items import Item
from retrieval.keyword import build_keyword_index, item_keyword_text, terms
from retrieval.signals import Hit

TEXTS = [
    "Coco's Ramen. Ramen lovers enjoy rich tonkotsu broth and thin noodles.",
    "Tony's Pizza. Thin crust pizzas with local ingredients.",
    "Green Market. Local produce, bread and ingredients.",
]


def test_terms_are_stemmed_words_without_stop_words_and_neighbouring_pairs() -> None:
    assert terms("The thin crust of pizzas") == ["thin", "crust", "pizza", "thin_crust", "crust_pizza"]
    assert terms("kurtas") == terms("kurta")


def test_search_ranks_shared_rare_phrases_first_and_skips_non_matches() -> None:
    index = build_keyword_index(TEXTS)
    found = index.search("thin crust pizzas made from local ingredients", 5)
    assert [m.row for m in found] == [1, 2, 0]  # the ramen shop shares only "thin"
    assert found[0].score > found[1].score > 0
    assert index.search("nothing in common", 5) == []
    shared = index.shared_terms("thin crust pizzas made from local ingredients", 1)
    assert shared[0] == "thin crust"
    assert "crust" not in shared  # a word inside a shown phrase is not repeated
    assert index.shared_terms("I want pizza", 1) == ("pizza",)  # as the shopper wrote it


def test_bm25_prefers_the_shorter_text_for_the_same_matches() -> None:
    index = build_keyword_index(["red kurta", "red kurta with a long description of many other words"])
    found = index.search("kurta", 2)
    assert [m.row for m in found] == [0, 1] and found[0].score > found[1].score


def test_item_keyword_text_uses_every_attribute_and_the_whole_description() -> None:
    item = Item("x", "Shoe", brand="Acme", colour="Red", description="a" * 300, extra=(("fit", "wide"),))
    text = item_keyword_text(item)
    assert "Acme" in text and "Red" in text and "wide" in text and "a" * 300 in text


def test_score_fusion_normalises_each_signal_and_rrf_uses_ranks() -> None:
    lists = {
        "keyword": [Hit("a", 0.9), Hit("b", 0.3)],
        "bought_together": [Hit("b", 12.0), Hit("c", 6.0)],
        "content": [Hit("c", 0.5)],
    }
    weights = {"keyword": 1.0, "bought_together": 1.0, "content": 0.0}
    scored = fuse(lists, weights, "score")
    assert [i for i, _ in scored] == ["b", "a", "c"]  # b: 1/3 + 1, a: 1, c: 1/2
    assert dict(scored)["b"] == pytest.approx(0.3 / 0.9 + 1.0)
    rrf = dict(fuse(lists, weights, "rrf", rrf_k=60))
    assert rrf["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert "c" in rrf and rrf["c"] == pytest.approx(1 / 62)
    assert fuse({"bought_together": [Hit("a", -1.0)]}, {"bought_together": 1.0}) == [("a", 0.0)]
