"""Word lists and phrasings the grounding check and the fallback reasons use: data only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

from retrieval.colours import COLOURS

# A modifier makes a narrower claim: "light blue" needs "light blue" in the data, not just "blue".
COLOUR_MODIFIERS: tuple[str, ...] = ("light", "dark", "pale", "deep", "bright", "neon", "pastel")

MATERIALS: frozenset[str] = frozenset(
    {
        "cotton", "organic cotton", "pure cotton", "cotton blend", "leather", "genuine leather",
        "real leather", "pure leather", "faux leather", "synthetic leather", "pu leather",
        "vegan leather", "leatherette", "suede", "faux suede", "denim", "wool", "merino",
        "merino wool", "cashmere", "linen", "silk", "pure silk", "art silk", "satin", "velvet",
        "corduroy", "chiffon", "georgette", "crepe", "polyester", "recycled polyester", "nylon",
        "spandex", "elastane", "lycra", "viscose", "rayon", "modal", "acrylic", "fleece", "canvas",
        "mesh", "rubber", "jute", "bamboo", "stainless steel", "steel", "aluminium", "brass",
        "sterling silver", "titanium", "ceramic", "glass", "wood", "wooden", "plastic",
        "memory foam", "gold plated", "silver plated", "khadi",
    }
)  # fmt: skip

# Qualifiers that turn a material into an imitation: "faux leather" in the data is not "leather".
NOT_GENUINE: tuple[str, ...] = (
    "faux",
    "synthetic",
    "pu",
    "vegan",
    "imitation",
    "artificial",
    "art",
)

# Groups of phrases that state the same fact; a claim is supported by any member of its group.
EQUIVALENTS: tuple[frozenset[str], ...] = (
    frozenset({"navy", "navy blue"}),
    frozenset({"multicolour", "multicoloured", "multi colour", "multi coloured", "multi"}),
    frozenset({"faux leather", "synthetic leather", "pu leather", "vegan leather", "leatherette", "pu"}),
    frozenset({"merino", "merino wool"}),
    frozenset({"wood", "wooden"}),
)

# Spelling variants folded before any comparison (both in reasons and in the data).
TOKEN_SYNONYMS: MappingProxyType[str, str] = MappingProxyType(
    {
        "gray": "grey", "golden": "gold", "color": "colour", "colored": "coloured",
        "multicolor": "multicolour", "multicolored": "multicoloured", "aluminum": "aluminium",
        "woolen": "wool", "woollen": "wool", "mens": "men", "man": "men", "male": "men",
        "males": "men", "gents": "men", "gentlemen": "men", "womens": "women", "woman": "women",
        "female": "women", "females": "women", "ladies": "women", "lady": "women", "kid": "kids",
        "kids": "kids", "children": "kids", "childrens": "kids", "child": "kids", "boy": "boys",
        "girl": "girls", "offwhite": "off white", "tshirt": "t shirt",
    }
)  # fmt: skip

# Canonical gender words (after TOKEN_SYNONYMS) and the data phrases that support each claim:
# a unisex item is for men and for women; a boys' item is for kids.
GENDER_FITS: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "men": frozenset({"men", "unisex"}),
        "women": frozenset({"women", "unisex"}),
        "kids": frozenset({"kids", "boys", "girls"}),
        "boys": frozenset({"boys", "unisex kids"}),
        "girls": frozenset({"girls", "unisex kids"}),
        "unisex": frozenset({"unisex"}),
    }
)

# Size words folded to letters; bare S/M/L only count after the word "size" (see SIZES below).
SIZE_WORDS: MappingProxyType[str, str] = MappingProxyType(
    {
        "SMALL": "S", "MEDIUM": "M", "LARGE": "L", "EXTRA LARGE": "XL", "2XL": "XXL",
        "3XL": "XXXL", "FREE": "FREE", "FREE SIZE": "FREE", "ONE SIZE": "FREE", "ONE": "FREE",
    }
)  # fmt: skip

# Currency signs and words (lower case) and the ISO code each means; a price in another
# currency than the item's is a wrong price.
CURRENCIES: MappingProxyType[str, str] = MappingProxyType(
    {
        "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "$": "USD", "usd": "USD",
        "us": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "£": "GBP", "gbp": "GBP",
        "pound": "GBP", "pounds": "GBP", "₹": "INR", "₨": "INR", "inr": "INR", "rs": "INR",
        "rupee": "INR", "rupees": "INR",
    }
)  # fmt: skip

DISCOUNTS: frozenset[str] = frozenset(
    {
        "on sale", "sale price", "discount", "discounted", "reduced price", "price drop",
        "marked down", "markdown", "clearance", "price cut", "special offer", "deal of the day",
    }
)  # fmt: skip

# Promises and superlatives the shop cannot back unless the item's own text says so.
PROMISES: frozenset[str] = frozenset(
    {
        "cheapest", "lowest price", "lowest priced", "best price", "best deal", "unbeatable",
        "free shipping", "free delivery", "free returns", "easy returns", "money back",
        "guaranteed", "guarantee", "limited time", "limited stock", "limited edition",
        "selling fast", "sold out", "few left", "in stock", "coupon", "promo code", "voucher",
        "cashback", "best seller", "bestseller", "best selling", "most popular", "customers love",
        "reviewers love", "warranty", "exclusive", "next day delivery", "same day delivery",
        "fast delivery", "award winning", "number one", "trending", "new arrival",
        "just launched", "back in stock", "limited supply", "top choice", "popular choice",
        "popular among", "customers who", "favourite among", "favorite among", "eco friendly",
        "eco-friendly", "sustainable", "environmentally friendly", "recycled", "organic",
    }
)  # fmt: skip

# Rating claims without a number and the least item rating that backs each.
RATING_WORDS: MappingProxyType[str, float] = MappingProxyType(
    {
        "highly rated": 4.0, "well rated": 4.0, "well reviewed": 4.0, "highly reviewed": 4.0,
        "rated highly": 4.0, "top rated": 4.5, "best rated": 4.5,
    }
)  # fmt: skip

SPELLED_NUMBERS: MappingProxyType[str, int] = MappingProxyType(
    {
        "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12,
    }
)  # fmt: skip

# Words that say nothing about which product is meant ("the pair of shoes you bought").
STOPWORDS: frozenset[str] = frozenset(
    {
        "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "at", "by", "with", "from",
        "your", "you", "yours", "my", "our", "their", "his", "her", "its", "it", "this", "that",
        "these", "those", "some", "any", "one", "ones", "pair", "pairs", "item", "items",
        "product", "products", "thing", "things", "stuff", "something", "similar", "same", "other",
        "before", "last", "time", "earlier", "recently", "previously", "ago", "also", "very",
        "really", "so", "too", "much", "highly", "just", "again", "is", "was", "are", "were", "be",
        "i", "me", "we", "like", "liked", "love", "loved", "as", "such", "new", "style", "look",
    }
)  # fmt: skip

# Ordinary words that are also brand names somewhere ("AND", "Basics", "Even", "People"). Such a
# brand counts as mentioned only in its catalog spelling and never as the first word of a sentence.
COMMON_WORDS: frozenset[str] = frozenset(
    {
        "and", "or", "but", "so", "the", "a", "an", "it", "its", "this", "that", "these", "those",
        "even", "also", "plus", "just", "only", "both", "each", "every", "all", "if", "since",
        "because", "while", "as", "at", "for", "with", "like", "you", "your", "we", "our",
        "recommended", "perfect", "great", "ideal", "good", "best", "new", "classic", "simple",
        "basics", "basic", "cat", "ants", "duke", "envy", "fever", "chemistry", "people", "gap",
        "style", "fit", "comfort", "daily", "everyday", "casual", "sport", "sports", "active",
        "smart", "urban", "nature", "pure", "fresh", "soft", "bold", "modern", "home", "life",
        "street", "trend", "vogue", "mode", "chic", "luxe", "gift", "crew", "club", "campus",
        "united", "mango", "aura", "bliss", "glam", "comfy", "solid", "look", "match",
        "summer", "winter", "spring", "autumn", "party", "office", "work", "travel", "beach",
    }
)  # fmt: skip


# --- Phrasings: how a reason writes prices, discounts, ratings, sizes and past purchases ----

_NUM = r"\d[\d,.]*\d|\d"
PRICE = re.compile(
    rf"(?:US\$|[€$£₹¥₨]|\b(?:EUR|USD|GBP|INR|Rs)\b\.?)\s?(?P<a>{_NUM})(?:\s?/-)?|(?P<b>{_NUM})\s?"
    r"(?:[€$£₹]|\b(?:EUR|USD|GBP|INR|euros?|dollars?|bucks|pounds?|rupees?)\b|/-)",
    re.IGNORECASE,
)
BOUND = re.compile(r"\b(?:under|below|less than|up to|within|at most|no more than)\W*(?:\w+\W+)?$")
APPROX = re.compile(r"(?:\b(?:about|around|roughly|approximately|approx|nearly|almost)|~)\W*$")
PERCENT = re.compile(r"(?P<n>\d+(?:[.,]\d+)?)\s?(?:%|\bper\s?cent\b)", re.IGNORECASE)
OFF_AFTER = re.compile(r"\s*(?:off|discount|cheaper|less|reduction|lower|savings?)\b", re.I)
OFF_BEFORE = re.compile(
    r"\b(?:save|saving|savings|discount|discounted|reduced|markdown|marked down|sale|cut)\b"
    r"[^.]{0,15}$",
    re.IGNORECASE,
)
_RATING_N = r"(?P<n>\d(?:[.,]\d{1,2})?)"
RATINGS = (
    re.compile(rf"\b{_RATING_N}\s*(?:/|out of)\s*(?P<scale>5|10)\b(?:\s*stars?)?", re.I),
    re.compile(
        rf"\b(?:rated|rating(?: of)?|scored?|scores)\s*(?:of|at|:)?\s*{_RATING_N}\b(?!\s*%)"
        r"(?:\s*stars?)?",
        re.I,
    ),
    re.compile(r"\b(?P<n>\d(?:[.,]\d{1,2})?|one|two|three|four|five)[\s-]*stars?\b", re.I),
)
STAR_WORDS: MappingProxyType[str, float] = MappingProxyType(
    {"one": 1.0, "two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0}
)
_SIZE_VALUE = r"small|medium|large|extra[\s-]large|\d{1,2}(?:\.5)?|XXXS|XXS|XS|XXXL|XXL|XL|[2-5]XL|S|M|L"
_SIZE_TOKEN = rf"\b(?:(?:EU|UK|US|IN)\s?)?(?:{_SIZE_VALUE})\b"
SIZES = (
    re.compile(rf"\bsizes?\s*:?\s*{_SIZE_TOKEN}(?:\s*(?:,|/|and|or|to)\s*{_SIZE_TOKEN})*", re.I),
    re.compile(r"\b(?:free|one)[\s-]size\b", re.I),
    re.compile(r"\b(?:EU|UK|US)\s?\d{1,2}(?:\.5)?\b"),
    re.compile(r"\b(?:XXXS|XXS|XS|XXXL|XXL|XL|[2-5]XL)\b"),
)
SIZE_SPLIT = re.compile(_SIZE_TOKEN, re.I)
SIZE_SYSTEM = re.compile(r"(?<![A-Z])(EU|UK|US|IN)(?![A-Z])")
_WHOSE = r"(?:your|the (?:shopper|customer|user)(?:'s|’s))"
YOUR_SIZE = re.compile(rf"\b{_WHOSE}\s+size\b", re.I)
_SUBJ = r"(?:you|the shopper|the customer|the user)"
_HAVE = r"(?:'ve|’ve|\s+have|\s+had|\s+already|\s+recently|\s+previously|\s+once|\s+also)*"
_VERB = (
    r"(?P<verb>bought|purchased|ordered|liked|loved|enjoyed|rated|reviewed|owned|chose|picked|"
    r"viewed|browsed)"
)
PURCHASE_BEFORE = re.compile(
    rf"\b(?:the|your|those|these|that|their)\s+(?P<obj>[^.,;:!?\n]{{1,60}}?)\s+"
    rf"(?:that\s+|which\s+)?{_SUBJ}{_HAVE}\s+{_VERB}\b",
    re.IGNORECASE,
)
PURCHASE_AFTER = re.compile(
    rf"\b{_SUBJ}{_HAVE}\s+{_VERB}\b"
    rf"|\b(?:{_WHOSE}|its)\s+(?:purchase|order|shopping|browsing)\s+history\b"
    # "your purchase X" names a purchase as surely as "your past purchase X"; "its purchase X" (a small
    # model's slip for the shopper's) still names one, so it must be one.
    rf"|\b(?:{_WHOSE}|its)\s+(?:(?P<past>previous|past|recent|last|earlier|prior|latest)\s+)?"
    r"(?P<noun>purchases?|orders?|buys?)(?:\s+of)?\b",
    re.IGNORECASE,
)
# "You bought this (one, shopper, before)": the purchase named is the item itself.
POINTS_AT_ITEM = re.compile(r"\s+(?:this|that|it|these|those)\b(?:\s+(?:one|item|product|shopper)\b)?", re.I)
OBJ_END = re.compile(r"[.,;:!?()\n\u2013\u2014]")
OBJ_CUT = frozenset(
    ["and", "but", "so", "because", "since", "which", "that", "this", "these", "it", "they", "we",
     "you", "your", "when", "while", "last", "before", "ago", "earlier", "recently", "previously",
     "from", "in", "on", "at", "for", "as", "to", "with", "here", "there", "now", "is", "was",
     "are", "were", "will", "would"]
)  # fmt: skip
# "Its title mentions X, Y and Z": the list ends at the first word that starts a new clause, or at a
# span an earlier rule read (the grounding check's mask, which `\s` would match: it is whitespace).
_TITLE_CUT = "|".join(sorted(OBJ_CUT | {"its", "their", "his", "her", "also", "matches", "fits", "mentions"}))
_SP = r"[^\S\x1f]"
_TITLE_WORD = rf"(?!(?:{_TITLE_CUT})\b)[\w'’&+-]+"
_TITLE_TERM = rf"[\"“']?{_TITLE_WORD}(?:{_SP}+{_TITLE_WORD}){{0,7}}[\"”']?"
TITLE_MENTION = re.compile(
    rf"\b(?:its|the|this{_SP}+item(?:'s|’s)|the{_SP}+(?:item|product)(?:'s|’s)){_SP}+(?:title|name){_SP}+"
    rf"(?:(?:also|too|even|clearly|explicitly|itself){_SP}+)?(?:mentions|says|includes|contains|names|reads|has){_SP}+"
    rf"(?P<obj>{_TITLE_TERM}(?:{_SP}*,{_SP}*(?:and{_SP}+|or{_SP}+)?{_TITLE_TERM}"
    rf"|{_SP}+(?:and|or){_SP}+{_TITLE_TERM})*)",
    re.IGNORECASE,
)
LAST_DETERMINER = re.compile(r"\b(?:the|your|a|an|those|these|that|as|like|with|of)\s+", re.I)
LIKE_VERBS = frozenset({"liked", "loved", "enjoyed"})
# Atomic: "1.6gm" is the number 1.6, never a shorter "1" backtracked out of it.
BARE_NUMBER = re.compile(r"(?<![\w.,])(?>\d+(?:[.,]\d+)*)")
SPELLED = re.compile(rf"\b(?:{'|'.join(SPELLED_NUMBERS)})\b", re.IGNORECASE)


@dataclass(frozen=True)
class Vocabulary:
    """The word lists a GroundingChecker extracts claims with; merge a shop's own words in."""

    colours: frozenset[str] = COLOURS
    materials: frozenset[str] = MATERIALS
    discounts: frozenset[str] = DISCOUNTS
    promises: frozenset[str] = PROMISES
    equivalents: tuple[frozenset[str], ...] = EQUIVALENTS

    def merged(self, other: Vocabulary) -> Vocabulary:
        """This vocabulary with every word of `other` added."""
        return Vocabulary(
            colours=self.colours | other.colours,
            materials=self.materials | other.materials,
            discounts=self.discounts | other.discounts,
            promises=self.promises | other.promises,
            equivalents=self.equivalents + other.equivalents,
        )


EMPTY_VOCAB = Vocabulary(frozenset(), frozenset(), frozenset(), frozenset(), ())
