"""A turn and its action as data: the labelled-turn line, the action a reader writes, and the compact
form the model writes it in (one added token per intent and per change, values as plain words).

The compact form keeps a reading short: "[refine] [+colours] black" is four tokens where the same action
as JSON is about 28, and at ~20 ms a generated token on this CPU that is the difference between a reading
under 300 ms and one near a second.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

INTENTS: tuple[str, ...] = (
    "greet", "quit", "help", "thanks", "ack", "about_me", "forget_me", "how_choose", "why", "why_not",
    "compare", "cheaper", "refine", "more_like", "different", "others", "search", "item_question",
    "shop_info", "off_topic",
)  # fmt: skip
LIST_FIELDS: tuple[str, ...] = ("colours", "brands", "materials", "sizes", "words")
NUMBER_FIELDS: tuple[str, ...] = ("budget_max", "budget_min")
FIELDS: tuple[str, ...] = ("kind", *LIST_FIELDS[:4], *NUMBER_FIELDS, "for", "words")
FOR_VALUES: tuple[str, ...] = ("women", "men", "girls", "boys", "kids", "baby", "unisex")
OPS = {"add": "+", "replace": "=", "lift": "-"}
# Intents whose question is the shopper's own words (the reader never writes it).
ASKING = frozenset({"item_question", "shop_info"})

Intent = Literal[
    "greet", "quit", "help", "thanks", "ack", "about_me", "forget_me", "how_choose", "why", "why_not",
    "compare", "cheaper", "refine", "more_like", "different", "others", "search", "item_question",
    "shop_info", "off_topic",
]  # fmt: skip
Value = str | float | list[str]


def intent_token(intent: str) -> str:
    """The one added token of an intent."""
    return f"[{intent}]"


def change_token(op: str, name: str) -> str:
    """The one added token of a change: "[+colours]", "[=budget_max]", "[-sizes]"."""
    return f"[{OPS[op]}{name}]"


def added_tokens() -> list[str]:
    """Every token the compact form adds to the vocabulary, in a fixed order."""
    return [intent_token(i) for i in INTENTS] + [change_token(o, f) for o in OPS for f in FIELDS]


class Card(BaseModel):
    """A numbered card on screen, as the reader sees it."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(ge=1, le=50)
    title: str = Field(min_length=1)
    brand: str | None = None
    colour: str | None = None
    price: float | None = Field(default=None, ge=0)


class TurnContext(BaseModel):
    """What the shopper sees when they write: the assistant's last message, the cards, the search in force."""

    model_config = ConfigDict(extra="forbid")

    assistant: str = ""
    cards: list[Card] = Field(default_factory=list)
    constraints: dict[str, Any] = Field(default_factory=dict)

    @field_validator("constraints")
    @classmethod
    def _known_fields(cls, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"unknown constraint fields {unknown}; valid: {', '.join(FIELDS)}")
        return value

    def numbers(self) -> set[int]:
        """The card numbers on screen."""
        return {c.n for c in self.cards}


