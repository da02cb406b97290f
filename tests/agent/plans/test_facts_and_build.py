from __future__ import annotations

import pytest

from agent.plans.build import CardInput, card_facts, short_kind
from agent.plans.facts import KINDS, SLOTS, Fact, PlanError, fact
from agent.plans.pairs import goes_with, unknown_kinds
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import PastPurchase, Preferences, Shopper

SHOES = Item(
    "r1",
    "Nike Men Blue Revolution Running Shoes",
    kind="Running Shoes",
    brand="Nike",
    price=79.0,
    colour="Blue",
    description="Breathable mesh upper. Cushioned midsole for long runs; rubber outsole",
    extra=(("currency", "EUR"),),
)
RUNNER = Shopper("u1", purchases=(PastPurchase("Adidas Women Grey Running Shoes"),))


def kinds_of(facts: tuple[Fact, ...]) -> list[str]:
    return [f.kind for f in facts]


def test_a_fact_fills_exactly_its_kinds_slots() -> None:
    assert fact("price", "item.price", PRICE="79 EUR").value("PRICE") == "79 EUR"
    with pytest.raises(PlanError, match="fills"):
        fact("price", "item.price", BUDGET="80")
    with pytest.raises(PlanError, match="unknown fact kind"):
        fact("vibes", "x", PRICE="1")
    with pytest.raises(PlanError, match="empty slot"):
        Fact("price", (("PRICE", " "),), "item.price")


def test_every_slot_belongs_to_a_declared_kind() -> None:
    assert set(SLOTS) == {s for k in KINDS.values() for s in k.slots}


def test_a_purchase_of_the_same_kind_is_named_by_its_kind_not_its_title() -> None:
    facts = card_facts(CardInput(SHOES, RUNNER))
    assert facts[0].kind == "same_kind"
    assert facts[0].value("PURCHASE") == "running shoes"


def test_a_shared_word_is_no_purchase_link() -> None:
    # "Genie" the bag and "Genie" the opener share a word, not a kind.
    bag = Item("b1", "Genie Red Tote Bag", kind="Tote Bag", price=20.0)
    shopper = Shopper("u2", purchases=(PastPurchase("Genie Garage Door Opener Remote"),))
    assert "same_kind" not in kinds_of(card_facts(CardInput(bag, shopper)))
    assert short_kind("Genie Garage Door Opener Remote") is None


def test_goes_with_reads_the_table_both_ways_and_through_broader_kinds() -> None:
    assert goes_with("Socks", "running shoes") and goes_with("Running Shoes", "socks")
    assert not goes_with("Kurta", "jeans")
    assert unknown_kinds() == []
    socks = Item("s1", "Puma Men Pack of 3 Ankle Socks", kind="Socks", price=9.0)
    facts = card_facts(CardInput(socks, RUNNER))
    assert facts[0].kind == "goes_with" and facts[0].value("PURCHASE") == "running shoes"


def test_bought_together_needs_two_shoppers_and_a_named_purchase() -> None:
    cap = Item("c1", "Puma Unisex Black Cap", kind="Cap", price=15.0)
    shopper = Shopper("u3", history=("r1",))
    titles = {"r1": SHOES.title}.get
    one = Evidence("bought_together", 1.0, 0, "", near=("r1",), count=1)
    six = Evidence("bought_together", 1.0, 0, "", near=("r1",), count=6)
    assert "bought_together" not in kinds_of(
        card_facts(CardInput(cap, shopper, evidence=[one], titles=titles))
    )
    found = card_facts(CardInput(cap, shopper, evidence=[six], titles=titles))
    assert found[0].kind == "bought_together" and dict(found[0].values) == {
        "PURCHASE": "running shoes",
        "COUNT": "6",
    }


def test_as_you_asked_only_for_what_the_shopper_said() -> None:
    saved = Shopper("u4", preferences=Preferences(budget_max=80.0))
    quiet = card_facts(CardInput(SHOES, saved))
    assert "budget" in kinds_of(quiet) and "budget_asked" not in kinds_of(quiet)
    asked = Constraints(budget_max=100.0)
    said = card_facts(CardInput(SHOES, saved, said="running shoes under 100 for long runs", asked=asked))
    assert "budget_asked" in kinds_of(said) and "budget" not in kinds_of(said)
    budget = next(f for f in said if f.kind == "budget_asked")
    assert budget.value("BUDGET") == "100 EUR" and budget.value("PRICE") == "79 EUR"
    # After "something cheaper" the cap is the shown price, not a number the shopper said.
    lower = Constraints(budget_max=79.99)
    cheaper = card_facts(CardInput(SHOES, saved, said="running shoes under 100 for long runs", asked=lower))
    assert "budget_asked" not in kinds_of(cheaper)


def test_a_wish_and_a_feature_answer_the_request_word_for_word() -> None:
    said = "breathable running shoes please"
    facts = card_facts(CardInput(SHOES, Shopper("u5"), said=said))
    wish = next(f for f in facts if f.kind == "wish")
    feature = next(f for f in facts if f.kind == "feature")
    assert wish.value("WISH") == "breathable"
    assert feature.value("FEATURE") == "breathable mesh upper"
    assert feature.value("FEATURE") in SHOES.description.lower()


def test_a_colour_field_the_title_contradicts_makes_no_fact() -> None:
    contested = Item("d1", "Roadster Women Black Maxi Dress", kind="Dress", colour="Blue", price=30.0)
    shopper = Shopper("u6", preferences=Preferences(colours=("blue",)))
    assert {"pref_colour", "colour"}.isdisjoint(kinds_of(card_facts(CardInput(contested, shopper))))


