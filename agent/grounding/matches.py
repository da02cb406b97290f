"""Matched facts: where something true of the shopper meets something true of the item.

They are the evidence of a reason (the prompt's "Why it fits", the widget's "what I matched", the
templates). A match must be a real link: a colour the shopper likes that the item really has (its
title wins over a contradicting colour field), a purchase of the same kind of product, a word of the
shopper's own profile that names the product, never a brand's or a colour's word shared by chance.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.grounding import vocab
from agent.grounding.judges.purchase import purchase_matches
from agent.grounding.reading.reference_words import LINK_STOP
from agent.grounding.textnorm import canon, size_key, sizes_meet, stem, tokens
from agent.grounding.types import MatchedFact
from retrieval.colours import COLOURS, colour_contested, colours_in, item_colours
from retrieval.items import Item
from retrieval.shopper_loaders import profile_is_purchases
from retrieval.shoppers import Shopper

_NEGATIONS = frozenset(
    {"not", "no", "never", "dont", "hate", "hates", "dislike", "dislikes", "avoid", "avoids",
     "without", "except", "nothing", "neither", "nor"}
)  # fmt: skip
_SYMBOLS = frozenset({"€", "$", "£", "₹"})
_CODES = frozenset({"EUR", "USD", "GBP", "INR"})


def money(value: float, item: Item | None = None) -> str:
    """A price as a reason writes it: two decimals unless whole, with the item's currency if any."""
    number = f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"
    currency = dict(item.extra).get("currency", "").strip() if item else ""
    if currency in _SYMBOLS:
        return f"{currency}{number}"
    return f"{number} {currency}" if currency.upper() in _CODES else number


def matched_facts(
    item: Item, shopper: Shopper, context_items: Sequence[Item] = ()
) -> tuple[MatchedFact, ...]:
    """Which facts about the shopper met which attributes of the item, strongest first.

    `context_items` lets the shopper's history (item ids) count as past purchases.
    """
    found = [
        *_colour(item, shopper), *_budget(item, shopper), *_brand(item, shopper), *_size(item, shopper),
        *_gender(item, shopper), *_categories(item, shopper), *purchase_matches(item, shopper, context_items),
        *_profile(item, shopper),
    ]  # fmt: skip
    return tuple(found)


def _colour(item: Item, shopper: Shopper) -> list[MatchedFact]:
    if colour_contested(item):
        return []  # its colour field and its title disagree: neither is a fact to build on
    have = item_colours(item)
    for wanted in shopper.preferences.colours:
        names = colours_in(wanted) or (canon(wanted).strip(),)
        hit = next((h for h in have for n in names if n and n in h), None)
        if hit is not None:
            return [MatchedFact(f"preferred colour {wanted}", "colour", hit)]
    return []


def _budget(item: Item, shopper: Shopper) -> list[MatchedFact]:
    p, price = shopper.preferences, item.price
    if price is None or (p.budget_max is None and p.budget_min is None):
        return []
    if (p.budget_max is not None and price > p.budget_max) or (
        p.budget_min is not None and price < p.budget_min
    ):
        return []
    if p.budget_max is None:
        said = f"budget from {money(p.budget_min or 0.0, item)}"
    else:
        low = f"{money(p.budget_min, item)} to " if p.budget_min is not None else "up to "
        said = f"budget {low}{money(p.budget_max, item)}"
    return [MatchedFact(said, "price", money(price, item))]


def _brand(item: Item, shopper: Shopper) -> list[MatchedFact]:
    brand = canon(item.brand or "").strip()
    if brand and any(canon(b).strip() == brand for b in shopper.preferences.brands):
        return [MatchedFact(f"preferred brand {item.brand}", "brand", item.brand or "")]
    return []


def _size(item: Item, shopper: Shopper) -> list[MatchedFact]:
    wanted = [size_key(w) for w in shopper.preferences.sizes]
    size = next((s for s in item.sizes for w in wanted if sizes_meet(size_key(s), w)), None)
    return [] if size is None else [MatchedFact(f"size {size}", "sizes", size)]


def _gender(item: Item, shopper: Shopper) -> list[MatchedFact]:
    wanted = canon(shopper.preferences.gender or "").strip()
    have = canon(item.gender or "")
    fits = vocab.GENDER_FITS.get(wanted, frozenset({wanted} if wanted else ()))
    if not any(f" {f} " in have for f in fits):
        return []
    return [MatchedFact(f"shopping for {shopper.preferences.gender}", "gender", item.gender or "")]


def _categories(item: Item, shopper: Shopper) -> list[MatchedFact]:
    have = tokens(f"{item.category or ''} {item.kind or ''}")
    for wanted in shopper.preferences.categories:
        if have and tokens(wanted) and tokens(wanted) <= have:
            return [MatchedFact(f"wanted category {wanted}", "category", item.kind or item.category or "")]
    return []


def _profile(item: Item, shopper: Shopper) -> list[MatchedFact]:
    # Words of a profile the shopper wrote that name the product (a profile built from purchases
    # speaks through the purchases above). Brands, colours and words they said they avoid link nothing.
    if not shopper.profile or profile_is_purchases(shopper.profile):
        return []
    said = canon(shopper.profile).split()
    liked = {stem(w) for i, w in enumerate(said) if not _NEGATIONS & set(said[max(0, i - 3) : i])}
    brand = set(canon(item.brand or "").split())
    out: list[str] = []
    for word, spelled in title_words(item):
        fine = len(word) >= 4 and word.isalpha() and word not in brand and word not in COLOURS
        if fine and word not in LINK_STOP and word not in _claim_words() and stem(word) in liked:
            liked.discard(stem(word))  # each profile word once, "shirt" and "shirts" alike
            out.append(spelled)
    return [MatchedFact("profile", "title", ", ".join(out[:3]))] if out else []


def title_words(item: Item) -> list[tuple[str, str]]:
    """Each word of the title in canonical form with the spelling the title uses."""
    out: list[tuple[str, str]] = []
    for raw in item.title.split():
        parts = canon(raw).split()
        spelled = raw.strip(".,;:!?()[]\"'").lower()
        out += [(part, spelled if len(parts) == 1 and spelled.isalpha() else part) for part in parts]
    return out


def _claim_words() -> frozenset[str]:
    # Words that would read as a discount or a promise ("sale", "free") are never echoed.
    return frozenset(t for p in vocab.DISCOUNTS | vocab.PROMISES for t in canon(p).split())
