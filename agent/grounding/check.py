"""The grounding check: every fact a reason states must come from the item or the shopper's data.

v1 finds stated facts (prices, brands, colours, materials, sizes, ratings, discounts, purchases,
promises, numbers); v2 (claims.py, claim_check.py) splits the text into atomic claims and also
checks vague experience, popularity, quality and suitability claims and retrieval evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from agent.grounding import facts, references, vocab
from agent.grounding.claim_check import verify
from agent.grounding.claims import canon_spans
from agent.grounding.data import Support, collect
from agent.grounding.facts import Scan
from agent.grounding.textnorm import canon, tokens
from agent.grounding.types import Claim, ClaimVerdict, GroundingResult
from agent.grounding.vocab import Vocabulary
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper

__all__ = ["Claim", "ClaimVerdict", "GroundingChecker", "GroundingResult"]

_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(])\s*$")


class GroundingChecker:
    """Finds the facts a reason states and checks each against the item and the shopper."""

    def __init__(self, known_brands: frozenset[str], extra_vocab: Vocabulary | None = None) -> None:
        words = Vocabulary() if extra_vocab is None else Vocabulary().merged(extra_vocab)
        self._equivalents = words.equivalents
        self._phrases = _phrase_table(words)
        alternatives = "|".join(re.escape(p) for p in sorted(self._phrases, key=len, reverse=True))
        self._phrase_re = re.compile(rf"(?<= )(?:{alternatives})(?= )")
        brands = {" ".join(b.split()) for b in known_brands if canon(b).strip()}
        self._spellings: dict[str, set[str]] = {}
        for brand in brands:
            self._spellings.setdefault(canon(brand).strip(), set()).add(brand)
        self._brand_set = frozenset(self._spellings)
        self._brand_re = _brand_pattern(brands)
        single = {p for p in words.colours | words.materials if " " not in p} | self._brand_set
        self._attr_tokens = frozenset(t for w in single for t in tokens(w))

    def check(
        self,
        text: str,
        item: Item,
        shopper: Shopper,
        context_items: Sequence[Item] = (),
        evidence: Sequence[Evidence] = (),
        said: str = "",
        voice: str | None = None,
    ) -> GroundingResult:
        """Every claim in `text`, each marked supported or not by the item, shopper, context or evidence.

        The result holds the stated facts (v1) and a verdict per atomic claim (v2), whose vague
        experience, popularity, quality and suitability cues need the item's text, the shopper's data
        or the candidate's retrieval `evidence`; and every reference to the shopper or the item, which
        must resolve (references.py). `said` is what the shopper asked for in this chat; `voice`
        ("shopper" or "support") is who the text speaks to, when known.
        """
        ev = collect(item, shopper, context_items, evidence, said)
        named = _names_masked(text, item)
        scan = Scan(text, named)
        # Order matters: brands and prices go first, so "Forever 21" and "€59.90" are not numbers.
        if self._brand_re is not None:
            scan.take(self._brand_re, lambda m: self._brand(scan, m, ev))
        scan.take(vocab.PRICE, lambda m: facts.price_claim(scan, m, ev))
        scan.take(vocab.PERCENT, lambda m: facts.percent_claim(scan, m, ev))
        for pattern in vocab.RATINGS:
            scan.take(pattern, lambda m: facts.rating_claim(scan.raw(m), m, ev))
        for pattern in vocab.SIZES:
            scan.take(pattern, lambda m: facts.size_claim(scan.raw(m), ev))
        scan.take(vocab.YOUR_SIZE, lambda m: facts.your_size_claim(scan.raw(m), ev))
        scan.take(vocab.PURCHASE_BEFORE, lambda m: self._purchase(scan, m, ev), keep="obj")
        scan.take(vocab.PURCHASE_AFTER, lambda m: self._purchase(scan, m, ev))
        scan.take(vocab.TITLE_MENTION, lambda m: facts.title_claim(scan.raw(m), m["obj"], ev))
        scan.take(vocab.SPELLED, lambda m: facts.number_claim(scan.raw(m), ev))
        scan.take(vocab.BARE_NUMBER, lambda m: facts.number_claim(scan.raw(m), ev))
        # "Wear Your Mind" is a brand and "Your Guide to Rome" a bought book, not words to the shopper.
        own_names = [item.brand or "", *(p.title for p in shopper.purchases)]
        refs = references.read(named, ev, voice, _masked(named, own_names, 3))
        found = [*scan.claims, *self._words(scan.masked, ev), *refs]
        claims, verdicts = verify(text, found, ev)
        return GroundingResult(claims, verdicts)

    def _words(self, masked: str, ev: Support) -> list[Claim]:
        canonical, starts, ends = canon_spans(masked)
        if canonical != canon(masked):  # never expected; without spans the claim is placed by its text
            canonical, starts, ends = canon(masked), {}, {}
        found = self._phrase_re.finditer(canonical)
        return [
            replace(self._word(m[0], ev), span=(starts.get(m.start(), -1), ends.get(m.end(), -1)))
            for m in found
        ]

    def _brand(self, scan: Scan, m: re.Match[str], ev: Support) -> Claim | None:
        raw, name = scan.raw(m), canon(scan.raw(m)).strip()
        spellings = self._spellings.get(name, set())
        # Brands are proper nouns: "even" or "people" in lower case are words, not brands.
        ordinary = name in vocab.COMMON_WORDS or name in self._phrases
        if raw.islower() and (ordinary or not any(s.islower() for s in spellings)):
            return None
        at_start = _SENTENCE_START.search(scan.masked[: m.start()]) is not None
        if ordinary and (at_start or " ".join(raw.split()) not in spellings):
            return None
        # A longer catalog brand can swallow a correct shorter one ("Calvin Klein jeans" reads as
        # the brand "Calvin Klein Jeans"): the claim holds if a brand inside the match holds.
        words = canon(raw).split()
        spans = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words) + 1)]
        for i, j in sorted(spans, key=lambda ij: ij[0] - ij[1]):
            name = " ".join(words[i:j])
            if (i, j) == (0, len(words)) or name in self._brand_set:
                source = ev.find([name])
                if source is not None:
                    return Claim("brand", raw, True, source)
        return Claim("brand", raw, False, None)

    def _purchase(self, scan: Scan, m: re.Match[str], ev: Support) -> Claim | None:
        verb = (m["verb"] or "").lower()
        span = m.span()
        if m.groupdict().get("obj"):
            obj = vocab.LAST_DETERMINER.split(scan.text[m.start("obj") : m.end("obj")])[-1]
            said = f"{obj} {scan.text[m.end('obj') : m.end()].strip()}"
        elif verb and (this := vocab.POINTS_AT_ITEM.match(scan.text[m.end() :])):
            return facts.bought_this(f"{scan.raw(m)}{this[0]}", ev)
        else:
            # After "your purchase history" there is no object: it only says there is one.
            obj = facts.object_after(scan.text[m.end() :]) if verb or m["noun"] else ""
            if m.groupdict().get("noun") and not m["past"] and not obj:
                return None  # "the user's purchase is due to ..." names no purchase
            said = f"{scan.raw(m)} {obj}".strip()
            end = m.end() + scan.text[m.end() :].find(obj) + len(obj) if obj else m.end()
            span = (m.start(), end)
        wanted = tokens(obj)
        needed = wanted & self._attr_tokens  # a colour, material or brand named must be right
        pools = ev.bought + (ev.liked if verb in vocab.LIKE_VERBS else ())
        hits = (s for s, have in pools if have and needed <= have and 2 * len(wanted & have) >= len(wanted))
        source = next(hits, None)
        return Claim("purchase", said, source is not None, source, span)

    def _word(self, phrase: str, ev: Support) -> Claim:
        kind = self._phrases[phrase]
        source: str | None
        if kind == "gender":
            source = ev.find(vocab.GENDER_FITS[phrase])
        elif kind == "promise":
            # The item's own text or a structured field ("free_shipping: yes") backs a promise.
            source = ev.find([phrase], "item.description") or ev.find([phrase], "item.title")
            source = source or ev.find([phrase], "item.extra")
        elif kind == "discount":
            discounted = (s for s, v in ev.values if s.endswith("discount_pct") and v > 0)
            source = next(discounted, None) or ev.find([phrase], "item.description")
        elif kind == "rating":
            least = vocab.RATING_WORDS[phrase]
            good = ev.item.rating is not None and ev.item.rating >= least
            source = "item.rating" if good else None
        else:
            group = next((g for g in self._equivalents if phrase in g), frozenset({phrase}))
            source = facts.find_genuine(ev, group) if kind == "material" else ev.find(group)
            if kind == "colour" and ev.colour_contested and (source or "").startswith("item."):
                source = None  # its colour field and its title disagree: neither is stated
        return Claim(kind, phrase, source is not None, source)


def _names_masked(text: str, item: Item) -> str:
    """The text with the item's name blanked out where it is quoted verbatim: a name states no colour,
    number or brand of its own ("Red Tape Men Tan Brogues" is a name, not a claim that they are tan).
    Names of purchases stay readable: a purchase claim must name a real one."""
    return _masked(text, {item.title, item.short_title()}, 8)


def _masked(text: str, names: Iterable[str], shortest: int) -> str:
    out = text
    for name in sorted((n for n in set(names) if len(n) >= shortest), key=len, reverse=True):
        for m in re.finditer(re.escape(name), out, re.IGNORECASE):
            out = out[: m.start()] + facts.MASK * len(m.group()) + out[m.end() :]
    return out


def _phrase_table(words: Vocabulary) -> dict[str, str]:
    # Qualified phrases are claims of their own: "light blue" is not "blue", nor "faux suede" suede.
    shades = {f"{m} {c}" for m in vocab.COLOUR_MODIFIERS for c in words.colours}
    fakes = {f"{q} {m}" for q in vocab.NOT_GENUINE for m in words.materials}
    kinds: tuple[tuple[str, Iterable[str]], ...] = (
        ("colour", words.colours | shades),
        ("material", words.materials | fakes),
        ("gender", vocab.GENDER_FITS.keys()),
        ("discount", words.discounts),
        ("promise", words.promises),
        ("rating", vocab.RATING_WORDS.keys()),
    )
    table: dict[str, str] = {}
    for kind, phrases in kinds:
        for phrase in phrases:
            table.setdefault(canon(phrase).strip(), kind)
    return table


def _brand_pattern(brands: Iterable[str]) -> re.Pattern[str] | None:
    bodies = [
        r"[\s-]+".join(re.escape(t).replace("'", "['’]?") for t in brand.split())
        for brand in sorted(brands, key=len, reverse=True)
    ]
    return re.compile(rf"(?<!\w)(?:{'|'.join(bodies)})(?!\w)", re.I) if bodies else None
