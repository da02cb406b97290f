from __future__ import annotations

import pytest

from agent.grounding.check import GroundingChecker
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import PastPurchase, Preferences, Shopper

CHECKER = GroundingChecker(frozenset({"Red Tape", "Genie", "Levi's"}))

STONE = Item(
    "p1",
    "Pumice Stone for Feet, Natural Foot Scrubber",
    category="Bath",
    brand="Qraa",
    price=199.0,
    description="A natural pumice stone that removes hard skin.",
    extra=(("currency", "INR"),),
)
WALLET = Item(
    "w1",
    "Red Tape Men Tan Genuine Leather Wallet",
    category="Wallets",
    brand="Red Tape",
    price=899.0,
    colour="Red",
    material="Leather",
    description="Two-fold wallet with six card slots.",
    extra=(("currency", "INR"),),
)
# Bought a mounting tape and a face mask; never searched; the profile is built from purchases.
BUYER = Shopper(
    "b1",
    profile="Purchased: Scotch Mounting Tape; Sheet Face Mask",
    purchases=(PastPurchase("Scotch Mounting Tape, 1 inch"), PastPurchase("Garnier Sheet Face Mask")),
)
WRITER = Shopper(
    "w", profile="I travel a lot and run three times a week.", preferences=Preferences(budget_max=1000)
)
CONTENT = [Evidence("content", 0.4, 3, "content")]


def ok(
    text: str, item: Item = STONE, shopper: Shopper = BUYER, said: str = "", voice: str | None = None
) -> bool:
    return CHECKER.check(text, item, shopper, evidence=CONTENT, said=said, voice=voice).ok


@pytest.mark.parametrize(
    "text",
    [
        # Verbatim from the audit: all passed the checker before, none is true.
        "You bought bowl because its title mentions the bowl and your profile does.",
        "As your search for Stick also matches your search.",
        "Its description mentions natural foot scrubber.",
        "It suits you, as your shopping assistant's description does.",
        "Its profile matches what you asked for.",
    ],
)
def test_what_the_audit_found_false_is_rejected(text: str) -> None:
    assert not ok(text)


def test_your_search_needs_a_message_and_names_words_of_it() -> None:
    assert not ok("It matches your search for a foot scrubber.")
    assert ok("It is a foot scrubber, as you asked.", said="a foot scrubber please")
    assert not ok("You asked for a bath sponge.", said="a foot scrubber please")


def test_a_brand_word_shared_with_a_purchase_is_no_link() -> None:
    # "Tape" is in the brand Red Tape and in the bought mounting tape: a coincidence, not a reason.
    assert not ok("Its title mentions tape, as your purchase does.", item=WALLET)
    face = Item("f1", "Qraa Men Face Wash for Dry Skin", brand="Qraa", price=576.0)
    assert ok("Its title mentions face, as your profile does.", item=face)
    assert not ok("Its title mentions face, as your purchase does.", item=face)  # which purchase?


def test_you_and_your_resolve_to_a_profile_the_shopper_wrote() -> None:
    assert ok("Handy for your travel.", shopper=WRITER)
    assert not ok("Handy for your travel.")  # a profile made of purchases says nothing of travel
    assert ok("You run three times a week, so it helps tired feet.", shopper=WRITER)
    assert not ok("You swim every day, so it helps tired feet.", shopper=WRITER)
    assert ok("It fits your budget.", shopper=WRITER)
    assert not ok("It fits your budget.")


def test_a_quote_must_be_quoted_from_somewhere() -> None:
    assert ok('Its title says "Natural Foot Scrubber".')
    assert not ok('Its title mentions "Gift for Son".')


def test_a_reason_speaks_in_one_voice() -> None:
    assert not ok("The shopper bought a face mask, so you may like it.", voice="shopper")
    assert not ok("You may like it.", voice="support")
    assert ok("You may like it.", voice="shopper")


PHONE = Item("ph", "Google Pixel 6a - 5G Android Phone", brand="Google", price=449.0)
GIFT = Item("g1", "Amazon.com Gift Card in a Holiday Pop-Up Box", brand="Amazon", price=25.0)
CRAFTER = Shopper(
    "c",
    purchases=(
        PastPurchase("Strawberry Jar Album Metal Cutting Die Cuts"),
        PastPurchase("Glass Storage Jar"),
    ),
)
JAR = Item("j1", "MIAH Decor Blue Handpainted Ceramic Storage Jar", brand="MIAH Decor", price=1499.0)


@pytest.mark.parametrize(
    ("text", "item", "ok"),
    [
        # From the blind audit: the title's own words, together and in order.
        ("Its title mentions Google Pixel 6.", PHONE, False),
        ("Its title mentions Google Pixel 6a.", PHONE, True),
        ("Its title mentions Amazon.com Gift Card in a Holiday Sprig Box, as you may like.", GIFT, False),
        ("Its title mentions Amazon.com Gift Card in a Holiday Pop-Up Box.", GIFT, True),
        ("Its title mentions Android and 5G.", PHONE, True),
    ],
)
def test_what_its_title_mentions_is_written_in_the_title(text: str, item: Item, ok: bool) -> None:
    assert CHECKER.check(text, item, COLD_SHOPPER).ok is ok


COLD_SHOPPER = Shopper("cold")


def test_a_thing_like_a_purchase_must_be_that_kind_of_thing() -> None:
    assert not ok("A jar like the Strawberry Jar Album Metal Cutting Die Cuts you bought.", JAR, CRAFTER)
    holder = Shopper("h", purchases=(PastPurchase("Homeanda White Resin Jar Bust Holder"),))
    assert not ok("A jar like the Homeanda White Resin Jar Bust Holder you bought.", JAR, holder)
    assert ok("A jar like the Glass Storage Jar you bought.", JAR, CRAFTER)


@pytest.mark.parametrize(
    "text",
    [
        "Recommended because its title mentions jar; this is also in the store.",
        "Recommended because their name ends in 5.",
        "Recommended because its title mentions jar, as your purchase is.",
        "Recommended because it is the same brand, MIAH Decor.",
        "Recommended because your purchase is in the Jar category.",
        "Recommended because its title mentions jar, as its title mentions.",
        "Recommended because its title mentions jar, as your search didn't.",
        'Recommended because its brand MIAH Decor and title "Storage Jar" match your search.',
        "Recommended because its brand name - MIAH Decor and its shade name - Blue.",
        "Recommended because its title mentions jar, as your purchase Glass Storage Jar (Ho! Ho!",
        'Recommended because its title mentions jar, as your search for jars was in the "Jar" category.',
    ],
)
def test_shapes_no_data_backs_are_rejected(text: str) -> None:
    assert not ok(text, JAR, CRAFTER)


def test_an_item_also_in_a_colour_or_your_size_is_no_garble() -> None:
    assert ok("It is also in blue.", JAR, CRAFTER)
