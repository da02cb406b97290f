"""The facts of one card: what is true of this item for this shopper, each typed (facts.py).

Every value comes from the item's fields, the shopper's own data or what they said in this chat. A
purchase link names the purchase by its kind ("running shoes") and holds only where the two are the same
kind of product, one is used with the other (goes_with.yaml), they share the brand, or other shoppers
bought both; a shared word or closeness in the embedding space makes no fact. A field that contradicts
the item's title (a colour field "Blue" on a "Black Dress") makes no fact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from agent.grounding import vocab
from agent.grounding.matches import money
from agent.grounding.textnorm import canon, number_readings, size_key, sizes_meet, stem
from agent.plans.facts import Fact, fact
from agent.plans.pairs import goes_with
from agent.untrusted import neutralise
from retrieval.colours import colour_contested, colours_in
from retrieval.filters import Constraints, made_of
from retrieval.items import Item
from retrieval.kinds import KindTable, kind_in_name, kind_table, product_kind, words
from retrieval.shoppers import PastPurchase, Shopper
from retrieval.signals import Evidence

Titles = Callable[[str], str | None]
_FEATURE_CUT = re.compile(r"[.;:\n|•]+|,\s+(?=[A-Za-z])")
_MIN_BOUGHT_TOGETHER = 2


@dataclass(frozen=True)
class CardInput:
    """What the facts of one card are read from."""

    item: Item
    shopper: Shopper
    bought: Sequence[Item] = ()  # catalog items the shopper bought (their history)
    said: str = ""  # what the shopper said in this chat
    asked: Constraints = field(default_factory=Constraints)  # constraints read from what they said
    evidence: Sequence[Evidence] = ()
    titles: Titles | None = None


def card_facts(card: CardInput) -> tuple[Fact, ...]:
    """Every fact of the card, in the order the kinds are declared in; at most one purchase link."""
    found = [
        *_purchase_link(card), *_asked(card), *_preferences(card), *_features(card), *_numbers(card.item),
    ]  # fmt: skip
    return tuple(found)


def short_kind(title: str, category: str | None = None, brand: str | None = None) -> str | None:
    """A short name of what a product is ("running shoes"), only from the kind table: never a cut title,
    and never the thing a product only depicts or holds (a jar die cut, a watch strap, a tablet case):
    the part of the title that names the kind must not name such a thing too."""
    table = kind_table()
    kind = product_kind(title, category, brand, table)
    if not kind or kind not in _known_kinds():
        return None
    for part in _PART.split(title):  # up to the part naming the kind: "Screen Protector ... Glass"
        names_kind = kind_in_name(part, table) == kind
        if _DEPICTS.search(_without_kind(part, kind, table) if names_kind else part):
            return None
        if names_kind:
            return kind.lower()
    return kind.lower()  # read from the category, which names what it is


def _without_kind(part: str, kind: str, table: KindTable) -> str:
    # A kind whose own name holds such a word ("Phone Case", "Pillow Covers") is what it is.
    said = " ".join(words(part))
    for form in sorted((f for f, k in table.forms.items() if k == kind), key=len, reverse=True):
        said = re.sub(rf"\b{re.escape(form)}\b", " ", said)
    return said


_MATERIAL_STATED = re.compile(r"(?i:fabric|material)\s*:\s*([A-Za-z ,&-]{2,40}?)(?=[A-Z][a-z]|[.;\n]|$)")
_PART = re.compile(r"\s+(?:with|for|by|featuring)\s+|\s+[-–—|]\s+|[,|:;()\[\]/]", re.IGNORECASE)
_DEPICTS = re.compile(
    r"\b(?:die[\s-]?cuts?|cutting dies?|dies|stencils?|stickers?|decals?|templates?|stamps?|molds?|moulds?|"
    r"toys?|figures?|figurines?|miniatures?|ornaments?|holders?|stands?|organi[sz]ers?|racks?|cases?|"
    r"covers?|sleeves?|pouch(?:es)?|cleaners?|refills?|chargers?|cables?|adapters?|mounts?|straps?|"
    r"bands?|protectors?|hangers?|hooks?|trays?|compatible)\b",
    re.IGNORECASE,
)


def item_colour(item: Item) -> str | None:
    """The item's colour as its listing shows it: its colour field, written as a word of its title too,
    on a kind of product whose colour is a choice (not "cream" for a face cream, "grey" for an oil
    against greying)."""
    if not item.colour or colour_contested(item) or _colourless(item):
        return None
    brand = set(words(item.brand or ""))  # "Orange and Orchid" T-shirts are not orange
    title = set(words(item.title)) - brand
    return next((c for c in colours_in(item.colour) if set(words(c)) <= title), None)


def _kind_words(item: Item) -> set[str]:
    return {w for k in (item.kind or "", item.category or "") for w in words(k)}


def _colourless(item: Item) -> bool:
    return bool(_kind_words(item) & _NO_COLOUR)


def _made_of_nothing(item: Item) -> bool:
    """Care and make-up are no fabric: a "silk" field names a formula ("Liquid Silk") or a likeness."""
    said = _kind_words(item)
    named = said or set(words(item.title))  # with no kind known, the name says what it is
    return bool(said & (_NO_COLOUR | _MAKE_UP) or named & _MAKE_UP)


# Kinds of product whose colour field says nothing a shopper chooses (care, fragrance, food).
_NO_COLOUR = frozenset(
    "skin care cream face wash mask scrub soap shampoo oil perfume deodorant serum lotion moisturiser "
    "conditioner toner gel sunscreen tea".split()
)
_MAKE_UP = frozenset(
    "makeup lipstick lip gloss kajal eyeshadow highlighter concealer nail polish powder cheekpowder "
    "blush bronzer foundation primer mascara masque mist wax".split()
)
# "PU leather" is no leather: a material the listing qualifies so is not the material.
_NOT_THE_MATERIAL = re.compile(
    r"\b(?:pu|faux|synthetic|vegan|artificial|imitation|fake|poly)[\s-]+(\w+)", re.I
)


def _purchase_link(card: CardInput) -> list[Fact]:
    item = card.item
    mine = _bought(card)
    for purchase, known in mine:
        name = short_kind(purchase.title, purchase.category, known.brand if known else None)
        if name is None or item.kind is None:
            continue
        if _same_kind(item.kind, name):
            return [fact("same_kind", f"purchase: {purchase.title}", PURCHASE=name)]
        if goes_with(item.kind, name):
            return [fact("goes_with", f"purchase: {purchase.title}", PURCHASE=name)]
    together = _bought_together(card)
    if together:
        return together
    for purchase, known in mine:
        name = short_kind(purchase.title, purchase.category)
        if name and known and known.brand and item.brand and canon(known.brand) == canon(item.brand):
            return [fact("same_brand", f"purchase: {purchase.title}", PURCHASE=name, BRAND=item.brand)]
    return []


def _bought(card: CardInput) -> list[tuple[PastPurchase, Item | None]]:
    known = [(PastPurchase(i.title, i.item_id, i.category), i) for i in card.bought]
    return [*((p, None) for p in card.shopper.purchases), *known]


def _same_kind(item_kind: str, bought: str) -> bool:
    """Equal kinds, or one is the other's broader kind (running shoes and shoes; not loafers)."""
    a, b = item_kind.lower(), bought.lower()
    broader = _broader()
    return a == b or b in broader.get(a, frozenset()) or a in broader.get(b, frozenset())


