"""Grounded fallback reasons, built only from facts where the shopper's data meets the item's."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from agent import vocab
from agent.grounding import GroundingChecker
from agent.textnorm import canon, size_key, sizes_meet, stem, tokens
from retrieval.items import Item
from retrieval.shoppers import Shopper

_NEGATIONS = frozenset(
    {"not", "no", "never", "dont", "hate", "hates", "dislike", "dislikes", "avoid", "avoids",
     "without", "except", "nothing", "neither", "nor"}
)  # fmt: skip
_SYMBOLS = frozenset({"€", "$", "£", "₹"})
_CODES = frozenset({"EUR", "USD", "GBP", "INR"})
_NO_FACTS = "It is one of the closest matches in the catalog."


@dataclass(frozen=True)
class MatchedFact:
    """One fact about the shopper that meets one attribute of the item: the evidence of a reason."""

    shopper_fact: str
    item_attribute: str
    value: str


@dataclass(frozen=True)
class _Voice:
    """The words a reason uses for the shopper, for the shopper or for a support agent."""

    their: str
    likes: str
    wears: str
    is_: str
    bought: str


_VOICES = {
    "shopper": _Voice("your", "you like", "you wear", "you are", "You bought"),
    "support": _Voice(
        "the shopper's", "the shopper likes", "the shopper wears", "the shopper is",
        "The shopper bought",
    ),
}  # fmt: skip


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
    return tuple(fact for _, fact in _matches(item, shopper, context_items))


def grounded_fallback(
    item: Item, shopper: Shopper, audience: str = "shopper", context_items: Sequence[Item] = ()
) -> str:
    """A one- or two-sentence reason stating only facts the item and the shopper's data back."""
    if audience not in _VOICES:
        raise ValueError(f"audience must be one of {sorted(_VOICES)}, not {audience!r}")
    voice = _VOICES[audience]
    found = _matches(item, shopper, context_items)
    clauses = [_clause(kind, fact, item, voice) for kind, fact in found if kind != "purchase"]
    history = [_history(fact, item, voice) for kind, fact in found if kind == "purchase"]
    sentences = [f"Recommended because {_join(clauses[:3])}."] if clauses else []
    sentences += history[:1]
    # The item's own attributes speak when nothing about the shopper meets them.
    candidates = [" ".join(sentences[:2])] if sentences else []
    candidates += [_describe(item), f"Recommended: {' '.join(item.title.split())}.", _NO_FACTS]
    checker = _checker()
    return next(t for t in candidates if t and checker.check(t, item, shopper, context_items).ok)


@cache
def _checker() -> GroundingChecker:
    # Every brand a fallback names comes from the item or the shopper, so no catalog is needed.
    return GroundingChecker(frozenset())


def _matches(item: Item, shopper: Shopper, context: Sequence[Item]) -> list[tuple[str, MatchedFact]]:
    p = shopper.preferences
    out: list[tuple[str, MatchedFact]] = []
    colour_text = canon(item.colour or "")
    for wanted in p.colours:
        if f" {canon(wanted).strip()} " in colour_text and canon(wanted).strip():
            fact = MatchedFact(f"preferred colour {wanted}", "colour", item.colour or "")
            out.append(("colour", fact))
            break
    budget = _budget(item, shopper)
    if budget:
        out.append(("budget", MatchedFact(budget, "price", money(item.price or 0.0, item))))
    brand = canon(item.brand or "").strip()
    if brand and any(canon(b).strip() == brand for b in p.brands):
        out.append(("brand", MatchedFact(f"preferred brand {item.brand}", "brand", item.brand or "")))
    size = next((s for s in item.sizes for w in p.sizes if sizes_meet(size_key(s), size_key(w))), None)
    if size is not None:
        out.append(("size", MatchedFact(f"size {size}", "sizes", size)))
    out += _gender(item, shopper) + _categories(item, shopper) + _purchases(item, shopper, context)
    words = _profile_words(item, shopper)
    if words:
        out.append(("profile", MatchedFact("profile", "title", ", ".join(words))))
    return out


def _budget(item: Item, shopper: Shopper) -> str | None:
    p, price = shopper.preferences, item.price
    if price is None or (p.budget_max is None and p.budget_min is None):
        return None
    if p.budget_max is not None and price > p.budget_max:
        return None
    if p.budget_min is not None and price < p.budget_min:
        return None
    if p.budget_max is None:
        return f"budget from {money(p.budget_min or 0.0, item)}"
    low = f"{money(p.budget_min, item)} to " if p.budget_min is not None else "up to "
    return f"budget {low}{money(p.budget_max, item)}"


def _gender(item: Item, shopper: Shopper) -> list[tuple[str, MatchedFact]]:
    wanted = canon(shopper.preferences.gender or "").strip()
    have = canon(item.gender or "")
    fits = vocab.GENDER_FITS.get(wanted, frozenset({wanted} if wanted else ()))
    if not any(f" {f} " in have for f in fits):
        return []
    fact = MatchedFact(f"shopping for {shopper.preferences.gender}", "gender", item.gender or "")
    return [("gender", fact)]


