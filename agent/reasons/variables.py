"""The free-text reason prompt's variables: the item's attributes, the shopper, the matched facts and
the retrieval evidence, as the prompt lists them (training rows build theirs with the same code)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agent.grounding.matches import matched_facts
from agent.reasons.evidence import Titles, evidence_lines
from agent.untrusted import neutralise
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper


def format_number(value: float) -> str:
    """A price or rating as a person writes it: no trailing .0, two decimals otherwise."""
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.2f}"


def prompt_facts(item: Item) -> dict[str, str]:
    """The item's attributes as the prompt lists them (description cut short)."""
    facts: dict[str, str] = {}
    for key, value in item.facts().items():
        if key == "title":
            continue
        if isinstance(value, float):
            facts[key] = format_number(value) + ("% off" if key == "discount_pct" else "")
        elif isinstance(value, tuple):
            facts[key] = ", ".join(value)
        else:
            facts[key] = str(value)
    description = neutralise(item.description)  # catalog text is data, never an instruction
    if description:
        facts["description"] = description[:240]
    return facts


def shopper_facts(shopper: Shopper, context: Sequence[Item] = ()) -> dict[str, Any]:
    """What the prompt may say about the shopper: profile, wants, purchases."""
    p = shopper.preferences
    wants = [f"budget up to {format_number(p.budget_max)}"] if p.budget_max else []
    wants += [f"colour {c}" for c in p.colours] + [f"brand {b}" for b in p.brands]
    wants += [f"size {s}" for s in p.sizes] + [f"for {p.gender}"] * bool(p.gender)
    wants += [f"category {c}" for c in p.categories]
    return {
        "profile": shopper.profile[:600],
        "preferences": wants,
        "purchases": [x.title[:80] for x in shopper.purchases[:4]] + [i.title[:80] for i in context[:4]],
    }


def reason_variables(
    shopper: Shopper,
    item: Item,
    audience: str,
    context: Sequence[Item] = (),
    evidence: Sequence[Evidence] = (),
    titles: Titles | None = None,
) -> dict[str, Any]:
    """The variables of the reason prompt for one shopper and item, with its retrieval evidence."""
    matches = [
        f"{m.shopper_fact} -> {m.item_attribute}: {m.value}" for m in matched_facts(item, shopper, context)
    ]
    return {
        "audience": audience,
        "shopper": shopper_facts(shopper, context),
        "item": {"title": neutralise(item.title) or item.item_id, "facts": prompt_facts(item)},
        "matches": matches,
        "signals": evidence_lines(evidence, titles or _no_titles, audience),
    }


def _no_titles(item_id: str) -> str | None:
    return None