@cache
def _known_kinds() -> frozenset[str]:
    return frozenset(kind_table().forms.values())


@cache
def _broader() -> dict[str, frozenset[str]]:
    return {k.lower(): frozenset(x.lower() for x in v) for k, v in kind_table().broader.items()}


def _bought_together(card: CardInput) -> list[Fact]:
    titles = card.titles
    mine = set(card.shopper.history)
    for e in sorted(card.evidence, key=lambda e: e.rank):
        if e.signal != "bought_together" or not e.near or titles is None:
            continue
        if (e.count or 0) < _MIN_BOUGHT_TOGETHER or (mine and e.near[0] not in mine):
            continue
        title = titles(e.near[0])
        name = short_kind(title) if title else None
        if name:
            return [fact("bought_together", f"co-bought with {title}", PURCHASE=name, COUNT=str(e.count))]
    return []


def _asked(card: CardInput) -> list[Fact]:
    """What the shopper said that the item has: a budget, colours, materials, need words."""
    item, asked, out = card.item, card.asked, []
    if not card.said.strip():
        return []
    cap = asked.budget_max
    if cap is not None and _says_number(card.said, cap) and item.price is not None and item.price <= cap:
        price, budget = money(item.price, item), money(cap, item)
        out.append(fact("budget_asked", "chat: budget", PRICE=price, BUDGET=budget))
    wishes = _wished(card)
    if wishes:
        out.append(fact("wish", f"chat: {card.said.strip()[:80]}", WISH=" and ".join(wishes[:2])))
    return out


def _says_number(said: str, value: float) -> bool:
    """True when the shopper wrote this number: a budget made lower by "something cheaper" was not said."""
    return any(value in number_readings(n) for n in re.findall(r"\d[\d,.]*\d|\d", said))


