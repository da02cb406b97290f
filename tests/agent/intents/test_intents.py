from __future__ import annotations

import pytest

from agent.intents.parse import INTENTS, CatalogWords, focus_text, read_constraints, references, search_text
from agent.intents.rules import route
from retrieval.filters import Constraints
from retrieval.items import Item

VOCAB = CatalogWords.from_items(
    [
        Item(
            "1", "Trail Running Shoe", brand="Fleet", colour="Black", category="running shoes", gender="Men"
        ),
        Item("2", "Rain Jacket", brand="Nimbus", colour="Navy Blue", category="jackets", gender="Women"),
        Item("3", "Summit Hoodie with Logo", brand="Marlowe & Finch", colour="Red", category="hoodies"),
    ]
)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("quit", "quit"),
        ("Bye!", "quit"),
        ("thanks, bye", "quit"),
        ("have a nice day :)", "quit"),
        ("help", "help"),
        ("what can you do?", "help"),
        ("hi there!", "greet"),
        ("Good evening :)", "greet"),
        ("are you there?", "greet"),
        ("thank you so much for your help", "thanks"),
        ("ok", "ack"),
        ("hmmm, interesting", "ack"),
        ("why this?", "why"),
        ("Why #2?", "why"),
        ("explain the second one", "why"),
        ("what makes #1 a good pick", "why"),
        ("why not #3?", "why_not"),
        ("why isn't the jacket first?", "why_not"),
        ("why is #4 ranked last", "why_not"),
        ("compare #1 and #2", "compare"),
        ("which one is better?", "compare"),
        ("#1 or #3?", "compare"),
        ("something cheaper", "cheaper"),
        ("something cheaper than #1", "cheaper"),
        ("that's too expensive", "cheaper"),
        ("under 50 please", "cheaper"),
        ("no more than 60 dollars", "cheaper"),
        ("do you have it in blue?", "refine"),
        ("another colour please", "refine"),
        ("not fleet", "refine"),
        ("for a woman", "refine"),
        ("size 9?", "refine"),
        ("more like #1", "more_like"),
        ("something like this but in blue", "more_like"),
        ("like #1 but in red", "more_like"),
        ("anything similar?", "more_like"),
        ("something completely different", "different"),
        ("none of these", "different"),
        ("show me others", "others"),
        ("anything else?", "others"),
        ("what do you know about me?", "about_me"),
        ("what did I buy before?", "about_me"),
        ("please delete my data", "forget_me"),
        ("forget everything about me", "forget_me"),
        ("forget my budget", "refine"),
        ("remove my size filter", "refine"),
        ("any colour is fine", "refine"),
        ("clear my filters", "refine"),
        ("how do you choose?", "how_choose"),
        ("are you a bot?", "how_choose"),
        ("I need a rain jacket", "search"),
        ("a waterproof jacket under 150", "search"),
        ("black running shoes", "search"),
        ("how much is it?", "item_question"),
        ("does it come with a hood?", "item_question"),
        ("how much is shipping?", "shop_info"),
        ("I'll take the second one", "shop_info"),
        ("what's the weather in Paris", "off_topic"),
        ("tell me a joke about the moon", "off_topic"),
        ("asdf qwer", "unknown"),
        ("", "unknown"),
    ],
)
def test_rules_route(message: str, intent: str) -> None:
    assert route(message, VOCAB).intent == intent


def test_every_routed_intent_is_declared() -> None:
    for message in ("hi", "why #2", "blorp", "under 20", "size 8", "red"):
        assert route(message, VOCAB).intent in INTENTS


def test_a_catalog_word_keeps_off_topic_rules_away() -> None:
    assert route("a rain jacket for the weather up north", VOCAB).intent == "search"


def test_references() -> None:
    assert references("compare #1 and #3") == (1, 3)
    assert references("the second and the last") == (2, -1)
    assert references("item 4") == (4,)
    assert references("option two") == (2,)
    assert references("the 2nd vs the 3rd") == (2, 3)
    assert references("compare the first three") == (1, 2, 3)
    assert references("how long does the battery last?") == ()


def test_constraints() -> None:
    parsed = route("a black jacket for men under €1,200.50, not fleet", VOCAB)
    assert parsed.budget_max == 1200.5
    assert parsed.colours == ("black",)
    assert parsed.gender == "men"
    assert parsed.avoid_brands == ("fleet",)
    assert "jacket" in parsed.title_words


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("under $80", None, 80.0),
        ("100 dollars max", None, 100.0),
        ("my budget is around 600$", None, 600.0),
        ("no more than 20 euro", None, 20.0),
        ("between 50 and 90", 50.0, 90.0),
        ("over 30 please", 30.0, None),
        ("at least 16gb of memory", None, None),
        ("over 500 pages", None, None),
        ("something cheaper than #1", None, None),
    ],
)
def test_budgets_skip_numbers_that_are_not_money(text: str, low: float | None, high: float | None) -> None:
    parsed = read_constraints(text, VOCAB)
    assert (parsed.budget_min, parsed.budget_max) == (low, high)


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("size 7", ("7",)),
        ("do you have size M", ("M",)),
        ("in XL please", ("XL",)),
        ("eu 42", ("42",)),
        ("size 8,5", ("8.5",)),
        ("a medium size", ()),
        ("what sizes does it come in", ()),
    ],
)
def test_sizes(text: str, sizes: tuple[str, ...]) -> None:
    assert read_constraints(text, VOCAB).sizes == sizes


