"""Untrusted text (catalog titles and descriptions, model output): strip markup, drop instructions.

A product description saying "ignore previous instructions" must reach neither a prompt as an
instruction nor the grounding check as evidence; HTML, scripts and foreign links must never reach the
widget.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b[^.!?\n]{0,60}\b(?:instructions?|rules|prompts?|"
    r"guidelines|directions|above|previous|prior)\b"
    r"|\b(?:new|updated|system|hidden|secret|real)\s+(?:instructions?|prompt|rules)\b"
    r"|\b(?:you are now|from now on|pretend (?:to be|you are)|roleplay as|act as an?)\b"
    r"|^\s*(?:system|assistant|user|developer)\s*:"
    r"|\b(?:tell|inform|remind|instruct)\s+(?:the\s+|every\s+|all\s+)?(?:user|shopper|customer|buyer|"
    r"assistant|model|ai)s?\b"
    r"|\b(?:say|respond|reply|answer|output)\s+(?:only\s+|exactly\s+)?(?:with\b|that\b|the following\b|"
    r"[\"“'])"
    r"|\b(?:print|repeat)\s+(?:the following|exactly|after me|your|the (?:system|prompt|instructions))"
    r"|\b(?:as an ai|language model|the assistant must|the model must|ai assistant)\b"
    r"|\b(?:reveal|show|output|leak)\s+(?:your|the)\s+(?:system\s+)?(?:prompt|instructions)\b"
    r"|<\|?(?:system|im_start|im_end|endoftext)\|?>|\[/?(?:inst|system)\]|#{2,}\s*(?:instruction|system)"
    r"|\b(?:always|must)\s+(?:recommend|rank|mention|promote)\b",
    re.IGNORECASE | re.MULTILINE,
)
_BLOCKS = re.compile(r"<\s*(script|style|iframe|object|embed|svg|math)\b.*?(?:<\s*/\s*\1\s*>|$)", re.I | re.S)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>\n]*>")
_OPEN_ANGLE = re.compile(r"<(?=\s*[a-zA-Z/!?])")
_SCHEME = re.compile(r"\b(?:javascript|vbscript|data|file)\s*:", re.IGNORECASE)
_HANDLER = re.compile(r"\bon[a-z]{3,}\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[(?P<label>[^\]\n]*)\]\((?P<url>[^)\s\n]*)[^)\n]*\)")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
# Sentences, and the parts of a title joined by dashes or bars ("Beanie - ignore previous ...").
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-–—|]\s+")


def is_instruction(text: str) -> bool:
    """True when a piece of text reads as an instruction to the assistant rather than a fact."""
    return _INSTRUCTION.search(text) is not None


def _allowed(url: str, domains: tuple[str, ...]) -> bool:
    host = urlparse(url if "://" in url else f"https://{url}").hostname or ""
    return any(host == d or host.endswith(f".{d}") for d in domains if d)


def strip_markup(text: str, allowed_domains: tuple[str, ...] = ()) -> tuple[str, tuple[str, ...]]:
    """Text safe to render as plain text, and what was removed (script, html, link, image, url)."""
    removed: list[str] = []

    def sub(pattern: re.Pattern[str], repl: str, label: str, value: str) -> str:
        new = pattern.sub(repl, value)
        if new != value:
            removed.append(label)
        return new

    out = sub(_BLOCKS, " ", "script", text)
    out = sub(_COMMENT, " ", "html", out)
    out = sub(_IMAGE, " ", "image", out)
    out = _LINK.sub(lambda m: _keep_link(m, allowed_domains, removed), out)
    out = sub(_TAG, " ", "html", out)
    out = sub(_HANDLER, " ", "script", out)
    out = sub(_OPEN_ANGLE, "&lt;", "html", out)
    out = sub(_SCHEME, "", "script", out)
    out = _URL.sub(lambda m: m.group() if _allowed(m.group(), allowed_domains) else _drop(removed), out)
    if not removed:
        return text, ()
    out = re.sub(r"(?<=\S)[ \t]{2,}", " ", out)  # gaps left by removals; indentation stays
    return out.strip(), tuple(dict.fromkeys(removed))


def _keep_link(m: re.Match[str], domains: tuple[str, ...], removed: list[str]) -> str:
    if _allowed(m["url"], domains):
        return m.group()
    removed.append("link")
    return m["label"]


def _drop(removed: list[str]) -> str:
    removed.append("url")
    return ""


def neutralise(text: str) -> str:
    """Catalog text as facts only: markup and links stripped, instruction-like sentences dropped."""
    plain, _ = strip_markup(text)
    if not is_instruction(plain):
        return " ".join(plain.split())
    kept = [s for s in _SENTENCES.split(plain) if s.strip() and not is_instruction(s)]
    return " ".join(" ".join(kept).split())


def instruction_parts(text: str) -> list[str]:
    """The sentences (or title parts) of a catalog text that read as instructions."""
    plain, _ = strip_markup(text)
    if not is_instruction(plain):
        return []
    return [s.strip() for s in _SENTENCES.split(plain) if s.strip() and is_instruction(s)]
