"""The grounding check: every fact a reason states must come from the item or the shopper's data."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from agent import vocab
from agent.textnorm import canon, number_readings, size_key, sizes_meet, tokens
from agent.vocab import Vocabulary
from retrieval.items import Item
from retrieval.shoppers import Shopper

_MASK = "\x1f"  # replaces spans already read: not a word character, so it also ends words
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(])\s*$")
_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Claim:
    """One fact a reason states, whether the data supports it, and which attribute does."""

    kind: str
    text: str
    supported: bool
    source: str | None


@dataclass(frozen=True)
class GroundingResult:
    """Every claim found in one reason."""

    claims: tuple[Claim, ...]

    @property
    def ok(self) -> bool:
        """True when every claim is supported."""
        return all(c.supported for c in self.claims)

    @property
    def failures(self) -> tuple[Claim, ...]:
        """The unsupported claims."""
        return tuple(c for c in self.claims if not c.supported)

    def describe(self) -> str:
        """The unsupported claims as one short line, for logs and regeneration hints."""
        return "; ".join(f"{c.kind}: {c.text!r}" for c in self.failures)


_Pairs = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class _Evidence:
    """Everything a claim may rest on, each piece named by the attribute it came from."""

    item: Item
    shopper: Shopper
    texts: tuple[tuple[str, str], ...]  # (source, canonical text)
    values: _Pairs  # numeric attributes: prices, budgets, ratings, discounts
    numbers: _Pairs  # every number anywhere in the data, attributes included
    sizes: tuple[tuple[str, tuple[str | None, str]], ...]
    bought: tuple[tuple[str, frozenset[str]], ...]
    liked: tuple[tuple[str, frozenset[str]], ...]

    def find(self, phrases: Iterable[str], prefix: str = "") -> str | None:
        """The first source (starting with `prefix`) holding one of the canonical phrases."""
        wanted = [f" {p.strip()} " for p in phrases]
        hits = (s for s, t in self.texts if s.startswith(prefix) for w in wanted if w in t)
        return next(hits, None)

    def value(self, suffixes: tuple[str, ...], values: Iterable[float], slack: float) -> str | None:
        """The first numeric attribute ending in one of `suffixes` within `slack` of a value."""
        found = (s for v in values for s, k in self.values if s.endswith(suffixes) and abs(v - k) < slack)
        return next(found, None)


def _collect(item: Item, shopper: Shopper, context: Sequence[Item]) -> _Evidence:
    texts: list[tuple[str, str]] = []
    values: list[tuple[str, float | None]] = []
    for prefix, one in [("item", item)] + [(f"context[{i}]", c) for i, c in enumerate(context)]:
        for name in ("title", "category", "brand", "colour", "material", "gender", "description"):
            texts.append((f"{prefix}.{name}", str(getattr(one, name) or "")))
        texts.append((f"{prefix}.sizes", " ".join(f"size {s}" for s in one.sizes)))
        texts += [(f"{prefix}.extra.{k}", f"{k} {v}") for k, v in one.extra]
        values += [(f"{prefix}.{n}", getattr(one, n)) for n in ("price", "rating", "discount_pct")]
    bought = _shopper_evidence(shopper, context, texts, values)
    known = tuple((s, v) for s, v in values if v is not None)
    numbers = [(s, v) for s, t in texts for m in _ANY_NUMBER.finditer(t) for v in number_readings(m[0])]
    numbers += [("shopper.purchases", len(shopper.purchases))]
    numbers += [("shopper.history", len(shopper.history))]
    p = shopper.preferences
    sizes = [("item.sizes", size_key(s)) for s in item.sizes]
    sizes += [("shopper.preferences.sizes", size_key(s)) for s in p.sizes]
    sizes += [(f"context[{i}].sizes", size_key(s)) for i, c in enumerate(context) for s in c.sizes]
    prefs = " ".join(p.colours + p.brands + p.categories)
    liked = (("shopper.profile", tokens(shopper.profile)), ("shopper.preferences", tokens(prefs)))
    canonical = tuple((s, canon(t)) for s, t in texts if t)
    everything = known + tuple((s, float(v)) for s, v in numbers)
    return _Evidence(item, shopper, canonical, known, everything, tuple(sizes), bought, liked)


def _shopper_evidence(
    shopper: Shopper,
    context: Sequence[Item],
    texts: list[tuple[str, str]],
    values: list[tuple[str, float | None]],
) -> tuple[tuple[str, frozenset[str]], ...]:
    """Add the shopper's texts and values; return what they bought as (source, words)."""
    p = shopper.preferences
    texts += [("shopper.profile", shopper.profile), ("shopper.preferences.gender", p.gender or "")]
    # avoid_brands is left out on purpose: a brand the shopper avoids never backs a claim.
    for name in ("colours", "brands", "sizes", "categories"):
        texts.append((f"shopper.preferences.{name}", " , ".join(getattr(p, name))))
    values += [("shopper.preferences.budget_max", p.budget_max)]
    values += [("shopper.preferences.budget_min", p.budget_min)]
    # A purchase or history entry that is a catalog item also brings that item's brand and category.
    names = {c.item_id: f"{c.title} {c.brand or ''} {c.category or ''}" for c in context}
    bought = []
    for i, h in enumerate(shopper.history):
        texts.append((f"shopper.history[{i}]", names.get(h, h)))
        bought.append((f"shopper.history[{i}]", tokens(names.get(h, h))))
    for i, b in enumerate(shopper.purchases):
        src = f"shopper.purchases[{i}]"
        texts += [(f"{src}.{f}", getattr(b, f) or "") for f in ("title", "category", "review")]
        values += [(f"{src}.price", b.price), (f"{src}.rating", b.rating)]
        seen = names.get(b.item_id or "", "")
        bought.append((f"{src}.title", tokens(f"{b.title} {b.category or ''} {seen}")))
    return tuple(bought)


