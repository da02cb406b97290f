"""The shop's reading of what a reason says about the shopper and the item, which must resolve.

Every "your X" must name a fact this shopper has (a profile, a budget, a size, purchases, what they
asked for in the chat, a preferred colour or brand); every "you <verb>" must be something a shopper
can be known to do; "its X" must be something an item has; "X mentions Y" must name a text that does;
a link through a shared word ("its title mentions mask, as your profile does") must be a product word
of both, not a brand, a colour or a stop word; quoted words must be quoted from somewhere. What cannot
be resolved is an unsupported claim of kind "reference": a small model's "your shopper's title" or
"your search for Stick" is neither true nor English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.grounding import references_shapes as shapes
from agent.grounding.claim_words import SHOPPER_FIT
from agent.grounding.data import Pool, Support
from agent.grounding.references_words import (
    ITS_NEVER,
    LINK_STOP,
    MODAL_VERBS,
    SAY_VERBS,
    SHOPPER_VERBS,
    YOUR_HEADS,
    YOUR_MODIFIERS,
)
from agent.grounding.textnorm import canon, size_key, sizes_meet, stem
from agent.grounding.types import Claim
from retrieval.colours import COLOURS
from retrieval.shopper_loaders import profile_is_purchases

_WHOSE = r"(?:your|the (?:shopper|user|customer)['’]s)"
_YOUR = re.compile(rf"\b{_WHOSE}\s+(?P<rest>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){{0,3}})", re.I)
_YOU = re.compile(
    r"\b(?P<who>you|the shopper|the user|the customer)(?P<aux>(?:['’](?:ve|re|d|ll)|\s+(?:have|had|also|"
    r"already|recently|previously|once|really|clearly|truly|did|do|are|were|just))*)\s+(?P<verb>[a-z]+)",
    re.I,
)
_ITS = re.compile(r"\bits\s+(?P<rest>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*)?)", re.I)
_MENTION = re.compile(
    rf"\b(?P<whose>its|the|this item['’]s|{_WHOSE})\s+(?:(?:own|past|previous)\s+)?(?P<what>[a-z]+)\s+"
    r"(?:also\s+|too\s+|even\s+)?(?:mentions|says|includes|contains|names|reads|lists)\s+"
    r"(?P<obj>[^.;:!?]{1,80})",
    re.I,
)
_ECHO = re.compile(
    rf"\b(?:as|and|like|which)\s+(?:(?:is|are)\s+)?(?:in\s+)?{_WHOSE}\s+(?P<whose>profile|purchases?)"
    r"(?:\s+(?:before|too|also))*\s+(?:does|do|did|was|is|were|has|shows)\b",
    re.I,
)
# "..., as your purchase X also fits", "like the shopper bought before", "as you did": an echo.
_AS_YOURS = re.compile(
    r"\b(?:as|like|which|and)\s+(?:(?:is|are)\s+)?(?:in\s+)?"
    r"(?P<who>your|the (?:shopper|user|customer)['’]s|this shopper['’]s|you|the (?:shopper|user|customer))\b"
    r"\s*(?P<rest>[^,;:]*)",
    re.I,
)
_BOUGHT = frozenset("bought purchased ordered owned own reviewed rated got".split())
_ECHO_VERBS = frozenset(
    "does do did was is were has have shows also too fits matches match contains includes mentions "
    "says before".split()
)
# Double quotes anywhere; single quotes only around words, so "Levi's men's" quotes nothing.
_HAS = re.compile(
    r"\b(?:it|this one|this item|the item)\s+(?:also\s+)?(?:has|comes with|features|includes|boasts)\s+"
    r"(?:a|an|the|some)?\s*(?P<x>[a-z][\w-]*(?:\s+[a-z][\w-]*){0,3})",
    re.I,
)
_FROM = re.compile(
    r"\b(?:it is|it's|this is|comes|made)\s+(?:from|by)\s+(?P<x>[A-Z][\w'’&.-]*(?:\s+[A-Z][\w'’&.-]*){0,3})"
)
_NOT_VERBS = frozenset(
    "because and or as if when so since while to at in on with for from of than that but who which "
    "here there today now".split()
)
_PROMISE_WORDS = frozenset(
    {"free", "ship", "shipping", "deliveri", "delivery", "warranty", "guarante", "return"}
)
_QUOTE = re.compile(r"[\"“](?P<q>[^\"”]{2,80})[\"”]|(?<!\w)['‘](?P<s>[^'‘’\n]{2,60}?)['’](?!\w)")
_MATCHES_SAID = re.compile(rf"\bmatch(?:es|ing)?\b.*\bfrom\s+{_WHOSE}\s+(?:message|request|words)\b", re.I)
_LIST_CUT = re.compile(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b|\bas\b|\bwhich\b|\bwhile\b)\s*", re.I)


def read(text: str, ev: Support, voice: str | None = None, names_masked: str | None = None) -> list[Claim]:
    """Every reference in `text` to the shopper or the item, each resolved (supported) or not.
    `names_masked` is the text with brand and purchase names blanked ("Wear Your Mind" speaks to no
    one); words to the shopper are read there, links to purchases in the full text."""
    masked = text if names_masked is None else names_masked
    claims = [*_yours(masked, ev), *_yous(masked, ev), *_its(text), *_mentions(text, ev)]
    claims += [*_features(text, ev), *_makers(text, ev)]
    claims += [*_quotes(text, ev), *_voice(masked, voice), *_repeats(masked)]
    return claims + shapes.read(text, masked, ev)


def _claim(text: str, span: tuple[int, int], source: str | None) -> Claim:
    return Claim("reference", text, source is not None, source, span)


def _words(text: str) -> list[str]:
    return canon(text).split()


def _yours(text: str, ev: Support) -> Iterator[Claim]:
    for m in _YOUR.finditer(text):
        rest = [w for w in _words(m["rest"]) if w not in YOUR_MODIFIERS]
        head = stem(rest[0]) if rest else ""
        if head == "purchase" and rest[1:2] and rest[1] in ("would", "will", "could", "can", "is"):
            continue  # "your purchase would be a smart one": the purchase to come, not a past one
        if head in ("shopping", "browsing", "purchase", "order") and "history" in rest[1:2]:
            head = "history"
        need = YOUR_HEADS.get(head)
        if need == "judged":
            continue
        source = _has(need, ev) if need else _in_own_profile(m["rest"], ev)
        yield _claim(m.group(), m.span(), source)


def _has(need: str, ev: Support) -> str | None:
    s, p = ev.shopper, ev.shopper.preferences
    found = {
        "profile": bool(s.profile),
        "budget": p.budget_max is not None or p.budget_min is not None,
        "size": bool(p.sizes),
        "purchases": bool(s.purchases or s.history or any(e.signal == "history" for e in ev.evidence)),
        "said": bool(ev.said.strip()),
        "colours": bool(p.colours),
        "brands": bool(p.brands),
        "gender": bool(p.gender),
    }
    return f"shopper.{need}" if found.get(need) else None


def _yous(text: str, ev: Support) -> Iterator[Claim]:
    for m in _YOU.finditer(text):
        verb = m["verb"].lower()
        liking = any(p.match(text, m.start()) for p in SHOPPER_FIT)
        if verb in _NOT_VERBS:
            continue  # "picked for you because ...": "you" is the object, and says nothing of the shopper
        if verb in SHOPPER_VERBS or liking:
            continue  # purchases and likings ("you are a fan of"): grounding v1 and v2 judge them
        if verb in MODAL_VERBS:
            after = text[m.end() :].split(maxsplit=1)
            ok = bool(after) and after[0].lower().strip(".,") in MODAL_VERBS[verb]
            yield _claim(m.group(), m.span(), "frame" if ok else None)
        elif verb in SAY_VERBS or (verb in ("looking", "shopping", "searching") and m["aux"]):
            yield _claim(m.group(), m.span(), _said_backs(text[m.end() :], ev))
        elif verb == "wear" or verb == "wears":
            yield _claim(m.group(), m.span(), _wears(text[m.end() :], ev))
        else:
            yield _claim(m.group(), m.span(), _in_own_profile(f"{verb} {text[m.end() :]}", ev))


def _in_own_profile(said: str, ev: Support) -> str | None:
    """ "You run three times a week", "your daily commute": what the shopper wrote about themselves.
    The first content words of the phrase must all be in a profile the shopper wrote."""
    profile = ev.shopper.profile
    if not profile or profile_is_purchases(profile):
        return None
    phrase = re.split(r"[.,;:!?]|\b(?:and|but|so|which|because|as|while)\b", said, maxsplit=1)[0]
    named = [w for w in _words(phrase) if w not in LINK_STOP][:4]
    pool = Pool.of([profile])  # words of one group count: "your trip" for "travelling to Norway"
    return "shopper.profile" if named and all(pool.has(w) for w in named) else None


def _wears(after: str, ev: Support) -> str | None:
    # "You wear size 44": one of the shopper's own sizes, never the item's.
    said = re.match(r"\s*(?:a\s+)?(?:size\s+)?(?P<size>[\w.]+)", after, re.I)
    if said is None:
        return None
    wanted = size_key(said["size"])
    mine = (size_key(s) for s in ev.shopper.preferences.sizes)
    return "shopper.preferences.sizes" if any(sizes_meet(wanted, s) for s in mine) else None


def _said_backs(after: str, ev: Support) -> str | None:
    # "You asked for X": the shopper said something in this chat, or wrote their own profile, and X
    # is in it. A profile built from purchases says nothing the shopper asked for.
    own = "" if profile_is_purchases(ev.shopper.profile) else ev.shopper.profile
    if not (ev.said.strip() or own.strip()):
        return None
    if re.match(r"\s*[:.;,!?]", after):
        obj = ""  # "a red kurta, as you asked: <the item>" names nothing more
    else:
        after = re.sub(r"^\s*(?:for|about)\s*:\s*", "", after)  # "what you asked for: warm, hiking"
        obj = re.split(r"[.;:!?]|\b(?:and|as|so|which|because)\b", after, maxsplit=1)[0]
    named = {stem(w) for w in _words(obj) if w not in LINK_STOP}
    said = {stem(w) for w in _words(f"{ev.said} {own}")}
    return "shopper.said" if named <= said else None


def _its(text: str) -> Iterator[Claim]:
    for m in _ITS.finditer(text):
        said = [stem(w) for w in _words(m["rest"])]
        if any(w in ITS_NEVER for w in said):
            yield _claim(m.group(), m.span(), None)


def _features(text: str, ev: Support) -> Iterator[Claim]:
    """ "It has a hood", "it comes with a pouch": the item's own text names the feature."""
    for m in _HAS.finditer(text):
        named = [stem(w) for w in _words(m["x"]) if w not in LINK_STOP][:3]
        if not named or any(w in _PROMISE_WORDS for w in named):
            continue  # "comes with free shipping" is a promise, judged as one
        ok = all(ev.item_pool.has(w) for w in named)
        yield _claim(m.group(), m.span(), "item.text" if ok else None)


