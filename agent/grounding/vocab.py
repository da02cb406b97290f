"""Word lists the grounding check, the matched facts and the plan builder share: data only.

The patterns that find stated facts in a text are in reading/patterns.py."""

from __future__ import annotations

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

# Words that state the same quality or use; a claim is backed by any word of its group.
WORD_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"comfortable", "comfort", "comfy", "cushioned", "cushioning", "cushion", "plush"}),
    frozenset({"durable", "sturdy", "tough", "rugged", "long lasting", "hard wearing", "durability"}),
    frozenset({"lightweight", "light weight", "featherweight", "ultralight"}),
    frozenset({"waterproof", "rainproof", "weatherproof"}),
    frozenset({"water resistant", "water repellent", "waterproof", "rainproof"}),
    frozenset({"warm", "warmth", "insulated", "insulation", "thermal"}),
    frozenset({"breathable", "ventilated", "airy", "breathability"}),
    frozenset({"stretchy", "stretch", "elastic"}),
    frozenset({"high quality", "premium", "quality", "well made", "craftsmanship"}),
    frozenset({"trip", "trips", "travel", "travels", "travelling", "traveling", "traveller", "vacation",
               "holiday", "holidays", "journey", "journeys"}),
    frozenset({"office", "work", "workplace", "job", "business"}),
    frozenset({"run", "runs", "running", "runner", "jog", "jogging", "marathon"}),
    frozenset({"gym", "workout", "workouts", "training", "fitness", "exercise"}),
    frozenset({"hike", "hikes", "hiking", "hiker", "trail", "trails", "trek", "trekking", "outdoor",
               "outdoors"}),
    frozenset({"cycle", "cycles", "cycling", "bike", "biking", "cyclist", "commute", "commuting"}),
    frozenset({"party", "parties", "evening", "night"}),
    frozenset({"wedding", "weddings", "festive", "festival", "celebration"}),
    frozenset({"winter", "cold", "snow"}),
    frozenset({"kids", "son", "daughter", "boys", "girls", "toddler", "baby"}),
    frozenset({"casual", "everyday", "daily"}),
    frozenset({"gift", "gifts", "present", "presents"}),
    frozenset({"rain", "rainy", "wet", "rainproof", "waterproof"}),
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
