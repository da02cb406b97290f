"""The grounding check: every fact a reason states must come from the item, the shopper's data or the
retrieval evidence.

It gathers what a claim may rest on (data.py), reads the stated facts with the patterns of
reading/patterns.py and hands each to the judge of its kind (judges/), reads the phrase words
(colours, materials, genders, discounts, promises, rating words) and every reference to the shopper or
the item, then splits the text into atomic claims and judges each clause's cues (verdicts.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from agent.grounding import vocab
from agent.grounding.data import Support, collect
from agent.grounding.judges import attributes, experience, mentions, numbers, price, purchase, shopper
from agent.grounding.reading import patterns, shapes
from agent.grounding.reading.claims import canon_spans
from agent.grounding.reading.scan import Scan, masked, names_masked
from agent.grounding.textnorm import canon, tokens
from agent.grounding.types import Claim, ClaimVerdict, GroundingResult
from agent.grounding.verdicts import verify
from agent.grounding.vocab import Vocabulary
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper

__all__ = ["Claim", "ClaimVerdict", "GroundingChecker", "GroundingResult"]


class GroundingChecker:
    """Finds the facts a reason states and checks each against the item and the shopper."""

    def __init__(self, known_brands: frozenset[str], extra_vocab: Vocabulary | None = None) -> None:
        words = Vocabulary() if extra_vocab is None else Vocabulary().merged(extra_vocab)
        self._equivalents = words.equivalents
        self._phrases = _phrase_table(words)
        alternatives = "|".join(re.escape(p) for p in sorted(self._phrases, key=len, reverse=True))
        self._phrase_re = re.compile(rf"(?<= )(?:{alternatives})(?= )")
        self._brands = attributes.Brands(known_brands)
        single = {p for p in words.colours | words.materials if " " not in p} | self._brands.names
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

        The result holds the stated facts and a verdict per atomic claim, whose vague experience,
        popularity, quality and suitability cues need the item's text, the shopper's data or the
        candidate's retrieval `evidence`; and every reference to the shopper or the item, which must
        resolve. `said` is what the shopper asked for in this chat; `voice` ("shopper" or "support")
        is who the text speaks to, when known.
        """
        ev = collect(item, shopper, context_items, evidence, said)
        named = names_masked(text, item)
        scan = self._stated(text, named, ev)
        # "Wear Your Mind" is a brand and "Your Guide to Rome" a bought book, not words to the shopper.
        own_names = [item.brand or "", *(p.title for p in shopper.purchases)]
        refs = _references(named, ev, voice, masked(named, own_names, 3))
        found = [*scan.claims, *self._words(scan.masked, ev), *refs]
        claims, verdicts = verify(text, found, ev)
        return GroundingResult(claims, verdicts)

    def _stated(self, text: str, named: str, ev: Support) -> Scan:
        scan = Scan(text, named)
        # Order matters: brands and prices go first, so "Forever 21" and "€59.90" are not numbers.
        if self._brands.pattern is not None:
            scan.take(self._brands.pattern, lambda m: self._brands.claim(scan, m, ev, self._phrases))
        scan.take(patterns.PRICE, lambda m: price.price_claim(scan, m, ev))
        scan.take(patterns.PERCENT, lambda m: price.percent_claim(scan, m, ev))
        for pattern in patterns.RATINGS:
            scan.take(pattern, lambda m: numbers.rating_claim(scan.raw(m), m, ev))
        for pattern in patterns.SIZES:
            scan.take(pattern, lambda m: attributes.size_claim(scan.raw(m), ev))
        scan.take(patterns.YOUR_SIZE, lambda m: attributes.your_size_claim(scan.raw(m), ev))
        bought = self._attr_tokens
        scan.take(
            patterns.PURCHASE_BEFORE, lambda m: purchase.purchase_claim(scan, m, ev, bought), keep="obj"
        )
        scan.take(patterns.PURCHASE_AFTER, lambda m: purchase.purchase_claim(scan, m, ev, bought))
        scan.take(patterns.TITLE_MENTION, lambda m: attributes.title_claim(scan.raw(m), m["obj"], ev))
        scan.take(patterns.SPELLED, lambda m: numbers.number_claim(scan.raw(m), ev))
        scan.take(patterns.BARE_NUMBER, lambda m: numbers.number_claim(scan.raw(m), ev))
        return scan

    def _words(self, masked: str, ev: Support) -> list[Claim]:
        canonical, starts, ends = canon_spans(masked)
        if canonical != canon(masked):  # never expected; without spans the claim is placed by its text
            canonical, starts, ends = canon(masked), {}, {}
        found = self._phrase_re.finditer(canonical)
        return [
            replace(self._word(m[0], ev), span=(starts.get(m.start(), -1), ends.get(m.end(), -1)))
            for m in found
        ]

    def _word(self, phrase: str, ev: Support) -> Claim:
        kind = self._phrases[phrase]
        source: str | None
        if kind == "gender":
            source = attributes.gender_word(phrase, ev)
        elif kind == "promise":
            source = experience.promise_word(phrase, ev)
        elif kind == "discount":
            source = price.discount_word(phrase, ev)
        elif kind == "rating":
            source = numbers.rating_word(phrase, ev)
        else:
            source = attributes.word_source(kind, phrase, ev, self._equivalents)
        return Claim(kind, phrase, source is not None, source)


def _references(text: str, ev: Support, voice: str | None, names_blanked: str) -> list[Claim]:
    """Every reference in `text` to the shopper or the item, each resolved (supported) or not.
    `names_blanked` is the text with brand and purchase names blanked ("Wear Your Mind" speaks to no
    one); words to the shopper are read there, links to purchases in the full text."""
    claims = [*shopper.yours(names_blanked, ev), *shopper.yous(names_blanked, ev), *shapes.its(text)]
    claims += [*mentions.mentions(text, ev), *attributes.features(text, ev), *attributes.makers(text, ev)]
    claims += [
        *mentions.quotes(text, ev),
        *shapes.voice(names_blanked, voice),
        *shapes.repeats(names_blanked),
    ]
    claims += [*shapes.garbled(names_blanked), *shapes.also_in(text)]
    claims += [*purchase.same_brand(text, ev), *purchase.bought_category(text, ev)]
    return [*claims, *attributes.title_clause(text, ev), *purchase.like_bought(text, ev)]


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
