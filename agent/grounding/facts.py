"""Grounding v1's judges of stated facts: prices, discounts, ratings, sizes and bare numbers."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from agent.grounding import vocab
from agent.grounding.data import Support
from agent.grounding.textnorm import canon, number_readings, size_key, sizes_meet, stem
from agent.grounding.types import Claim
from retrieval.items import Item

MASK = "\x1f"  # replaces spans already read: not a word character, so it also ends words


class Scan:
    """The reason being read; spans that became claims are masked so no later rule reads them."""

    def __init__(self, text: str, masked: str | None = None) -> None:
        self.text = text
        self.masked = text if masked is None else masked  # spans already read (or names) are masked
        self.claims: list[Claim] = []

    def take(
        self,
        pattern: re.Pattern[str],
        judge: Callable[[re.Match[str]], Claim | None],
        keep: str = "",
    ) -> None:
        """Judge every match of `pattern` (None: not a claim); group `keep` stays readable."""
        for m in list(pattern.finditer(self.masked)):
            claim = judge(m)
            if claim is None:
                continue
            if claim.span == (-1, -1):
                claim = replace(claim, span=m.span())
            self.claims.append(claim)
            start = m.end(keep) if keep else m.start()
            self.masked = self.masked[:start] + MASK * (m.end() - start) + self.masked[m.end() :]

    def raw(self, m: re.Match[str]) -> str:
        """The original text of a match."""
        return self.text[m.start() : m.end()]


def price_claim(scan: Scan, m: re.Match[str], ev: Support) -> Claim:
    """A stated price: the item's, a budget, the price before a discount, or a bound/approximation."""
    values = number_readings(m["a"] or m["b"])
    stated, own = _currency(m[0]), _currency(dict(ev.item.extra).get("currency", ""))
    if stated and own and stated != own:
        return Claim("price", scan.raw(m), False, None)  # "$59.90" for a price in euros
    source = ev.value((".price", "budget_max", "budget_min"), values, 0.005)
    source = source or _before_discount(values, ev.item)
    price = ev.item.price
    if source is None and price is not None:
        before = scan.text[max(0, m.start() - 30) : m.start()].lower()
        if vocab.BOUND.search(before) and any(v >= price for v in values):
            source = "item.price (bound)"
        elif vocab.APPROX.search(before) and any(abs(v - price) <= 0.05 * price for v in values):
            source = "item.price (approximately)"
    return Claim("price", scan.raw(m), source is not None, source)


def _currency(text: str) -> str | None:
    words = re.findall(r"[^\W\d_]+|[^\w\s]", text.lower())
    return next((vocab.CURRENCIES[w] for w in words if w in vocab.CURRENCIES), None)


def _before_discount(values: Iterable[float], item: Item) -> str | None:
    # With a discount the reason may state the price before it, or the amount saved.
    if not item.discount_pct or item.price is None:
        return None
    before = item.price / (1 - item.discount_pct / 100)
    near = (abs(v - t) <= max(0.01 * t, 0.01) for v in values for t in (before, before - item.price))
    return "item.price+item.discount_pct" if any(near) else None


def percent_claim(scan: Scan, m: re.Match[str], ev: Support) -> Claim:
    """A percentage: a discount when worded as one, else a plain number."""
    values = number_readings(m["n"])
    after = scan.masked[m.end() : m.end() + 15]
    before = scan.masked[max(0, m.start() - 30) : m.start()]
    if vocab.OFF_AFTER.match(after) or vocab.OFF_BEFORE.search(before):
        source = ev.value(("discount_pct",), values, 0.5)
        return Claim("discount", scan.raw(m), source is not None, source)
    return number_claim(scan.raw(m), ev, values)


def rating_claim(raw: str, m: re.Match[str], ev: Support) -> Claim:
    """A stated rating, in stars, out of 5 or out of 10."""
    n = m["n"].lower()
    values = {vocab.STAR_WORDS[n]} if n in vocab.STAR_WORDS else set(number_readings(n))
    if m.groupdict().get("scale") == "10":
        values = {v / 2 for v in values}
    # A whole number reads as a rounded rating ("4 stars" for 4.3); a decimal must be exact.
    slack = 0.051 if "." in n or "," in n else 0.5
    source = ev.value((".rating",), values, slack)
    return Claim("rating", raw, source is not None, source)