def _wished(card: CardInput) -> list[str]:
    """The shopper's own words for what they asked that the item's fields or title say."""
    item, asked = card.item, card.asked
    wished: list[str] = []
    have = item_colour(item)
    if asked.colours and have:
        wished += [w for want in asked.colours for w in colours_in(want) if w in have][:1]
    wished += [m.lower() for m in made_of(item, asked.materials)][:1]
    own = f" {canon(' '.join([item.title, item.description]))} "
    kinds = {stem(w) for k in (item.kind or "", *asked.kinds) for w in words(k)}
    for word in words(card.said):
        if len(word) < 4 or not word.isalpha() or word in vocab.STOPWORDS or stem(word) in kinds:
            continue
        if (
            word not in wished
            and f" {word} " in own
            and word not in _NOT_WISHES
            and not _fits_only(word, item)
        ):
            wished.append(word)
    return wished


# "... Tripod for iPhone", "compatible with Galaxy", "most phones, such as iPhone": the listing names what
# the item fits, not what it is.
_FITS = r"(?:for|with|fits|fit|compatible|supports?|such as|including)\s+(?:[\w-]+\s+){0,3}"


def _fits_only(word: str, item: Item) -> bool:
    """True when every mention of the word in the listing is a thing the item is for or fits."""
    listing = canon(f"{item.title} {item.description}")
    said = len(re.findall(rf"\b{re.escape(word)}\b", listing))
    fitted = len(re.findall(rf"\b{_FITS}{re.escape(word)}\b", listing))
    return said > 0 and fitted >= said


_NOT_WISHES = frozenset(
    "need want wants looking something anything please show find like cheaper under below budget price "
    "with some more less good nice also just really model latest newest version buy".split()
)


def _preferences(card: CardInput) -> list[Fact]:
    item, prefs, out = card.item, card.shopper.preferences, []
    have = item_colour(item)
    liked = have and any(n in have for want in prefs.colours for n in colours_in(want))
    if liked and have and not card.asked.colours:
        out.append(fact("pref_colour", "shopper.preferences.colours", COLOUR=have))
    brand = canon(item.brand or "").strip()
    if brand and any(canon(b).strip() == brand for b in prefs.brands):
        out.append(fact("pref_brand", "shopper.preferences.brands", BRAND=item.brand or ""))
    wanted = [size_key(s) for s in prefs.sizes]
    size = next((s for s in item.sizes for w in wanted if sizes_meet(size_key(s), w)), None)
    if size:
        out.append(fact("pref_size", "shopper.preferences.sizes", SIZE=size))
    saved = prefs.budget_max
    if saved is not None and item.price is not None and item.price <= saved and card.asked.budget_max is None:
        out.append(fact("budget", "shopper.preferences.budget_max", PRICE=money(item.price, item),
                        BUDGET=money(saved, item)))  # fmt: skip
    return out


def _features(card: CardInput) -> list[Fact]:
    item, out = card.item, []
    phrase = _answering_phrase(card)
    if phrase:
        out.append(fact("feature", "item.description", FEATURE=phrase))
    material = neutralise(item.material or "").lower().strip()
    # A material field the listing's own words do not say, or say of something else ("Material: Mango
    # wood ... a jute string" for jute), makes no fact.
    listing = f" {canon(item.title + ' ' + item.description)} "
    stated = [canon(m).strip() for m in _MATERIAL_STATED.findall(item.description)]
    said = f" {canon(material).strip()} " in listing and all(canon(material).strip() in m for m in stated)
    qualified = {canon(m).strip() for m in _NOT_THE_MATERIAL.findall(f"{item.title} {item.description}")}
    if material and said and canon(material).strip() not in qualified and not _made_of_nothing(item):
        out.append(fact("material", "item.material", MATERIAL=material))
    colour = item_colour(item)
    if colour:
        out.append(fact("colour", "item.colour", COLOUR=colour))
    return out


def _answering_phrase(card: CardInput) -> str | None:
    """A phrase of the listing, word for word, that holds a word the shopper said or a purchase's kind."""
    wanted = {stem(w) for w in words(card.said) if len(w) >= 4 and w not in vocab.STOPWORDS}
    wanted -= {stem(w) for w in words(card.item.kind or "")} | {stem(w) for w in _NOT_WISHES}
    if not wanted:
        return None
    for part in _FEATURE_CUT.split(neutralise(card.item.description)):
        said = part.strip(" -,")
        n = len(said.split())
        if 2 <= n <= 8 and any(stem(w) in wanted for w in words(said)) and not any(c.isdigit() for c in said):
            return said[0].lower() + said[1:]
    return None


def _numbers(item: Item) -> list[Fact]:
    out = []
    if item.discount_pct:
        out.append(fact("discount", "item.discount_pct", DISCOUNT=f"{item.discount_pct:g}%"))
    if item.rating is not None and item.rating >= 3.5:
        out.append(fact("rating", "item.rating", RATING=f"{item.rating:g}"))
    if item.price is not None:
        out.append(fact("price", "item.price", PRICE=money(item.price, item)))
    return out
