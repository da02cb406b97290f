"""Routing a chat message to an intent with rules, and reading the constraints it states."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.colours import BASIC_COLOURS, COLOURS, item_colours
from retrieval.derive import materials_in
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.kinds import CatalogKinds

INTENTS: tuple[str, ...] = (
    "greet",
    "quit",
    "help",
    "thanks",
    "ack",
    "about_me",
    "forget_me",
    "how_choose",
    "why",
    "why_not",
    "compare",
    "cheaper",
    "refine",
    "more_like",
    "different",
    "others",
    "search",
    "item_question",
    "shop_info",
    "off_topic",
    "unknown",
)
FALLBACK = "unknown"

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ORDINALS |= {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_REF = re.compile(
    r"#\s*(\d+)|\b(?:number|no\.|nr\.?|item|option)\s*(\d+|one|two|three|four|five)\b"
    r"|\b(first|second|third|fourth|fifth|1st|2nd|3rd|4th|5th)\b|\b(?:the (last)|(last) (?:one|option|"
    r"item))\b"
)
_FIRST_N = re.compile(r"\b(?:the )?(?:first|top) (two|three|four|five|[2-5])\b")
_THIS = re.compile(r"\b(this|that|it|this one|that one)\b")
# "The cheaper one", "the priciest option": a shown item picked by its price ("the cheapest mouse" is a
# search, not a pointer).
_BY_PRICE = {
    "low": re.compile(
        r"\bthe (?:cheaper|cheapest|less expensive|least expensive|lower[- ]priced|more affordable)"
        r"(?: (?:one|option|item|pick|choice)\b(?!s)|(?=\s*(?:[?!.,;]|$)))"
    ),
    "high": re.compile(
        r"\bthe (?:pricier|priciest|dearer|more expensive|most expensive|higher[- ]priced)"
        r"(?: (?:one|option|item|pick|choice)\b(?!s)|(?=\s*(?:[?!.,;]|$)))"
    ),
}

# "Forget my budget", "any colour", "ignore the size", "clear my filters": a limit the shopper lifts.
_LIFT = r"(?:forget|drop|ignore|remove|clear|lift|scrap|reset|never ?mind|no|any|without)"
# "Any" or "no" in a question asks about the item ("does it come in any size?"); only a statement lifts.
_ASKS = re.compile(r"\?\s*$|^(?:do|does|is|are|can|could|have|has|what|which|how)\b")
_SOFT_LIFT = re.compile(r"^(?:no|any|without)\b")
_LIMIT_WORDS = {
    "budget": r"(?:budget|price(?: limit| cap| range)?|spending limit|max(?:imum)? price)",
    "colours": r"colou?rs?",
    "gender": r"gender",
    "brands": r"brands?",
    "sizes": r"sizes?",
}
_DROPS = {
    name: re.compile(rf"\b{_LIFT}\s+(?:about\s+|of\s+)?(?:(?:my|the|a|your|that|this)\s+)?{words}\b")
    for name, words in _LIMIT_WORDS.items()
}
_DROP_ALL = re.compile(rf"\b{_LIFT}\s+(?:all\s+)?(?:(?:my|the|your|those|these)\s+)?(?:filters|limits)\b")
LIMIT_NAMES = tuple(_LIMIT_WORDS)

_CUR = r"(?:[€$£₹]|rs\.?|inr|euros?|eur|usd|dollars?|bucks|nok|kr|sek|gbp|pounds?|rupees?)"
_AMOUNT = rf"{_CUR}?\s*(\d[\d,]*(?:\.\d+)?)(?:\s*{_CUR})?(?:\s*([a-z%]+))?"
_PRICE_MAX = (
    re.compile(
        r"\b(?:under|below|less than|cheaper than|max(?:imum)?|up to|at most|within|no more than|"
        rf"not more than|not over|no higher than|budget\b[^\d$€£₹]{{0,25}}?)\s*{_AMOUNT}"
    ),
    re.compile(rf"(?:^|\s){_AMOUNT}\s*(?:max(?:imum)?|tops|at most|or less|or under)\b"),
)
_PRICE_MIN = (
    re.compile(rf"(?<!\bno )(?<!\bnot )\b(?:over|above|more than|at least|min(?:imum)?)\s*{_AMOUNT}"),
)
_BETWEEN = re.compile(rf"\bbetween\s*{_CUR}?\s*(\d[\d,]*(?:\.\d+)?)\s*(?:and|to|-)\s*{_AMOUNT}")
# A number followed by one of these counts something other than money ("at least 16gb").
_UNITS = frozenset(
    "gb mb tb mp mah hz w watt watts inch inches pages page pcs pieces cm mm m kg g gram grams gsm lbs "
    "year years hour hours minutes mins days photos people items ml l litres liters percent % x k".split()
)
_SIZE_PATTERNS = (
    re.compile(
        r"\bsize(?:\s+|\s*(?=\d))(?:is\s+|of\s+)?(\d{1,2}(?:[.,]5)?|xxs|xs|s|m|l|xl|xxl|xxxl|small|medium|"
        r"large)\b"
    ),
    re.compile(r"\b(?:in|an?)\s+(xxs|xs|xl|xxl|xxxl)\b"),
    re.compile(r"\b(?:eu|us|uk)\s*(\d{1,2}(?:\.5)?)\b"),
)
_SIZE_WORDS = {"small": "S", "medium": "M", "large": "L"}
_COLOUR_WORDS = frozenset(BASIC_COLOURS)
_RELATIVES = r"(?:for (?:a |my |the |an? )?)"
# Who the shopper shops for. Children come first: "jeans for a teenage boy" is boys' jeans, not men's.
_GENDER = {
    "boys": re.compile(r"\b(?:boys?|boy'?s|boys'|sons?|schoolboys?|nephews?)\b"),
    "girls": re.compile(r"\b(?:girls?|girl'?s|girls'|daughters?|schoolgirls?|nieces?)\b"),
    "kids": re.compile(
        rf"\b(?:{_RELATIVES}(?:kid|kids|child|children|toddler|baby|little ones?)|"
        r"kids'?|children'?s|child'?s|toddlers?)\b"
    ),
    "men": re.compile(
        rf"\b(?:{_RELATIVES}(?:man|men|him|guys?|gentleman|husband|boyfriend|dad|father|brother|grandpa)|"
        r"men'?s|mens|men|male|gents?|guys|i'?m (?:a )?(?:man|guy))\b"
    ),
    "women": re.compile(
        rf"\b(?:{_RELATIVES}(?:woman|women|her|lady|girlfriend|wife|mum|mom|mother|sister|grandma)|"
        r"women'?s|womens|women|female|ladies|lady'?s|i'?m (?:a )?(?:woman|lady))\b"
    ),
}
_AVOID = (
    r"(?:not|no|without|except|avoid|other than|anything but|besides|not from|nothing from|hate|"
    r"don'?t (?:want|like))\s+(?:any\s+|the\s+)?"
)
# Words too common in titles to say what product a shopper means.
_STOP = frozenset(
    "with from this that have your more like than what when which about some just also very will would "
    "could should there their them they these those here only want need looking please thanks good great "
    "nice best better much many other another else something anything size colour color price cheap "
    "cheaper similar same different over under into after before pick show give tell know make made does "
    "done being been were each every both such even most less love time days year years well high little "
    "style type kind sort item items product products option options thing things".split()
)


@dataclass(frozen=True)
class CatalogWords:
    """Words the catalog itself uses, which a message is read with: colours, brands, title words,
    genders and product kinds (the grounding check has its own word lists: agent.vocab.Vocabulary)."""

    colours: frozenset[str]
    brands: frozenset[str]
    words: frozenset[str]
    # None: not known, so a stated gender is kept; empty: the catalog records none, so none can filter.
    genders: frozenset[str] | None = None
    kinds: CatalogKinds = field(default_factory=lambda: CatalogKinds.of([]))

    @classmethod
    def from_items(cls, items: Iterable[Item]) -> CatalogWords:
        """Collect the vocabulary of a catalog."""
        colours: set[str] = set()
        brands: set[str] = set()
        words: set[str] = set()
        genders: set[str] = set()
        items = list(items)
        for item in items:
            if item.gender:
                genders.add(item.gender.lower())
            # Single colour words only: "bottle green" makes "green" a colour, not "bottle".
            colours.update(w for c in item_colours(item) for w in _words(c) if w in COLOURS)
            if item.brand:
                brands.add(item.brand.lower())
            words.update(w for w in _words(f"{item.title} {item.category or ''}") if len(w) > 3)
        kinds = CatalogKinds.of(item.kind for item in items)
        return cls(frozenset(colours), frozenset(brands), frozenset(words - _STOP), frozenset(genders), kinds)


@dataclass(frozen=True)
class Parsed:
    """A routed message: the intent, the items it points at, and the constraints it states."""

    intent: str
    refs: tuple[int, ...] = ()
    points_at_this: bool = False
    budget_max: float | None = None
    budget_min: float | None = None
    colours: tuple[str, ...] = ()
    gender: str | None = None
    avoid_brands: tuple[str, ...] = ()
    title_words: frozenset[str] = field(default_factory=frozenset)
    sizes: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    unlisted_colours: tuple[str, ...] = ()
    unlisted_gender: str | None = None
    product_words: frozenset[str] = field(default_factory=frozenset)
    drops: tuple[str, ...] = ()  # limits the shopper lifts: budget, colours, gender, brands, sizes
    by_price: str | None = None  # "low" for "the cheaper one", "high" for "the pricier one"
    kinds: tuple[str, ...] = ()  # what the message asks for: "kurtas" -> ("Kurta",)
    materials: tuple[str, ...] = ()
    # What decided the intent: "rule", "similarity" (the examples), "constraints" or "fallback".
    source: str = "rule"
    score: float = 1.0

    @property
    def has_constraints(self) -> bool:
        """True when the message states any hard constraint."""
        return bool(
            self.budget_max
            or self.budget_min
            or self.colours
            or self.gender
            or self.avoid_brands
            or self.sizes
            or self.brands
            or self.kinds
            or self.materials
        )


_GENDER_TERMS = frozenset("men mens women womens kids girls boys unisex male female ladies".split())
# Words that ask rather than describe: left out of the text a request is searched with.
_REQUEST_WORDS = frozenset(
    """show me find get give i im am looking look search searching want wanted need needs would like
    love please pls some any something anything a an the for to in of with and or my our do you have
    sell carry got can could help buy new good nice best hi hello hey there is are it its that this
    what which recommend suggest options option items item stuff things thing under below over above
    less more than around about budget max maximum price cheap cheaper rs inr eur usd loves likes
    enjoys into who someone somebody he she he's she's they them""".split()
)
# Who a present is for names the shopper's recipient, not the product: "steakhouse gift card for my dad".
_RECIPIENT = re.compile(
    r"\b(?:for|to)\s+(?:my|a|an|the|his|her|our|their)\s+(?:\w+\s+)?(?:dad|father|mom|mum|mother|sister|"
    r"brother|husband|wife|son|daughter|boyfriend|girlfriend|friend|grandpa|grandma|grandfather|"
    r"grandmother|kids?|child|nephew|niece|teacher|boss|colleague|partner|fiance|fiancee)s?\b"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def normalise(message: str) -> str:
    """Lower case, straight apostrophes, single spaces."""
    text = message.lower().replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def references(text: str) -> tuple[int, ...]:
    """1-based positions the message names ("#2", "item 3", "the second"); -1 means the last one."""
    text = text.lower()
    first_n = _FIRST_N.search(text)
    if first_n:
        count = _NUMBERS.get(first_n.group(1)) or int(first_n.group(1))
        return tuple(range(1, count + 1))
    out: list[int] = []
    for digits, spelled, word, last, last2 in _REF.findall(text):
        if digits:
            out.append(int(digits))
        elif spelled:
            out.append(_NUMBERS.get(spelled) or int(spelled))
        else:
            out.append(_ORDINALS[word or last or last2])
    return tuple(dict.fromkeys(out))


def _amount(patterns: Iterable[re.Pattern[str]], text: str) -> float | None:
    for pattern in patterns:
        for match in pattern.finditer(text):
            number, unit = match.group(1), match.group(2)
            if unit not in _UNITS:
                return _number(number)
    return None


def _budget(text: str) -> tuple[float | None, float | None]:
    between = _BETWEEN.search(text)
    if between and between.group(3) not in _UNITS:
        low, high = sorted((_number(between.group(1)), _number(between.group(2))))
        return low, high
    return _amount(_PRICE_MIN, text), _amount(_PRICE_MAX, text)


def _sizes(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for pattern in _SIZE_PATTERNS:
        for value in pattern.findall(text):
            found.append(_SIZE_WORDS.get(value, value.replace(",", ".").upper()))
    return tuple(dict.fromkeys(found))


def _brands(text: str, vocab: CatalogWords) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(wanted, avoided) brands of the catalog the message names."""
    wanted: list[str] = []
    avoided: list[str] = []
    for brand in sorted(b for b in vocab.brands if b in text):
        name = re.escape(brand)
        if re.search(rf"\b{_AVOID}{name}\b", text):
            avoided.append(brand)
        elif re.search(rf"\b{name}\b", text):
            wanted.append(brand)
    return tuple(wanted), tuple(avoided)


