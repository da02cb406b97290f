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


def test_a_kind_request_admits_that_kind_and_its_narrower_kinds_only() -> None:
    runner = Item("r", "Stride Running Shoe", kind="Running Shoes")
    sandal = Item("s", "Beach Sandal", kind="Sandals")
    assert violation(runner, Constraints(kinds=("Shoes",))) is None  # running shoes are shoes
    assert violation(sandal, Constraints(kinds=("Shoes",))) is not None
    assert violation(Item("x", "Mystery"), Constraints(kinds=("Shoes",))) is not None


def test_the_title_colour_wins_over_a_contradicting_colour_field() -> None:
    brogues = Item("b", "Red Tape Men Tan Brogues", brand="Red Tape", colour="Red")
    assert violation(brogues, Constraints(colours=("red",))) is not None
    assert violation(brogues, Constraints(colours=("tan",))) is None
    navy = Item("n", "Men Navy Blue Polo", colour=None)
    assert violation(navy, Constraints(colours=("blue",))) is None  # a shade of what was asked


def test_material_reads_the_field_and_the_title_but_not_the_brand() -> None:
    saree = Item("s", "Varkala Silk Sarees Magenta Cotton Blend Saree", brand="Varkala Silk Sarees")
    assert violation(saree, Constraints(materials=("silk",))) is not None
    assert violation(saree, Constraints(materials=("cotton",))) is None


def test_sizes_hold_only_items_that_list_sizes() -> None:
    assert violation(SHOE, Constraints(sizes=("42",))) is None  # no sizes listed
    sized = Item("z", "Runner", sizes=("41", "42"))
    assert violation(sized, Constraints(sizes=("42",))) is None
    assert violation(sized, Constraints(sizes=("44",))) == "not in size 44"


def test_men_is_not_boys_and_an_item_for_nobody_fits_anyone() -> None:
    boys = Item("k", "Boys Polo", gender="Boys")
    assert violation(boys, Constraints(gender="men")) is not None
    assert violation(boys, Constraints(gender="boys")) is None
    assert violation(Item("u", "Kids Cap", gender="Unisex Kids"), Constraints(gender="girls")) is None
    assert violation(Item("g", "Gift Card"), Constraints(gender="women")) is None
