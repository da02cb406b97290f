from __future__ import annotations

import itertools
import random

import pytest

from agent.fallback import MatchedFact, grounded_fallback, matched_facts, money
from agent.grounding import GroundingChecker
from agent.reasons import mentions_item
from retrieval.items import Item
from retrieval.shoppers import PastPurchase, Preferences, Shopper

SHIRT = Item(
    "s1",
    "Levi's Men Navy Blue Slim Fit Cotton Shirt",
    category="Shirts",
    brand="Levi's",
    price=59.9,
    colour="Navy Blue",
    material="Cotton",
    gender="Men",
    sizes=("S", "M", "L"),
    extra=(("currency", "EUR"),),
)
SHOPPER = Shopper(
    "u1",
    profile="Casual shirts for work, mostly navy. I never wear slim fit.",
    preferences=Preferences(
        budget_max=80,
        colours=("blue",),
        brands=("levi's",),
        sizes=("M",),
        gender="men",
        categories=("shirts",),
    ),
    purchases=(PastPurchase("Oxford Shirt", category="Shirts"), PastPurchase("Levi's 501 Jeans")),
)
COLD = Shopper("u0")


def facts_by_attribute(item: Item, shopper: Shopper) -> dict[str, list[MatchedFact]]:
    out: dict[str, list[MatchedFact]] = {}
    for fact in matched_facts(item, shopper):
        out.setdefault(fact.item_attribute, []).append(fact)
    return out


def test_matched_facts_find_each_kind_of_match() -> None:
    found = facts_by_attribute(SHIRT, SHOPPER)
    assert found["colour"] == [MatchedFact("preferred colour blue", "colour", "Navy Blue")]
    assert found["price"] == [MatchedFact("budget up to 80 EUR", "price", "59.90 EUR")]
    assert found["brand"][0] == MatchedFact("preferred brand Levi's", "brand", "Levi's")
    assert found["brand"][1].shopper_fact == "past purchase Levi's 501 Jeans"
    assert found["sizes"] == [MatchedFact("size M", "sizes", "M")]
    assert found["gender"] == [MatchedFact("shopping for men", "gender", "Men")]
    assert [f.shopper_fact for f in found["category"]] == [
        "wanted category shirts",
        "past purchase Oxford Shirt",
    ]
    assert found["title"] == [MatchedFact("profile", "title", "navy, shirt")]  # not "slim", "fit"


def test_nothing_matches_for_a_cold_shopper_or_a_mismatch() -> None:
    assert matched_facts(SHIRT, COLD) == ()
    picky = Shopper(
        "p",
        preferences=Preferences(budget_max=50, colours=("red",), brands=("Zara",), gender="women"),
    )
    assert matched_facts(SHIRT, picky) == ()
    assert matched_facts(SHIRT, Shopper("m", preferences=Preferences(budget_min=60))) == ()


def test_fallback_speaks_to_the_shopper_or_about_them() -> None:
    mine = grounded_fallback(SHIRT, SHOPPER)
    assert mine.startswith("Recommended because it comes in navy blue (you like blue)")
    assert "59.90 EUR" in mine and "80 EUR" in mine and "You bought Oxford Shirt" in mine
    theirs = grounded_fallback(SHIRT, SHOPPER, audience="support")
    assert "the shopper likes blue" in theirs and "The shopper bought" in theirs
    assert " you" not in theirs.lower().replace("the shopper", "")
    with pytest.raises(ValueError, match="audience"):
        grounded_fallback(SHIRT, SHOPPER, audience="robot")


def test_a_unisex_item_reads_as_unisex() -> None:
    bottle = Item("b", "Thermo Bottle", gender="Unisex", colour="Blue")
    shopper = Shopper("s", preferences=Preferences(gender="women", colours=("blue",)))
    text = grounded_fallback(bottle, shopper)
    assert "it is unisex" in text and "made for unisex" not in text
    shirt_for = Shopper("m", preferences=Preferences(gender="men"))
    assert "it is made for men" in grounded_fallback(SHIRT, shirt_for)


