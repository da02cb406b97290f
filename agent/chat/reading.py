"""The chat's side of the turn reader: the context a turn is read in, and the model's action as the
routed message the chat's handlers take.

The rules still read a message first: an exact command ("forget me", "quit") is theirs, and what the
action leaves out (the words a search ranks by, a title a shopper names) comes from their reading.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from agent.chat.state import Conversation
from agent.intents.parse import CatalogWords, Parsed, normalise
from agent.turns.action import Action, Card, Changes, TurnContext
from agent.turns.reader import TurnReader

log = logging.getLogger(__name__)
# Commands the rules keep in front of the model: an exact word means exactly that.
_COMMANDS = re.compile(r"^(?:quit|exit|bye|goodbye|stop|forget me|delete my data|help|start over)[.!]*$")
_RULED = frozenset({"forget_me", "quit"})
# Lifted fields and the limit names the chat's handlers drop.
_DROPS = {"budget_max": "budget", "budget_min": "budget", "colours": "colours", "for": "gender"}
_DROPS |= {"brands": "brands", "sizes": "sizes"}
_NUMBER = re.compile(r"\d")


def turn_context(conv: Conversation) -> TurnContext:
    """What the shopper sees as they write: the assistant's last message (its first line: a list's lead,
    a question, an answer's opening), the numbered cards, the search in force."""
    last = next((str(m.content) for m in reversed(conv.messages[:-1]) if m.type == "ai"), "")
    cards = [
        Card(n=n, title=r.item.title, brand=r.item.brand, colour=r.item.colour, price=r.item.price)
        for n, r in enumerate(conv.shown_recommendations(), start=1)
    ]
    return TurnContext(assistant=last.split("\n", 1)[0], cards=cards, constraints=in_force(conv))


def in_force(conv: Conversation) -> dict[str, Any]:
    """The chat's constraints as the reader's fields."""
    c = conv.state.constraints
    fields: dict[str, Any] = {
        "kind": c.kinds[0].lower() if c.kinds else None,
        "colours": list(c.colours),
        "brands": list(c.brands),
        "materials": list(c.materials),
        "sizes": list(c.sizes),
        "budget_max": c.budget_max,
        "budget_min": c.budget_min,
        "for": c.gender if c.gender in ("women", "men", "girls", "boys", "kids", "unisex") else None,
    }
    return {k: v for k, v in fields.items() if v not in (None, [], "")}


def ruled(text: str, rules: Parsed) -> bool:
    """True when the rules decide a message alone: an exact command, or forgetting and quitting."""
    return rules.intent in _RULED or bool(_COMMANDS.match(normalise(text)))


def read_turn(
    reader: TurnReader, conv: Conversation, text: str, rules: Parsed, vocab: CatalogWords
) -> Parsed:
    """The model's reading of a turn as the routed message; the rules' reading when the model's fails."""
    if ruled(text, rules):
        return rules
    context = turn_context(conv)
    try:
        reading = reader.read(context, text)
    except Exception:  # the reader failing must not cost the turn: the rules read it
        log.exception("the turn reader failed; the rules read %r", text)
        return rules
    if reading.action is None:
        return rules
    return as_parsed(reading.action, rules, context, text, vocab)


def as_parsed(action: Action, rules: Parsed, context: TurnContext, text: str, vocab: CatalogWords) -> Parsed:
    """An action in the form the handlers take, on top of what the rules read of the same message."""
    set_ = {**action.changes.add, **action.changes.replace}
    kind = set_.get("kind")
    kinds = vocab.kinds.named(str(kind), vocab.words | vocab.colours, vocab.colours)[:1] if kind else ()
    return replace(
        rules,
        intent=action.intent,
        refs=tuple(action.items),
        budget_max=_budget(set_.get("budget_max"), action, context, text),
        budget_min=_number(set_.get("budget_min")),
        colours=tuple(str(v).lower() for v in _list(set_.get("colours"))),
        gender=str(set_["for"]) if "for" in set_ else None,
        sizes=tuple(str(v).upper() for v in _list(set_.get("sizes"))),
        brands=tuple(str(v).lower() for v in _list(set_.get("brands"))),
        materials=tuple(str(v).lower() for v in _list(set_.get("materials"))),
        # A kind the message names stays, whatever field the model put it in.
        kinds=kinds or rules.kinds,
        drops=_drops(action.changes),
        source="model",
        score=1.0,
    )


def _budget(value: Any, action: Action, context: TurnContext, text: str) -> float | None:
    """A budget the shopper wrote stands; one read off a card's price ("cheaper" with no number) is
    derived, so the list goes below it, not up to it."""
    number = _number(value)
    if number is None or _NUMBER.search(text):
        return number
    prices = {c.price for c in context.cards if c.price is not None}
    return number * 0.999 if number in prices and action.intent == "cheaper" else number


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _drops(changes: Changes) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_DROPS[f] for f in changes.lift if f in _DROPS))
