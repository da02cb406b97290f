"""Screening chat input before it reaches the agent: empty, too long or repetitive, markup, attacks
(instructions to ignore the rules, requests for the prompt or templates, other shoppers' data) and
off-topic work (homework, code, politics, acting on someone's behalf).

Each rule names an attack, not a word: "ignore the blue one", "what's the system for returns?" and
"is there a discount?" are shopping questions and pass.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass|skip)\s+(?:all\s+|any\s+|the\s+|your\s+|my\s+|of\s+|"
    r"these\s+|those\s+|every\s+)*(?:previous|prior|above|earlier|preceding|original|system|safety|"
    r"shop|existing)?\s*(?:instructions?|rules|guidelines|prompts?|directions|directives|guardrails|"
    r"programming|safeguards)\b"
    r"|\b(?:jailbreak|jail break|dan mode|developer mode|god mode|admin mode|debug mode|sudo mode)\b"
    r"|\bdo anything now\b|\byou are now\b|\bfrom now on,? you (?:are|will|must|shall)\b"
    r"|\b(?:pretend|imagine) (?:to be|you are|that you are|you're)\b|\broleplay as\b"
    r"|\bact as (?:an? |the |my )?(?:admin|administrator|developer|root|system|unrestricted|unfiltered|"
    r"evil|hacker|dan|different)\b"
    r"|\bnew (?:instructions|rules|system prompt)\s*:|^\s*(?:system|assistant|developer)\s*:"
    r"|<\|?(?:system|im_start|im_end|endoftext)\|?>|\[/?(?:inst|system)\]|#{2,}\s*(?:instruction|system)"
    r"|\b(?:answer|respond|reply|talk|act|speak|behave)\s+(?:freely\s+)?(?:without|with no)\s+(?:any\s+)?"
    r"(?:restrictions|rules|guardrails|limitations|filters)\b"
    r"|\bstop being a (?:shop|shopping) assistant\b",
    re.IGNORECASE | re.MULTILINE,
)
_DISCLOSURE = re.compile(
    r"\bsystem (?:prompt|message|instructions?)\b|\b(?:initial|hidden|secret|original|internal) "
    r"(?:prompt|instructions|rules|configuration|config)\b"
    r"|\b(?:reveal|show|print|repeat|display|output|dump|leak|share|give|tell|send|paste|copy|what (?:are|is|"
    r"were|was))\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:your\s+(?:full\s+|exact\s+|whole\s+|own\s+)?"
    r"(?:prompts?|instructions|configuration|config|guidelines|house rules|templates?)|the\s+(?:full\s+|"
    r"exact\s+|whole\s+)?(?:prompts?|prompt templates?|configuration|house rules|templates? you use|"
    r"rules you follow))\b|\brules you (?:follow|were given|must follow)\b"
    r"|\b(?:prompt|reason|merchandisers?['’]?s?|jinja|yaml) (?:templates?|files?)\b"
    r"|\brepeat (?:the |all )?(?:text|words|everything|message) (?:above|before)\b|\bverbatim\b"
    r"|\bwhat (?:was|is) (?:written|said) (?:above|before this)\b"
    r"|\bhow (?:were|are) you (?:prompted|configured)\b",
    re.IGNORECASE,
)
_PERSONAL = (
    r"profiles?|histor(?:y|ies)|orders?|purchases|address(?:es)?|e-?mails?|phone(?: numbers?)?|data|details|"
    r"accounts?|passwords?|cards?|payment(?: details)?|personal (?:info|information|data)|info|information|"
    r"preferences|reviews|wishlists?|baskets?|carts?"
)
# What a possessive asks for that is personal ("maya's orders"), unlike "the jacket's details".
_OWNED = (
    r"profiles?|histor(?:y|ies)|orders?|purchases|address(?:es)?|e-?mails?|phone numbers?|accounts?|"
    r"passwords?|cards?|payment details|personal (?:info|information|data)|wishlists?|baskets?|carts?|"
    r"preferences|budget|shopping list"
)
_OTHERS = re.compile(
    rf"\b(?:other|another|all|every|previous|some other)\s+(?:shoppers?|customers?|users?|buyers?|people|"
    rf"accounts?|members?)(?:['’]s?)?\s+(?:{_PERSONAL})\b"
    rf"|\b(?:list|show|give|dump|export|send)\s+(?:me\s+)?(?:all\s+)?(?:the\s+)?(?:shoppers|customers|users|"
    rf"accounts|members|emails|addresses)\b"
    rf"|\b(?!my\b|your\b|its\b|this\b|the\b)(?P<owner>[a-z][\w-]{{1,30}})['’]s\s+(?:{_OWNED})\b"
    rf"|\b(?:shopper|customer|user|client|member|account)\s*(?:id|#|no\.?|number)\s*[:#]?\s*[\w-]+"
    rf"|\b(?:shopper|customer|user|client|member|account)\s+[a-z]+[-_]?\d{{2,}}\b"
    rf"|\bwhat (?:did|does|has) (?:shopper|customer|user|client|member) \S+ (?:buy|bought|order|like|want)\b"
    rf"|\b(?:who else|which (?:customers|shoppers|users)) (?:bought|ordered|purchased|viewed)\b",
    re.IGNORECASE,
)
# Possessors that are products, not people: "this item's details" is a product question.
_THINGS = frozenset(
    {"item", "product", "shoe", "shoes", "jacket", "shirt", "brand", "shop", "store", "one", "first",
     "second", "third", "last", "today", "it", "that", "model", "phone", "book", "company", "seller",
     "everyone", "somebody", "someone", "nobody"}
)  # fmt: skip
_MARKUP = re.compile(
    r"<\s*/?\s*[a-zA-Z!][^>]*>|<\s*(?:script|img|iframe|svg|a|style|object|embed|body|div|span)\b"
    r"|\b(?:javascript|vbscript)\s*:|\bdata\s*:\s*text/html|\bon[a-z]{3,}\s*=\s*\S",
    re.IGNORECASE,
)
_OFF_TOPIC = re.compile(
    r"\b(?:write|generate|create|give me|fix|debug|complete|finish|refactor)\b[^.?!]{0,30}\b"
    r"(?:(?<!discount )(?<!promo )(?<!coupon )(?<!voucher )(?<!gift )(?<!size )code|script|function|program|"
    r"regex|regular expression|sql query|algorithm|snippet|api call)\b"
    r"|\b(?:python|javascript|java|c\+\+|c#|rust|golang|sql|bash|php|typescript|html|css)\s+(?:code|script|"
    r"function|program|snippet|class|query|bug|error|exercise)\b|```|\bdef \w+\(|#include\b"
    r"|\b(?:do|solve|answer|finish|complete|write|help (?:me )?(?:with|on)|check)\s+(?:my |this |the |an? )?"
    r"(?:homework|assignment|essay|thesis|exam|quiz|coursework|dissertation|worksheet)\b"
    r"|\b(?:solve|calculate|compute|integrate|differentiate|factori[sz]e|simplify|prove)\b[^.?!]{0,40}"
    r"(?:equation|integral|derivative|theorem|\bx\s*[=+^]|\d+\s*[x*+^/-]\s*\d+|for x\b)"
    r"|\bwhat(?:'s| is)\s+\d+\s*(?:[*x+/^-]|times|plus|minus|divided by)\s*\d+"
    r"|\bwrite (?:me )?(?:an? |my )?(?:essay|poem|story|song|cover letter|speech|report|article|"
    r"thesis|novel|tweet|blog post|email to|letter to)\b"
    r"|\btranslate\b[^.?!]{0,60}\b(?:into|to) (?:french|german|spanish|italian|chinese|japanese|"
    r"russian|arabic|hindi|portuguese|dutch|english)\b"
    r"|\b(?:who should i vote for|vote for|voting for|election|elections|political part(?:y|ies)|"
    r"politics|politician|president|prime minister|parliament|senate|congress|democrats?|republicans?|"
    r"left[- ]wing|right[- ]wing|abortion|gun control|immigration policy)\b"
    r"|\b(?:place|make|submit|complete)\s+(?:an?\s+|the\s+|my\s+)?(?:order|purchase|payment)\s+"
    r"(?:for me|on my behalf)\b"
    r"|\b(?:buy|purchase|order|pay for)\s+(?:it|this|that|them|#\s*\d|the \w+ one)\s+(?:for me|on my "
    r"behalf|with my (?:saved\s+)?(?:card|account|payment))\b|\b(?:charge|bill)\s+my\s+(?:card|account)\b"
    r"|\b(?:change|set|update|edit|modify)\s+(?:the\s+)?(?:price|prices|stock|inventory|catalog)\b"
    r"|\b(?:cancel|refund|modify)\s+(?:someone|another|other|his|her|their|\w+['’]s)\s+(?:order|purchase)"
    r"|\b(?:send|write)\s+(?:an?\s+)?(?:email|message|sms|text)\s+to\b",
    re.IGNORECASE,
)
_AMPLIFY = re.compile(
    r"\b(?:repeat|say|write|print|type|list|output)\b[^.?!]{0,40}\b(?:\d{3,}|hundred|thousand|million|"
    r"billion|infinite|infinitely|forever|endless(?:ly)?)\s*(?:times|words|lines|items|products)?\b"
    r"|\b(?:forever|infinitely|endlessly|non-?stop)\b[^.?!]{0,20}\b(?:repeat|say|write|print)\b",
    re.IGNORECASE,
)

_REFUSALS = {
    "empty": "I didn't catch that. Tell me what you're looking for, or type 'help'.",
    "injection": (
        "I can only help you find and understand products in this shop, so I can't do that. "
        "Ask me for recommendations, or 'why #1?'."
    ),
    "disclosure": (
        "I can't share how I'm set up, but I'm happy to help you shop. "
        "Ask me for recommendations, or 'why #1?'."
    ),
    "other_shoppers": (
        "I can't share anything about other shoppers. Ask 'what do you know about me?' to see what I "
        "know about you."
    ),
    "markup": "I can't take code or markup in messages. Tell me in plain words what you're looking for.",
    "repetitive": (
        "That message repeats itself a lot, so I can't read it well. Could you say it in a sentence or two?"
    ),
    "off_topic": (
        "I can't help with that here: I'm this shop's assistant. I can find products for you and explain "
        "why I picked them - try 'black running shoes under 120'."
    ),
}


@dataclass(frozen=True)
class Screened:
    """The cleaned message, or a polite refusal to send instead of answering, and why it was refused."""

    text: str
    refusal: str | None = None
    category: str | None = None


def clean(text: str) -> str:
    """Drop control characters and fold white space."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return " ".join(kept.split())