def test_profile_words_are_said_as_the_title_spells_them() -> None:
    lipstick = Item("l", "Lakme Matte Liquid Lip Color - 21 Mauve", category="Lipstick")
    text = grounded_fallback(lipstick, Shopper("s", profile="A bold lip colour with a matte finish."))
    assert "mentions matte and color" in text and mentions_item(text, lipstick)
    tee = Item("t", "Roadster Men Navy T-shirt")
    assert "navy and shirt" in grounded_fallback(tee, Shopper("n", profile="navy shirts for work"))


def test_fallback_without_matches_describes_the_item() -> None:
    assert grounded_fallback(SHIRT, COLD) == "Navy blue cotton shirts from Levi's at 59.90 EUR."
    assert grounded_fallback(Item("x", "Mystery  Box"), COLD) == "Recommended: Mystery Box."
    promising = Item("p", "Mystery Box - 20% off, free shipping", brand="Zara")
    assert grounded_fallback(promising, COLD) == "Item from Zara."  # the title would not pass


def test_history_items_count_as_purchases_when_the_catalog_knows_them() -> None:
    oxford = Item("o1", "Blue Oxford Shirt", category="Shirts", brand="Arrow")
    shopper = Shopper("h", history=("o1", "gone"))
    assert matched_facts(SHIRT, shopper) == ()
    facts = matched_facts(SHIRT, shopper, context_items=[oxford])
    assert facts == (MatchedFact("past purchase Blue Oxford Shirt", "category", "Shirts"),)
    text = grounded_fallback(SHIRT, shopper, context_items=[oxford])
    assert text == "You bought Blue Oxford Shirt before; this is also in Shirts."
    assert GroundingChecker(frozenset()).check(text, SHIRT, shopper, [oxford]).ok


def test_money_formatting() -> None:
    assert money(1299.0) == "1299"
    assert money(59.9) == "59.90"
    assert money(0.1 + 0.2) == "0.30"
    assert money(25.0, Item("e", "E", extra=(("currency", "€"),))) == "€25"
    assert money(25.0, Item("u", "U", extra=(("currency", "dollars"),))) == "25"


# --- every fallback is grounded, over many generated items and shoppers -----------------------

CATALOG_BRANDS = frozenset(
    {"Levi's", "Nike", "Zara", "Calvin Klein", "Calvin Klein Jeans", "Forever 21", "AND", "Even",
     "U.S. Polo Assn.", "Red Chief", "Black coffee", "H&M"}
)  # fmt: skip
CHECKER = GroundingChecker(CATALOG_BRANDS)
TITLES = (
    "Men Navy Blue Slim Fit Shirt",
    "Women Grey Melange Hoodie, 2-pack",
    "Unisex Off-White Sneakers with 3 Straps",
    "Red Chief Men Brown Leather Boots",
    "Kids Pink & Gold Party Dress (4-5Y)",
    "Faux Leather Black Biker Jacket - Limited Edition",
)
PRICES = (59.9, 1299.0, 25.0, 0.99, 100000.0, None)
COLOURS = ("Navy Blue", "Grey", "Off White", "Black & Gold", None)
MATERIALS = ("cotton", "faux leather", "merino wool", None)
BRANDS = ("Levi's", "Calvin Klein", "U.S. Polo Assn.", "Forever 21", "H&M", "Even", None)
GENDERS = ("Men", "Women", "Unisex", "Boys", "Unisex Kids", None)
SIZES = ((), ("S", "M", "L"), ("EU 42", "UK 8"), ("Free Size",), ("4-5Y", "6-7Y"))


def generated_items(n: int, seed: int) -> list[Item]:
    rng = random.Random(seed)
    return [
        Item(
            f"g{i}",
            rng.choice(TITLES),
            category=rng.choice(("Shirts", "Boots", "Jackets", "T-shirt", None)),
            brand=rng.choice(BRANDS),
            price=rng.choice(PRICES),
            colour=rng.choice(COLOURS),
            material=rng.choice(MATERIALS),
            gender=rng.choice(GENDERS),
            sizes=rng.choice(SIZES),
            extra=rng.choice(((), (("currency", "INR"),), (("currency", "€"),))),
        )
        for i in range(n)
    ]


