"""Every judgement of whether the shopper bought something, and of how a purchase relates to the item.

- What counts as bought (`bought_records`): the shopper's purchases, their history entries and the
  catalog items the retriever's history signal names. A purchase claim rests on these.
- "You bought a navy shirt", "the shirt you bought", "your past purchase of X" (`purchase_claim`)
  and "you bought this" (`bought_this`): the purchase named is one of them.
- "You also bought" inside "shoppers like you also bought it" is about other shoppers (`by_others`).
- "Your purchases" (`has_purchases`) and "based on your history" (`has_past`): a past at all.
- Links through a purchase: "X, as your purchase Y does" (`echoed`, `link_word`), "the same brand",
  "your purchase is in the X category", "a jar like the Y you bought".
- Matched facts: a purchase of the same kind of product, or a catalog item of the same brand
  (`purchase_matches`), and what kind of product a purchase is (`bought_kind`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from agent.grounding.reading.claim_words import COLLABORATIVE_SIGNALS
from agent.grounding.reading.patterns import LAST_DETERMINER, OBJ_CUT, OBJ_END, POINTS_AT_ITEM
from agent.grounding.reading.reference_words import LINK_STOP
from agent.grounding.reading.scan import Scan
from agent.grounding.textnorm import canon, phrase_in, tokens
from agent.grounding.types import Claim, MatchedFact, reference
from retrieval.colours import COLOURS
from retrieval.items import Item
from retrieval.kinds import product_kind
from retrieval.retriever import Evidence
from retrieval.shopper_loaders import profile_is_purchases
from retrieval.shoppers import PastPurchase, Shopper

if TYPE_CHECKING:  # data.py gathers the records below: a runtime import would be circular
    from agent.grounding.data import Support

Bought = tuple[tuple[str, frozenset[str]], ...]

# Verbs after which a named thing may also be one the shopper said they like, not only one they bought.
LIKE_VERBS = frozenset({"liked", "loved", "enjoyed"})


def bought_records(shopper: Shopper, names: dict[str, str], evidence: Sequence[Evidence]) -> Bought:
    """What the shopper bought as (source, words): history entries (read through `names`, the
    context items' titles), purchases (with the brand and category of the catalog item they are),
    then the purchases the retriever's history signal names."""
    history = [(f"shopper.history[{i}]", tokens(names.get(h, h))) for i, h in enumerate(shopper.history)]
    purchases = [
        (
            f"shopper.purchases[{i}].title",
            tokens(f"{b.title} {b.category or ''} {names.get(b.item_id or '', '')}"),
        )
        for i, b in enumerate(shopper.purchases)
    ]
    return (*history, *purchases, *_evidence_purchases(names, evidence))


def _evidence_purchases(names: dict[str, str], evidence: Sequence[Evidence]) -> Bought:
    """The past purchases the retriever's history signal names (it only finds items the shopper bought)."""
    near = (i for e in evidence if e.signal == "history" for i in e.near if i in names)
    return tuple(("evidence.history", tokens(names[i])) for i in dict.fromkeys(near))


def purchase_claim(scan: Scan, m: re.Match[str], ev: Support, attributes: frozenset[str]) -> Claim | None:
    """A purchase a reason names ("you bought X", "the X you bought", "your past purchase X"): one of
    the shopper's (or, after "liked", something they like) holds most of its words and every colour,
    material or brand word in `attributes` it names. None: the phrase names no purchase."""
    verb = (m["verb"] or "").lower()
    span = m.span()
    if m.groupdict().get("obj"):
        obj = LAST_DETERMINER.split(scan.text[m.start("obj") : m.end("obj")])[-1]
        said = f"{obj} {scan.text[m.end('obj') : m.end()].strip()}"
    elif verb and (this := POINTS_AT_ITEM.match(scan.text[m.end() :])):
        return bought_this(f"{scan.raw(m)}{this[0]}", ev)
    else:
        # After "your purchase history" there is no object: it only says there is one.
        obj = object_after(scan.text[m.end() :]) if verb or m["noun"] else ""
        if m.groupdict().get("noun") and not m["past"] and not obj:
            return None  # "the user's purchase is due to ..." names no purchase
        said = f"{scan.raw(m)} {obj}".strip()
        end = m.end() + scan.text[m.end() :].find(obj) + len(obj) if obj else m.end()
        span = (m.start(), end)
    wanted = tokens(obj)
    needed = wanted & attributes  # a colour, material or brand named must be right
    pools = ev.bought + (ev.liked if verb in LIKE_VERBS else ())
    hits = (s for s, have in pools if have and needed <= have and 2 * len(wanted & have) >= len(wanted))
    source = next(hits, None)
    return Claim("purchase", said, source is not None, source, span)


def bought_this(said: str, ev: Support) -> Claim:
    """ "You bought this (...)": the item itself is among the shopper's purchases or history."""
    item, shopper = ev.item, ev.shopper
    same = (p.item_id == item.item_id or canon(p.title) == canon(item.title) for p in shopper.purchases)
    mine = item.item_id in shopper.history or any(same)
    return Claim("purchase", said, mine, "shopper.history" if mine else None)


def object_after(text: str) -> str:
    """The object named after a purchase phrase, up to the first cut word."""
    words: list[str] = []
    for word in OBJ_END.split(text, maxsplit=1)[0].split()[:8]:
        if word.lower() in OBJ_CUT:
            break
        words.append(word)
    return " ".join(words)


def by_others(claim: Claim, support: Support, crowd: Sequence[tuple[int, int]]) -> Claim:
    """A purchase claim inside a span of `crowd` ("shoppers like you also bought it") is about other
    shoppers: a collaborative signal backs it, not the shopper's own purchases."""
    a, b = claim.span
    if not any(s < b and a < e for s, e in crowd):
        return claim
    signal = support.signal(COLLABORATIVE_SIGNALS)
    return replace(claim, supported=signal is not None, source=signal)


# Two notions of "the shopper has a past", side by side because they back different words:
# "your purchases" needs something bought (a history signal names bought items too), while "based on
# your history / profile / preferences" is also backed by a profile the shopper wrote.
def has_purchases(ev: Support) -> bool:
    """ "Your purchases", "your order history": the shopper bought something."""
    s = ev.shopper
    return bool(s.purchases or s.history or any(e.signal == "history" for e in ev.evidence))


def has_past(shopper: Shopper) -> bool:
    """ "Based on your history" with no history signal: the shopper has a history, purchases or a profile."""
    return bool(shopper.history or shopper.purchases or shopper.profile)


_ECHO_VERBS = frozenset(
    "does do did was is were has have shows also too fits matches match contains includes mentions "
    "says before".split()
)


def echoed(rest: str, named: Sequence[str], ev: Support) -> str | None:
    """What backs "X, as your purchase [Y] does" (`rest` follows "your"): every X links the item to a
    purchase (to Y, when one is named)."""
    fragment = named_purchase(rest)
    links = [link_word(n, ev, fragment) for n in named]
    return links[0] if links and all(links) else None


def named_purchase(rest: str) -> str:
    """The purchase an echo names: "purchase Fjellstad Merino Hiking Socks also fits" -> "Fjellstad
    Merino Hiking Socks"; "" when it names none ("your purchase history")."""
    taken = []
    for w in rest.split()[1:]:
        if w.lower().strip(",") in _ECHO_VERBS:
            break
        taken.append(w)
    name = " ".join(taken)
    return "" if canon(name).strip() in ("", "history", "list", "record", "records") else name


def link_word(word: str, ev: Support, purchase: str = "") -> str | None:
    """Where a word the item's title shares with the shopper's purchases or profile comes from, or
    None when it is no link: a brand, colour, gender or stop word, or not shared at all. With
    `purchase` named, only a bought title that holds that name counts."""
    said = canon(word).split()
    brand = set(canon(ev.item.brand or "").split())
    if not said or any(w in LINK_STOP or w in brand or w in COLOURS or w.isdigit() for w in said):
        return None
    if not (phrase_in(word, canon(ev.item.title)) or phrase_in(word, canon(ev.item.description))):
        return None
    for i, bought in enumerate(ev.shopper.purchases):
        title = canon(bought.title).split()[1:]  # a title's first word is mostly its maker's name
        if purchase and not phrase_in(purchase, canon(bought.title)):
            continue
        if phrase_in(word, " ".join(title)):
            return f"shopper.purchases[{i}].title"
    if purchase:
        return None
    if not profile_is_purchases(ev.shopper.profile) and phrase_in(word, canon(ev.shopper.profile)):
        return "shopper.profile"
    return None


_SAME_BRAND = re.compile(r"\b(?:the )?same brand\b", re.I)
_BOUGHT_IN = re.compile(
    r"\byour (?:past |previous )?purchases? (?:is|was|were|are) (?:also )?in (?:the )?"
    r"(?P<x>[^.,;:!?]{1,40}?) category",
    re.I,
)
_LIKE_BOUGHT = re.compile(
    r"\b(?:an?\s+)?(?P<noun>[a-z][\w-]*) like (?:the |your )?(?P<p>[^,.;:!?]+?) (?:you|the shopper) bought\b",
    re.I,
)


def same_brand(text: str, ev: Support) -> Iterator[Claim]:
    """ "The same brand": the shopper bought something of the item's brand."""
    brand = canon(ev.item.brand or "").strip()
    for m in _SAME_BRAND.finditer(text):
        bought = [p for p in ev.shopper.purchases if brand and f" {brand} " in f" {canon(p.title)} "]
        yield reference(m.group(), m.span(), "shopper.purchases" if bought else None)


def bought_category(text: str, ev: Support) -> Iterator[Claim]:
    """ "Your purchase is in the Jar category": one of the purchases' categories."""
    cats = {canon(p.category or "").strip() for p in ev.shopper.purchases} - {""}
    for m in _BOUGHT_IN.finditer(text):
        ok = canon(m["x"]).strip() in cats
        yield reference(m.group(), m.span(), "shopper.purchases" if ok else None)


def like_bought(text: str, ev: Support) -> Iterator[Claim]:
    """ "A jar like the Strawberry Jar Die Cuts you bought": the purchase is that kind of thing."""
    for m in _LIKE_BOUGHT.finditer(text):
        named = canon(m["p"]).strip()
        bought = [p for p in ev.shopper.purchases if named and canon(p.title).strip().startswith(named)]
        if not bought:
            continue  # which purchase it names is judged by purchase_claim
        kinds = {canon(k).strip() for p in bought if (k := bought_kind(p))}
        noun = canon(m["noun"]).strip()
        ok = any(noun in (k, f"{k}s", k.rstrip("s")) or k.endswith(f" {noun}") for k in kinds)
        yield reference(m.group(), m.span(), "shopper.purchases" if ok else None)


def purchase_matches(item: Item, shopper: Shopper, context: Sequence[Item]) -> list[MatchedFact]:
    """Past purchases of the same kind of product, or catalog items they bought of the same brand."""
    out = []
    by_id = {c.item_id: c for c in context}
    bought = [*shopper.purchases, *(_as_purchase(by_id[i]) for i in shopper.history if i in by_id)]
    for purchase in bought:
        known = by_id.get(purchase.item_id or "")
        said = f"past purchase {' '.join(purchase.title.split())}"
        kind = (known.kind if known else None) or bought_kind(purchase)
        if item.kind and kind and kind.lower() == item.kind.lower():
            out.append(MatchedFact(said, "kind", item.kind))
        elif known and known.brand and item.brand and canon(known.brand) == canon(item.brand):
            out.append(MatchedFact(said, "brand", item.brand))
    return out


def _as_purchase(item: Item) -> PastPurchase:
    return PastPurchase(item.title, item.item_id, item.category)


# A die cut, a sticker or a print of a jar is not a jar: the named thing is only depicted ...
_DEPICTS = re.compile(
    r"\b(?:die[\s-]?cuts?|cutting dies?|stencils?|stickers?|decals?|templates?|stamps?|molds?|moulds?|"
    r"patterns?|posters?|wall art|costumes?|toys?|figures?|figurines?|miniatures?|ornaments?|"
    # ... and a holder, a cleaner or a case of a thing is for it, not one of it.
    r"holders?|stands?|displays?|organi[sz]ers?|racks?|cases?|covers?|cleaners?|sprays?|refills?|"
    r"chargers?|cables?|adapters?|mounts?|straps?|mannequins?|hangers?|hooks?|trays?|protectors?)\b",
    re.IGNORECASE,
)


def bought_kind(purchase: PastPurchase) -> str | None:
    """What kind of product a purchase is, unless its name only depicts one (a jar die cut)."""
    if _DEPICTS.search(purchase.title):
        return None
    return product_kind(purchase.title, purchase.category)
