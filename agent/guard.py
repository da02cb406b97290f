"""Screening chat input before it reaches the agent: too long, hostile, or not text at all."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HOSTILE = re.compile(
    r"(ignore|disregard|forget)\s+(all\s+|any\s+|the\s+|your\s+)*(previous|prior|above|earlier)?\s*"
    r"(instructions|rules|prompts?)|system prompt|developer (message|mode)|jailbreak|"
    r"reveal (your|the) (prompt|instructions|template)|you are now|act as (an? )?(admin|developer)|"
    r"<\s*script|javascript:|other (shoppers?|customers?|users?)'?s? (data|orders|address|profile)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Screened:
    """The cleaned message, or a polite refusal to send instead of answering."""

    text: str
    refusal: str | None = None


def clean(text: str) -> str:
    """Drop control characters and fold white space."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(kept.split())


def screen(message: str, max_chars: int) -> Screened:
    """Clean a message and refuse it politely when it is empty, over-long or an attack."""
    text = clean(message)
    if not text:
        return Screened("", "I didn't catch that. Tell me what you're looking for, or type 'help'.")
    if len(message) > max_chars:
        return Screened(
            "",
            f"That message is a bit long for me ({len(message)} characters; the limit is {max_chars}). "
            "Could you say it in a sentence or two?",
        )
    if _HOSTILE.search(text):
        return Screened(
            "",
            "I can only help you find and understand products in this shop, so I can't do that. "
            "Ask me for recommendations, or 'why #1?'.",
        )
    return Screened(text)