def generated_shoppers() -> list[Shopper]:
    purchases = (
        (),
        (PastPurchase("Calvin Klein Jeans Slim Tee, 2-pack", category="T-shirt", price=30.0),),
        (PastPurchase("U.S. Polo Assn. Men Polo", category="Shirts"), PastPurchase("Boots")),
        (PastPurchase("Levi's 511 Slim Fit Jeans (Blue)", category="Jeans"),),
    )
    prefs = (
        Preferences(),
        Preferences(budget_max=1500, colours=("blue", "grey"), sizes=("M", "42")),
        Preferences(budget_min=20, budget_max=60.5, brands=("Calvin Klein", "Even"), gender="men"),
        Preferences(colours=("gold",), categories=("jackets", "Boots"), gender="kids"),
        Preferences(brands=("H&M", "Levi's"), sizes=("Free Size",), gender="women"),
    )
    profiles = ("", "Loves leather boots and navy shirts, hates slim fit.", "Party dresses only!")
    combos = itertools.product(purchases, prefs, profiles)
    return [Shopper(f"p{i}", p, f, (), b) for i, (b, f, p) in enumerate(combos)]


@pytest.mark.parametrize("audience", ["shopper", "support"])
@pytest.mark.parametrize("seed", range(4))
def test_every_fallback_passes_the_grounding_check(audience: str, seed: int) -> None:
    shoppers = generated_shoppers()
    for item in generated_items(30, seed):
        for shopper in shoppers[seed::4]:
            text = grounded_fallback(item, shopper, audience)
            result = CHECKER.check(text, item, shopper)
            assert result.ok, f"{text!r}: {result.describe()}"
            # One sentence of matches at most, one about a past purchase at most.
            assert text.endswith(".") and text.count("Recommended because") <= 1
            assert text.count(" bought ") <= 1 and len(text) < 400


def test_generated_fallbacks_do_use_the_shopper() -> None:
    # The property above would hold trivially if every fallback fell back to the item alone.
    texts = [
        grounded_fallback(item, shopper)
        for item in generated_items(20, 0)
        for shopper in generated_shoppers()
    ]
    assert sum(t.startswith("Recommended because") for t in texts) > len(texts) / 4
    assert any("You bought" in t for t in texts)


# --- real data (slow) ------------------------------------------------------------------------


@pytest.mark.slow
def test_fallbacks_over_the_myntra_catalog_are_grounded() -> None:
    from retrieval.catalog import load_catalog
    from retrieval.datasets import dataset_path

    items = load_catalog(dataset_path("myntra", "products.csv"), skip_bad=True).items
    checker = GroundingChecker(frozenset(i.brand for i in items if i.brand))
    rng = random.Random(7)
    for item in rng.sample(items, 400):
        other = rng.choice(items)
        shopper = Shopper(
            "m",
            profile=f"I love {other.colour or 'black'} {other.category or 'tops'}, never silk.",
            preferences=Preferences(
                budget_max=rng.choice([None, item.price, 5000.0]),
                colours=tuple(c for c in (item.colour, other.colour) if c),
                brands=tuple(b for b in (other.brand, item.brand) if b)[: rng.randint(0, 2)],
                gender=rng.choice([item.gender, other.gender]),
                categories=tuple(c for c in (other.category,) if c),
            ),
            history=(other.item_id,),
            purchases=(PastPurchase(rng.choice(items).title, category=item.category),),
        )
        for audience in ("shopper", "support"):
            text = grounded_fallback(item, shopper, audience, context_items=[other])
            result = checker.check(text, item, shopper, [other])
            assert result.ok, f"{item.item_id} {text!r}: {result.describe()}"
