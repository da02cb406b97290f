"""Output-side guardrails: every reply is checked before the widget renders it.

`check_reply` strips markup, scripts and foreign links; removes instruction-like catalog sentences a
reply quotes; and blocks (replaces with a short, polite answer) a reply that leaks the prompt or the
merchandisers' templates, shows another shopper's data, or offers a discount, coupon or price promise
the items do not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.grounding.reading import claim_words
from agent.grounding.textnorm import canon
from agent.untrusted import instruction_parts, neutralise, strip_markup
from prompts.render import PromptFile
from retrieval.items import Item
from retrieval.shoppers import Shopper

_SHINGLE = 5
_NEGATION = re.compile(
    r"\b(?:no|not|never|none|without|don['’]?t|doesn['’]?t|isn['’]?t|aren['’]?t|can['’]?t|cannot|"
    r"won['’]?t|nothing|only know)\b",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_PERCENT_OFF = re.compile(
    r"(?P<n>\d{1,3}(?:\.\d+)?)\s?%\s*(?:off|discount|cheaper|savings?|cashback|reduction)"
    r"|\b(?:save|saving|discount of|reduced by|knock off|take)\s+(?P<m>\d{1,3}(?:\.\d+)?)\s?%",
    re.IGNORECASE,
)
_COUPON_WORDS = re.compile(
    r"\b(?:coupons?|promo(?:tion(?:al)?)? codes?|vouchers?|discount codes?|gift codes?)\b", re.I
)
_DISCOUNT_WORDS = re.compile(
    r"\b(?:on sale|discounted|clearance|marked down|markdown|reduced price|price drop|price cut|"
    r"special offer|deal of the day|flash sale|sale price|half price|half off)\b",
    re.IGNORECASE,
)
_PROMISES = re.compile(
    r"\b(?:free (?:shipping|delivery|returns?|gift|upgrade)|money[- ]back|guaranteed?|price match(?:ing)?|"
    r"lowest price|cheapest (?:anywhere|online|in town)|best price|in stock|limited time|sale ends|"
    r"(?:next|same)[- ]day (?:delivery|shipping)|warranty)\b",
    re.IGNORECASE,
)
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\bhouse_rules\b|\bresponse_prefix\b|\bbanned_phrases\b", re.S)

_BLOCKED = {
    "disclosure": (
        "I can't share how I'm set up, but I'm happy to help you shop. Ask me for recommendations, or "
        "'why #1?'."
    ),
    "other_shoppers": (
        "I can't share anything about other shoppers. Ask 'what do you know about me?' to see what I know "
        "about you."
    ),
    "offer": (
        "Sorry, I can only quote the prices listed in the shop. Ask 'why #1?' to see what the catalog says "
        "about an item."
    ),
}


@dataclass(frozen=True)
class ReplyContext:
    """What a reply may rest on, and what it must never show."""

    items: tuple[Item, ...] = ()
    shopper: Shopper | None = None
    other_shoppers: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class SafeReply:
    """The text to show; `blocked` names why the original was replaced, `removed` what was stripped."""

    text: str
    blocked: str | None = None
    removed: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the reply was shown (perhaps with markup stripped), not replaced."""
        return self.blocked is None


def check_reply(text: str, context: ReplyContext) -> SafeReply:
    """The reply made safe to render, or a short polite replacement when it must not be shown."""
    clean, removed = strip_markup(text, context.allowed_domains)
    clean, scrubbed = _scrub_catalog_instructions(clean, context.items)
    removed += ("instruction",) * scrubbed
    if leaks_secret(clean, context.secrets):
        return SafeReply(_BLOCKED["disclosure"], "disclosure", removed)
    if leaks_other_shopper(clean, context):
        return SafeReply(_BLOCKED["other_shoppers"], "other_shoppers", removed)
    if unbacked_offer(clean, context.items) is not None:
        return SafeReply(_BLOCKED["offer"], "offer", removed)
    return SafeReply(
        clean or "Sorry, I have nothing to show for that. Ask me for recommendations.", None, removed
    )


