"""Answers to a shopper's question about one item, from its listing only, and to questions about the shop
from the shop's configured answers.

An item answer gives the listed field the question asks about (its price, sizes, material, ...) or
quotes the description's sentences that hold the question's words. It never says yes or no on its own:
what it states is the listing's words. When neither holds the answer, it says the listing does not say.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from agent.reasons.variables import format_number
from agent.untrusted import is_instruction, neutralise
from retrieval.items import Item

_FIELDS: dict[str, re.Pattern[str]] = {
    "price": re.compile(r"\b(?:price|prices|cost|costs|how much|pricey|expensive)\b"),
    "sizes": re.compile(r"\b(?:sizes?|sizing|measurements?|how big|how large|how small)\b"),
    "colour": re.compile(r"\b(?:colou?rs?|shades?)\b"),
    "material": re.compile(r"\b(?:material|made of|made from|fabric|what is it made)\b"),
    "brand": re.compile(r"\b(?:brand|who makes|made by|manufacturer|maker)\b"),
    "rating": re.compile(r"\b(?:rating|rated|reviews?|stars?)\b"),
    "gender": re.compile(
        r"\b(?:unisex|for (?:men|women|boys|girls|kids|him|her)(?: or (?:men|women|boys|girls))?)\b"
    ),
    "discount_pct": re.compile(r"\b(?:discount|discounted|(?:on )?sale|offer)\b"),
}
_NAMES = {
    "price": "price",
    "sizes": "sizes",
    "colour": "colour",
    "material": "material",
    "brand": "brand",
    "rating": "rating",
    "gender": "who it is for",
    "discount_pct": "discount",
}
# Words that ask rather than say what is asked about.
_ASKING = frozenset(
    """what whats which does doesnt do dont did is isnt are arent was were can could will would should
    has have had any there this that these those it its they them one ones the a an of in on for to with
    and or but how much many you your me my i need needs come comes get got tell know about please pls
    thanks also really very just still work works use used using item product listing number first second
    third fourth fifth last one two three four five ok okay hey hi so if be been being like good
    suitable exactly other include includes included more tell details detail info information describe
    anything else""".split()
)
# Words a listing uses for what a shopper asks in other words ("can I wash it" -> "wipe clean").
_RELATED = {
    "wash": ("clean", "laund", "wipe"),
    "clean": ("wash", "wipe"),
    "water": ("rain", "showe"),
    "batte": ("charg", "usb", "power"),
    "charg": ("batte", "usb"),
    "warm": ("insul", "therm", "fleec"),
    "fit": ("true to size", "sizing"),
}
_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[|•]\s+")
_SUFFIX = re.compile(r"(?:able|ible|ing|ed|es|s|er)$")
MAX_QUOTES = 2
QUOTE_CHARS = 220

SHOP_TOPICS: dict[str, re.Pattern[str]] = {
    "delivery": re.compile(r"\b(?:deliver\w*|ship\w*|dispatch\w*|arriv\w*|postage|courier)\b"),
    "returns": re.compile(r"\b(?:return\w*|refund\w*|exchang\w*|send (?:it )?back)\b"),
    "payment": re.compile(r"\b(?:pay\w*|card|cash|cod|emi|instal+ments?|upi|paypal|klarna)\b"),
    "orders": re.compile(r"\b(?:orders?|ordered|track\w*|cancel\w*)\b"),
    "stock": re.compile(r"\b(?:stock|available|availability|sold out|restock\w*)\b"),
}


# How an item fits is not its list of sizes: "is it true to size?" is searched in the listing as "fit".
_FIT = re.compile(r"\b(?:true to (?:size|fit)|runs? (?:small|large|big)|size (?:up|down))\b")


def _asked(question: str) -> str:
    return _FIT.sub(" fit ", question.lower().replace("'", ""))


def asked_fields(question: str) -> list[str]:
    """The listed fields a question asks about, in a fixed order."""
    text = _asked(question)
    return [name for name, pattern in _FIELDS.items() if pattern.search(text)]


def asked_words(question: str) -> dict[str, str]:
    """The words of a question that say what it asks about, each with its prefix ("batteries": "batte")."""
    text = _asked(question)
    for pattern in _FIELDS.values():  # what a field answers is not asked of the description
        text = pattern.sub(" ", text)
    out = {}
    for word in re.findall(r"[a-z][a-z-]+", text):
        if word in _ASKING or len(word) < 3:
            continue
        stem = _SUFFIX.sub("", word) if len(word) > 5 else word
        if len(stem) > 2:
            out[word] = stem[:5]
    return out


def question_words(question: str) -> list[str]:
    """The prefixes a listing's sentence is searched for, with the listing words for the same thing."""
    prefixes = list(asked_words(question).values())
    return list(dict.fromkeys([*prefixes, *(r for p in prefixes for r in _RELATED.get(p, ()))]))