class Changes(BaseModel):
    """Constraint changes: values added, values replaced, fields lifted."""

    model_config = ConfigDict(extra="forbid")

    add: dict[str, Value] = Field(default_factory=dict)
    replace: dict[str, Value] = Field(default_factory=dict)
    lift: list[str] = Field(default_factory=list)

    @field_validator("add", "replace")
    @classmethod
    def _fields(cls, value: dict[str, Value]) -> dict[str, Value]:
        for name, v in value.items():
            _check_field(name, v)
        return value

    @field_validator("lift")
    @classmethod
    def _lifted(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            raise ValueError(f"cannot lift {unknown}; valid: {', '.join(FIELDS)}")
        return value

    def is_empty(self) -> bool:
        """True when nothing changes."""
        return not (self.add or self.replace or self.lift)


def _check_field(name: str, value: Value) -> None:
    if name not in FIELDS:
        raise ValueError(f"unknown field {name!r}; valid: {', '.join(FIELDS)}")
    if name in NUMBER_FIELDS and not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if name in LIST_FIELDS and not isinstance(value, list):
        raise ValueError(f"{name} must be a list of strings, got {value!r}")
    if name == "for" and value not in FOR_VALUES:
        raise ValueError(f"for must be one of {', '.join(FOR_VALUES)}, got {value!r}")
    if name == "kind" and not (isinstance(value, str) and value.strip()):
        raise ValueError(f"kind must be a product noun, got {value!r}")


class Action(BaseModel):
    """What a shopper's turn asks for: one intent, the cards it refers to, its changes, its question."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent
    items: list[int] = Field(default_factory=list)
    changes: Changes = Field(default_factory=Changes)
    question: str | None = None


class TurnLine(BaseModel):
    """One labelled turn (eval/data/turns/README.md): a message in its context and its action."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    setting: Literal["demo", "myntra", "mg"]
    context: TurnContext
    message: str
    action: Action
    note: str = ""
    chat: str | None = None
    sure: bool | None = None
    verified: bool = False
    verify_note: str = ""


class Unreadable(ValueError):
    """A compact action that does not parse or does not fit its context."""


_TOKEN = re.compile(r"\[([+=-]?)([a-z_]+)\]")
_BY_SIGN = {sign: op for op, sign in OPS.items()}


def to_compact(action: Action) -> str:
    """The compact form of an action: the intent token, the card numbers, then each change."""
    parts = [intent_token(action.intent), *(str(n) for n in action.items)]
    for op in ("replace", "add"):
        for name, value in getattr(action.changes, op).items():
            parts += [change_token(op, name), _value_text(value)]
    parts += [change_token("lift", name) for name in action.changes.lift]
    return " ".join(parts)


def _value_text(value: Value) -> str:
    if isinstance(value, list):
        return ", ".join(value)
    if isinstance(value, float | int):
        return f"{value:g}"
    return value


def from_compact(text: str, context: TurnContext, message: str) -> Action:
    """The action a compact text states, validated against its context; Unreadable says why not."""
    pieces = _TOKEN.split(text.strip())
    if len(pieces) < 4 or pieces[0].strip() or pieces[1]:
        raise Unreadable(f"no intent token first in {text!r}")
    intent, items_text = pieces[2], pieces[3]
    changes: dict[str, Any] = {"add": {}, "replace": {}, "lift": []}
    for i in range(4, len(pieces), 3):
        if pieces[i] not in _BY_SIGN:
            raise Unreadable(f"a second intent [{pieces[i + 1]}] in {text!r}")
        op, name, raw = _BY_SIGN[pieces[i]], pieces[i + 1], pieces[i + 2].strip()
        if op == "lift":
            changes["lift"].append(name)
        elif name in LIST_FIELDS and name in changes[op]:  # the same change twice: both values hold
            changes[op][name] = [*changes[op][name], *_list_value(name, raw)]
        else:
            changes[op][name] = _parse_value(name, raw)
    items = _items(items_text, context)
    try:
        return Action.model_validate(
            {"intent": intent, "items": items, "changes": changes,
             "question": message.strip() if intent in ASKING else None}
        )  # fmt: skip
    except ValidationError as exc:
        raise Unreadable(f"{text!r}: {exc.errors()[0]['msg']}") from exc


def _items(text: str, context: TurnContext) -> list[int]:
    numbers = [int(t) for t in text.split() if t.isdigit()]
    if len(numbers) != len(text.split()):
        raise Unreadable(f"card numbers expected, got {text!r}")
    off = sorted(set(numbers) - context.numbers())
    if off:
        raise Unreadable(f"cards {off} are not on screen")
    return sorted(set(numbers))


def _list_value(name: str, raw: str) -> list[str]:
    value = _parse_value(name, raw)
    return value if isinstance(value, list) else [str(value)]


def _parse_value(name: str, raw: str) -> Value:
    if name in NUMBER_FIELDS:
        try:
            return float(raw.replace(",", ""))
        except ValueError as exc:
            raise Unreadable(f"{name} must be a number, got {raw!r}") from exc
    if name in LIST_FIELDS:
        values = [v.strip() for v in raw.split(",") if v.strip()]
        if not values:
            raise Unreadable(f"{name} has no value")
        return values
    return raw