def prompt_secrets(prompt: PromptFile) -> tuple[str, ...]:
    """The parts of a prompt file a reply must never repeat: template text between tags, house rules."""
    pieces = [
        p for spec in prompt.messages for p in re.split(r"\{\{.*?\}\}|\{%.*?%\}", spec.content, flags=re.S)
    ]
    return tuple(p.strip() for p in [*pieces, *prompt.house_rules] if len(p.split()) >= _SHINGLE)


def other_shopper_strings(shoppers: Iterable[Shopper], current_id: str) -> tuple[str, ...]:
    """What identifies the other shoppers: ids, profiles and their review texts (not catalog titles)."""
    out: list[str] = []
    for s in shoppers:
        if s.shopper_id == current_id:
            continue
        out += [s.shopper_id, s.profile] + [p.review for p in s.purchases]
    return tuple(x.strip() for x in out if x.strip())


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = canon(text).split()
    return {tuple(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


def leaks_secret(text: str, secrets: Sequence[str]) -> bool:
    """True when a reply repeats five words in a row of a secret, or shows template syntax."""
    if _TEMPLATE.search(text):
        return True
    said = _shingles(text)
    return any(said & _shingles(secret) for secret in secrets)


def leaks_other_shopper(text: str, context: ReplyContext) -> bool:
    """True when a reply names another shopper's id or repeats their profile or reviews."""
    own = canon(" ".join(f"{i.title} {i.brand or ''} {i.description}" for i in context.items))
    if context.shopper is not None:
        own += canon(f"{context.shopper.shopper_id} {context.shopper.profile}")
    said, shingles = canon(text), _shingles(text)
    for other in context.other_shoppers:
        words = canon(other).strip()
        if not words:
            continue
        if len(words.split()) < _SHINGLE:
            # Short strings are ids or names: a whole-word hit counts unless our own data says it too.
            if len(words) >= 3 and f" {words} " in said and f" {words} " not in own:
                return True
        elif shingles & _shingles(other):
            return True
    return False


def unbacked_offer(text: str, items: Sequence[Item]) -> str | None:
    """The first discount, coupon or price promise a reply makes that no item's data backs."""
    for sentence in _SENTENCE.split(text):
        for m in claim_words.PROMISE_CODE.finditer(sentence):
            if not _has_code(m.group(), items):
                return m.group()
        for m in _PERCENT_OFF.finditer(sentence):
            n = float(m["n"] or m["m"])
            if not any(i.discount_pct is not None and abs(i.discount_pct - n) < 0.5 for i in items):
                return m.group()
        if _NEGATION.search(sentence):
            continue  # "there is no discount on #1" promises nothing
        found = _unbacked_words(sentence, items)
        if found is not None:
            return found
    return None


def _unbacked_words(sentence: str, items: Sequence[Item]) -> str | None:
    coupon = _COUPON_WORDS.search(sentence)
    if coupon and not any(_code_fields(i) for i in items):
        return coupon.group()
    discount = _DISCOUNT_WORDS.search(sentence)
    if discount and not any((i.discount_pct or 0) > 0 for i in items):
        return discount.group()
    for m in _PROMISES.finditer(sentence):
        wanted = f" {canon(m.group()).strip()} "
        if not any(wanted in canon(f"{neutralise(i.title)} {neutralise(i.description)}") for i in items):
            return m.group()
    return None


def _code_fields(item: Item) -> list[str]:
    return [v for k, v in item.extra if any(w in k.lower() for w in ("coupon", "promo", "voucher", "code"))]


def _has_code(said: str, items: Sequence[Item]) -> bool:
    return any(v.strip() and v.strip().lower() in said.lower() for i in items for v in _code_fields(i))


def _scrub_catalog_instructions(text: str, items: Sequence[Item]) -> tuple[str, int]:
    # A reply may quote a title or description; an instruction planted there is cut out, even when
    # the quote was cut short.
    count = 0
    for item in items:
        for source in (item.title, item.description):
            for sentence in instruction_parts(source):
                head = sentence.strip()[:40]
                while head and head in text:
                    start = text.index(head)
                    end = start + len(sentence.strip()) if text.startswith(sentence.strip(), start) else -1
                    end = end if end >= 0 else (text.find("\n", start) if "\n" in text[start:] else len(text))
                    text = text[:start] + "[removed]" + text[end:]
                    count += 1
    return text, count
