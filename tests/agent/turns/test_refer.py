"""Cards a message names outright are read exactly, once the model has read a reference."""

from __future__ import annotations

import pytest

from agent.turns.action import Action, Card
from agent.turns.refer import named_cards, with_named_cards

CARDS = [
    Card(n=1, title="Nordvik Fjord Rain Jacket, Blue", colour="Blue", price=149.0),
    Card(n=2, title="Nordvik Fjord Rain Jacket, Red", colour="Red", price=149.0),
    Card(n=3, title="Kestrel Windbreaker", colour="Yellow", price=89.0),
    Card(n=4, title="Trailborn Merino Midlayer", colour="Grey", price=129.0),
]


@pytest.mark.parametrize(
    ("message", "cards"),
    [
        ("why #2?", [2]),
        ("2 and 4", [2, 4]),
        ("the last one", [4]),
        ("the second", [2]),
        ("is the yellow one waterproof", [3]),
        ("fjord vs the windbreaker", [1, 3]),
        ("the merino one is 129?? why so pricey", [4]),
        ("anything warmer?", []),
    ],
)
def test_named_cards(message: str, cards: list[int]) -> None:
    assert named_cards(message, CARDS) == cards


def test_the_model_decides_whether_a_card_is_meant() -> None:
    no_reference = Action(intent="refine")
    assert with_named_cards(no_reference, "a red one but cheaper", CARDS).items == []
    assert with_named_cards(Action(intent="why", items=[1]), "why the red one", CARDS).items == [2]
    assert with_named_cards(Action(intent="why"), "why #3", CARDS).items == [3]
    assert with_named_cards(Action(intent="why", items=[2]), "why this one", CARDS).items == [2]