def _categories(item: Item, shopper: Shopper) -> list[tuple[str, MatchedFact]]:
    have = tokens(item.category or "")
    for wanted in shopper.preferences.categories:
        if have and tokens(wanted) and tokens(wanted) <= have:
            fact = MatchedFact(f"wanted category {wanted}", "category", item.category or "")
            return [("category", fact)]
    return []


def _purchases(item: Item, shopper: Shopper, context: Sequence[Item]) -> list[tuple[str, MatchedFact]]:
    have = tokens(item.category or "")
    brand = canon(item.brand or "")
    out = []
    for title, category, names in _past(shopper, context):
        said = f"past purchase {' '.join(title.split())}"
        if have and tokens(category) == have:
            out.append(("purchase", MatchedFact(said, "category", item.category or "")))
        elif brand.strip() and brand in canon(names):
            out.append(("purchase", MatchedFact(said, "brand", item.brand or "")))
    return out


def _past(shopper: Shopper, context: Sequence[Item]) -> list[tuple[str, str, str]]:
    # (title, category, text naming the brand) of each purchase and each known history item.
    by_id = {c.item_id: c for c in context}
    out = []
    for bought in shopper.purchases:
        known = by_id.get(bought.item_id or "")
        category = bought.category or (known.category if known else None) or ""
        out.append((bought.title, category, f"{bought.title} {known.brand if known else ''}"))
    for item_id in shopper.history:
        if item_id in by_id:
            known = by_id[item_id]
            out.append((known.title, known.category or "", f"{known.title} {known.brand or ''}"))
    return out


def _profile_words(item: Item, shopper: Shopper) -> list[str]:
    # Words of the profile that name the item: only those the shopper did not say they avoid.
    said = canon(shopper.profile).split()
    liked: set[str] = set()
    avoided: set[str] = set()
    for i, word in enumerate(said):
        negated = any(w in _NEGATIONS for w in said[max(0, i - 3) : i])
        (avoided if negated else liked).add(stem(word))
    banned = _claim_words()
    out: list[str] = []
    for word, spelled in _title_words(item):
        fine = len(word) >= 4 and word.isalpha() and word not in banned
        if fine and stem(word) in liked - avoided and stem(word) not in vocab.STOPWORDS:
            liked.discard(stem(word))  # each profile word once, "shirt" and "shirts" alike
            out.append(spelled)
    return out[:3]


def _title_words(item: Item) -> list[tuple[str, str]]:
    # Each word in canonical form ("color" is "colour") with the spelling the title uses, so that a reason
    # saying it names the item.
    out: list[tuple[str, str]] = []
    for raw in f"{item.title} {item.category or ''}".split():
        parts = canon(raw).split()
        spelled = raw.strip(".,;:!?()[]\"'").lower()
        out += [(part, spelled if len(parts) == 1 and spelled.isalpha() else part) for part in parts]
    return out


@cache
def _claim_words() -> frozenset[str]:
    # Words that would read as a discount or a promise ("sale", "free") are never echoed.
    return frozenset(t for p in vocab.DISCOUNTS | vocab.PROMISES for t in canon(p).split())


def _clause(kind: str, fact: MatchedFact, item: Item, voice: _Voice) -> str:
    if kind == "colour":
        wanted = fact.shopper_fact.removeprefix("preferred colour ").lower()
        if canon(wanted) == canon(fact.value):
            return f"it comes in {wanted}, a colour {voice.likes}"
        return f"it comes in {fact.value.lower()} ({voice.likes} {wanted})"
    if kind == "budget":
        return f"its price of {fact.value} is within {voice.their} {fact.shopper_fact}"
    if kind == "brand":
        return f"it is from {fact.value}, a brand {voice.likes}"
    if kind == "size":
        size = fact.value if "size" in fact.value.lower() else f"size {fact.value}"
        return f"it comes in {size}, which {voice.wears}"
    if kind == "gender":
        value = fact.value.lower()
        return "it is unisex" if value == "unisex" else f"it is made for {value}"
    if kind == "category":
        return f"it is in {fact.value}, a category {voice.is_} shopping for"
    return f"its title mentions {_join(fact.value.split(', '))}, as {voice.their} profile does"


def _history(fact: MatchedFact, item: Item, voice: _Voice) -> str:
    title = fact.shopper_fact.removeprefix("past purchase ")
    if fact.item_attribute == "brand":
        return f"{voice.bought} {title} before; this is from {fact.value} too."
    return f"{voice.bought} {title} before; this is also in {fact.value}."


def _describe(item: Item) -> str:
    parts = [x.lower() for x in (item.colour, item.material, item.category) if x]
    if not (parts or item.brand or item.price is not None):
        return ""  # nothing beyond the title: the title speaks for itself
    noun = " ".join(parts + ([] if item.category else ["item"]))
    text = noun[0].upper() + noun[1:]
    if item.brand:
        text += f" from {item.brand}"
    if item.price is not None:
        text += f" at {money(item.price, item)}"
    return text + "."


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