def _makers(text: str, ev: Support) -> Iterator[Claim]:
    """ "It is from Nike", "made by Levi's": the item's brand, or a name its title carries."""
    own = canon(f"{ev.item.brand or ''} {ev.item.title}")
    for m in _FROM.finditer(text):
        named = canon(m["x"]).strip()
        if named and f" {named} " not in own and named.split()[0] not in LINK_STOP:
            yield _claim(m.group(), m.span(), None)


def _mentions(text: str, ev: Support) -> Iterator[Claim]:
    """ "Its description mentions X", "your profile mentions X": X is in the text named."""
    for m in _MENTION.finditer(text):
        what = stem(m["what"].lower())
        if what in ("title", "name"):
            continue  # grounding v1 reads the title's claim
        pool = _pool(m["whose"].lower(), what, ev)
        named = _listed(m["obj"])
        ok = pool is not None and bool(named) and all(_in(n, pool[1]) for n in named)
        yield _claim(m.group(), m.span(), pool[0] if ok and pool else None)
    yield from _echoes(text, ev)


def _pool(whose: str, what: str, ev: Support) -> tuple[str, str] | None:
    item = whose in ("its", "the") or whose.startswith("this item")
    if item and what == "description":
        return "item.description", canon(ev.item.description)
    if not item and what == "profile" and ev.shopper.profile:
        return "shopper.profile", canon(ev.shopper.profile)
    if not item and what in ("search", "request", "query", "message") and ev.said.strip():
        return "shopper.said", canon(ev.said)
    return None


