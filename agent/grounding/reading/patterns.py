"""How a reason writes the facts the checker reads: prices, discounts, ratings, sizes, past
purchases, title mentions and numbers. Patterns only; the judges decide whether a match holds."""

from __future__ import annotations

import re
from types import MappingProxyType

from agent.grounding.vocab import SPELLED_NUMBERS

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
# Atomic: "1.6gm" is the number 1.6, never a shorter "1" backtracked out of it.
BARE_NUMBER = re.compile(r"(?<![\w.,])(?>\d+(?:[.,]\d+)*)")
SPELLED = re.compile(rf"\b(?:{'|'.join(SPELLED_NUMBERS)})\b", re.IGNORECASE)
