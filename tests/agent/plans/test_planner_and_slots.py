from __future__ import annotations

import pytest

from agent.plans.facts import PlanError, fact
from agent.plans.planner import Plan, plan_cards
from agent.plans.slots import article_for, fill, slots_in

PRICE = fact("price", "item.price", PRICE="79 EUR")
RATING = fact("rating", "item.rating", RATING="4.4")
COLOUR = fact("colour", "item.colour", COLOUR="blue")
SAME = fact("same_kind", "purchase", PURCHASE="running shoes")
LIKED = fact("pref_colour", "prefs", COLOUR="blue")
WISH = fact("wish", "chat", WISH="breathable")


def test_the_personal_link_leads_and_a_plan_holds_at_most_three_facts() -> None:
    (plan,) = plan_cards([[PRICE, RATING, COLOUR, WISH, SAME]])
    assert plan is not None
    assert plan.kinds[0] == "same_kind" and len(plan.kinds) == 3


def test_the_same_facts_give_the_same_plans() -> None:
    cards = [[PRICE, RATING, SAME], [PRICE, COLOUR], [PRICE]]
    assert plan_cards(cards) == plan_cards(cards)


def test_variety_across_cards_kinds_shown_before_rank_lower_and_variants_differ() -> None:
    cards = [[PRICE, RATING, COLOUR]] * 3
    plans = [p for p in plan_cards(cards) if p is not None]
    assert len({p.kinds for p in plans}) > 1
    assert [p.variant for p in plans] == [1, 2, 3]


def test_one_fact_of_a_group_and_no_value_said_twice() -> None:
    (plan,) = plan_cards([[LIKED, COLOUR, PRICE]])
    assert plan is not None and plan.kinds == ("pref_colour", "price")
    with pytest.raises(PlanError, match="group"):
        Plan((LIKED, COLOUR))


def test_a_card_with_no_fact_has_no_plan_and_merchandisers_choose_what_leads() -> None:
    assert plan_cards([[]]) == [None]
    (plan,) = plan_cards([[PRICE, RATING, COLOUR]], lead_kinds=["rating"])
    assert plan is not None and plan.kinds[0] == "rating"


def test_the_linear_plan_is_short_and_carries_no_value() -> None:
    plan = Plan((SAME, WISH, PRICE), "expert", 2, ("love",))
    assert plan.linear() == "tone=expert v=2 | same_kind | wish | price | avoid=love"
    assert "running" not in plan.linear()
    with pytest.raises(PlanError, match="tone"):
        Plan((PRICE,), "shouty")


def test_fill_puts_values_in_articles_agree_and_sentences_start_with_a_capital() -> None:
    text = "[COLOUR] it is. It has a [FEATURE] and a [RATING] rating."
    values = {"COLOUR": "blue", "FEATURE": "elastic waist", "RATING": "8.5"}
    assert fill(text, values) == "Blue it is. It has an elastic waist and an 8.5 rating."
    assert article_for("unicorn mug") == "a" and article_for("hour glass") == "an"
    assert slots_in(text) == ["COLOUR", "FEATURE", "RATING"]
    with pytest.raises(KeyError):
        fill("[PRICE]", {})