class _Scan:
    """The reason being read; spans that became claims are masked so no later rule reads them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = text
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
            self.claims.append(claim)
            start = m.end(keep) if keep else m.start()
            self.masked = self.masked[:start] + _MASK * (m.end() - start) + self.masked[m.end() :]

    def raw(self, m: re.Match[str]) -> str:
        """The original text of a match."""
        return self.text[m.start() : m.end()]


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
        self, text: str, item: Item, shopper: Shopper, context_items: Sequence[Item] = ()
    ) -> GroundingResult:
        """Every claim in `text`, each marked supported or not by the item, shopper or context."""
        ev = _collect(item, shopper, context_items)
        scan = _Scan(text)
        # Order matters: brands and prices go first, so "Forever 21" and "€59.90" are not numbers.
        if self._brand_re is not None:
            scan.take(self._brand_re, lambda m: self._brand(scan, m, ev))
        scan.take(vocab.PRICE, lambda m: _price(scan, m, ev))
        scan.take(vocab.PERCENT, lambda m: _percent(scan, m, ev))
        for pattern in vocab.RATINGS:
            scan.take(pattern, lambda m: _rating(scan.raw(m), m, ev))
        for pattern in vocab.SIZES:
            scan.take(pattern, lambda m: _size(scan.raw(m), ev))
        scan.take(vocab.YOUR_SIZE, lambda m: _your_size(scan.raw(m), ev))
        scan.take(vocab.PURCHASE_BEFORE, lambda m: self._purchase(scan, m, ev), keep="obj")
        scan.take(vocab.PURCHASE_AFTER, lambda m: self._purchase(scan, m, ev))
        scan.take(vocab.SPELLED, lambda m: _number(scan.raw(m), ev))
        scan.take(vocab.BARE_NUMBER, lambda m: _number(scan.raw(m), ev))
        words = [self._word(m[0], ev) for m in self._phrase_re.finditer(canon(scan.masked))]
        return GroundingResult(tuple(scan.claims) + tuple(words))

    def _brand(self, scan: _Scan, m: re.Match[str], ev: _Evidence) -> Claim | None:
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

    def _purchase(self, scan: _Scan, m: re.Match[str], ev: _Evidence) -> Claim:
        verb = (m["verb"] or "").lower()
        if m.groupdict().get("obj"):
            obj = vocab.LAST_DETERMINER.split(scan.text[m.start("obj") : m.end("obj")])[-1]
            said = f"{obj} {scan.text[m.end('obj') : m.end()].strip()}"
        else:
            # After "your purchase history" there is no object: it only says there is one.
            obj = _object_after(scan.text[m.end() :]) if verb or m["noun"] else ""
            said = f"{scan.raw(m)} {obj}".strip()
        wanted = tokens(obj)
        needed = wanted & self._attr_tokens  # a colour, material or brand named must be right
        pools = ev.bought + (ev.liked if verb in vocab.LIKE_VERBS else ())
        hits = (s for s, have in pools if have and needed <= have and 2 * len(wanted & have) >= len(wanted))
        source = next(hits, None)
        return Claim("purchase", said, source is not None, source)

    def _word(self, phrase: str, ev: _Evidence) -> Claim:
        kind = self._phrases[phrase]
        source: str | None
        if kind == "gender":
            source = ev.find(vocab.GENDER_FITS[phrase])
        elif kind == "promise":
            source = ev.find([phrase], "item.description") or ev.find([phrase], "item.title")
        elif kind == "discount":
            discounted = (s for s, v in ev.values if s.endswith("discount_pct") and v > 0)
            source = next(discounted, None) or ev.find([phrase], "item.description")
        elif kind == "rating":
            least = vocab.RATING_WORDS[phrase]
            good = ev.item.rating is not None and ev.item.rating >= least
            source = "item.rating" if good else None
        else:
            group = next((g for g in self._equivalents if phrase in g), frozenset({phrase}))
            source = _find_genuine(ev, group) if kind == "material" else ev.find(group)
        return Claim(kind, phrase, source is not None, source)


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


def _price(scan: _Scan, m: re.Match[str], ev: _Evidence) -> Claim:
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


def _percent(scan: _Scan, m: re.Match[str], ev: _Evidence) -> Claim:
    values = number_readings(m["n"])
    after = scan.masked[m.end() : m.end() + 15]
    before = scan.masked[max(0, m.start() - 30) : m.start()]
    if vocab.OFF_AFTER.match(after) or vocab.OFF_BEFORE.search(before):
        source = ev.value(("discount_pct",), values, 0.5)
        return Claim("discount", scan.raw(m), source is not None, source)
    return _number(scan.raw(m), ev, values)


def _rating(raw: str, m: re.Match[str], ev: _Evidence) -> Claim:
    n = m["n"].lower()
    values = {vocab.STAR_WORDS[n]} if n in vocab.STAR_WORDS else set(number_readings(n))
    if m.groupdict().get("scale") == "10":
        values = {v / 2 for v in values}
    # A whole number reads as a rounded rating ("4 stars" for 4.3); a decimal must be exact.
    slack = 0.051 if "." in n or "," in n else 0.5
    source = ev.value((".rating",), values, slack)
    return Claim("rating", raw, source is not None, source)


def _size(raw: str, ev: _Evidence) -> Claim:
    body = re.sub(r"(?i)^sizes?\s*:?\s*", "", raw)
    wanted = [size_key(raw)] if "size" in body.lower() else []
    wanted = wanted or [size_key(t[0]) for t in vocab.SIZE_SPLIT.finditer(body)]
    sources = [next((s for s, have in ev.sizes if sizes_meet(w, have)), None) for w in wanted]
    if None in sources or not sources:
        sources = [ev.find([canon(raw).strip()])]  # "size 42" written in the title or description
    return Claim("size", raw, None not in sources, sources[0])


def _your_size(raw: str, ev: _Evidence) -> Claim:
    # "in your size" claims the item comes in a size the shopper wears.
    prefs = [size_key(s) for s in ev.shopper.preferences.sizes]
    fits = any(sizes_meet(size_key(s), p) for s in ev.item.sizes for p in prefs)
    return Claim("size", raw, fits, "item.sizes" if fits else None)


def _object_after(text: str) -> str:
    words: list[str] = []
    for word in vocab.OBJ_END.split(text, maxsplit=1)[0].split()[:8]:
        if word.lower() in vocab.OBJ_CUT:
            break
        words.append(word)
    return " ".join(words)


def _find_genuine(ev: _Evidence, phrases: Iterable[str]) -> str | None:
    # "faux leather" in the data does not back a claim of plain "leather".
    for phrase in phrases:
        fakes = [] if phrase.split()[0] in vocab.NOT_GENUINE else vocab.NOT_GENUINE
        for source, text in ev.texts:
            for fake in fakes:
                text = text.replace(f" {fake} {phrase} ", " ")
            if f" {phrase} " in text:
                return source
    return None


def _number(raw: str, ev: _Evidence, values: frozenset[float] | None = None) -> Claim:
    spelled = vocab.SPELLED_NUMBERS.get(raw.lower())
    if values is None:
        values = frozenset({float(spelled)}) if spelled else number_readings(raw)
    found = (s for v in values for s, k in ev.numbers if abs(v - k) < 0.005)
    source = (ev.find([raw.lower()]) if spelled else None) or next(found, None)
    return Claim("number", raw, source is not None, source)
