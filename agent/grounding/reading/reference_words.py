"""Word lists for reading references to the shopper and the item ("your X", "you <verb>", "its X",
"as your profile does") and the garbled shapes: data only."""

from __future__ import annotations

from types import MappingProxyType

from agent.grounding.vocab import GENDER_FITS, STOPWORDS

# Who "your X" belongs to: the shopper, spoken to or about.
WHOSE = r"(?:your|the (?:shopper|user|customer)['’]s)"
# Words between "your" and the thing it names: "your past purchases", "your favourite colour".
YOUR_MODIFIERS: frozenset[str] = frozenset(
    "past previous recent last earlier prior own stated favourite favorite preferred usual current "
    "chosen latest chat most recent".split()
)
# What "your X" may name (X stemmed as textnorm.stem does), and which fact of the shopper backs it.
YOUR_HEADS: MappingProxyType[str, str] = MappingProxyType(
    {
        "profile": "profile", "budget": "budget", "size": "size", "purchase": "purchases",
        "order": "purchases", "history": "purchases", "buy": "purchases", "search": "said",
        "request": "said", "query": "said", "message": "said", "word": "said", "wish": "said",
        "colour": "colours", "brand": "brands",
        # "your love of X": a liking, judged as one (judges/experience.py)
        "love": "judged", "passion": "judged", "interest": "judged", "fondness": "judged",
        "preference": "judged", "enthusiasm": "judged", "liking": "judged", "appreciation": "judged",
        "affinity": "judged",
    }
)  # fmt: skip
# "You <verb>" judged elsewhere: purchases (judges/purchase.py), likings (judges/experience.py).
SHOPPER_VERBS: frozenset[str] = frozenset(
    "bought purchased ordered owned own reviewed rated chose picked liked loved enjoyed viewed browsed "
    "like love enjoy prefer adore appreciate value favour favor cherish save get pay likes loves "
    "enjoys prefers values".split()
)
# "You asked for X": only a shopper who said something in this chat did.
SAY_VERBS: frozenset[str] = frozenset(
    "asked searched requested wanted want described said mentioned typed told specified".split()
)
# "You would enjoy ...": a modal is a frame only before one of these verbs.
MODAL_VERBS: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    dict.fromkeys(
        ("would", "will", "might", "may", "could", "should", "can"),
        frozenset({"enjoy", "like", "love", "appreciate", "find"}),
    )
)
# Things an item does not have: "its profile", "its content matches what you asked for".
ITS_NEVER: frozenset[str] = frozenset(
    "profile content property theme shopper user customer search request query criteria match matching "
    "purchase history buyer".split()
)
# Words that link nothing: stop words, who it is for, pack sizes and units.
LINK_STOP: frozenset[str] = (
    STOPWORDS
    | frozenset(GENDER_FITS)
    | frozenset(
        "men women kids boys girls unisex baby for pack set kit piece pieces size new free combo box "
        "ml g gm gms gram grams kg litre liter inch inches cm mm x pcs pc count pair pairs".split()
    )
)
# What no shop data can back and no careful writer says: the marks of a small model mashing templates.
GARBLED: tuple[str, ...] = (
    r"\bits (?:brand|title|name) [\w.&'-]+(?: [\w.&'-]+)? and (?:its )?(?:title|brand|name) (?:are|is)\b",
    r"\bits (?:brand|title|name) and (?:its )?(?:brand|title|name) (?:match|are|is)\b",
    r"\balso in this shop\b",
    r"\b(?:your|this|the) (?:shopper|user|customer)['’]s "
    r"(?:title|description|name|review|business|experience)\b",
    r"\byour (?:shopper|user|customer)\b",
    r"\b(?!through\b|over\b|again\b|more\b|round\b)(\w{3,}) and \1\b",
    r"\bits (?:image|images|picture|photo|photos)\b",
    r"\b(?:shopping (?:cart|assistant|basket)|your (?:cart|basket))\b",
    r"\byou (?:bought|purchased|ordered) (?:the|this) (?:shopper|user|customer)\b",
    r"\bour (?:stylist|stylists|team|experts?)\b",
    r"\bas (?:your|the (?:shopper|user|customer)['’]s) (?:\w+ ){1,2}(?:is|are|also)\s*(?:[.!?]|$)",
    r"\btheir (?:name|brand|description|title|shopper)\b",
    r"\b(?:your|their) profile does not\b",
    r"\bas (?:your|their) [^.,;!?]*\bdoes not\b",
    r"\bas (?:its|the) title (?:mentions|suggests|says|does|shows)\s*(?:[.!?;,]|$)",
    r"(?<!what )\byou bought before\s*(?:[:.!?]|$)",
    r"\bas its brand\b",
    r"\bits title mentions the (?:product|item|shopper|user)\b",
    r"\b(?:its|this) (?:product|item) does not\b",
    r"\byour search (?:result|ended)\b",
    r"\byour (?:search|request|message)(?: for [^,.;!?]+?)? (?:was|is) (?:also )?in (?:the|a)\b",
    r"\balso leads to\b",
    r"\bits (?:\w+ )?name\s+[-–:]\s",  # "its shade name - Seductive Sienna": a field read out, no sentence
    r"\([^)]*$",  # cut off inside a parenthesis
    r"\bas (?:your|their) [^.,;!?]*\b"
    r"(?:didn['’]t|did not|doesn['’]t|does not|don['’]t|do not|isn['’]t|is not)\b",
    r"\bits (?:brand|title|name) [^,.;]{1,60}? and (?:its )?(?:title|brand|name)\b",
    r"\balso (?:included|includes|contains)\s*(?:[.!?]|$)",
)
