"""High-precision rules for chat intents: they decide first; the labelled examples handle the rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from agent.intents.parse import FALLBACK, CatalogWords, Parsed, fallback_intent, normalise, read_constraints
from retrieval.colours import BASIC_COLOURS


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_COLOURS = f"(?:{'|'.join(BASIC_COLOURS)})"
_GREETING = (
    r"(?:hi+|hello+|hey+|heya|hiya|hei|howdy|yo|greetings|good (?:morning|afternoon|evening|day)|morning|"
    r"evening|how are (?:you|u)(?: doing)?(?: today)?|how'?s it going|hope (?:you'?re|you are) (?:well|good|"
    r"fine)|"
    r"there|sir|madam|all|everyone|again)"
)
_THANKS_WORD = re.compile(r"\b(?:thanks?|thank (?:you|u)|thx|ty|tysm|cheers|appreciated?|grateful)\b")
_THANKS_FILLER = frozenset(
    "so much very a lot lots for the your you help helping time all again once more really great perfect ok "
    "okay awesome nice cool that was is helpful mate that's it many thanks thank u thx ty tysm cheers "
    "appreciate appreciated i we guys man no nah grateful but and satisfied service suggestion suggestions "
    "welcome talking chatting am with kind".split()
)
_ACK_WORDS = frozenset(
    "ok okay k kk cool nice great perfect awesome good fine sure alright right yes yeah yep yup no nope nah "
    "i see got it interesting amazing brilliant excellent fantastic lovely sounds looks seems that that's "
    "thats really very so one understood noted fair enough makes sense indeed well then bingo sweet please "
    "oh wow ah hmm this is also its it's sir idea cute too am with better".split()
)
_ATTRS = (
    r"(?:price|cost|rating|brand|material|size|sizes|weight|ram|memory|storage|battery|battery life|screen|"
    r"screen size|cameras?|resolution|capacity|dimensions|pages|page count|titles?|author|genre|colou?rs|"
    r"specs|"
    r"specifications|features)"
)
_ACK_SOUND = re.compile(r"^(?:h+m+|m+h*m+|o+h+|a+h+|w+o+w+|u+m+|u+h+|o+k+|y+a+y+)$")

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "forget_me",
        _any(
            r"\bforget (?:me|about me|everything|all about me|what i|my|it all)\b",
            r"\b(?:delete|erase|wipe|clear|remove|reset|purge) (?:all )?(?:of )?(?:my|everything about me|"
            r"all my|what you know)\b",
            r"\bdon'?t (?:want you to )?(?:remember|store|keep|save|track) (?:my|me|anything)\b",
            r"\bstop (?:remembering|tracking|storing|using|saving) (?:me|my|what i)\b",
        ),
    ),
    (
        "about_me",
        _any(
            r"\bwhat (?:do|did|else do) you (?:know|remember|have|store|keep|think you know) (?:about|on|"
            r"of) me\b",
            r"\bwhat (?:data|info|information|details) (?:do|did) you (?:have|hold|keep|store|use)\b",
            r"\bmy (?:profile|data|personal data|purchase history|order history|past (?:orders|purchases))\b",
            r"\bwhat (?:have|did) i (?:buy|bought|order|ordered|purchase|purchased)\b",
            r"\babout me\b",
            r"\b(?:saved|stored|kept) (?:for|about|on) me\b",
            r"\b(?:track|know|remember) what i (?:bought|buy|ordered)\b",
        ),
    ),
    (
        "how_choose",
        _any(
            r"\bhow (?:do|did|does|do you|are|were|is) (?:you )?(?:choose|chose|pick|select|decide|rank|"
            r"recommend|come up)\b",
            r"\bhow (?:are|were|is|was) (?:these|they|this list|the (?:items?|products?|recommendations?|"
            r"results?|picks?)) (?:chosen|picked|selected|ranked|made|decided|generated)\b",
            r"\bhow does (?:this|it|the (?:recommend\w*|app|bot|assistant|ranking|algorithm|system)) work\b",
            r"\b(?:are|r) (?:you|u) (?:an? )?(?:ai|bot|robot|human|real person|person|machine|chatbot)\b",
            r"\b(?:is this|am i talking to|am i chatting with) (?:an? )?(?:ai|bot|robot|human|real person|"
            r"person|machine)\b",
            r"\b(?:paid|sponsored|commission|advert\w*)\b",
            r"\bwhat (?:algorithm|model|ai|llm|language model)\b",
            r"\bso (?:that )?i (?:buy|purchase|spend)\b",
            r"\bbrands? pay\b",
        ),
    ),
    (
        "quit",
        _any(
            r"\b(?:bye+|bye bye|goodbye|good bye|cya|ttyl)\b",
            r"^(?:(?:ok(?:ay)?|thanks?|thank you|alright)[\s,!.]*)?(?:quit|exit|q|stop|end(?: the)? chat|"
            r"i'?m done(?: here)?|i'?m leaving(?: now)?|see (?:you|ya)(?: later| soon)?|"
            r"talk (?:to you )?later|"
            r"catch you later|(?:i )?(?:have to|gotta|got to|must) go(?: now)?|have a (?:nice|good|great|"
            r"lovely) (?:day|evening|night|one|weekend))(?: please)?\W*$",
        ),
    ),
    (
        "greet",
        _any(
            rf"^(?:{_GREETING}[\s,.!?:;)(\-]*)+$",
            r"^(?:hello\W*)?(?:are (?:you|u) (?:still )?there|(?:is )?any ?(?:one|body) (?:there|here))\W*$",
        ),
    ),
    (
        "help",
        _any(
            r"^(?:help|\?+|menu|commands|options)\W*$",
            r"\bwhat (?:else )?can (?:you|u|i) (?:do|ask|say|type)\b",
            r"\bwhat you can do\b",
            r"\bhow (?:do|can|should) i use (?:this|you|the chat|it)\b",
            r"\bwhat (?:sort|sorts|kind|kinds|type|types) of (?:things|questions|stuff) can\b",
            r"\bwhat (?:questions|commands) (?:do|can) you\b",
        ),
    ),
    (
        "off_topic",
        _any(
            r"\b(?:weather|forecast)\b",
            r"\b(?:vote|voting|election|politic\w*|president|prime minister|government|parliament)\b",
            r"\b(?:homework|essay|equation|maths?|calculus|algebra)\b",
            r"\b(?:write|give) (?:me )?(?:a |an |some )?(?:code|script|program|poem|story|song|essay|joke|"
            r"haiku)\b",
            r"\b(?:python|javascript|sql|html) (?:code|script|bug|error|program)\b",
            r"\bjokes?\b",
            r"\bcapital of\b",
            r"\bwho won\b",
            r"\brecipe\b",
            r"\btranslate\b",
            r"\b(?:bitcoin|crypto\w*|stock market)\b",
            r"\bmeaning of life\b",
            r"\bhoroscope\b",
            r"\bwhat time is it\b",
        ),
    ),
    (
        "why_not",
        _any(
            r"\bwhy (?:not|isn'?t|isnt|wasn'?t|wasnt|didn'?t|didnt|aren'?t|arent|won'?t)\b",
            r"\bwhy (?:is|was|are|did|does) .{0,40}\b(?:lower|below|last|bottom|worse|not)\b",
            r"\bwhat'?s wrong with\b",
            r"\bhow come\b.{0,40}\b(?:not|isn'?t|isnt|lower|below)\b",
        ),
    ),
    (
        "compare",
        _any(
            r"\bcompar(?:e|ing|ison)\b",
            r"\bdif+e?re?n(?:ce|ces)\b",
            r"\b(?:versus|vs\.?)(?:\s|$)",
            r"#\s*\d+\s*(?:or|vs\.?|versus)\s*#\s*\d+",
            r"\bwhich (?:one|of (?:the|these|them|those)|is|would|should|do you)\b.{0,40}\b(?:better|best|"
            r"prefer|"
            r"recommend|choose|pick|cheaper|go for|buy)\b",
            r"\b(?:better|worse|nicer) than\b",
            r"\bside by side\b",
        ),
    ),
    (
        "why",
        _any(
            r"^why\b",
            r"\bwhy (?:did|do|would|should|are|is|was) (?:you|i|it|this|that)\b",
            r"\bwhat makes (?:it|this|that|#|the|number)\b",
            r"\breasons? (?:for|behind|why)\b",
            r"\bwhat'?s the reason\b",
            r"\bexplain (?:why|your|the (?:choice|pick|recommendation)|#\s*\d|(?:the )?(?:first|second|third|"
            r"fourth|fifth|last)|this|that|it)\b",
        ),
    ),
    (
        "more_like",
        _any(
            r"\b(?:more|something|anything|others?|items?|ones?|stuff|products?|things?) (?:\w+ )?(?:like|"
            r"similar "
            r"to) (?:this|that|it|these|those|#\s*\d|the (?:\w+ )?one|the (?:first|second|third|fourth|fifth|"
            r"last)|"
            r"number \d)\b",
            r"\bmore like\b",
            r"\bsimilar\b",
            r"^like #\s*\d",
            r"\blike #\s*\d+ but\b",
            r"\b(?:the )?same (?:style|kind|type|sort) (?:but|as)\b",
            r"\bin the same (?:style|vein|spirit)\b",
            r"\bmore of (?:this|these|those|that)\b",
            r"\balong (?:the same|those|these) lines\b",
            r"\bsame (?:kind|sort|type) of (?:thing|stuff)\b",
        ),
    ),
    (
        "cheaper",
        _any(
            r"\b(?:cheaper|cheapest|cheeper|less expensive|lower(?:-| )price[ds]?|more affordable|affordable|"
            r"too (?:expensive|pricey|pricy|costly|dear)|too much(?=\W*$| for me| money)|costs? too much|"
            r"(?:bit|little) (?:pricey|pricy|"
            r"expensive)|on a (?:tight )?budget|can'?t afford|cannot afford|can'?t spend that much|"
            r"spend less|"
            r"less money|budget (?:option|pick|version|one))\b",
        ),
    ),
    (
        "different",
        _any(
            r"\bsomething (?:completely |totally |entirely |really |quite )?(?:different|new)\b",
            r"\b(?:completely|totally|entirely) different\b",
            r"\b(?:something|anything) else entirely\b",
            r"\bnone of (?:these|them|those|the above)\b",
            r"\bdon'?t (?:like|want|love) (?:any|all|either) of (?:these|them|those)\b",
            r"\b(?:start(?:ing)? over|start again|new search|from scratch)\b",
            r"\bdifferent (?:kind|type|style|category|thing|sort)\b",
            r"\bnot (?:what i'?m looking for|what i want(?:ed)?)\b",
            r"\b(?:these|they|those) (?:are ?n'?t|are not|aren'?t) (?:what|right)\b",
            r"\b(?:don'?t|do not) (?:like|love|want) (?:it|this|that|them|these|those)(?: one| ones)?\W*$",
            r"\b(?:look|looks) ugly\b",
        ),
    ),
    (
        "refine",
        _any(
            r"\b(?:another|other|different|a different|more) colou?rs?\b",
            rf"\b(?:in|any|come in|comes in|available in|only(?: the)?|prefer(?: the)?|just the)\s+(?:a |"
            r"the )?"
            rf"{_COLOURS}\b",
            rf"^{_COLOURS}(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s+){_COLOURS})*\W*(?:please|pls)?\W*$",
            r"\b(?:not|no|without|other than|except|anything but) (?:this|that|the same) brand\b",
            r"\b(?:different|another|other) brands?\b",
            r"^(?:(?:a|in a|maybe a|one) )?(?:smaller|bigger|larger) (?:size|one)\W*(?:please)?\W*$",
        ),
    ),
    (
        "others",
        _any(
            r"^(?:next|more|others?|other ones?|more please|next please|show more|more options|any more|"
            r"anymore)\W*$",
            r"\b(?:show|give|see) (?:me )?(?:some |a few |any )?(?:more|others|other ones|other options|"
            r"the next)\b"
            r"(?! (?:about|details?|info|information|on|of)\b)",
            r"\b(?:other|more|another)\s+(?:options|choices|ones|items|products|suggestions|alternatives|"
            r"picks|types|models|designs)\b",
            r"\b(?:something|anything) else\b",
            r"\bwhat else\b",
            r"\balternatives?\b",
        ),
    ),
    (
        "shop_info",
        _any(
            r"\b(?:shipping|shipment|ship|ships|deliver|delivers|delivery|delivered|postage|courier|dispatch|"
            r"arrive|arrives|arrival)\b",
            r"\b(?:discounts?|coupons?|promo|promotion|vouchers?|deals?|on sale|black friday)\b",
            r"\b(?:warranty|guarantee|return policy|returns|return (?:it|them|this|that|the)|refund|"
            r"exchange)\b",
            r"\d+\s*%\s*off\b",
            r"\b(?:pay|payment|paypal|(?:credit|debit) cards?|invoice|checkout|cart|basket|membership|member|"
            r"in stock|out of stock|sold out|my order|track(?:ing)? (?:my )?order)\b",
            r"\bavailable (?:now|today|to ship|for delivery)\b",
            r"\b(?:i'?ll|i will|i'?d like to|i would like to|i want to|let me|i'?m going to|gonna)\s+(?:take|"
            r"buy|"
            r"order|purchase|get|have|go (?:for|with))\s+(?:it|this|that|them|both|one|the (?:first|second|"
            r"third|"
            r"fourth|fifth|last|\w+ one|\w+ option)|this one|that one|#\s*\d|number \d)\b",
        ),
    ),
    (
        "item_question",
        _any(
            r"\btell me (?:more )?about (?:it|this|that|them|#|the|number)",
            r"\b(?:more )?(?:details?|info(?:rmation)?|specs?|specifications?) (?:about|on|of|for)\b",
            r"\bwhat (?:are|is) (?:the|its|their) (?:specs?|specifications?|features|details)\b",
            r"^(?:(?:and|so|ok|okay|hmm+|oh|well)\W+)*(?:how much|price|prices|pricing|cost)\W*$",
            rf"\b(?:what'?s|what is|what are|what about|how about|and|and the|and also)\s+(?:the |its |"
            r"their )?"
            rf"(?:(?!your\b)\w+ )?{_ATTRS}\b",
            r"\b(?:what|how) about (?:#\s*\d|the (?:first|second|third|fourth|fifth|last))",
            r"^(?:\W*(?:and|so|ok|hmm+)\W+)?how (?:many|big|heavy|large|tall|wide|long|old|thick|fast)\b",
            r"\bwhat does (?:it|this|that|the \w+) do\b",
            r"\b(?:pic|pics|picture|pictures|photo|photos|image|images)\b",
            r"\b(?:made of|materials?|fabric)\b",
            r"\bratings?\b",
            r"\bhow much (?:is|does|are|for|do) (?:it|this|that|they|these|the|#|one|each|number|i)\b",
            r"\bwhat'?s? (?:is )?the (?:price|cost) of\b",
            r"\bwhat(?: is|'?s) (?:the|its) (?:price|cost|rating|brand|material|size|weight|ram|memory|"
            r"storage|"
            r"battery(?: life)?|screen(?: size)?|camera|resolution|capacity|dimensions?|page count)\b",
            r"\bhow (?:many|long|big|heavy|large|tall|wide|much|old|thick|light|fast|durable) (?:is|are|does|"
            r"do|"
            r"pages|cameras|mah|gb|hours)\b",
            r"\bwhat(?: is|'?s| are) (?:it|this|that|they|these|those|the \w+) (?:made of|about|for)\b",
            r"\bwhat (?:brand|colou?rs?|sizes?|material) (?:is|are|does|do)\b",
            r"\b(?:does|do|did|can|will) (?:it|this|that|they|these|the \w+|#\s*\d|this one|"
            r"that one) (?:come|"
            r"have|has|include|fit|work|support|last|run|charge|hold)\b",
            r"\bis (?:it|this|that|the \w+|#\s*\d) (?:\w+proof|good for|suitable|durable|comfortable|heavy|"
            r"light|"
            r"new|used|original|genuine|compatible|washable)\b",
            r"\bwhat'?s (?:the )?rating\b",
            r"\brating (?:on|of|for)\b",
        ),
    ),
    (
        "search",
        _any(
            r"\b(?:i'?m|i am|we'?re|we are|im) (?:\w+ )?(?:looking|searching|shopping) for\b",
            r"\b(?:looking|searching|shopping) for\b",
            r"\bin the market for\b",
            r"\bi'?m after\b",
            r"\b(?:i|we) (?:need|want|would like|'?d like|require) (?:a|an|some|new|to buy|to get|to find|"
            r"something)\b",
            r"\b(?:do|does) (?:you|u|ya) (?:have|sell|carry|stock|got)\b(?! (?:it|this|that|them|these|those|"
            r"any ?thing else|something else|size|a discount|discounts?|any discounts?|(?:all|other|more|"
            r"different) "
            r"(?:colou?rs|sizes|types|options|ones|models|designs)|any (?:pictures?|photos?|pics?|"
            r"images?))\b)",
            r"\b(?:recommend|suggest|find|show)(?: me)? (?:a|an|some|any|good)\b",
            r"\b(?:help me|can you help me) (?:with (?:a|an|some|my)|find|buy|choose|pick|get)\b",
            r"\b(?:show|find|get) me (?:something|anything|some|a|an|any)\b",
            r"\bwhat (?:\w+ )?(?:would|do|can|could) you (?:suggest|recommend)\b",
            r"\brecommend (?:me )?the best\b",
        ),
    ),
)

_NEEDS_NO_PRODUCT = frozenset({"off_topic", "refine", "others"})


def _only_words(text: str, allowed: frozenset[str]) -> bool:
    words = re.findall(r"[a-z']+", text)
    return bool(words) and all(w in allowed or _ACK_SOUND.match(w) for w in words)


def _is_thanks(text: str) -> bool:
    return bool(_THANKS_WORD.search(text)) and _only_words(text, _THANKS_FILLER)


def _is_ack(text: str) -> bool:
    return not re.search(r"\d", text) and _only_words(text, _ACK_WORDS)


def _constraint_only(text: str, parsed: Parsed) -> str | None:
    """A short statement of one constraint ("size 7", "for a woman", "not nike") refines what is shown."""
    if parsed.product_words:
        return None
    # A gender named in passing ("my kids will love it") is not a request; "for a boy" or "female!" is.
    gender = parsed.gender or parsed.unlisted_gender
    said_gender = gender and (re.search(r"\bfor\b", text) or len(text.split()) <= 4)
    if parsed.avoid_brands or ((parsed.sizes or said_gender) and not parsed.budget_max):
        return "refine"
    return "cheaper" if parsed.budget_max else None


# Whole-message checks that take their turn just before the named rule.
_BEFORE: dict[str, tuple[tuple[str, Callable[[str, Parsed], bool]], ...]] = {
    # "Forget my budget" lifts a limit; only "forget me" (or my data) is about forgetting the shopper.
    "forget_me": (("refine", lambda t, p: bool(p.drops)),),
    "help": (("thanks", lambda t, p: _is_thanks(t)), ("ack", lambda t, p: _is_ack(t))),
    "refine": (("refine", lambda t, p: _constraint_only(t, p) == "refine"),),
}


def rule_intent(text: str, parsed: Parsed) -> str | None:
    """The intent a high-precision rule gives a normalised message, or None when no rule is sure."""
    for name, rule in _RULES:
        for checked, check in _BEFORE.get(name, ()):
            if check(text, parsed):
                return checked
        if rule.search(text) and not (name in _NEEDS_NO_PRODUCT and parsed.product_words):
            return name
    return _constraint_only(text, parsed)


def route(message: str, vocab: CatalogWords) -> Parsed:
    """Route a message with rules only and read its references and constraints."""
    text = normalise(message)
    parsed = read_constraints(text, vocab)
    intent = rule_intent(text, parsed)
    if intent:
        return replace(parsed, intent=intent)
    intent = fallback_intent(parsed)
    return replace(
        parsed, intent=intent, source="constraints" if intent != FALLBACK else "fallback", score=0.0
    )