def _listed(obj: str) -> list[str]:
    parts = (p.strip(" \"“”'") for p in _LIST_CUT.split(obj))
    return [p for p in parts if p and canon(p).strip()]


def _in(phrase: str, pool: str) -> bool:
    wanted = [stem(w) for w in _words(phrase)]
    have = [stem(w) for w in pool.split()]
    n = len(wanted)
    return n > 0 and any(have[i : i + n] == wanted for i in range(len(have) - n + 1))


def _echoes(text: str, ev: Support) -> Iterator[Claim]:
    """ "Its title mentions X, as your profile does": X links the item to the shopper's own words."""
    from agent.grounding.vocab import TITLE_MENTION

    for sentence in re.finditer(r"[^.!?]+", text):
        body, at = sentence.group(), sentence.start()
        for echo in _AS_YOURS.finditer(body):
            before = body[: echo.start()]
            said = [*TITLE_MENTION.finditer(before), *_MENTION.finditer(before)]
            span = (at + echo.start(), at + echo.end())
            if not said:
                if _ECHO.match(body, echo.start()):
                    yield _claim(echo.group(), span, None)  # "as your profile does" with nothing before it
                continue
            named = [n for m in said for n in _listed(m["obj"])]
            yield _claim(echo.group(), span, _echo_source(echo, named, ev) if named else None)


