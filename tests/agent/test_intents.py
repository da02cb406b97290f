from __future__ import annotations

import pytest

from agent.intents import Vocabulary, references, route
from retrieval.items import Item

VOCAB = Vocabulary.from_items(
    [
        Item("1", "Trail Running Shoe", brand="Fleet", colour="Black", category="running shoes"),
        Item("2", "Rain Jacket", brand="Nimbus", colour="Navy Blue", category="jackets"),
    ]
)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("quit", "quit"),
        ("Bye!", "quit"),
        ("help", "help"),
        ("why this?", "why"),
        ("Why #2?", "why"),
        ("explain the second one", "why"),
        ("why not #3?", "why_not"),
        ("why isn't the jacket first?", "why_not"),
        ("compare #1 and #2", "compare"),
        ("something cheaper", "cheaper"),
        ("that's too expensive", "cheaper"),
        ("more like #1", "more_like"),
        ("something like this but in blue", "more_like"),
        ("show me others", "others"),
        ("anything else?", "others"),
        ("what do you know about me?", "about_me"),
        ("I need a rain jacket", "search"),
        ("under 50 please", "search"),
        ("what's the weather in Paris", "unknown"),
    ],
)
def test_routes(message: str, intent: str) -> None:
    assert route(message, VOCAB).intent == intent


def test_references_and_constraints() -> None:
    assert references("compare #1 and #3") == (1, 3)
    assert references("the second and the last") == (2, -1)
    assert references("item 4") == (4,)
    parsed = route("a black jacket for men under €1,200.50, not fleet", VOCAB)
    assert parsed.budget_max == 1200.5
    assert parsed.colours == ("black",)
    assert parsed.gender == "men"
    assert parsed.avoid_brands == ("fleet",)
    assert "jacket" in parsed.title_words


def test_vocabulary_comes_from_the_catalog() -> None:
    assert {"black", "navy", "blue"} <= VOCAB.colours
    assert VOCAB.brands == {"fleet", "nimbus"}
