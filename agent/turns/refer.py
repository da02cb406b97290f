"""Which cards a message names, read exactly: numbers and positions ("#2", "the second", "the last"),
colours and title words that pick out cards on screen ("the yellow one", "the kasavu").

The model decides whether a message refers to cards at all; where it does, the cards the message
names outright are taken from here, since a 135M model matching a name to its card is the weakest part
of its reading (it picks a neighbour of the right card about a third of the time).
"""

from __future__ import annotations

import re

from agent.turns.action import Action, Card

_NUMBER = re.compile(r"(?:#|\bno\.?\s*|\bnumber\s+|\bitem\s+|\boption\s+)(\d{1,2})\b")
_BARE = re.compile(r"^\s*(\d{1,2})\s*(?:(?:and|&|,|vs\.?|or)\s*(\d{1,2}))?\s*[?!.]*\s*$")
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3}
_ORDINALS |= {"4th": 4, "5th": 5}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th|last)\b")
_WORD = re.compile(r"[a-z][a-z'-]{2,}")
# Words of a title that name no card in particular.
_COMMON = frozenset(
    """with from this that these those them they their ones more less than like same other another
    which what when where have does your about just also very much some only even still really
    good nice best better cheaper pricier show want need looking please thanks women mens womens
    unisex kids boys girls size sizes colour color price the one and for but any not you are its
    was how why who can get yes had has him her she all out new old too two men set pair pack
    top""".split()
)


def named_cards(message: str, cards: list[Card]) -> list[int]:
    """The cards a message names by number, position, colour or a title word, in card order."""
    numbers = {c.n for c in cards}
    text = message.lower()
    found = {int(n) for n in _NUMBER.findall(text)}
    bare = _BARE.match(text)
    if bare:
        found |= {int(n) for n in bare.groups() if n}
    for word in _ORDINAL.findall(text):
        found.add(max(numbers) if word == "last" and numbers else _ORDINALS.get(word, 0))
    found |= _by_words(text, cards)
    return sorted(found & numbers)


def _by_words(text: str, cards: list[Card]) -> set[int]:
    """The first card holding each word of the message that some cards hold and others do not."""
    out: set[int] = set()
    holders = {c.n: set(_WORD.findall(f"{c.title} {c.colour or ''} {c.brand or ''}".lower())) for c in cards}
    for word in set(_WORD.findall(text)) - _COMMON:
        having = [n for n, words in sorted(holders.items()) if word in words]
        if having and len(having) < len(cards):
            out.add(having[0])
    return out


def with_named_cards(action: Action, message: str, cards: list[Card]) -> Action:
    """The action with the cards the message names outright, where the model read a reference."""
    named = named_cards(message, cards)
    explicit = bool(_NUMBER.search(message.lower()) or _BARE.match(message.lower()))
    if named and (action.items or explicit):
        return action.model_copy(update={"items": named})
    return action
