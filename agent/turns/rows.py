"""Labelled turns as prompt rows: the reader's prompt variables (shared by training and inference) and
the `turns` training source.

Every text the shopper or the catalog wrote has its square brackets turned round, so no message and no
title can spell one of the reader's added tokens ("[forget_me]") and steer the action.
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from agent.turns.action import FIELDS, LIST_FIELDS, TurnContext, TurnLine, to_compact
from whythis.validation import read_jsonl

PROMPT = "read_turn"
TRAIN_FOLDER = "data"
# Words kept of the assistant's last message and of a card title: enough to say what was asked and
# which card is which, short enough that five cards and the message stay near 150 tokens.
ASSISTANT_WORDS = 40
TITLE_WORDS = 9
MESSAGE_WORDS = 60


def plain(text: str) -> str:
    """Untrusted text with no square brackets and no line breaks."""
    return " ".join(text.replace("[", "(").replace("]", ")").split())


def clip(text: str, words: int) -> str:
    """The first `words` words of a text."""
    parts = plain(text).split()
    return " ".join(parts[:words]) + (" ..." if len(parts) > words else "")


def constraint_lines(constraints: dict[str, Any]) -> list[str]:
    """The search in force as "name=value" lines, in the fields' fixed order."""
    out = []
    for name in FIELDS:
        value = constraints.get(name)
        if value in (None, "", []):
            continue
        text = ", ".join(str(v) for v in value) if name in LIST_FIELDS else _number_or_text(value)
        out.append(f"{name}={plain(text)}")
    return out


def _number_or_text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float | int) else str(value)


def turn_variables(context: TurnContext, message: str) -> dict[str, Any]:
    """The read_turn prompt's variables for a message in its context."""
    cards = [
        {
            "n": c.n,
            "title": clip(c.title, TITLE_WORDS),
            "colour": plain(c.colour) if c.colour else None,
            "price": f"{c.price:g}" if c.price is not None else None,
        }
        for c in context.cards
    ]
    return {
        "assistant": clip(context.assistant, ASSISTANT_WORDS),
        "cards": cards,
        "constraints": constraint_lines(context.constraints),
        "message": clip(message, MESSAGE_WORDS),
    }


def training_files() -> list[Path]:
    """The shipped labelled training turns (agent/turns/data/*.jsonl)."""
    folder = Path(str(resources.files("agent.turns").joinpath(TRAIN_FOLDER)))
    return sorted(folder.glob("*.jsonl"))


def read_turns(paths: Iterable[Path], verified_only: bool = False) -> list[TurnLine]:
    """The turns of these files; a bad line names its file, line and field."""
    turns = [t for p in paths for t in read_jsonl(p, TurnLine)]
    return [t for t in turns if t.verified] if verified_only else turns


def prompt_row(turn: TurnLine) -> dict[str, Any]:
    """A turn as a prompt row: the reader's prompt variables and the compact action to learn."""
    return {
        "prompt": PROMPT,
        "variables": turn_variables(turn.context, turn.message),
        "answer": to_compact(turn.action),
        "key": turn.id,
    }


def turn_rows(data_dir: str | None, rows: int | None, audience: str) -> list[dict[str, Any]]:
    """The `turns` training source: every verified shipped training turn as a prompt row."""
    del data_dir, audience  # the turns ship with the package and speak to nobody
    turns = read_turns(training_files(), verified_only=True)
    return [prompt_row(t) for t in turns[:rows]]
