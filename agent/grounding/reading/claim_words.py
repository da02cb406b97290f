"""Word lists and patterns the claim splitter finds cues with (experience, popularity, quality,
suitability, likings, evidence, promises, markup), and the retrieval signals that back some of them.
Data only."""

from __future__ import annotations

import re

# Experience words: what eating, staying or reading somewhere felt like. A product's data rarely says
# so; a reason that does must find the word in the item's own text.
EXPERIENCE: frozenset[str] = frozenset(
    {
        "delicious", "tasty", "flavorful", "flavourful", "yummy", "mouthwatering", "scrumptious",
        "friendly", "staff", "service", "atmosphere", "ambience", "ambiance", "vibe", "vibes", "cozy",
        "cosy", "welcoming", "attentive", "hospitable", "dining", "meal", "meals", "cuisine", "menu",
        "food", "drinks", "brunch", "location", "taste", "captivating", "compelling", "gripping",
        "engaging", "heartwarming", "suspenseful", "thrilling", "page turner", "well written",
        "relatable", "memorable", "unforgettable", "immersive", "emotional", "emotionally",
        "satisfying", "charming", "charismatic", "experience", "experiences",
    }
)  # fmt: skip

# Popularity and social proof: only a popularity signal or the item's own text backs these.
POPULARITY: frozenset[str] = frozenset(
    {
        "popular", "popularity", "loved by", "people love", "everyone loves", "everybody loves",
        "shoppers love", "buyers love", "readers love", "fans love", "fan favourite", "fan favorite",
        "crowd favourite", "crowd favorite", "crowd pleaser",
        "best seller", "bestseller", "best selling", "bestselling", "top seller", "hit with",
        "highly recommended", "rave reviews", "reviewers say", "reviewers praise", "must have",
        "must read", "must visit", "must try", "must see", "cult", "viral", "many customers",
        "many shoppers", "many people", "everyones favourite", "everyones favorite",
    }
)  # fmt: skip

# Product qualities a shopper would rely on: the item's text must say so (or a word of its group).
QUALITY: frozenset[str] = frozenset(
    {
        "comfortable", "comfy", "cushioned", "durable", "sturdy", "long lasting", "hard wearing",
        "rugged", "lightweight", "breathable", "waterproof", "water resistant", "windproof",
        "warm", "insulated", "thermal", "stretchy", "quick dry", "moisture wicking", "high quality",
        "quality", "premium", "well made", "craftsmanship", "luxurious", "reliable", "handmade", "hand made",
        "non slip", "anti slip", "odour resistant", "odor resistant", "wrinkle free", "machine washable",
        "hypoallergenic", "uv protection", "noise cancelling", "long battery",
    }
)  # fmt: skip

# Suitability: "perfect for X", "a great spot for X". X must appear in the item's or the shopper's data.
SUITABLE = re.compile(
    r"\b(?:perfect|ideal|ideally|great|good|suitable|suited|made|designed|ready|best|excellent|"
    r"wonderful|fantastic|nice|solid|handy|fit|fitting|tailored)\b"
    r"(?:\s+[\w’'-]+){0,3}?\s+for\s+(?P<x>[^.,;:!?()\n]{1,60})",
    re.IGNORECASE,
)
# Present-tense statements about what the shopper likes ("you love hiking", "your passion for tea").
# Past tense ("you bought", "you liked") is a purchase claim (judges/purchase.py).
SHOPPER_FIT = (
    re.compile(
        r"\b(?:you|the user|the shopper|the customer|they)\s+(?:really\s+|also\s+|clearly\s+|truly\s+)?"
        r"(?:like|love|enjoy|prefer|adore|appreciate|value|favou?r|cherish|are into|are a fan of|"
        r"are fans of|are passionate about|care about|are drawn to)s?\s+(?P<x>[^.,;:!?()\n]{1,60})",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:your|their|the user['’]s|the shopper['’]s)\s+(?:love|passion|interest|fondness|"
        r"preference|enthusiasm|liking|appreciation|affinity)\s+(?:of|for|in)\s+(?P<x>[^.,;:!?()\n]{1,60})",
        re.IGNORECASE,
    ),
    re.compile(
        r"\b(?:a|an)\s+(?P<x>[\w-]+(?:\s+[\w-]+)?)\s+(?:lover|fan|enthusiast|aficionado|buff|devotee)s?\b",
        re.IGNORECASE,
    ),
    re.compile(r"\bfor\s+(?P<x>[\w-]+(?:\s+[\w-]+)?)\s+(?:lovers|fans|enthusiasts|aficionados)\b", re.I),
)
# Where the target of a suitability or liking claim ends.
TARGET_CUT = frozenset(
    {"and", "or", "but", "so", "because", "since", "which", "that", "who", "when", "while", "with",
     "making", "thanks", "as", "like", "than", "from", "in", "at", "on", "this", "its", "it", "is",
     "are", "was", "will"}
)  # fmt: skip
# Targets that name nothing checkable: "perfect for you", "fits your style", "a great choice for anyone".
GENERIC_TARGETS: frozenset[str] = frozenset(
    {
        "you", "your", "yours", "yourself", "them", "themselves", "me", "us", "anyone", "everyone",
        "all", "any", "anybody", "everybody", "someone", "people", "those", "the", "a", "an", "style",
        "styles", "taste", "tastes", "needs", "need", "look", "looks", "wardrobe", "collection",
        "everyday", "daily", "use", "wear", "day", "days", "occasion", "occasions", "outfit",
        "outfits", "money", "price", "value", "shopper", "user", "customer", "lover", "lovers",
        "fan", "fans", "enthusiast", "enthusiasts", "it", "this", "that", "one", "ones", "item",
        "items", "product", "products", "pick", "choice", "option", "more", "things", "thing",
        "stuff", "something", "other", "others", "many", "most", "every", "each", "next", "great",
        "good", "best", "perfect", "new", "same", "kind", "sort", "type", "types", "range", "variety",
        "preferences", "preference", "requirements", "purpose", "purposes", "life", "lifestyle",
        "budget", "size", "sizes", "colour", "colours", "color", "colors", "brand", "brands",
    }
)  # fmt: skip

