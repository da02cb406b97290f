from __future__ import annotations

from retrieval.filters import Constraints, violation
from retrieval.items import Item
from retrieval.shoppers import Preferences

SHOE = Item("1", "Runner", brand="Fleet", price=80.0, colour="Navy Blue", gender="Men", category="Shoes")


def test_each_constraint_rejects_what_breaks_it() -> None:
    assert violation(SHOE, Constraints()) is None
    assert violation(SHOE, Constraints(budget_max=79.99)) == "price above 79.99"
    assert violation(SHOE, Constraints(budget_min=81)) is not None
    assert violation(SHOE, Constraints(gender="Women")) == "not for Women"
    assert violation(SHOE, Constraints(colours=("red",))) is not None
    assert violation(SHOE, Constraints(colours=("blue",))) is None
    assert violation(SHOE, Constraints(avoid_brands=("fleet",))) is not None
    assert violation(SHOE, Constraints(brands=("Other",))) is not None
    assert violation(SHOE, Constraints(categories=("shoes",))) is None
    assert violation(SHOE, Constraints(exclude_ids=frozenset({"1"}))) is not None


def test_unisex_fits_men_and_women_but_an_unpriced_item_never_fits_a_budget() -> None:
    unisex = Item("2", "Cap", gender="Unisex")
    assert violation(unisex, Constraints(gender="men")) is None
    assert violation(unisex, Constraints(gender="women")) is None
    assert violation(unisex, Constraints(budget_max=10)) is not None


def test_merge_keeps_tighter_budget_and_adds_exclusions() -> None:
    a = Constraints(budget_max=100, colours=("black",), exclude_ids=frozenset({"a"}))
    b = Constraints(budget_max=150, gender="Women", exclude_ids=frozenset({"b"}))
    m = a.merged(b)
    assert m.budget_max == 100 and m.gender == "Women" and m.colours == ("black",)
    assert m.exclude_ids == {"a", "b"}
    prefs = Preferences(budget_max=50, avoid_brands=("X",))
    assert Constraints.from_preferences(prefs).avoid_brands == ("X",)
