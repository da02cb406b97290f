"""Reasons wherever a shop needs them: for its own recommender's picks (given items) or ours, one record
per shown card with who wrote it and the plan behind it. Used by `whythis recommend --shoppers`, the
API's `POST /api/explain` and `whythis.explain` (the Python entry point the composition root builds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from agent.recommender import Agent, Recommendation
from retrieval.retriever import Candidate
from retrieval.shoppers import Shopper, ShopperFile
from whythis.errors import DataError
from whythis.validation import first_problem

__all__ = ["Explainer", "Shopper", "card_record", "explain_items", "recommend_cards", "shopper_from"]


def explain_items(agent: Agent, shopper: Shopper, item_ids: Sequence[str]) -> list[Recommendation]:
    """A checked reason for each given item, in the order given; DataError naming unknown ids."""
    items = [agent.item(i) for i in item_ids]
    unknown = [i for i, item in zip(item_ids, items, strict=True) if item is None]
    if unknown:
        raise DataError(f"not in the catalog: {', '.join(unknown[:5])} ({len(unknown)} of {len(item_ids)})")
    candidates = [Candidate(item, 0.0, ()) for item in items if item is not None]
    reasons = dict(agent.reasons(shopper, candidates))
    return [Recommendation(c, reasons[n]) for n, c in enumerate(candidates)]


def shopper_from(data: Mapping[str, Any], where: str = "shopper") -> Shopper:
    """A shopper given inline (our shopper format); DataError naming the bad field."""
    try:
        return ShopperFile.model_validate(dict(data)).to_shopper()
    except ValidationError as exc:
        field, problem = first_problem(exc, top="<shopper>", model=ShopperFile)
        raise DataError(f"{where} field {field!r}: {problem}") from exc


def recommend_cards(agent: Agent, shopper: Shopper, k: int) -> list[Recommendation]:
    """Our own top-k for the shopper, each with its checked reason."""
    return agent.recommend(shopper, k)


def card_record(shopper: Shopper, rec: Recommendation) -> dict[str, Any]:
    """One shown card as a JSON record: shopper, item, text, who wrote it, the plan and its slots."""
    reason = rec.reason
    plan = reason.plan
    return {
        "shopper_id": shopper.shopper_id,
        "item_id": rec.item.item_id,
        "text": reason.text,
        "written_by": "model" if reason.source.startswith("model") else "template",
        "plan": plan.linear() if plan else None,
        "facts": [f.describe() for f in plan.facts] if plan else [],
        "slots": plan.slots() if plan else {},
        "written": reason.delexicalised or None,
    }


@dataclass(frozen=True)
class Explainer:
    """The Python entry point for a shop with its own recommender (built by `agent.compose.explainer`):

    from agent.compose import explainer
    from agent.config import load_agent_config
    explain = explainer(load_agent_config(), catalog=Path("products.csv"))
    for card in explain.items(Shopper("s1", purchases=(...)), ["sku-1", "sku-2"]):
        print(card["text"], card["written_by"])
    """

    agent: Agent

    def items(self, shopper: Shopper, item_ids: Sequence[str]) -> list[dict[str, Any]]:
        """A checked reason per given item, as card records (see `card_record`)."""
        return [card_record(shopper, r) for r in explain_items(self.agent, shopper, item_ids)]

    def top(self, shopper: Shopper, k: int = 5) -> list[dict[str, Any]]:
        """Our own top-k for the shopper, as card records."""
        return [card_record(shopper, r) for r in recommend_cards(self.agent, shopper, k)]
