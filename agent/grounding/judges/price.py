"""Prices, discounts, budgets and coupons: "€59.90", "under $100", "20% off", "on sale", "within your
budget", "use code SAVE20". A price must be the item's (or a budget, or the price before its
discount) in the item's currency; a discount its discount; a coupon a code in a structured field."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agent.grounding import vocab
from agent.grounding.data import Support
from agent.grounding.judges.numbers import number_claim
from agent.grounding.reading.claims import Cue
from agent.grounding.reading.patterns import APPROX, BOUND, OFF_AFTER, OFF_BEFORE
from agent.grounding.reading.scan import Scan
from agent.grounding.textnorm import canon, number_readings
from agent.grounding.types import Claim
from retrieval.items import Item

_CODE_KEYS = ("coupon", "promo", "voucher", "code")


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
        if BOUND.search(before) and any(v >= price for v in values):
            source = "item.price (bound)"
        elif APPROX.search(before) and any(abs(v - price) <= 0.05 * price for v in values):
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
    if OFF_AFTER.match(after) or OFF_BEFORE.search(before):
        source = ev.value(("discount_pct",), values, 0.5)
        return Claim("discount", scan.raw(m), source is not None, source)
    return number_claim(scan.raw(m), ev, values)


def discount_word(phrase: str, ev: Support) -> str | None:
    """ "On sale", "discounted": the item has a discount, or its description says so."""
    discounted = (s for s, v in ev.values if s.endswith("discount_pct") and v > 0)
    return next(discounted, None) or ev.find([phrase], "item.description")


def budget_fit(support: Support) -> str | None:
    """ "Within your budget": the item's price is inside the shopper's budget."""
    price, p = support.item.price, support.shopper.preferences
    if price is None or (p.budget_max is None and p.budget_min is None):
        return None
    inside = (p.budget_max is None or price <= p.budget_max) and (
        p.budget_min is None or price >= p.budget_min
    )
    return "item.price+shopper.preferences.budget" if inside else None


def coupon(cue: Cue, support: Support) -> str | None:
    """ "Use code SAVE20": only a structured field names a real code; free text (a description) is
    untrusted."""
    said = canon(cue.text)
    for key, value in support.item.extra:
        if any(k in key.lower() for k in _CODE_KEYS) and canon(value).strip() and canon(value) in said:
            return f"item.extra.{key}"
    return None