def refusal(category: str) -> str:
    """The polite refusal for a category of screened input; it never quotes the message."""
    return _REFUSALS[category]


def screen(message: str, max_chars: int) -> Screened:
    """Clean a message and refuse it politely when it is empty, over-long, repetitive or an attack."""
    text = clean(message)
    if not text:
        return Screened("", _REFUSALS["empty"], "empty")
    if len(message) > max_chars:
        long = (
            f"That message is a bit long for me ({len(message)} characters; the limit is {max_chars}). "
            "Could you say it in a sentence or two?"
        )
        return Screened("", long, "too_long")
    category = classify(text)
    if category is not None:
        return Screened("", _REFUSALS[category], category)
    return Screened(text)


def classify(text: str) -> str | None:
    """The attack category of a cleaned message, or None for an ordinary shopping message."""
    if repetitive(text):
        return "repetitive"
    if _MARKUP.search(text):
        return "markup"
    if _INJECTION.search(text):
        return "injection"
    if _DISCLOSURE.search(text):
        return "disclosure"
    if _asks_about_others(text):
        return "other_shoppers"
    if _OFF_TOPIC.search(text):
        return "off_topic"
    return None


def repetitive(text: str) -> bool:
    """True for input built to waste work: one word over and over, long runs, garbled or amplifying."""
    if re.search(r"(.)\1{39,}", text) or _AMPLIFY.search(text):
        return True
    if any(len(t) >= 80 and not t.lower().startswith(("http", "www.")) for t in text.split()):
        return True  # one endless "word"; a pasted link is fine
    marks = sum(1 for ch in text if unicodedata.category(ch) == "Mn")
    if marks > 20 and marks > 0.3 * len(text):
        return True  # "zalgo" text stacked with combining marks
    words = re.findall(r"\w+", text.lower())
    if len(words) < 12:
        return False
    top = Counter(words).most_common(1)[0][1]
    # Sequences repeated as a block ("buy now buy now ...") count through their bigrams.
    bigrams = Counter(itertools.pairwise(words)).most_common(1)[0][1]
    return top >= 0.4 * len(words) or bigrams >= 0.3 * len(words) or len(set(words)) <= 0.2 * len(words)


def _asks_about_others(text: str) -> bool:
    for m in _OTHERS.finditer(text):
        owner = (m.groupdict().get("owner") or "").lower()
        if owner and owner in _THINGS:
            continue
        return True
    return False
