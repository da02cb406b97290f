"""Chat answers written from data and config only: compare, about me, how I choose, and short replies."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from agent.chat.explain import about_me, help_text
from agent.chat.state import ChatState
from agent.config import AgentConfig
from agent.reasons.variables import format_number
from agent.recommender import Recommendation
from retrieval.filters import Constraints, violation
from retrieval.items import Item

GREET = "Hi! Tell me what you're looking for, or ask 'why #1?' about anything I show you."
THANKS = "You're welcome! Ask 'why #1?', say 'something cheaper', or 'quit' when you're done."
OFF_TOPIC = (
    "I can only help with products in this shop. Try 'black running shoes under 120', or ask 'why #1?'."
)
ACK = "Okay. Tell me what you'd like next, or ask 'why #1?' about anything on the list."
FORGET_ASK = (
    "Forgetting you deletes your profile, your purchase history, this chat and your feedback from "
    "everything I keep. Say 'yes' to confirm; anything else keeps it."
)
FORGET_KEPT = "Okay, I kept everything. What are you looking for?"


def unknown_text() -> str:
    """The polite answer to a message the chat did not understand."""
    return "I'm not sure I understood that. " + help_text()


def about_me_text(state: ChatState, bought_titles: Sequence[str] = ()) -> str:
    """Everything the reasons may use about this shopper, and how to make the chat forget it."""
    return about_me(state, bought_titles) + "\nTo make me forget all of this, say 'forget me'."


def forgotten_text(counts: Mapping[str, int] | None) -> str:
    """What was deleted when the shopper asked to be forgotten."""
    if counts is None:
        return "Done: I forgot this chat and what you told me. Nothing about you was stored on disk."
    parts = [f"{n} {name}" for name, n in counts.items() if n]
    done = ", ".join(parts) if parts else "nothing was stored yet"
    return f"Done: I deleted everything I kept about you ({done}). You're now an anonymous shopper."


def how_choose_text(config: AgentConfig, catalog_size: int) -> str:
    """An honest, plain description of how candidates are found and reasons are written."""
    r, g = config.retriever, config.generator
    adapter = "no adapter" if g.adapter in (None, "none") else f"adapter '{g.adapter}'"
    return "\n".join(
        [
            f"How I choose, in plain words (catalog of {catalog_size} items):",
            f"  1. Finding: an embedding model ({r.embedder}) turns each product's text into numbers. "
            "I compare them with what you said and your profile, and with the items you bought or "
            "pointed at, and with what shoppers bought together. Each of these signals ranks the "
            "catalog; I merge the rankings, so an item several signals agree on comes first.",
            "  2. Filtering: anything that breaks what you asked for (budget, gender, colour, brands "
            "you avoid, items you already saw or bought) is dropped.",
            f"  3. Explaining: a small language model ({g.base_model}, {adapter}) writes a short reason "
            "from a prompt that lists only the item's attributes and what I know about you.",
            "  4. Checking: every fact in that reason (price, colour, material, brand, size, rating, past "
            "purchases) is checked against the data. A reason that fails is written again once, then "
            "replaced by a plain sentence built from the matching facts. Unchecked text is never shown.",
            "I don't know about stock, delivery or discounts beyond the catalog's own fields, and no "
            "item is paid to rank higher. Ask 'why #1?' to see the evidence behind a pick.",
        ]
    )


@dataclass(frozen=True)
class _Wish:
    """One thing the shopper wants that an item attribute can meet or miss."""

    attribute: str
    said: str
    fits: Callable[[Item], bool]


def _wish(attribute: str, said: str, wanted: Constraints) -> _Wish:
    # The same test the retriever's hard filter applies, so "fits" means what filtering means.
    return _Wish(attribute, said, lambda item: violation(item, wanted) is None)


def _wishes(state: ChatState) -> list[_Wish]:
    """What this shopper asked for, most telling first: budget, colours, brands, gender, sizes."""
    p, c = state.shopper.preferences, state.constraints
    budget = state.budget_max
    colours = c.colours or p.colours
    avoid = tuple(dict.fromkeys(p.avoid_brands + c.avoid_brands))
    gender = c.gender or p.gender
    sizes = {s.strip().lower() for s in p.sizes}
    found = [
        _wish("price", f"your budget up to {format_number(budget)}", Constraints(budget_max=budget))
        if budget
        else None,
        _wish("colour", f"you like {', '.join(colours)}", Constraints(colours=colours)) if colours else None,
        _wish("brand", f"you like {', '.join(p.brands)}", Constraints(brands=p.brands)) if p.brands else None,
        _wish("brand", f"you avoid {', '.join(avoid)}", Constraints(avoid_brands=avoid))
        if avoid and not p.brands
        else None,
        _wish("gender", f"for {gender}", Constraints(gender=gender)) if gender else None,
        _Wish(
            "sizes", f"your size {', '.join(p.sizes)}", lambda i: bool(sizes & {s.lower() for s in i.sizes})
        )
        if sizes
        else None,
    ]
    return [w for w in found if w is not None]


_THEN = ("price", "rating", "material", "sizes", "colour", "brand", "category")


def compare_text(recs: Sequence[Recommendation], state: ChatState) -> str:
    """Two or three items side by side, on what this shopper cares about first, then the rest."""
    heads = [position_of(state, r) for r in recs]
    lines = [" vs ".join(f"{h} {r.item.title}" for h, r in zip(heads, recs, strict=True))]
    # Sizes only weigh between items that all come in sizes: a bottle neither fits nor misses "size M".
    wishes = [w for w in _wishes(state) if w.attribute != "sizes" or all(r.item.sizes for r in recs)]
    fits = [0] * len(recs)
    for wish in wishes:
        cells = []
        for n, rec in enumerate(recs):
            ok = wish.fits(rec.item)
            fits[n] += ok
            cells.append(f"{_fmt(rec.item.facts().get(wish.attribute))} ({'fits' if ok else 'misses'})")
        lines.append(f"  {wish.attribute} - {wish.said}: " + " | ".join(cells))
    done = {w.attribute for w in wishes}
    for name in (n for n in _THEN if n not in done):
        values = [r.item.facts().get(name) for r in recs]
        if any(v is not None for v in values):
            lines.append(f"  {name}: " + " | ".join(_fmt(v) for v in values))
    lines.append(_verdict(recs, heads, fits, len(wishes), bool(state.wants.strip())))
    return "\n".join(lines)


def _verdict(
    recs: Sequence[Recommendation], heads: list[str], fits: list[int], wished: int, said: bool = False
) -> str:
    if not wished:
        best = max(range(len(recs)), key=lambda i: (len(recs[i].reason.matches), recs[i].candidate.score))
        if said:  # what they said names no budget, colour, brand or size to hold the two against
            apart = "Nothing you told me sets them apart on budget, colour, brand or size"
            return f"{apart}; {heads[best]} ranks higher."
        return f"You haven't told me preferences to weigh yet; {heads[best]} is the closer match overall."
    best = max(range(len(recs)), key=lambda i: (fits[i], recs[i].candidate.score))
    if fits.count(fits[best]) > 1:
        return f"They meet your wishes equally ({fits[best]} of {wished}); {heads[best]} ranks higher."
    return f"{heads[best]} meets more of your wishes ({fits[best]} of {wished})."


def position_of(state: ChatState, rec: Recommendation) -> str:
    """How a reply names a shown item: "#2", else its title."""
    ids = state.shown
    return f"#{ids.index(rec.item.item_id) + 1}" if rec.item.item_id in ids else rec.item.title


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return format_number(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)