# Evidence claims: why the retriever put the item forward.
COLLABORATIVE = re.compile(
    r"\b(?:customers|shoppers|people|users|buyers|others|readers|diners|guests|those)\s+"
    r"(?:who|that|like you|with (?:similar|the same))\b"
    r"|\b(?:also|frequently|often|commonly|usually)\s+(?:bought|purchased|viewed|ordered|chosen|picked)\b"
    r"|\bbought together\b|\bsimilar (?:shoppers|customers|users|people|readers)\b",
    re.IGNORECASE,
)
HISTORY = re.compile(
    r"\bsimilar to (?:the |what |things |items |products |those |ones |other )*(?:you|your)\b"
    r"|\b(?:like|as) (?:the |those |other )?(?:things|items|products|ones) you\b"
    r"|\bbased on (?:your|the shopper['’]s|the user['’]s|their) (?:history|past|previous|browsing|"
    r"purchases|orders|activity|interests|profile|preferences|taste)\b",
    re.IGNORECASE,
)
QUERY = re.compile(
    r"\bmatch(?:es|ing)? (?:what|the things) (?:you|the shopper|the user) (?:asked|searched|are looking|"
    r"were looking|said|wanted|want|described)\b|\byour (?:search|request|query)\b",
    re.IGNORECASE,
)
# "Within your budget" with or without the number: the item's price must be inside the shopper's budget.
BUDGET_FIT = re.compile(
    r"\b(?:within|under|below|inside|fits?|fitting|in|matches|suits?|stays? (?:under|within|in))\s+"
    r"(?:your|the shopper['’]s|the user['’]s|their)\s+(?:\S+\s+)?budget\b",
    re.IGNORECASE,
)
# Signals whose evidence backs "shoppers like you also bought it", and those that back "popular".
COLLABORATIVE_SIGNALS: frozenset[str] = frozenset(
    {"collaborative", "cf", "als", "co_purchase", "copurchase", "also_bought", "also_viewed",
     "bought_together", "co_view", "neighbours", "neighbors"}
)  # fmt: skip
SOCIAL_SIGNALS: frozenset[str] = COLLABORATIVE_SIGNALS | {"popular", "bestseller", "trending"}
HISTORY_SIGNALS: frozenset[str] = frozenset({"history", "like_item"})
# Promise phrases (vocab.PROMISES) that are popularity claims: a popularity signal backs them too.
SOCIAL_PROMISES: frozenset[str] = frozenset(
    {"best seller", "bestseller", "best selling", "most popular", "customers love", "reviewers love",
     "popular among", "customers who", "favourite among", "favorite among", "top choice",
     "popular choice", "trending"}
)  # fmt: skip

# Promises the phrase list (vocab.PROMISES) misses: coupon codes, stock, delivery dates, price moves.
PROMISE_CODE = re.compile(
    r"\b(?i:use|apply|enter|redeem|code|coupon|voucher|promo)\s*:?\s*(?i:the\s+)?(?i:code\s+)?"
    r"[\"'“]?(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9-]{4,16}\b"
    r"|\b(?i:code|coupon|voucher|promo code)\s*:?\s*[\"'“]?[A-Z0-9][A-Z0-9-]{3,15}\b"
)
PROMISE_EXTRA = re.compile(
    r"\bonly \d+ (?:left|remaining)\b|\bout of stock\b|\blow stock\b"
    r"|\b(?:ships?|shipped|delivered|delivery|arrives?|arriving)\s+(?:free\s+)?(?:today|tonight|tomorrow|"
    r"within|in \d|by (?:mon|tues|wednes|thurs|fri|satur|sun)day|next)\b"
    r"|\bprice (?:match|guarantee|promise|protection)\b|\bprice (?:will|is going to|should) "
    r"(?:drop|go down|fall|rise|go up|increase)\b|\b(?:will|going to) (?:go|be) on sale\b"
    r"|\bbuy (?:one|1) get\b|\bbogo\b|\bfree gift\b|\bno questions asked\b",
    re.IGNORECASE,
)
# Markup and links: never part of a true reason, and unsafe to render.
MARKUP = re.compile(
    r"<\s*/?\s*[a-zA-Z!][^>]*>?|\bhttps?://\S+|\bwww\.\S+|\b(?:javascript|vbscript|data)\s*:"
    r"|```|\[[^\]\n]*\]\([^)\n]*\)|\bon[a-z]+\s*=\s*[\"'\w]|\{\{|\{%",
    re.IGNORECASE,
)

# Sentence openers that frame a reason and state nothing ("Recommended because", "The user would
# enjoy X for").
FRAMES = (
    re.compile(
        r"^\s*(?:recommended|picked|chosen|suggested|selected)(?: for you)?"
        r"(?:\s+because(?: of)?|\s+since|:)?\s*",
        re.IGNORECASE,
    ),
    re.compile(
        r"^\s*(?:the user|the shopper|the customer|you|they)\s+(?:would|will|might|may|could|should)\s+"
        r"(?:really\s+)?(?:enjoy|like|love|buy|appreciate|want|choose|pick|prefer)\b"
        r"(?:[^.,;:!?]{0,60}?\b(?:for|because|since|as)\b)?\s*",
        re.IGNORECASE,
    ),
)  # fmt: skip