def size_claim(raw: str, ev: Support) -> Claim:
    """A stated size or list of sizes."""
    body = re.sub(r"(?i)^sizes?\s*:?\s*", "", raw)
    wanted = [size_key(raw)] if "size" in body.lower() else []
    wanted = wanted or [size_key(t[0]) for t in vocab.SIZE_SPLIT.finditer(body)]
    sources = [next((s for s, have in ev.sizes if sizes_meet(w, have)), None) for w in wanted]
    if None in sources or not sources:
        sources = [ev.find([canon(raw).strip()])]  # "size 42" written in the title or description
    return Claim("size", raw, None not in sources, sources[0])


def title_claim(raw: str, named: str, ev: Support) -> Claim:
    """ "Its title mentions X, Y and Z": each thing named is written in the item's title, its words
    together and in order ("Pixel 6" is not "Pixel 6a"; a category word is not the title's)."""
    backed = written_in_title(named, ev.item)
    return Claim("title", raw, backed, "item.title" if backed else None)


def written_in_title(named: str, item: Item) -> bool:
    """Each thing of a list ("X, Y and Z") is written in the item's title, words together and in order."""
    title = _content_stems(item.title)
    terms = [t for t in _TITLE_LIST.split(named) if canon(t).strip()]
    return bool(terms) and all(_written(t, title) for t in terms)


_TITLE_LIST = re.compile(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b)\s*", re.IGNORECASE)


def _content_stems(text: str) -> list[str]:
    # Letters and digits stay together: "6a" is a model name of its own, not "6".
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "").replace("’", ""))
    return [stem(w) for w in words if w not in vocab.STOPWORDS or w.isdigit()]


def _written(term: str, title: list[str]) -> bool:
    words = _content_stems(term)
    n = len(words)
    return n > 0 and any(title[i : i + n] == words for i in range(len(title) - n + 1))


def bought_this(said: str, ev: Support) -> Claim:
    """ "You bought this (...)": the item itself is among the shopper's purchases or history."""
    item, shopper = ev.item, ev.shopper
    same = (p.item_id == item.item_id or canon(p.title) == canon(item.title) for p in shopper.purchases)
    mine = item.item_id in shopper.history or any(same)
    return Claim("purchase", said, mine, "shopper.history" if mine else None)


def your_size_claim(raw: str, ev: Support) -> Claim:
    """ "In your size": the item comes in a size the shopper wears."""
    # "in your size" claims the item comes in a size the shopper wears.
    prefs = [size_key(s) for s in ev.shopper.preferences.sizes]
    fits = any(sizes_meet(size_key(s), p) for s in ev.item.sizes for p in prefs)
    return Claim("size", raw, fits, "item.sizes" if fits else None)


def object_after(text: str) -> str:
    """The object named after a purchase phrase, up to the first cut word."""
    words: list[str] = []
    for word in vocab.OBJ_END.split(text, maxsplit=1)[0].split()[:8]:
        if word.lower() in vocab.OBJ_CUT:
            break
        words.append(word)
    return " ".join(words)


def find_genuine(ev: Support, phrases: Iterable[str]) -> str | None:
    """The first source naming a material, where "faux leather" does not back "leather"."""
    # "faux leather" in the data does not back a claim of plain "leather".
    for phrase in phrases:
        fakes = [] if phrase.split()[0] in vocab.NOT_GENUINE else vocab.NOT_GENUINE
        for source, text in ev.texts:
            for fake in fakes:
                text = text.replace(f" {fake} {phrase} ", " ")
            if f" {phrase} " in text:
                return source
    return None


def number_claim(raw: str, ev: Support, values: frozenset[float] | None = None) -> Claim:
    """A bare or spelled number: it must occur somewhere in the data."""
    spelled = vocab.SPELLED_NUMBERS.get(raw.lower())
    if values is None:
        values = frozenset({float(spelled)}) if spelled else number_readings(raw)
    found = (s for v in values for s, k in ev.numbers if abs(v - k) < 0.005)
    source = (ev.find([raw.lower()]) if spelled else None) or next(found, None)
    return Claim("number", raw, source is not None, source)
