"""The turn reader: the finetuned LM reads a message in its context and writes one compact action.

A reading that does not parse, does not validate, or names a card that is not on screen is not used:
the caller falls back to the rules (`Reading.action` is None and `problem` says why).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from agent.config import ReaderConfig
from agent.turns.action import Action, TurnContext, Unreadable, from_compact
from agent.turns.refer import with_named_cards
from agent.turns.rows import PROMPT, turn_variables
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator, GeneratorConfig
from prompts.render import PromptFile, load_prompt, render

log = logging.getLogger(__name__)
# The longest compact action in the training turns is 27 tokens (a new search that sets four fields and
# lifts three); most are under 8, and generation stops at the first end token.
MAX_ACTION_TOKENS = 32


@dataclass(frozen=True)
class Reading:
    """What the reader made of one turn: the action, or None with the problem; the model's own text."""

    action: Action | None
    text: str
    problem: str | None = None


@dataclass(frozen=True)
class TurnReader:
    """Reads turns with a generator that serves the reader adapter."""

    generator: Generator
    prompt: PromptFile
    max_new_tokens: int = MAX_ACTION_TOKENS

    def read(self, context: TurnContext, message: str) -> Reading:
        """One turn's reading."""
        return self.read_many([(context, message)])[0]

    def read_many(self, turns: Sequence[tuple[TurnContext, str]]) -> list[Reading]:
        """Readings of several turns in one batch."""
        if not turns:
            return []
        prompts = [render(self.prompt, turn_variables(c, m)) for c, m in turns]
        texts = self.generator.generate(prompts, self.max_new_tokens)
        return [_reading(t, c, m) for t, (c, m) in zip(texts, turns, strict=True)]


def _reading(text: str, context: TurnContext, message: str) -> Reading:
    try:
        return Reading(with_named_cards(from_compact(text, context, message), message, context.cards), text)
    except Unreadable as exc:
        log.info("turn reading not used: %s", exc)
        return Reading(None, text, str(exc))


def reader_generator_config(generator: GeneratorConfig, reader: ReaderConfig) -> GeneratorConfig:
    """The generator settings of the reader: the shop's engine with the reader's adapter, one prompt at a
    time (nothing to share between turns), greedy and short."""
    served = reader.served_model or generator.served_model
    return generator.model_copy(
        update={
            "adapter": reader.adapter,
            "reuse_prefix": False,
            "max_new_tokens": reader.max_new_tokens,
            "served_model": served,
            "workers": 1,
            # One short prompt at a time: both cores on it beat a second replica.
            "threads": generator.threads or 2,
        }
    )


def load_reader(generator: GeneratorConfig, reader: ReaderConfig) -> TurnReader | None:
    """The configured reader, its engine loaded; None in rules mode."""
    if reader.mode != "model":
        return None
    lm = load_generator(reader_generator_config(generator, reader))
    return TurnReader(lm, load_prompt(PROMPT), reader.max_new_tokens)
