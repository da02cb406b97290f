from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from eval.retrieval import (
    RetrievalEvalConfig,
    coverage,
    evaluate,
    load_retrieval_config,
    markdown,
    mrr,
    ndcg_at,
    prepare,
    recall_at,
    run_retrieval_eval,
    summarise,
)
from eval.retrieval_data import Case, Fold, Setup, load_setup
from retrieval.filters import Constraints, violation
from retrieval.index import build_index
from retrieval.interactions import from_pairs
from retrieval.retriever import Query, Retriever, RetrieverConfig
from retrieval.shoppers import Shopper
from tests.fakes import KeywordEmbedder
from tests.retrieval import collab_data
from whythis.errors import ConfigError


def test_recall_ndcg_mrr_and_coverage_on_hand_computed_cases() -> None:
    ranks = [1, 4, None, 12, 60]
    assert recall_at(ranks, 10) == pytest.approx(2 / 5)
    assert recall_at(ranks, 50) == pytest.approx(3 / 5)
    assert ndcg_at(ranks, 10) == pytest.approx((1.0 + 1 / math.log2(5)) / 5)
    assert mrr(ranks) == pytest.approx((1 + 1 / 4 + 1 / 12 + 1 / 60) / 5)
    assert coverage([["a", "b"], ["b", "c"]], 10) == pytest.approx(0.3)
    assert recall_at([], 10) == ndcg_at([], 10) == mrr([]) == 0.0
    got = summarise([2, None], [["a", "b"] + ["x"] * 20, ["c"]], 4)
    assert got == {"recall@10": 0.5, "recall@50": 0.5, "ndcg@10": round(0.5 / math.log2(3), 4),
                   "mrr": 0.25, "coverage@10": 1.0}  # fmt: skip


def tiny_setup(with_interactions: bool = True) -> Setup:
    # Camper c1's sleeping bag is held out: the other campers bought it with their tents.
    pairs = [(u, i) for u, i in collab_data.pairs() if not (u == "c1" and i == "bag")]
    interactions = from_pairs(pairs) if with_interactions else None
    shopper = Shopper("c1", profile="likes camping", history=("tent", "stove"))
    texts = tuple(item.text() for item in collab_data.ITEMS)
    fold = Fold((Case(shopper, "bag"),), interactions)
    return Setup("tiny", tuple(collab_data.ITEMS), texts, (fold,), ())


def test_every_method_is_evaluated_and_methods_without_interactions_are_skipped() -> None:
    config = RetrievalEvalConfig(collab=collab_data.TINY)
    results = evaluate(tiny_setup(), prepare(tiny_setup(), KeywordEmbedder(), config), config.retriever)
    assert list(results) == [
        "popularity",
        "content-only",
        "content+history (previous retriever)",
        "keyword-only",
        "item co-occurrence (cosine)",
        "collaborative-only",
        "fused",
    ]
    assert results["item co-occurrence (cosine)"]["recall@10"] == 1.0
    assert results["fused"]["mrr"] == 1.0
    no_interactions = tiny_setup(with_interactions=False)
    plain = evaluate(no_interactions, prepare(no_interactions, KeywordEmbedder(), config), config.retriever)
    assert list(plain) == ["content-only", "content+history (previous retriever)", "keyword-only", "fused"]


def test_config_overrides_and_unknown_domain() -> None:
    cfg = load_retrieval_config(["retriever.bought_together_weight=0.5", "collab.factors=32", "folds=3"])
    assert (cfg.retriever.bought_together_weight, cfg.collab.factors, cfg.folds) == (0.5, 32, 3)
    with pytest.raises(ConfigError, match="valid keys"):
        load_retrieval_config(["collab.factor=3"])
    with pytest.raises(ConfigError, match="xrec/google, xrec/yelp, xrec/amazon, amazon2023"):
        load_setup("xrec/books")


def amazon_row(user: str, asins: list[str]) -> str:
    reviews = [{"parent_asin": a, "rating": 5.0, "product": {"title": f"Product {a}"}} for a in asins]
    return json.dumps({"user_id": user, "category": "Toys", "history": reviews[:-1], "heldout": reviews[-1]})


def test_amazon2023_folds_never_train_on_their_own_held_out_items(tmp_path: Path) -> None:
    path = tmp_path / "users.jsonl"
    rows = [amazon_row(f"u{n}", [f"a{n}", f"b{n}", "shared", f"c{n}", f"held{n % 3}"]) for n in range(7)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    setup = load_setup("amazon2023", path, folds=3)
    assert len(setup.items) == 7 * 3 + 1 + 3 and len(setup.cases) == 7
    for fold in setup.folds:
        assert fold.interactions is not None
        for case in fold.cases:
            mine = fold.interactions.items_of(case.shopper.shopper_id)
            assert case.target not in mine and set(case.shopper.history) <= set(mine)
    everything = {c.target for c in setup.cases}
    assert everything == {"held0", "held1", "held2"}


def test_markdown_table_has_one_row_per_method() -> None:
    metrics = {"cases": 3, "catalog_items": 9, "methods": {"fused": summarise([1, None, 3], [["a"]], 9)}}
    table = markdown("xrec/google", metrics)
    assert "| fused | 0.6667 | 0.6667 |" in table
    assert table.splitlines()[0].startswith("xrec/google (3 cases, 9 items")


@pytest.mark.slow
def test_myntra_constraints_are_never_broken() -> None:
    from retrieval.catalog import load_catalog
    from whythis.paths import data_dir

    items = load_catalog(data_dir() / "myntra" / "products.csv", "myntra").items
    embedder = KeywordEmbedder()
    retriever = Retriever(items, build_index(items, embedder), embedder, RetrieverConfig())
    rng = random.Random(7)
    words = ["black running shoes", "blue denim jacket", "red kurta", "white sneakers", "watch", ""]
    checked = 0
    for _ in range(36):
        constraints = Constraints(
            budget_max=rng.choice([None, 500.0, 999.0, 2500.0]),
            gender=rng.choice([None, "Men", "Women"]),
            colours=rng.choice([(), ("black",), ("blue", "navy"), ("red",), ("white",)]),
        )
        history = tuple(i.item_id for i in rng.sample(items, rng.choice([0, 2])))
        like = rng.choice([None, rng.choice(items).item_id])
        found = retriever.search(
            Query(Shopper("s", history=history), rng.choice(words), constraints, like), 10
        )
        assert all(violation(c.item, constraints) is None for c in found)
        assert not {c.item.item_id for c in found} & (set(history) | {like})
        checked += len(found)
    assert checked > 200  # most queries still found ten fitting items


@pytest.mark.slow
def test_xrec_google_fused_beats_content_only(tmp_path: Path) -> None:
    metrics, report = run_retrieval_eval("xrec/google", None, 100, RetrievalEvalConfig(), tmp_path)
    methods = metrics["methods"]
    assert methods["fused"]["recall@10"] > methods["content-only"]["recall@10"]
    assert methods["fused"]["recall@10"] > methods["item co-occurrence (cosine)"]["recall@10"]
    assert "| fused |" in report.read_text(encoding="utf-8")
    assert json.loads((report.parent / "run.json").read_text())["metrics"]["cases"] == 100
