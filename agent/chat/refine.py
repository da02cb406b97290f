"""How each refinement changes the chat state: cheaper, refine, more like, different, others, search.

Every function here is pure: it takes the state and what the shopper said and returns the next state and
the header of the list to show; the chat then retrieves for that state.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from agent.chat.state import ChatState
from agent.intents.parse import Parsed
from agent.reasons.variables import format_number
from agent.recommender import Recommendation
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.shoppers import Preferences, Shopper

T = TypeVar("T")
_NOT_THIS_BRAND = re.compile(r"\b(not|no|other than|another|different|other)\b[^.]{0,20}\bbrands?\b")
_OTHER_COLOUR = re.compile(r"\b(another|other|different)\s+colou?rs?\b")
_LIKE_THIS = re.compile(r"\b(like|similar|same)\b")


def stated(parsed: Parsed) -> Constraints:
    """The hard constraints a message states."""
    return Constraints(
        budget_max=parsed.budget_max,
        budget_min=parsed.budget_min,
        gender=parsed.gender,
        colours=parsed.colours,
        avoid_brands=parsed.avoid_brands,
        kinds=parsed.kinds,
        materials=parsed.materials,
        sizes=parsed.sizes,
    )


def cheaper(state: ChatState, parsed: Parsed, target: Recommendation | None) -> tuple[ChatState, str]:
    """Below the stated price, else below the item pointed at; a stated price above the budget raises it."""
    limit, budget = parsed.budget_max, state.budget_max
    if limit is not None and budget is not None and limit > budget:
        # "Under 2000" with a budget of 80 is the shopper's new budget, not a cheaper list.
        raised, _ = lifted(state, ("budget",))
        merged = raised.constraints.merged(Constraints(budget_max=limit))
        return replace(raised, constraints=merged), f"Here is what fits under {format_number(limit)}:"
    if limit is None and target is not None and target.item.price is not None:
        limit = target.item.price * 0.999
    # "Something cheaper in black" changes two things: the rest of what it states holds too.
    extra = replace(stated(parsed), budget_max=limit, kinds=())
    return replace(state, constraints=state.constraints.merged(extra)), "Here are cheaper options:"


def more_like(state: ChatState, parsed: Parsed, target: Recommendation) -> tuple[ChatState, str]:
    """Neighbours of the item pointed at, in the stated colours if any."""
    colours = Constraints(colours=parsed.colours) if parsed.colours else Constraints()
    merged = replace(state.constraints.merged(colours), colours=parsed.colours)
    item_id = target.item.item_id
    head = f"#{state.shown.index(item_id) + 1}" if item_id in state.shown else target.item.title
    return replace(state, like_item_id=item_id, constraints=merged), f"More like {head}:"


def search(state: ChatState, parsed: Parsed, said: str) -> tuple[ChatState, str]:
    """What the message asks for, with the constraints it states on top of the earlier ones.

    A request for another kind of product starts a new search: the colour, material and size of the
    last one do not carry over; the budget and who the shopper shops for do.
    """
    wants = said if parsed.title_words or parsed.kinds else state.wants
    earlier = state.constraints
    fresh = bool(parsed.kinds) and set(parsed.kinds) != set(earlier.kinds)
    if fresh:
        earlier = replace(earlier, kinds=(), colours=(), materials=(), sizes=(), categories=())
    merged = earlier.merged(stated(parsed))
    avoid = () if fresh else state.avoid_colours
    new = replace(state, wants=wants, like_item_id=None, constraints=merged, avoid_colours=avoid)
    return new, "Here is what I found:"


def others(state: ChatState) -> tuple[ChatState, str]:
    """The same search without anything already shown."""
    excluded = Constraints(exclude_ids=frozenset(state.seen))
    return replace(state, constraints=state.constraints.merged(excluded)), "Here are some others:"


def different(state: ChatState, shown: Sequence[Recommendation]) -> tuple[ChatState, str]:
    """Away from what was shown: no item seen, none of the categories on screen, no anchor item."""
    categories = tuple(dict.fromkeys(r.item.category for r in shown if r.item.category))
    excluded = state.constraints.merged(Constraints(exclude_ids=frozenset(state.seen)))
    avoid = tuple(dict.fromkeys(state.avoid_categories + categories))
    excluded = replace(excluded, kinds=(), materials=())
    new = replace(state, constraints=excluded, avoid_categories=avoid, like_item_id=None, wants="")
    return new, "Here is something different:"


def refine(
    state: ChatState, parsed: Parsed, target: Recommendation | None, said: str
) -> tuple[ChatState, str] | None:
    """Narrow the list: price, gender, colour, brand (also 'not this brand', 'another colour').

    None when the message states nothing to refine by.
    """
    text = said.lower()
    if parsed.drops:
        return lifted(state, parsed.drops)
    if (
        target is not None
        and parsed.colours
        and (parsed.refs or parsed.points_at_this or _LIKE_THIS.search(text))
    ):
        return more_like(state, parsed, target)
    new = replace(state, constraints=state.constraints.merged(stated(parsed)))
    changes = _changes(parsed)
    brand = target.item.brand if target is not None else None
    if brand and _NOT_THIS_BRAND.search(text) and brand not in parsed.avoid_brands:
        new = replace(new, constraints=new.constraints.merged(Constraints(avoid_brands=(brand,))))
        changes.append(f"not by {brand}")
    colour = target.item.colour if target is not None else None
    if target is not None and colour and _OTHER_COLOUR.search(text):
        avoid = tuple(dict.fromkeys((*new.avoid_colours, colour)))
        new = replace(new, avoid_colours=avoid, like_item_id=target.item.item_id)
        changes.append(f"not in {colour}")
    if not changes:
        return None
    return new, f"Here is what fits now ({'; '.join(changes)}):"


# What lifting a limit clears: in the preferences the chat started from, and among the chat's own limits.
# A brand the shopper's profile avoids stays avoided: "any brand" undoes this chat's "not Nike" only.
_PROFILE_FIELDS = {
    "budget": ("budget_max", "budget_min"),
    "colours": ("colours",),
    "gender": ("gender",),
    "brands": ("brands",),
    "sizes": ("sizes",),
}
_CHAT_FIELDS = {**_PROFILE_FIELDS, "brands": ("brands", "avoid_brands"), "sizes": ()}
_ANY = {"budget": "any price", "colours": "any colour", "gender": "any gender", "brands": "any brand",
        "sizes": "any size"}  # fmt: skip


def lifted(state: ChatState, drops: Sequence[str]) -> tuple[ChatState, str]:
    """Without the limits the shopper lifted, in this chat and in the preferences it started from."""
    prefs = replace(state.shopper.preferences, **_cleared(f for d in drops for f in _PROFILE_FIELDS[d]))
    constraints = replace(state.constraints, **_cleared(f for d in drops for f in _CHAT_FIELDS[d]))
    new = replace(
        state,
        shopper=replace(state.shopper, preferences=prefs),
        constraints=constraints,
        avoid_colours=() if "colours" in drops else state.avoid_colours,
    )
    return new, f"Here is what fits now ({'; '.join(_ANY[d] for d in drops)}):"


def _cleared(fields: Iterable[str]) -> dict[str, Any]:
    return {f: None if f.startswith("budget") or f == "gender" else () for f in fields}


def _changes(parsed: Parsed) -> list[str]:
    out = []
    if parsed.budget_max is not None:
        out.append(f"under {format_number(parsed.budget_max)}")
    if parsed.budget_min is not None:
        out.append(f"over {format_number(parsed.budget_min)}")
    if parsed.gender:
        out.append(f"for {parsed.gender}")
    if parsed.colours:
        out.append(f"in {', '.join(parsed.colours)}")
    out += [f"not by {b}" for b in parsed.avoid_brands]
    return out


def loosened(c: Constraints, search: Callable[[Constraints], list[T]]) -> tuple[Constraints, str, list[T]]:
    """The constraints, or with the first of material, colour, size dropped that lets `search` find
    something ("cotton nightwear" where no nightwear says its fabric); the words for what was dropped,
    and what was found."""
    found = search(c)
    if found:
        return c, "", found
    options = (
        (c.materials, replace(c, materials=()), "made of {}"),
        (c.colours, replace(c, colours=()), "{}"),
        (c.sizes, replace(c, sizes=()), "size {}"),
    )
    for values, looser, words in options:
        if values and (looser_found := search(looser)):
            return looser, words.format(" or ".join(values)), looser_found
    return c, "", []


def set_aside(shopper: Shopper, said: Constraints) -> list[tuple[str, Shopper]]:
    """The shopper with saved preferences set aside, one more at a time (budget, colours, sizes,
    brands), each with words for what was set aside; only preferences this chat did not state."""
    p = shopper.preferences
    steps: list[tuple[bool, str, Callable[[Preferences], Preferences]]] = [
        (p.budget_max is not None and said.budget_max is None,
         f"usual budget of {format_number(p.budget_max or 0)}", lambda q: replace(q, budget_max=None)),
        (bool(p.colours) and not said.colours, f"colours ({' or '.join(p.colours)})",
         lambda q: replace(q, colours=())),
        (bool(p.sizes) and not said.sizes, f"sizes ({' or '.join(p.sizes)})", lambda q: replace(q, sizes=())),
        (bool(p.brands) and not said.brands, f"brands ({' or '.join(p.brands)})",
         lambda q: replace(q, brands=())),
    ]  # fmt: skip
    out: list[tuple[str, Shopper]] = []
    words: list[str] = []
    prefs = p
    for applies, said_as, clear in steps:
        if applies:
            prefs = clear(prefs)
            words.append(said_as)
            out.append((" and ".join(words), replace(shopper, preferences=prefs)))
    return out


def set_aside_header(fitting: int, words: str) -> str:
    """The lead of a list that saved preferences were set aside for (after `fitting` items that fit)."""
    if not fitting:
        return f"Nothing fits your {words}; setting that aside, the nearest:"
    first = "Only the first fits" if fitting == 1 else f"Only the first {fitting} fit"
    return f"{first} your {words}; after them, the nearest without that:"


def avoided_ids(items: Sequence[Item], state: ChatState) -> frozenset[str]:
    """Items in a category or colour the shopper moved away from in this chat."""
    if not (state.avoid_categories or state.avoid_colours):
        return frozenset()
    categories = {c.lower() for c in state.avoid_categories}
    colours = {c.lower() for c in state.avoid_colours}
    return frozenset(
        i.item_id
        for i in items
        if (i.category or "").lower() in categories or (i.colour or "").lower() in colours
    )