def quoted_sentences(description: str, words: list[str]) -> list[str]:
    """The description's sentences holding one of the words, as the listing writes them."""
    if not words:
        return []
    out = []
    for sentence in _SENTENCE.split(neutralise(description)):
        sentence = sentence.strip()
        tokens = re.findall(r"[a-z][a-z-]+", sentence.lower())
        if sentence and not is_instruction(sentence) and any(t.startswith(w) for w in words for t in tokens):
            out.append(sentence[:QUOTE_CHARS])
        if len(out) == MAX_QUOTES:
            break
    return out


def item_answer(item: Item, question: str, position: str) -> str:
    """The answer to a question about one item, from its listing only."""
    facts = item.facts()
    fields = asked_fields(question)
    if not fields and not asked_words(question):  # "tell me more about #1": the whole listing
        return whole_listing(item, position)
    lines = [f"{position} {item.short_title()}:"]
    lines += [f"  {_NAMES[f]}: {_shown(f, facts)}" for f in fields if f in facts]
    missing = [_NAMES[f] for f in fields if f not in facts]
    quotes = quoted_sentences(f"{item.title}. {item.description or ''}", question_words(question))
    lines += [f'  the listing says: "{q}"' for q in quotes]
    if missing:
        lines.append(f"The listing does not give its {' or '.join(missing)}.")
    unsaid = list(asked_words(question))
    if fields and unsaid and not quotes:
        lines.append(f"It says nothing about {' or '.join(repr(w) for w in unsaid)}.")
    if len(lines) == 1:
        listed = ", ".join(_NAMES.get(k, k) for k in facts if k in _NAMES)
        lines.append(
            "The listing does not say. "
            + (f"It gives {listed}{' and a description' if item.description else ''}." if listed else "")
        )
    return "\n".join(lines)


def whole_listing(item: Item, position: str) -> str:
    """Everything the listing says of an item, its description without any sentence that instructs."""
    facts = {k: v for k, v in item.facts().items() if k in _NAMES}
    lines = [f"{position} {item.title}, as the listing gives it:"]
    lines += [f"  {_NAMES[k]}: {_shown(k, item.facts())}" for k in facts]
    said = [s.strip() for s in _SENTENCE.split(neutralise(item.description or "")) if s.strip()]
    kept = " ".join(s for s in said if not is_instruction(s))
    if kept:
        lines.append(f"  description: {kept[:300]}")
    return "\n".join(lines)


def shop_topic(question: str) -> str | None:
    """What a shop question is about: delivery, returns, payment, orders or stock."""
    text = question.lower()
    return next((name for name, pattern in SHOP_TOPICS.items() if pattern.search(text)), None)


def shop_answer(question: str, answers: Mapping[Any, str], help_url: str) -> str:
    """The shop's configured answer to a shop question, else where the shop's own page is."""
    topic = shop_topic(question)
    if topic is not None and answers.get(topic):
        return answers[topic]
    page = f" The shop's page for that is {help_url}." if help_url else " The shop's help pages have that."
    return "I can't see orders, delivery or payments here, only the catalog." + page


def _shown(name: str, facts: Mapping[str, Any]) -> str:
    """A field as the product page shows it: a price with its currency, a discount in per cent."""
    text = _fmt(facts[name])
    if name == "price" and facts.get("currency"):
        return f"{text} {facts['currency']}"
    return f"{text}%" if name == "discount_pct" else text


def _fmt(value: object) -> str:
    if isinstance(value, float | int):
        return format_number(float(value))
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)
