"""What a reason says of the shopper, which must resolve to a fact this shopper has.

Every "your X" must name one (a profile, a budget, a size, purchases, what they asked for in the chat,
a preferred colour or brand); every "you <verb>" must be something a shopper can be known to do: a
frame ("you would enjoy"), something they said, a size they wear, or words of a profile they wrote.
What cannot be resolved is an unsupported claim of kind "reference": a small model's "your shopper's
title" or "your search for Stick" is neither true nor English. Purchases are judged in purchase.py,
likings ("you love hiking") in experience.py.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agent.grounding.data import Pool, Support
from agent.grounding.judges.purchase import has_purchases
from agent.grounding.reading.claim_words import SHOPPER_FIT
from agent.grounding.reading.reference_words import (
    LINK_STOP,
    MODAL_VERBS,
    SAY_VERBS,
    SHOPPER_VERBS,
    WHOSE,
    YOUR_HEADS,
    YOUR_MODIFIERS,
)
from agent.grounding.textnorm import canon, size_key, sizes_meet, stem
from agent.grounding.types import Claim, reference
from retrieval.shopper_loaders import profile_is_purchases

_YOUR = re.compile(rf"\b{WHOSE}\s+(?P<rest>[a-z][\w'’-]*(?:\s+[a-z][\w'’-]*){{0,3}})", re.I)
_YOU = re.compile(
    r"\b(?P<who>you|the shopper|the user|the customer)(?P<aux>(?:['’](?:ve|re|d|ll)|\s+(?:have|had|also|"
    r"already|recently|previously|once|really|clearly|truly|did|do|are|were|just))*)\s+(?P<verb>[a-z]+)",
    re.I,
)
_NOT_VERBS = frozenset(
    "because and or as if when so since while to at in on with for from of than that but who which "
    "here there today now".split()
)


def yours(text: str, ev: Support) -> Iterator[Claim]:
    """Every "your X" (read where names are blanked), resolved or not."""
    for m in _YOUR.finditer(text):
        rest = [w for w in canon(m["rest"]).split() if w not in YOUR_MODIFIERS]
        head = stem(rest[0]) if rest else ""
        if head == "purchase" and rest[1:2] and rest[1] in ("would", "will", "could", "can", "is"):
            continue  # "your purchase would be a smart one": the purchase to come, not a past one
        if head in ("shopping", "browsing", "purchase", "order") and "history" in rest[1:2]:
            head = "history"
        need = YOUR_HEADS.get(head)
        if need == "judged":
            continue
        source = _has(need, ev) if need else _in_own_profile(m["rest"], ev)
        yield reference(m.group(), m.span(), source)


def _has(need: str, ev: Support) -> str | None:
    s, p = ev.shopper, ev.shopper.preferences
    found = {
        "profile": bool(s.profile),
        "budget": p.budget_max is not None or p.budget_min is not None,
        "size": bool(p.sizes),
        "purchases": has_purchases(ev),
        "said": bool(ev.said.strip()),
        "colours": bool(p.colours),
        "brands": bool(p.brands),
        "gender": bool(p.gender),
    }
    return f"shopper.{need}" if found.get(need) else None


def yous(text: str, ev: Support) -> Iterator[Claim]:
    """Every "you <verb>" (read where names are blanked) that is not judged elsewhere, resolved or not."""
    for m in _YOU.finditer(text):
        verb = m["verb"].lower()
        liking = any(p.match(text, m.start()) for p in SHOPPER_FIT)
        if verb in _NOT_VERBS:
            continue  # "picked for you because ...": "you" is the object, and says nothing of the shopper
        if verb in SHOPPER_VERBS or liking:
            continue  # purchases and likings ("you are a fan of") are judged where those are
        if verb in MODAL_VERBS:
            after = text[m.end() :].split(maxsplit=1)
            ok = bool(after) and after[0].lower().strip(".,") in MODAL_VERBS[verb]
            yield reference(m.group(), m.span(), "frame" if ok else None)
        elif verb in SAY_VERBS or (verb in ("looking", "shopping", "searching") and m["aux"]):
            yield reference(m.group(), m.span(), _said_backs(text[m.end() :], ev))
        elif verb == "wear" or verb == "wears":
            yield reference(m.group(), m.span(), _wears(text[m.end() :], ev))
        else:
            yield reference(m.group(), m.span(), _in_own_profile(f"{verb} {text[m.end() :]}", ev))


def _in_own_profile(said: str, ev: Support) -> str | None:
    """ "You run three times a week", "your daily commute": what the shopper wrote about themselves.
    The first content words of the phrase must all be in a profile the shopper wrote."""
    profile = ev.shopper.profile
    if not profile or profile_is_purchases(profile):
        return None
    phrase = re.split(r"[.,;:!?]|\b(?:and|but|so|which|because|as|while)\b", said, maxsplit=1)[0]
    named = [w for w in canon(phrase).split() if w not in LINK_STOP][:4]
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
    """ "You asked for X": the shopper said something in this chat, or wrote their own profile, and X
    is in it. A profile built from purchases says nothing the shopper asked for."""
    own = "" if profile_is_purchases(ev.shopper.profile) else ev.shopper.profile
    if not (ev.said.strip() or own.strip()):
        return None
    if re.match(r"\s*[:.;,!?]", after):
        obj = ""  # "a red kurta, as you asked: <the item>" names nothing more
    else:
        after = re.sub(r"^\s*(?:for|about)\s*:\s*", "", after)  # "what you asked for: warm, hiking"
        obj = re.split(r"[.;:!?]|\b(?:and|as|so|which|because)\b", after, maxsplit=1)[0]
    named = {stem(w) for w in canon(obj).split() if w not in LINK_STOP}
    said = {stem(w) for w in canon(f"{ev.said} {own}").split()}
    return "shopper.said" if named <= said else None