def read_constraints(text: str, vocab: CatalogWords) -> Parsed:
    """Everything but the intent: references, budget, colours, gender, brands, sizes, title words."""
    text = normalise(text)
    words = set(_words(text))
    budget_min, budget_max = _budget(text)
    wanted, avoided = _brands(text, vocab)
    named = words & vocab.words
    gender = next((g for g, rule in _GENDER.items() if rule.search(text)), None)
    filterable = vocab.genders is None or bool(vocab.genders)
    brand_words = {w for b in wanted + avoided for w in _words(b)}
    # The first kind named is what is wanted; a second one describes it ("kurta palazzo set") and is
    # left to rank by.
    kinds = vocab.kinds.named(text, vocab.words | vocab.colours, vocab.colours | _COLOUR_WORDS)[:1]
    named |= {w for k in kinds for w in _words(k)}
    return Parsed(
        intent="",
        refs=references(text),
        points_at_this=bool(_THIS.search(text)),
        budget_max=budget_max,
        budget_min=budget_min,
        colours=tuple(sorted(words & vocab.colours)),
        gender=gender if filterable else None,
        avoid_brands=avoided,
        title_words=frozenset(named),
        sizes=_sizes(text),
        brands=wanted,
        unlisted_colours=tuple(sorted((words & _COLOUR_WORDS) - vocab.colours)),
        unlisted_gender=None if filterable else gender,
        product_words=frozenset(named - vocab.colours - _COLOUR_WORDS - _GENDER_TERMS - brand_words),
        drops=_drops(text, bool(budget_min or budget_max), bool(words & vocab.colours)),
        by_price=next((side for side, rule in _BY_PRICE.items() if rule.search(text)), None),
        kinds=kinds,
        materials=materials_in(text),
    )


