"""The longer answers of the chat, written from data only: why, why not, compare, about me, help."""

from __future__ import annotations

from collections.abc import Sequence

from agent.chat.state import ChatState
from agent.reasons.variables import format_number
from agent.recommender import Recommendation, price_text


def help_text() -> str:
    """What the chat understands."""
    return (
        "You can tell me what you're after ('black running shoes under 120'), or ask: "
        "'why #2?', 'why not #3?', 'compare #1 and #2', 'something cheaper', 'more like #1', "
        "'like #1 but in blue', 'show me others', 'what do you know about me?', or 'quit'."
    )


def item_line(n: int, rec: Recommendation) -> str:
    """One numbered line of a recommendation list, with its reason."""
    item = rec.item
    brand = f" by {item.brand}" if item.brand else ""
    return f"#{n} {item.title}{brand} - {price_text(item)}\n   {rec.reason.text}"


def _position(state: ChatState, rec: Recommendation) -> str:
    ids = state.shown
    return f"#{ids.index(rec.item.item_id) + 1}" if rec.item.item_id in ids else rec.item.title


def explain_why(rec: Recommendation, state: ChatState) -> str:
    """The evidence behind a recommendation: matched facts and the retrieval signals."""
    lines = [f"{_position(state, rec)} {rec.item.title} - {price_text(rec.item)}", rec.reason.text]
    if rec.reason.matches:
        lines.append("What I matched between you and this item:")
        lines += [
            f"  - your {m.shopper_fact} -> its {m.item_attribute}: {m.value}" for m in rec.reason.matches
        ]
    else:
        lines.append("I know little about you yet, so it rests on the item itself and what you asked for.")
    if rec.candidate.evidence:
        lines.append("How it came up:")
        lines += [f"  - {e.detail}" for e in rec.candidate.evidence]
    return "\n".join(lines)


def _price_gap(a: Recommendation, b: Recommendation) -> str | None:
    pa, pb = a.item.price, b.item.price
    if pa is None or pb is None or pa == pb:
        return None
    word = "more" if pa > pb else "less"
    return f"it costs {format_number(abs(pa - pb))} {word} ({format_number(pa)} vs {format_number(pb)})"


def explain_why_not(rec: Recommendation, best: Recommendation | None, state: ChatState) -> str:
    """Why an item ranks where it does, compared with the one above it."""
    pos = _position(state, rec)
    if best is None:
        return f"{pos} is my top pick. {rec.reason.text}"
    other = _position(state, best)
    lines = [f"{pos} {rec.item.title} ranks below {other} {best.item.title}:"]
    gap = _price_gap(rec, best)
    if gap:
        lines.append(f"  - {gap}")
    mine, theirs = len(rec.reason.matches), len(best.reason.matches)
    if mine != theirs:
        lines.append(f"  - it meets {mine} of your wishes, {other} meets {theirs}")
    if not gap and mine == theirs:
        lines.append(f"  - it matched what you asked for a little less closely than {other}")
    lines.append(f"It is still a fair choice: {rec.reason.text}")
    return "\n".join(lines)


def about_me(state: ChatState, bought_titles: Sequence[str] = ()) -> str:
    """Everything the reasons may use about this shopper, and where it came from."""
    s = state.shopper
    p = s.preferences
    lines = ["Here is what I know about you, and all my reasons use:"]
    lines.append(f"  - profile: {s.profile}" if s.profile else "  - no profile")
    wants = [
        f"budget up to {format_number(p.budget_max)}" if p.budget_max else "",
        f"gender {p.gender}" if p.gender else "",
        f"colours {', '.join(p.colours)}" if p.colours else "",
        f"brands to avoid {', '.join(p.avoid_brands)}" if p.avoid_brands else "",
    ]
    lines.append("  - preferences: " + ("; ".join(w for w in wants if w) or "none given"))
    if s.purchases:
        lines.append("  - past purchases: " + "; ".join(x.title[:60] for x in s.purchases))
    if s.history:
        names = list(bought_titles) or list(s.history)
        lines.append(f"  - {len(s.history)} items bought here: " + "; ".join(names[:10]))
    c = state.constraints
    said = [f"under {format_number(c.budget_max)}" if c.budget_max else "", *c.colours]
    if state.wants or any(said):
        lines.append("  - from this chat: " + "; ".join(x for x in [state.wants, *said] if x))
    return "\n".join(lines)
