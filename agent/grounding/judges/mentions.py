"""What a named text says: "its description mentions X", "your profile mentions X", "X, as your
profile does", quoted words. X must be in the text named: the item's description, the shopper's
profile or what they said in this chat; a link through a shared word ("its title mentions mask, as
your profile does") must be a product word of both, not a brand, a colour or a stop word; quoted
words must be quoted from somewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.grounding.data import Support
from agent.grounding.judges import purchase
from agent.grounding.reading.patterns import TITLE_MENTION
from agent.grounding.reading.reference_words import SAY_VERBS, WHOSE, YOUR_HEADS, YOUR_MODIFIERS
from agent.grounding.textnorm import canon, phrase_in, stem
from agent.grounding.types import Claim, reference

_MENTION = re.compile(
    rf"\b(?P<whose>its|the|this item['’]s|{WHOSE})\s+(?:(?:own|past|previous)\s+)?(?P<what>[a-z]+)\s+"
    r"(?:also\s+|too\s+|even\s+)?(?:mentions|says|includes|contains|names|reads|lists)\s+"
    r"(?P<obj>[^.;:!?]{1,80})",
    re.I,
)
_ECHO = re.compile(
    rf"\b(?:as|and|like|which)\s+(?:(?:is|are)\s+)?(?:in\s+)?{WHOSE}\s+(?P<whose>profile|purchases?)"
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
# Double quotes anywhere; single quotes only around words, so "Levi's men's" quotes nothing.
_QUOTE = re.compile(r"[\"“](?P<q>[^\"”]{2,80})[\"”]|(?<!\w)['‘](?P<s>[^'‘’\n]{2,60}?)['’](?!\w)")
_MATCHES_SAID = re.compile(rf"\bmatch(?:es|ing)?\b.*\bfrom\s+{WHOSE}\s+(?:message|request|words)\b", re.I)
_LIST_CUT = re.compile(r"\s*(?:,\s*(?:and|or)?|\band\b|\bor\b|\bas\b|\bwhich\b|\bwhile\b)\s*", re.I)


def mentions(text: str, ev: Support) -> Iterator[Claim]:
    """ "Its description mentions X", "your profile mentions X": X is in the text named; then the echoes."""
    for m in _MENTION.finditer(text):
        what = stem(m["what"].lower())
        if what in ("title", "name"):
            continue  # the title's claim is read by the title patterns (judges/attributes.py)
        pool = _pool(m["whose"].lower(), what, ev)
        named = _listed(m["obj"])
        ok = pool is not None and bool(named) and all(phrase_in(n, pool[1]) for n in named)
        yield reference(m.group(), m.span(), pool[0] if ok and pool else None)
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


def _echoes(text: str, ev: Support) -> Iterator[Claim]:
    """ "Its title mentions X, as your profile does": X links the item to the shopper's own words."""
    for sentence in re.finditer(r"[^.!?]+", text):
        body, at = sentence.group(), sentence.start()
        for echo in _AS_YOURS.finditer(body):
            before = body[: echo.start()]
            said = [*TITLE_MENTION.finditer(before), *_MENTION.finditer(before)]
            span = (at + echo.start(), at + echo.end())
            if not said:
                if _ECHO.match(body, echo.start()):
                    yield reference(echo.group(), span, None)  # "as your profile does" with nothing before it
                continue
            named = [n for m in said for n in _listed(m["obj"])]
            yield reference(echo.group(), span, _echo_source(echo, named, ev) if named else None)


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
        words = [w for w in canon(echo["rest"]).split() if w not in YOUR_MODIFIERS]
        head = stem(words[0]) if words else ""
    need = YOUR_HEADS.get(head)
    if need == "said":
        ok = ev.said.strip() and all(phrase_in(n, canon(ev.said)) for n in named)
        return "shopper.said" if ok else None
    if need == "purchases":
        return purchase.echoed(echo["rest"], named, ev)
    if need == "profile":
        links = [purchase.link_word(n, ev) for n in named]
        return links[0] if links and all(links) else None
    return None  # "as your title does", "as your shopper's description does": nothing of the shopper's


def quotes(text: str, ev: Support) -> Iterator[Claim]:
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
            in_item = any(phrase_in(quoted, p) for p in item)
            in_shopper = any(phrase_in(quoted, p) for p in shopper)
            ok = (in_item and phrase_in(quoted, canon(ev.said))) if matched else (in_item or in_shopper)
            if not ok:
                yield reference(m.group(), span, None)