def test_brands_wanted_and_avoided() -> None:
    parsed = read_constraints("something from marlowe & finch, anything but nimbus", VOCAB)
    assert parsed.brands == ("marlowe & finch",)
    assert parsed.avoid_brands == ("nimbus",)
    assert "marlowe" not in parsed.product_words


def test_colours_the_catalog_lacks_are_kept_apart() -> None:
    parsed = read_constraints("do you have it in mint or navy?", VOCAB)
    assert parsed.colours == ("navy",)
    assert parsed.unlisted_colours == ("mint",)


@pytest.mark.parametrize(
    ("text", "gender"),
    [("for my husband", "men"), ("ladies version", "women"), ("for a child", "kids"), ("women's", "women")],
)
def test_gender(text: str, gender: str) -> None:
    assert read_constraints(text, VOCAB).gender == gender


def test_a_gender_the_catalog_does_not_record_cannot_filter() -> None:
    genderless = CatalogWords.from_items([Item("1", "Desk Calendar"), Item("2", "Phone Case")])
    parsed = route("for my daughter", genderless)
    assert (parsed.intent, parsed.gender, parsed.unlisted_gender) == ("refine", None, "girls")
    by_hand = CatalogWords(frozenset(), frozenset(), frozenset())
    assert read_constraints("for my daughter", by_hand).gender == "girls"


def test_vocabulary_comes_from_the_catalog() -> None:
    assert VOCAB.genders == frozenset({"men", "women"})
    assert {"black", "navy", "blue"} <= VOCAB.colours
    assert VOCAB.brands == {"fleet", "nimbus", "marlowe & finch"}
    assert {"jacket", "hoodie"} <= VOCAB.words
    assert "with" not in VOCAB.words


def test_rules_only_route_reports_its_source() -> None:
    assert route("why #2", VOCAB).source == "rule"
    assert route("jackets", VOCAB).source == "constraints"
    assert route("blorp", VOCAB).source == "fallback"


@pytest.mark.parametrize(
    ("message", "drops"),
    [
        ("forget my budget", ("budget",)),
        ("ignore the price limit please", ("budget",)),
        ("I have no budget", ("budget",)),
        ("any colour", ("colours",)),
        ("never mind the size", ("sizes",)),
        ("any brand will do", ("brands",)),
        ("clear all my filters", ("budget", "colours", "gender", "brands", "sizes")),
        ("no budget over 50", ()),  # a limit restated is not lifted
        ("any colour but red", ()),
        ("forget me", ()),
        ("does it come in any size?", ()),
        ("is there any brand you like", ()),
        ("can you forget my budget?", ("budget",)),
        ("black running shoes", ()),
    ],
)
def test_limits_a_message_lifts(message: str, drops: tuple[str, ...]) -> None:
    assert read_constraints(message, VOCAB).drops == drops


@pytest.mark.parametrize(
    ("message", "side"),
    [
        ("why not the cheaper one?", "low"),
        ("compare it with the cheapest option", "low"),
        ("why the more expensive one", "high"),
        ("something cheaper than the pricier one", "high"),
        ("is it cheaper than #2?", None),
        ("show me the cheaper options", None),
        ("just the cheapest mouse you have", None),
        ("why not the cheaper?", "low"),
    ],
)
def test_an_item_pointed_at_by_its_price(message: str, side: str | None) -> None:
    assert read_constraints(message, VOCAB).by_price == side


KINDS = CatalogWords.from_items(
    [
        Item("k", "Women Red Cotton Kurta", colour="Red", gender="Women"),
        Item("j", "Boys Blue Slim Fit Jeans", colour="Blue", gender="Boys"),
        Item("p", "Men Navy Polo Collar T-shirt", colour="Navy", gender="Men"),
        Item("d", "Girls Pink Party Dress", colour="Pink", gender="Girls"),
        Item("s", "Women Open Front Shrug", gender="Women"),
        Item("n", "Men White Sneakers", gender="Men"),
    ]
)


@pytest.mark.parametrize(
    ("message", "kinds", "gender"),
    [
        ("show me kurtas", ("Kurta",), None),
        ("show me womens kurtas", ("Kurta",), "women"),
        ("jeans for a teenage boy", ("Jeans",), "boys"),
        ("girls party dress", ("Dress",), "girls"),
        ("polo t-shirt in navy for men", ("Polo T-shirt",), "men"),
        ("hoodies for guys pls", (), "men"),
        ("a shrug to wear over my dress", ("Shrug",), None),
        ("mens sneakrs under 2000", ("Sneakers",), "men"),
    ],
)
def test_a_request_names_its_kind_in_any_inflection_and_who_it_is_for(
    message: str, kinds: tuple[str, ...], gender: str | None
) -> None:
    parsed = route(message, KINDS)
    assert (parsed.kinds, parsed.gender) == (kinds, gender)
    if kinds:
        assert parsed.intent == "search"  # a named kind is a search, never "not understood"


def test_materials_and_the_words_left_to_rank_by() -> None:
    parsed = route("a red cotton kurta for a party under 1500", KINDS)
    assert parsed.materials == ("cotton",) and parsed.colours == ("red",) and parsed.budget_max == 1500
    assert search_text("Show me a red cotton kurta for a party under 1500") == "red cotton kurta party"
    constraints = Constraints(kinds=("Kurta",), colours=("red",), materials=("cotton",))
    assert focus_text("a red cotton kurta for a party under 1500", KINDS, constraints) == "party"
    assert search_text("steakhouse gift card for my dad") == "steakhouse gift card"