def _drops(text: str, states_budget: bool, states_colour: bool) -> tuple[str, ...]:
    """The limits a message lifts; one it also restates ("any colour but red", "no budget over 50") stays."""
    asks = bool(_ASKS.search(text))
    found = {n: m for n, r in _DROPS.items() if (m := r.search(text))}
    found = {n: m for n, m in found.items() if not (asks and _SOFT_LIFT.match(m[0]))}
    lifted = LIMIT_NAMES if _DROP_ALL.search(text) else tuple(found)
    kept = {name for name, states in (("budget", states_budget), ("colours", states_colour)) if states}
    return tuple(n for n in lifted if n not in kept)


def search_text(message: str) -> str:
    """The words of a request that describe what is wanted: no asking words, no prices."""
    text = normalise(message)
    for pattern in (*_PRICE_MAX, *_PRICE_MIN, _BETWEEN, _RECIPIENT):
        text = pattern.sub(" ", text)
    return " ".join(w for w in _words(text) if w not in _REQUEST_WORDS and not w.isdigit())


def focus_text(message: str, vocab: CatalogWords, constraints: Constraints) -> str:
    """The words of a request left to rank by once its hard constraints hold: "printed" of "printed
    t-shirts for women", when every candidate is a women's t-shirt."""
    enforced = vocab.kinds.phrase_words(constraints.kinds) | _GENDER_TERMS | COLOURS
    enforced |= {w for m in constraints.materials for w in _words(m)}
    enforced |= {w for b in constraints.brands for w in _words(b)}
    return " ".join(w for w in search_text(message).split() if w not in enforced)


def fallback_intent(parsed: Parsed) -> str:
    """The intent a message's constraints imply when neither rules nor examples decide."""
    if parsed.product_words:
        return "search"
    if parsed.budget_max and not (parsed.colours or parsed.gender or parsed.sizes):
        return "cheaper"
    if parsed.has_constraints or parsed.unlisted_colours or parsed.unlisted_gender:
        return "refine"
    return FALLBACK
