"""Follow-up answers as plans: "why #2", "why not #3" and "compare #1 and #3" state facts of the items
(what met the shopper, co-purchase counts, the price gap, the budget), never a retrieval score. The
model writes each plan and the plan check passes it (ReasonWriter.realize_plans); where it does not, the
data-only text of explain.py answers instead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from agent.chat.state import ChatState
from agent.grounding.matches import money
from agent.plans.build import CardInput, card_facts
from agent.plans.facts import CARD_KINDS, Fact, fact
from agent.plans.planner import MAX_FACTS, VARIANTS, Plan, fits_together, pick
from agent.recommender import Agent, Recommendation, price_text
from retrieval.items import Item

Titles = Callable[[str], str | None]


def facts_of(rec: Recommendation, state: ChatState, bought: Sequence[Item], titles: Titles) -> list[Fact]:
    """The card facts of a shown item, as its reason was planned from."""
    card = CardInput(
        rec.item, state.shopper, bought, state.wants, state.constraints, rec.candidate.evidence, titles
    )
    return [f for f in card_facts(card) if f.kind in CARD_KINDS]


def why_plan(rec: Recommendation, facts: Sequence[Fact], tone: str = "warm") -> Plan | None:
    """Its facts worded apart from the card: the next variant after the card's own."""
    chosen = pick(facts, Counter(), Counter())
    if not chosen:
        return None
    shown = rec.reason.plan
    variant = shown.variant % VARIANTS + 1 if shown else 1
    return Plan(tuple(chosen), tone, variant)


def gap_fact(rec: Recommendation, other: Recommendation, label: str) -> Fact | None:
    """How much more or less it costs than `other` (named `label`, e.g. "#1 pick")."""
    mine, theirs = rec.item.price, other.item.price
    if mine is None or theirs is None or abs(mine - theirs) < 0.005:
        return None
    gap = money(abs(mine - theirs), rec.item)
    return fact("pricier" if mine > theirs else "cheaper", "item.price", GAP=gap, OTHER=label)


def over_budget_fact(rec: Recommendation, state: ChatState) -> Fact | None:
    """Its price above the budget in force (the shopper's or this chat's)."""
    budget, price = state.budget_max, rec.item.price
    if budget is None or price is None or price <= budget:
        return None
    return fact("over_budget", "item.price", PRICE=money(price, rec.item), BUDGET=money(budget, rec.item))


def why_not_plan(
    rec: Recommendation, best: Recommendation, label: str, facts: Sequence[Fact], state: ChatState
) -> Plan | None:
    """What holds it back (above the budget, or dearer than the top pick), then what still speaks for it."""
    first = over_budget_fact(rec, state) or gap_fact(rec, best, label)
    if first is None:
        return None
    return _plan_with(first, facts)


def compare_plans(
    recs: Sequence[Recommendation], labels: Sequence[str], facts: Sequence[Sequence[Fact]]
) -> list[Plan | None]:
    """One plan per compared item: its price against the next one's, then its strongest fact."""
    plans: list[Plan | None] = []
    for n, rec in enumerate(recs):
        other = (n + 1) % len(recs)
        gap = gap_fact(rec, recs[other], labels[other])
        if gap is not None:
            plans.append(_plan_with(gap, facts[n], variant=n + 1))
            continue
        lead = pick(facts[n], Counter(), Counter())
        plans.append(Plan(tuple(lead), "warm", n + 1) if lead else None)
    return plans


def _plan_with(first: Fact, facts: Sequence[Fact], variant: int = 1) -> Plan:
    chosen = [first]
    for f in pick(facts, Counter(), Counter()):
        if len(chosen) < MAX_FACTS - 1 and fits_together([*(c.kind for c in chosen), f.kind]):
            chosen.append(f)
    return Plan(tuple(chosen), "warm", (variant - 1) % VARIANTS + 1)


def _context(agent: Agent, state: ChatState) -> tuple[list[Item], Titles]:
    bought = [i for i in (agent.item(x) for x in state.shopper.history) if i is not None]

    def titles(item_id: str) -> str | None:
        found = agent.item(item_id)
        return found.title if found is not None else None

    return bought, titles


def _label(state: ChatState, rec: Recommendation) -> str:
    ids = state.shown
    return f"#{ids.index(rec.item.item_id) + 1} pick" if rec.item.item_id in ids else "other pick"


def _head(state: ChatState, rec: Recommendation) -> str:
    return f"{_label(state, rec).removesuffix(' pick')} {rec.item.title} - {price_text(rec.item)}"


def why_text(agent: Agent, state: ChatState, rec: Recommendation) -> str | None:
    """ "Why #2?" written by the model from the item's facts, or None (the data-only answer then)."""
    bought, titles = _context(agent, state)
    plan = why_plan(rec, facts_of(rec, state, bought, titles))
    if plan is None:
        return None
    (done,) = agent.realize(state.shopper, [(rec.item, plan)])
    return f"{_head(state, rec)}\n{done.text}" if done is not None else None


def why_not_text(agent: Agent, state: ChatState, rec: Recommendation, best: Recommendation) -> str | None:
    """ "Why not #3?" against the top pick, written by the model, or None."""
    bought, titles = _context(agent, state)
    plan = why_not_plan(rec, best, _label(state, best), facts_of(rec, state, bought, titles), state)
    if plan is None:
        return None
    (done,) = agent.realize(state.shopper, [(rec.item, plan)])
    if done is None:
        return None
    return f"{_head(state, rec)} ranks below {_label(state, best)}.\n{done.text}"


def compare_text(agent: Agent, state: ChatState, recs: Sequence[Recommendation]) -> str | None:
    """ "Compare #1 and #3": a plan per item written by the model, or None when any one fails."""
    bought, titles = _context(agent, state)
    facts = [facts_of(r, state, bought, titles) for r in recs]
    plans = compare_plans(recs, [_label(state, r) for r in recs], facts)
    if any(p is None for p in plans):
        return None
    done = agent.realize(state.shopper, [(r.item, p) for r, p in zip(recs, plans, strict=True) if p])
    if any(d is None for d in done):
        return None
    lines = [f"{_head(state, r)}: {d.text}" for r, d in zip(recs, done, strict=True) if d is not None]
    return "\n".join(lines)
