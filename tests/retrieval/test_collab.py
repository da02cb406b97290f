from __future__ import annotations

import numpy as np
import pytest

from retrieval.collab import CollabConfig, train_collab
from retrieval.interactions import from_pairs
from tests.retrieval.collab_data import ITEMS, TINY, interactions, model
from whythis.errors import DataError


def ranked(found: list[str], history: tuple[str, ...]) -> list[str]:
    return [i for i in found if i not in history]


def test_cooccurrence_ranks_the_co_bought_item_first_with_true_counts() -> None:
    co = model(factorise=False).co_bought(["tent"], 10)
    assert [c.item_id for c in co] == ["bag", "stove"]  # never the anchor itself, never the runners' items
    assert (co[0].anchor, co[0].count) == ("tent", 6)
    assert (co[1].anchor, co[1].count) == ("tent", 3)
    assert co[0].score > co[1].score > 0


def test_cooccurrence_names_the_anchor_each_item_shares_most_buyers_with() -> None:
    co = {c.item_id: c for c in model(factorise=False).co_bought(["tent", "shoe"], 10)}
    assert (co["bag"].anchor, co["sock"].anchor, co["cap"].anchor) == ("tent", "shoe", "shoe")
    assert co["cap"].count == 3


@pytest.mark.parametrize("kind", ["als", "bpr"])
def test_factor_vectors_put_the_co_bought_item_first(kind: str) -> None:
    bpr = {"model": "bpr", "iterations": 200, "learning_rate": 0.05}
    m = model(TINY if kind == "als" else TINY.model_copy(update=bpr))
    assert m.factors is not None and set(m.factors.item_ids) == {
        "tent",
        "bag",
        "stove",
        "shoe",
        "sock",
        "cap",
    }
    # c4 is known to the model (tent + sleeping bag); the newcomer is folded in from one purchase.
    for user, history, want in (("c4", ("tent", "bag"), "stove"), ("newcomer", ("tent",), "bag")):
        vector = m.user_vector(user, history)
        assert vector is not None
        _, rows = m.factors.search(vector[None, :], 6)
        assert ranked([m.factors.item_ids[r] for r in rows[0]], history)[0] == want


def test_known_user_uses_learned_vector_and_unknown_items_give_none() -> None:
    m = model()
    assert m.user_factors is not None
    learned = m.user_vector("c1", ())
    assert learned is not None and np.allclose(learned, m.user_factors[m.interactions.user_row["c1"]])
    assert m.user_vector("newcomer", ("bivy", "nothing")) is None
    assert m.item_vector("bivy") is None
    assert m.nearest_in_factors("bag", ["shoe", "tent"]) == "tent"


def test_training_is_seeded() -> None:
    a, b = model(), model()
    assert a.item_factors is not None and b.item_factors is not None
    assert np.array_equal(a.item_factors, b.item_factors)


def test_popularity_and_min_support() -> None:
    m = model(TINY.model_copy(update={"min_support": 4}), factorise=False)
    assert m.catalog_ids == ("tent", "bag", "shoe", "sock")  # stove and cap have 3 buyers
    assert m.most_popular(2) == [("tent", 6), ("bag", 6)]
    # One shopper's purchase is no evidence of what goes with it.
    lonely = from_pairs([*((u, i) for u, i in [("x", "tent"), ("x", "lamp")]), ("y", "tent")])
    sparse = train_collab(lonely, ["tent", "lamp"], CollabConfig(min_support=2), factorise=False)
    assert sparse.co_bought(["lamp"], 5) == []
    assert sparse.catalog_ids == ("tent",)


def test_interactions_of_another_catalog_are_refused() -> None:
    with pytest.raises(DataError, match="none of the 2 catalog items"):
        train_collab(interactions(), ["x1", "x2"], TINY)


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="factors"):
        CollabConfig(factors=0)
    with pytest.raises(ValueError, match="extra"):
        CollabConfig.model_validate({"factor": 8})
    assert len(ITEMS) == 7
