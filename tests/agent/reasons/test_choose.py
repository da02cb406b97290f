"""The choice among a card's passing candidates, the voice it reads, and the coherence gate."""

from __future__ import annotations

import pytest

from agent.grounding.types import Claim, MatchedFact
from agent.reasons.choose import Drawn, Voice, choose, distinct_2, voice_of
from agent.reasons.coherence import incoherent
from retrieval.items import Item

ITEM = Item(item_id="j1", title="Roadster Men Slim Jeans", brand="Roadster", colour="Blue", price=999.0,
            description="Stretchable cotton denim with a mid rise.")  # fmt: skip
BLUE = MatchedFact("preferred colour blue", "colour", "blue")
STOCK = ("great pick",)


def _claim(kind: str, source: str, supported: bool = True) -> Claim:
    return Claim(kind, kind, supported, source)


def test_personal_means_a_fact_of_the_shopper_that_met_the_item_said_to_them() -> None:
    said_to_them = voice_of("Recommended because they come in blue, which you like.", ITEM, (), [BLUE])
    assert said_to_them.personal
    not_addressed = voice_of("Recommended because they come in blue.", ITEM, (), [BLUE])
    assert not not_addressed.personal  # the colour is the item's; nothing ties it to the shopper
    bought = voice_of(
        "Recommended because you bought jeans.", ITEM, [_claim("purchase", "shopper.purchases")], []
    )
    assert bought.personal
    unbacked = voice_of(
        "Recommended because you bought jeans.", ITEM, [_claim("purchase", "shopper", False)], []
    )
    assert not unbacked.personal


def test_specific_counts_attributes_beyond_the_name_and_stock_phrases_are_found() -> None:
    plain = voice_of("Recommended because these are Roadster Men Slim Jeans.", ITEM, (), [], STOCK)
    assert plain.specific == 0 and not plain.stock
    rich = voice_of(
        "Recommended because at 999 this stretchable pair is a great pick.",
        ITEM, [_claim("price", "item.price")], [], STOCK,
    )  # fmt: skip
    assert rich.specific == 2 and rich.stock  # the price, a word of the description; the stock phrase


def test_the_rule_prefers_personal_then_no_stock_then_specific_then_new_then_the_earlier_draw() -> None:
    def drawn(text: str, personal: bool, stock: bool, specific: int, draw: int) -> Drawn:
        return Drawn(text, Voice(personal, stock, specific, len(text.split())), draw)

    generic = drawn("a b c", False, False, 3, 0)
    personal = drawn("d e f", True, False, 0, 1)
    assert choose([generic, personal]) is personal
    stocky = drawn("g h i", True, True, 5, 2)
    assert choose([stocky, personal]) is personal
    richer = drawn("j k l", True, False, 1, 3)
    assert choose([personal, richer]) is richer
    again = drawn("you like blue denim", True, False, 1, 4)
    fresh = drawn("soft cotton for summer", True, False, 1, 5)
    assert choose([again, fresh], earlier=["you like blue denim a lot"]) is fresh
    assert choose([again, drawn("you like blue denim", True, False, 1, 6)]) is again  # the earlier draw
    with pytest.raises(ValueError):
        choose([])


def test_distinct_2_is_one_when_no_word_pair_repeats() -> None:
    assert distinct_2(["the cat sat", "a dog ran"]) == 1.0
    assert distinct_2(["the cat sat", "the cat ran"]) == 0.75
    assert distinct_2([]) == 1.0


@pytest.mark.parametrize(
    ("text", "voice", "why"),
    [
        ("Recommended because it is blue.", "shopper", "says too little"),
        ("Recommended because " + "very soft cotton jeans " * 12, "shopper", "runs on"),
        ("Recommended because Why it fits: colour -> blue, you like blue jeans.", "shopper", "layout"),
        ("Recommended because your search for men also included this shopper and jeans.", "shopper",
         "wrong voice"),
        ("Recommended because you like denim, these denim jeans in denim.", "shopper", "repeats"),
        ("Recommended because the slim jeans are blue and come in a soft and.", "shopper", "ends on"),
        ("Recommended because you like blue, and these slim jeans are blue.", "support", "wrong voice"),
    ],
)  # fmt: skip
def test_garbled_texts_are_named_for_what_is_wrong(text: str, voice: str, why: str) -> None:
    found = incoherent(text, voice)
    assert found is not None and why in found


def test_a_plain_thought_passes_the_coherence_gate() -> None:
    assert incoherent("Recommended because you like blue, and these slim Roadster jeans are blue.") is None
    assert (
        incoherent("Recommended because the user bought jeans and these are slim blue jeans.", "support")
        is None
    )


def test_the_prompts_labels_are_layout_but_the_same_words_in_a_sentence_are_not() -> None:
    assert incoherent("Recommended because you bought before a pair of slim blue jeans like these.") is None
    found = incoherent("Recommended because Bought before: slim blue jeans, and these are slim jeans too.")
    assert found is not None and "layout" in found


def test_a_text_may_quote_names_whose_words_repeat() -> None:
    text = "A face mask like the MIDHA Mask you bought: Organic Harvest Sheet Face Mask at 91 INR."
    names = ["Organic Harvest Sheet Face Mask", "MIDHA Rice Cream Topping Mask"]
    assert incoherent(text, names=names) is None and incoherent(text) is not None
