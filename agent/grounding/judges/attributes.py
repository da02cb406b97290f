"""What the item is: its brand, colour, material, gender, sizes, title words, features and maker.

Each must be written in the item's data: a brand in its catalog spelling (an ordinary word that is also
a brand counts only when written as the brand), a colour or material as stated ("light blue" is not
"blue", "faux leather" backs no "leather", a colour the title contradicts is no colour), a size the
item comes in, a title mention word for word, a feature in the item's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from agent.grounding import vocab
from agent.grounding.data import Support
from agent.grounding.reading.patterns import SIZE_SPLIT
from agent.grounding.reading.reference_words import LINK_STOP
from agent.grounding.reading.scan import MASK, Scan
from agent.grounding.textnorm import canon, size_key, sizes_meet, stem
from agent.grounding.types import Claim, reference
from retrieval.items import Item

_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"“(])\s*$")


class Brands:
    """The catalog's brands: how each is spelled, and the pattern that finds them in a reason."""

    def __init__(self, known_brands: frozenset[str]) -> None:
        brands = {" ".join(b.split()) for b in known_brands if canon(b).strip()}
        self.spellings: dict[str, set[str]] = {}
        for brand in brands:
            self.spellings.setdefault(canon(brand).strip(), set()).add(brand)
        self.names = frozenset(self.spellings)
        self.pattern = _brand_pattern(brands)

    def claim(self, scan: Scan, m: re.Match[str], ev: Support, phrases: Mapping[str, str]) -> Claim | None:
        """A brand named in the reason (None: an ordinary word, not the brand); `phrases` are the
        checker's other phrase words, which a lower-case brand of the same spelling is not."""
        raw, name = scan.raw(m), canon(scan.raw(m)).strip()
        spellings = self.spellings.get(name, set())
        # Brands are proper nouns: "even" or "people" in lower case are words, not brands.
        ordinary = name in vocab.COMMON_WORDS or name in phrases
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
            if (i, j) == (0, len(words)) or name in self.names:
                source = ev.find([name])
                if source is not None:
                    return Claim("brand", raw, True, source)
        return Claim("brand", raw, False, None)


def _brand_pattern(brands: Iterable[str]) -> re.Pattern[str] | None:
    bodies = [
        r"[\s-]+".join(re.escape(t).replace("'", "['’]?") for t in brand.split())
        for brand in sorted(brands, key=len, reverse=True)
    ]
    return re.compile(rf"(?<!\w)(?:{'|'.join(bodies)})(?!\w)", re.I) if bodies else None


def word_source(kind: str, phrase: str, ev: Support, equivalents: Iterable[frozenset[str]]) -> str | None:
    """A colour or material phrase ("navy", "merino wool"), or a phrase of any group of `equivalents`."""
    group = next((g for g in equivalents if phrase in g), frozenset({phrase}))
    source = find_genuine(ev, group) if kind == "material" else ev.find(group)
    if kind == "colour" and ev.colour_contested and (source or "").startswith("item."):
        source = None  # its colour field and its title disagree: neither is stated
    return source


def gender_word(phrase: str, ev: Support) -> str | None:
    """ "For men": the data says men, or unisex (a unisex item is for men and for women)."""
    return ev.find(vocab.GENDER_FITS[phrase])


def find_genuine(ev: Support, phrases: Iterable[str]) -> str | None:
    """The first source naming a material, where "faux leather" does not back "leather"."""
    for phrase in phrases:
        fakes = [] if phrase.split()[0] in vocab.NOT_GENUINE else vocab.NOT_GENUINE
        for source, text in ev.texts:
            for fake in fakes:
                text = text.replace(f" {fake} {phrase} ", " ")
            if f" {phrase} " in text:
                return source
    return None


def size_claim(raw: str, ev: Support) -> Claim:
    """A stated size or list of sizes."""
    body = re.sub(r"(?i)^sizes?\s*:?\s*", "", raw)
    wanted = [size_key(raw)] if "size" in body.lower() else []
    wanted = wanted or [size_key(t[0]) for t in SIZE_SPLIT.finditer(body)]
    sources = [next((s for s, have in ev.sizes if sizes_meet(w, have)), None) for w in wanted]
    if None in sources or not sources:
        sources = [ev.find([canon(raw).strip()])]  # "size 42" written in the title or description
    return Claim("size", raw, None not in sources, sources[0])


def your_size_claim(raw: str, ev: Support) -> Claim:
    """ "In your size": the item comes in a size the shopper wears."""
    prefs = [size_key(s) for s in ev.shopper.preferences.sizes]
    fits = any(sizes_meet(size_key(s), p) for s in ev.item.sizes for p in prefs)
    return Claim("size", raw, fits, "item.sizes" if fits else None)


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


_TITLE_CLAUSE = re.compile(
    r"\bits (?:title|name) (?:also )?(?:mentions|says|includes|contains|reads) (?P<x>(?:[^;.!?]|\.(?=\w))+?)"
    r"(?=\s*(?:[;!?]|\.(?!\w)|,\s*(?:as|which|while|so|because)\b|\bas\b|\band its\b|$))",
    re.I,
)


def title_clause(text: str, ev: Support) -> Iterator[Claim]:
    """The whole of what "its title mentions" names, to the end of its clause, is in the title:
    "Gift Card in a Holiday Sprig Box" is not the title's "Gift Card in a Holiday Pop-Up Box"."""
    for m in _TITLE_CLAUSE.finditer(text):
        # The item's own name is blanked in `text` (it is written in the title); the rest must be too.
        parts = [p for p in re.sub(r"[\"“”()]", " ", m["x"]).split(MASK) if canon(p).strip()]
        ok = all(written_in_title(p, ev.item) for p in parts)
        yield reference(m.group(), m.span(), "item.title" if ok else None)


_HAS = re.compile(
    r"\b(?:it|this one|this item|the item)\s+(?:also\s+)?(?:has|comes with|features|includes|boasts)\s+"
    r"(?:a|an|the|some)?\s*(?P<x>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})",
    re.I,
)
_FROM = re.compile(
    r"\b(?:it is|it's|this is|comes|made)\s+(?:from|by)\s+(?P<x>[A-Z][\w'’&.-]*(?:\s+[A-Z][\w'’&.-]*){0,3})"
)
_PROMISE_WORDS = frozenset(
    {"free", "ship", "shipping", "deliveri", "delivery", "warranty", "guarante", "return"}
)


def features(text: str, ev: Support) -> Iterator[Claim]:
    """ "It has a hood", "it comes with a pouch": the item's own text names the feature."""
    for m in _HAS.finditer(text):
        named = [stem(w) for w in canon(m["x"]).split() if w not in LINK_STOP][:3]
        if not named or any(w in _PROMISE_WORDS for w in named):
            continue  # "comes with free shipping" is a promise, judged as one
        ok = all(ev.item_pool.has(w) for w in named)
        yield reference(m.group(), m.span(), "item.text" if ok else None)


def makers(text: str, ev: Support) -> Iterator[Claim]:
    """ "It is from Nike", "made by Levi's": the item's brand, or a name its title carries."""
    own = canon(f"{ev.item.brand or ''} {ev.item.title}")
    for m in _FROM.finditer(text):
        named = canon(m["x"]).strip()
        if named and f" {named} " not in own and named.split()[0] not in LINK_STOP:
            yield reference(m.group(), m.span(), None)
