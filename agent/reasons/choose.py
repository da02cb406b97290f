"""Which of a card's passing candidates the shopper reads, and the qualities a reason is measured by.

The writer draws several answers per card; every one that passes the grounding check is true, so the
choice is about voice. The rule, in order (the first difference decides):

1. personal: it states a fact of this shopper that met the item (a purchase, what they asked for, a
   matched colour, size, brand, budget or profile word, said to or about the shopper);
2. no stock phrase (the prompt file's `stock_phrases`: the templates' own wording, empty praise);
3. specific: how many of the item's attributes it states beyond its name (price, colour, material,
   brand, rating, discount, size, a word of its description);
4. new: the fewest word pairs shared with the reasons this shopper already read in this turn;
5. the earlier draw.

The same measures make the voice figures of `whythis eval grounding` and the prompt studio's preview.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.grounding.types import Claim, MatchedFact
from retrieval.items import Item

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_ADDRESSED = frozenset({"you", "your", "yours", "you're", "you've"})
_ABOUT = ("the shopper", "the user", "this shopper")
_ITEM_FACTS = frozenset({"price", "colour", "material", "brand", "rating", "discount", "size", "number"})
_SHOPPER_SOURCES = ("shopper", "said", "context")
_PLAIN = frozenset(
    "recommended because this that these those with from your their them they have will would item "
    "product comes made great perfect good nice like love also just very more".split()
)


def words(text: str) -> list[str]:
    """The text's words, lower case, in order."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Voice:
    """The qualities of one reason text the choice and the voice figures read."""

    personal: bool
    stock: bool
    specific: int
    words: int

    def rank(self) -> tuple[bool, bool, int]:
        """The first three steps of the rule, larger is better."""
        return self.personal, not self.stock, self.specific


def voice_of(
    text: str,
    item: Item,
    claims: Sequence[Claim],
    matches: Sequence[MatchedFact],
    stock_phrases: Iterable[str] = (),
) -> Voice:
    """How personal, stock and specific a checked text is (`claims`: its checked facts)."""
    said = words(text)
    lowered = " ".join(said)
    return Voice(
        personal=_personal(lowered, set(said), claims, matches),
        stock=any(" ".join(words(p)) in lowered for p in stock_phrases if words(p)),
        specific=_specific(set(said), item, claims),
        words=len(said),
    )


def _personal(lowered: str, said: set[str], claims: Sequence[Claim], matches: Sequence[MatchedFact]) -> bool:
    if any(c.supported and (c.source or "").startswith(_SHOPPER_SOURCES) for c in claims):
        return True
    addressed = bool(said & _ADDRESSED) or any(a in lowered for a in _ABOUT)
    return addressed and any(_states(m, said) for m in matches)


def _states(match: MatchedFact, said: set[str]) -> bool:
    value = [w for w in words(match.value.replace(",", " ")) if w not in _PLAIN]
    return bool(value) and any(w in said for w in value)


def _specific(said: set[str], item: Item, claims: Sequence[Claim]) -> int:
    stated = {c.kind for c in claims if c.supported and c.kind in _ITEM_FACTS}
    title = set(words(item.title))
    described = {w for w in words(item.description or "") if len(w) >= 5 and w not in _PLAIN} - title
    return len(stated) + bool(said & described)


def bigrams(text: str) -> list[tuple[str, str]]:
    """The text's consecutive word pairs."""
    said = words(text)
    return list(itertools.pairwise(said))


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Distinct n-grams over all n-grams of the texts (0.0 when there are none)."""
    grams = []
    for text in texts:
        said = words(text)
        grams += [tuple(said[i : i + n]) for i in range(len(said) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def distinct_2(texts: Sequence[str]) -> float:
    """Distinct word pairs over all word pairs of the texts together (1.0: no pair repeats, or none)."""
    has_pairs = any(bigrams(t) for t in texts)
    return round(distinct_n(texts, 2), 4) if has_pairs else 1.0


@dataclass(frozen=True)
class Drawn:
    """One passing candidate of a card: its text, its voice and which draw it was."""

    text: str
    voice: Voice
    draw: int


def choose(passing: Sequence[Drawn], earlier: Sequence[str] = ()) -> Drawn:
    """The candidate the rule above prefers; `earlier`: reasons already shown in this turn."""
    if not passing:
        raise ValueError("choose needs at least one passing candidate")
    seen = {b for t in earlier for b in bigrams(t)}

    def key(d: Drawn) -> tuple[bool, bool, int, int, int]:
        shared = sum(b in seen for b in bigrams(d.text))
        return (*d.voice.rank(), -shared, -d.draw)

    return max(passing, key=key)
