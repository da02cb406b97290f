"""The chat's side of the turn reader: the context a turn is read in, and the model's action as the
routed message the chat's handlers take.

The rules still read a message first: an exact command ("forget me", "quit") is theirs, and what the
action leaves out (the words a search ranks by, a title a shopper names) comes from their reading.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from agent.chat.item_answers import shop_topic
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
    if reading.action is None or overruled(reading.action, rules.intent):
        return rules
    return as_parsed(reading.action, rules, context, text, vocab)


def overruled(action: Action, rules_intent: str) -> bool:
    """True when the model sends away a message the rules read as shopping: hostile text is the safety
    screen's to refuse before any reading, so a shopping reading of what passed it wins ("ignore the
    blue one, show me red" is no attack)."""
    return action.intent == "off_topic" and rules_intent not in ("off_topic", "unknown")


def as_parsed(action: Action, rules: Parsed, context: TurnContext, text: str, vocab: CatalogWords) -> Parsed:
    """An action in the form the handlers take: the model's intent, cards and lifted limits. Each value
    the rules read off the catalog's own words (a colour, a brand, a price) stands; the model's fills a
    field the rules left empty only when the message holds its words, and who the shopper shops for is
    the rules' alone (the model wrote "for men" of "giordano shoulder bag")."""
    set_ = {**action.changes.add, **action.changes.replace}
    kind = set_.get("kind") if _said(str(set_.get("kind", "")), text) else None
    kinds = vocab.kinds.named(str(kind), vocab.words | vocab.colours, vocab.colours)[:1] if kind else ()
    return replace(
        rules,
        intent=_intent(action, rules, context, text),
        refs=tuple(action.items),
        budget_max=rules.budget_max or _budget(set_.get("budget_max"), action, context, text),
        budget_min=rules.budget_min or _number(set_.get("budget_min")),
        colours=rules.colours or _values(set_.get("colours"), text, str.lower),
        sizes=rules.sizes or _values(set_.get("sizes"), text, str.upper),
        brands=rules.brands or _values(set_.get("brands"), text, str.lower),
        materials=rules.materials or _values(set_.get("materials"), text, str.lower),
        kinds=rules.kinds or kinds,
        drops=tuple(dict.fromkeys([*rules.drops, *_drops(action.changes)])),
        source="model",
        score=1.0,
    )


def _intent(action: Action, rules: Parsed, context: TurnContext, text: str) -> str:
    """The model's intent, but "do you have <a product>?" with nothing on screen is a search, not a
    question for the shop: the catalog answers it."""
    if (
        action.intent == "shop_info"
        and not context.cards
        and rules.kinds
        and shop_topic(text) in (None, "stock")
    ):
        return "search"
    return action.intent


def _said(value: str, text: str) -> bool:
    """True when every word of a value is in the message (as a word's beginning: "jacket", "jackets")."""
    said = re.findall(r"[a-z0-9]+", text.lower())
    wanted = re.findall(r"[a-z0-9]+", value.lower())
    return bool(wanted) and all(any(w.startswith(v[:4]) for w in said) for v in wanted)


def _values(value: Any, text: str, form: Callable[[str], str]) -> tuple[str, ...]:
    return tuple(form(str(v)) for v in _list(value) if _said(str(v), text))


def _budget(value: Any, action: Action, context: TurnContext, text: str) -> float | None:
    """A budget the shopper wrote stands; one read off a card's price ("cheaper" with no number) is
    derived, so the list goes below it, not up to it."""
    number = _number(value)
    if number is None:
        return None
    if f"{number:g}" in text.replace(",", ""):
        return number
    prices = {c.price for c in context.cards if c.price is not None}
    # A number neither written nor on a card is the model's own: no budget is made of it.
    return number * 0.999 if number in prices and action.intent == "cheaper" else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _drops(changes: Changes) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_DROPS[f] for f in changes.lift if f in _DROPS))