def test_no_request_no_wish_and_no_feature() -> None:
    assert {"wish", "feature", "budget_asked"}.isdisjoint(
        kinds_of(card_facts(CardInput(SHOES, Shopper("u7"))))
    )


def test_a_colour_or_material_the_listing_does_not_show_makes_no_fact() -> None:
    cream = Item(
        "c1", "Organic Harvest Unisex Radiance Face Elixir Cream 50gm", category="Skin Care", price=9.0
    )
    oil = Item("o1", "Soulflower Hair Oil For Hairfall Control Greying 220 ml", colour="Grey", price=5.0)
    stand = Item(
        "m1",
        "Green & Brown Mango Wood Magazine Stand",
        colour="Green",
        material="jute",
        description="Colour: Green and brownMaterial: Mango woodPattern: Painted. Comes with a jute string",
        price=9.0,
    )
    linen = Item("l1", "Beige Linen Shirt", material="linen", description="Fabric: linen", price=9.0)
    assert [f.value("MATERIAL") for f in card_facts(CardInput(linen, Shopper("u8"))) if f.kind == "material"]
    facts = [f for item in (cream, oil, stand) for f in card_facts(CardInput(item, Shopper("u8")))]
    assert not [f for f in facts if f.kind == "material"]
    assert [f.value("COLOUR") for f in facts if f.kind == "colour"] == ["green"]


def test_a_purchase_that_only_depicts_or_holds_a_kind_links_nothing() -> None:
    jar = Item("j1", "MIAH Decor Blue Handpainted Large Storage Jar", kind="Jar", price=20.0)
    die = Shopper("u9", purchases=(PastPurchase("Strawberry Jar Album Metal Cutting Die Cuts"),))
    assert "same_kind" not in kinds_of(card_facts(CardInput(jar, die)))
    assert short_kind("Resin Watch Band Compatible With Apple Watch, Thin Resin Strap") is None
    assert short_kind("Headphone Carrying Case") is None  # a case that holds headphones is no phone case


def test_a_kind_whose_own_name_says_case_or_covers_is_what_it_is() -> None:
    assert short_kind("Chumbak Teal Green Cat Lady Printed iPhone 8 and SE Case") == "phone case"
    assert short_kind("Set of 2 Cotton Pillow Covers") == "pillow covers"
    assert short_kind("Tempered Glass Screen Protector for iPhone 12") == "screen protector"


def test_care_products_link_by_kind_and_by_routine() -> None:
    assert short_kind("APIVITA Queen Bee Holistic Age Defense Night Cream 1.69 fl.oz.") == "cream"
    assert short_kind("Women's Cardigan, Cream") == "sweater"  # the colour, not a cream
    cream = Item("c1", "Organic Harvest Unisex Age Reversal Cream 15 g", kind="Cream", price=468.0)
    buyer = Shopper("u8", purchases=(PastPurchase("StriVectin Advanced Tightening Neck Cream"),))
    assert "same_kind" in kinds_of(card_facts(CardInput(cream, buyer)))
    assert goes_with("Hair Masque", "shampoo") and goes_with("Pillow Covers", "pillow")
    assert not goes_with("Phone Case", "smartphone")  # which phone it fits is not in the data


def test_no_material_for_make_up_or_a_qualified_leather_and_no_colour_from_a_brand() -> None:
    lipstick = Item("l1", "Revlon Super Lustrous Matte Retro Red Lipstick 004", kind="Lipstick",
                    material="silk", description="Liqui-Silk formula in silk finish", price=9.0)  # fmt: skip
    backpack = Item("b1", "KLEIO Women Gold-Toned Solid Backpack", kind="Backpack", material="leather",
                    description="Gold-toned backpack made of PU leather", price=20.0)  # fmt: skip
    tees = Item("t1", "Orange and Orchid Kids Pack of 5 Printed T-shirts", brand="Orange and Orchid",
                kind="T-shirt", colour="Orange", price=9.0)  # fmt: skip
    nobody = Shopper("u7")
    for item in (lipstick, backpack):
        assert "material" not in kinds_of(card_facts(CardInput(item, nobody)))
    assert "colour" not in kinds_of(card_facts(CardInput(tees, nobody)))
    assert short_kind(
        "fancy mart Pink Artificial Mini Carnation Grass Flower Plant Carnation Flowers with Pot"
    ) == ("artificial plant")


def test_an_organiser_is_named_for_what_it_holds() -> None:
    assert short_kind("Cash Envelopes Saving Money Organizer") is None  # a savings kit, not storage
    assert short_kind("Wooden Desktop Organizer with Drawer") == "organiser"


def test_what_an_item_only_fits_is_no_wish_it_meets() -> None:
    stick = Item("t1", "Selfie Stick Phone Tripod for iPhone", kind="Tripod", price=35.99,
                 description="Extendable tripod compatible with iPhone. Joint brand Model")  # fmt: skip
    asked = CardInput(stick, Shopper("u6"), said="I want to buy an iPhone, the latest model")
    assert "wish" not in kinds_of(card_facts(asked))  # quoting "compatible with iPhone" stays true
    jacket = Item("j9", "Rain Jacket", kind="Jacket", price=90.0, description="Waterproof shell with a hood")
    assert "wish" in kinds_of(card_facts(CardInput(jacket, Shopper("u6"), said="a waterproof jacket")))
