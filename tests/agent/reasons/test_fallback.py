from __future__ import annotations

import itertools
import random
from dataclasses import replace

import pytest

from agent.grounding.check import GroundingChecker
from agent.grounding.matches import matched_facts, money
from agent.grounding.types import MatchedFact
from agent.reasons.fallback import Asked, grounded_fallback
from agent.reasons.texts import mentions_item
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.retriever import Evidence
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
    assert found["colour"] == [MatchedFact("preferred colour blue", "colour", "navy blue")]
    assert found["price"] == [MatchedFact("budget up to 80 EUR", "price", "59.90 EUR")]
    assert found["brand"] == [MatchedFact("preferred brand Levi's", "brand", "Levi's")]
    assert found["sizes"] == [MatchedFact("size M", "sizes", "M")]
    assert found["gender"] == [MatchedFact("shopping for men", "gender", "Men")]
    assert found["category"] == [MatchedFact("wanted category shirts", "category", "Shirt")]
    # A past purchase links only as the same kind of product: the shirt, not the jeans of one brand.
    assert found["kind"] == [MatchedFact("past purchase Oxford Shirt", "kind", "Shirt")]
    assert found["title"] == [MatchedFact("profile", "title", "shirt")]  # not "navy" (a colour), "slim"


def test_nothing_matches_for_a_cold_shopper_or_a_mismatch() -> None:
    assert matched_facts(SHIRT, COLD) == ()
    picky = Shopper(
        "p",
        preferences=Preferences(budget_max=50, colours=("red",), brands=("Zara",), gender="women"),
    )
    assert matched_facts(SHIRT, picky) == ()
    assert matched_facts(SHIRT, Shopper("m", preferences=Preferences(budget_min=60))) == ()


def test_a_contested_colour_and_a_brand_word_are_no_match() -> None:
    brogues = Item("b", "Red Tape Men Tan Brogues", brand="Red Tape", colour="Red", kind="Formal Shoes")
    likes_red = Shopper("r", preferences=Preferences(colours=("red",)))
    assert matched_facts(brogues, likes_red) == ()  # "Red" is the brand's word, the shoes are tan
    tape = Shopper("t", purchases=(PastPurchase("Scotch Permanent Mounting Tape"),))
    assert matched_facts(brogues, tape) == ()
    genie = Item("g", "Genie Women Black Handbag", brand="Genie")
    opener = Shopper("o", purchases=(PastPurchase("Genie Garage Door Opener"),))
    assert matched_facts(genie, opener) == ()


def test_fallback_gives_the_reason_then_names_the_item() -> None:
    mine = grounded_fallback(SHIRT, SHOPPER)
    assert mine == (
        "In navy blue, a colour you like, within your budget of 80 EUR and from Levi's, a brand you like: "
        "Levi's Men Navy Blue Slim Fit Cotton Shirt at 59.90 EUR."
    )
    theirs = grounded_fallback(SHIRT, SHOPPER, audience="support")
    assert "a colour the shopper likes" in theirs and "the shopper's budget" in theirs
    assert " you" not in theirs.lower().replace("the shopper", "")
    with pytest.raises(ValueError, match="audience"):
        grounded_fallback(SHIRT, SHOPPER, audience="robot")


def test_a_request_is_answered_with_what_was_asked_and_met() -> None:
    asked = Asked(
        "navy cotton shirts for men under 100",
        Constraints(kinds=("Shirt",), colours=("navy",), materials=("cotton",), gender="men", budget_max=100),
    )
    text = grounded_fallback(SHIRT, COLD, asked=asked)
    assert text == (
        "A navy cotton shirt for men under 100 EUR, as you asked: "
        "Levi's Men Navy Blue Slim Fit Cotton Shirt at 59.90 EUR."
    )
    words = Evidence("keyword", 2.0, 1, "", terms=("office", "shirt"), from_request=True)
    office = Asked("a shirt for the office")
    formal = replace(SHIRT, description="A crisp cotton shirt for the office.")
    assert grounded_fallback(formal, COLD, evidence=(words,), asked=office).startswith(
        "It matches 'office' and 'shirt' from your message: "
    )
    # The item never says "office" (the index may have matched a stem): only what it writes is quoted.
    assert grounded_fallback(SHIRT, COLD, evidence=(words,), asked=office).startswith(
        "It matches 'shirt' from your message: "
    )
    nothing = Evidence("keyword", 2.0, 1, "", terms=("office",), from_request=True)
    assert grounded_fallback(SHIRT, COLD, evidence=(nothing,), asked=office) == grounded_fallback(SHIRT, COLD)


def test_profile_words_are_said_as_the_title_spells_them() -> None:
    lipstick = Item("l", "Lakme Matte Liquid Lip Color - 21 Mauve", category="Lipstick")
    text = grounded_fallback(lipstick, Shopper("s", profile="A bold lip colour with a matte finish."))
    assert text.startswith("You mentioned matte and color in your profile") and mentions_item(text, lipstick)


def test_fallback_without_matches_names_the_item_and_its_price() -> None:
    assert grounded_fallback(SHIRT, COLD) == "Levi's Men Navy Blue Slim Fit Cotton Shirt at 59.90 EUR."
    assert grounded_fallback(Item("x", "Mystery  Box"), COLD) == "Mystery Box."


def test_evidence_speaks_in_plain_words() -> None:
    kettle = Item("k1", "Camping Kettle", category="Kitchen")
    mug = Item("m1", "Blue Enamel Camping Mug", price=12.0, extra=(("currency", "EUR"),))
    together = Evidence("bought_together", 7.0, 1, "", near=("k1",), count=7)
    shopper = Shopper("h", history=("k1",))
    text = grounded_fallback(
        mug, shopper, context_items=[kettle], evidence=(together,), titles={"k1": kettle.title}.get
    )
    assert text == "Bought together with the Camping Kettle by 7 shoppers: Blue Enamel Camping Mug at 12 EUR."


def test_history_items_count_as_purchases_when_the_catalog_knows_them() -> None:
    oxford = Item("o1", "Blue Oxford Shirt", category="Shirts", brand="Arrow")
    shopper = Shopper("h", history=("o1", "gone"))
    assert matched_facts(SHIRT, shopper) == ()
    facts = matched_facts(SHIRT, shopper, context_items=[oxford])
    assert facts == (MatchedFact("past purchase Blue Oxford Shirt", "kind", "Shirt"),)
    text = grounded_fallback(SHIRT, shopper, context_items=[oxford])
    assert text.startswith("A shirt like the Blue Oxford Shirt you bought: ")
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
            assert text.endswith(".") and text.count(":") <= 1
            assert text.count(" bought ") <= 1 and len(text) < 400


def test_generated_fallbacks_do_use_the_shopper() -> None:
    # The property above would hold trivially if every fallback fell back to the item alone.
    texts = [
        grounded_fallback(item, shopper)
        for item in generated_items(20, 0)
        for shopper in generated_shoppers()
    ]
    assert sum(":" in t for t in texts) > len(texts) / 4  # a reason, then the item's name
    assert any("you bought" in t for t in texts)


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
