"""Scoring turn readings: changes by what they do to the search, items exact, per setting."""

from __future__ import annotations

from dataclasses import replace

from agent.intents.parse import CatalogWords, read_constraints
from agent.turns.action import Action, Card, Changes, TurnContext, TurnLine
from eval.turns import Guess, after, rules_guess, score
from retrieval.items import Item

CONTEXT = TurnContext(
    assistant="Here are five:",
    cards=[
        Card(n=1, title="Fjord Jacket, Blue", colour="Blue", price=149.0),
        Card(n=2, title="Fjord, Red", price=99.0),
    ],
    constraints={"kind": "jacket", "colours": ["blue"]},
)


def line(action: Action, setting: str = "demo", cards: bool = True) -> TurnLine:
    context = CONTEXT if cards else CONTEXT.model_copy(update={"cards": []})
    return TurnLine(id="t:1", setting=setting, context=context, message="m", action=action)


def test_add_and_replace_of_an_unset_field_are_the_same_change() -> None:
    added = after(CONTEXT.constraints, Changes(add={"budget_max": 100}))
    replaced = after(CONTEXT.constraints, Changes(replace={"budget_max": 100.0}))
    assert added == replaced
    assert after({}, Changes(add={"colours": ["Black"]})) == after({}, Changes(add={"colours": ["black"]}))
    assert after(CONTEXT.constraints, Changes(add={"colours": ["red"]})) != after(
        CONTEXT.constraints, Changes(replace={"colours": ["red"]})
    )


def test_score_counts_intent_items_and_changes_per_setting() -> None:
    gold = Action(intent="cheaper", items=[2], changes=Changes(replace={"budget_max": 99}))
    turns = [line(gold), line(gold, "mg", cards=False)]
    guesses = [
        Guess("cheaper", (2,), Changes(add={"budget_max": 99.0}), "model"),
        Guess("refine", (), Changes(), "model"),
    ]
    result = score(turns, guesses)
    assert result["all"]["intent"] == 0.5
    assert result["demo"] == result["demo"] | {"intent": 1.0, "items": 1.0, "changes": 1.0}
    assert result["mg"]["turns_with_cards"] == 0 and result["mg"]["changes"] == 0.0
    assert result["confusions"] == {"cheaper -> refine": 1}


def test_the_rules_as_an_action() -> None:
    vocab = CatalogWords.from_items(
        [Item("a", "Fjord Jacket", colour="Blue"), Item("b", "Fjord", colour="Red")]
    )
    parsed = read_constraints("why #2 in red", vocab)
    guess = rules_guess(replace(parsed, intent="why"), CONTEXT)
    assert guess.items == (2,)
    assert guess.changes.replace == {"colours": ["red"]}