def _echo_source(echo: re.Match[str], named: list[str], ev: Support) -> str | None:
    """What backs "X, as your <head> [<a purchase>] does": the head says where X must be found."""
    if echo["who"].lower() in ("you", "the shopper", "the user", "the customer"):
        verb = echo["rest"].split()[0].lower() if echo["rest"].split() else ""
        if verb in _BOUGHT:
            head = "purchase"
        elif verb in SAY_VERBS or verb in ("did", "do", "does"):
            head = "search"
        else:
            return "frame"  # "as you like navy": the liking itself is judged where likings are
    else:
        words = [w for w in _words(echo["rest"]) if w not in YOUR_MODIFIERS]
        head = stem(words[0]) if words else ""
    need = YOUR_HEADS.get(head)
    if need == "said":
        ok = ev.said.strip() and all(_in(n, canon(ev.said)) for n in named)
        return "shopper.said" if ok else None
    if need == "purchases":
        fragment = _named_purchase(echo["rest"])
        links = [link_word(n, ev, fragment) for n in named]
        return links[0] if links and all(links) else None
    if need == "profile":
        links = [link_word(n, ev) for n in named]
        return links[0] if links and all(links) else None
    return None  # "as your title does", "as your shopper's description does": nothing of the shopper's


def _named_purchase(rest: str) -> str:
    # "purchase Fjellstad Merino Hiking Socks also fits" -> "Fjellstad Merino Hiking Socks"
    taken = []
    for w in rest.split()[1:]:
        if w.lower().strip(",") in _ECHO_VERBS:
            break
        taken.append(w)
    name = " ".join(taken)
    return "" if canon(name).strip() in ("", "history", "list", "record", "records") else name


def link_word(word: str, ev: Support, purchase: str = "") -> str | None:
    """Where a word the item's title shares with the shopper's purchases or profile comes from, or
    None when it is no link: a brand, colour, gender or stop word, or not shared at all. With
    `purchase` named, only a bought title that holds that name counts."""
    said = _words(word)
    brand = set(_words(ev.item.brand or ""))
    if not said or any(w in LINK_STOP or w in brand or w in COLOURS or w.isdigit() for w in said):
        return None
    if not (_in(word, canon(ev.item.title)) or _in(word, canon(ev.item.description))):
        return None
    for i, bought in enumerate(ev.shopper.purchases):
        title = _words(bought.title)[1:]  # a title's first word is mostly its maker's name
        if purchase and not _in(purchase, canon(bought.title)):
            continue
        if _in(word, " ".join(title)):
            return f"shopper.purchases[{i}].title"
    if purchase:
        return None
    if not profile_is_purchases(ev.shopper.profile) and _in(word, canon(ev.shopper.profile)):
        return "shopper.profile"
    return None


def _quotes(text: str, ev: Support) -> Iterator[Claim]:
    """Quoted words are quoted from somewhere; "matches 'x' from your message" from both the message
    and the item."""
    item = [
        canon(f"{ev.item.title} {ev.item.category or ''} {ev.item.kind or ''}"),
        canon(ev.item.description),
    ]
    shopper = [canon(ev.shopper.profile), canon(ev.said), *(canon(p.title) for p in ev.shopper.purchases)]
    for sentence in re.finditer(r"[^.!?]+", text):
        matched = _MATCHES_SAID.search(sentence.group())
        for m in _QUOTE.finditer(sentence.group()):
            quoted = (m["q"] or m["s"]).strip(" ,.;:")
            span = (sentence.start() + m.start(), sentence.start() + m.end())
            in_item, in_shopper = any(_in(quoted, p) for p in item), any(_in(quoted, p) for p in shopper)
            ok = (in_item and _in(quoted, canon(ev.said))) if matched else (in_item or in_shopper)
            if not ok:
                yield _claim(m.group(), span, None)


def _voice(text: str, voice: str | None) -> Iterator[Claim]:
    # A reason speaks to the shopper ("you") or, for staff, about them ("the shopper"); never both.
    other = {
        "shopper": r"\b(?:the|this) (?:shopper|user|customer)\b",
        "support": r"\b(?:you|your|you['’]\w+)\b",
    }
    if voice in other:
        for m in re.finditer(other[voice], text, re.I):
            yield _claim(m.group(), m.span(), None)


def _repeats(text: str) -> Iterator[Claim]:
    # "As your search for Stick also matches your search": a sentence that says one thing twice.
    for sentence in re.finditer(r"[^.!?]+", text):
        nouns = [stem(w) for w in re.findall(rf"\b{_WHOSE}\s+(\w+)", sentence.group(), re.I)]
        doubled = {n for n in nouns if nouns.count(n) > 1}
        if doubled:
            yield _claim(sentence.group().strip(), sentence.span(), None)
