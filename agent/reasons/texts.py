"""What a reason's text may be: whole sentences, naming something of its item, quoting only known titles."""

from __future__ import annotations

import re
from collections.abc import Sequence

from retrieval.items import Item
from retrieval.shoppers import Shopper

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_FILLER = frozenset("recommended because product item this that with your their them they".split())


def mentions_item(text: str, item: Item) -> bool:
    """True when the text names something of the item: a word of its title or attributes."""
    said = set(re.findall(r"[a-z]{3,}", text.lower())) - _FILLER
    own = " ".join(str(v) for v in (item.title, item.brand, item.category, item.colour, item.material))
    return bool(said & set(re.findall(r"[a-z]{3,}", own.lower())))


def quoted_names(item: Item, shopper: Shopper, context: Sequence[Item] = ()) -> list[str]:
    """The titles a reason may quote: the item's, the shopper's purchases', the catalog items they bought."""
    return [item.title, *(p.title for p in shopper.purchases), *(c.title for c in context)]


def tidy(text: str, max_sentences: int) -> str:
    """Whole sentences only, at most `max_sentences`; an unfinished last sentence is dropped."""
    text = " ".join(text.split())
    sentences = [s for s in _SENTENCE_END.split(text) if s]
    if sentences and not sentences[-1].endswith((".", "!", "?")):
        sentences = sentences[:-1]
    return " ".join(sentences[:max_sentences])
