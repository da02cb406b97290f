"""JSON round trips of shoppers, items, recommendations, states and conversations."""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from agent.chat.state import ChatState, Conversation
from agent.grounding.check import Claim
from agent.reasons.fallback import MatchedFact
from agent.reasons.writer import Reason
from agent.recommender import Recommendation
from agent.sessions.codec import (
    conversation_from_dict,
    conversation_to_dict,
    item_from_dict,
    item_to_dict,
    recommendation_from_dict,
    recommendation_to_dict,
    shopper_from_dict,
    shopper_to_dict,
)
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.retriever import Candidate, Evidence
from retrieval.shoppers import PastPurchase, Preferences, Shopper
from whythis.errors import DataError

SHOPPER = Shopper(
    "s1",
    "likes hiking",
    Preferences(budget_max=120.0, gender="Women", colours=("blue",), avoid_brands=("Acme",), sizes=("M",)),
    history=("NW-001", "NW-002"),
    purchases=(PastPurchase("Trail boots", item_id="x", category="Shoes", rating=4.0, price=80.0),),
)
ITEM = Item(
    "NW-010",
    "Fjord Jacket",
    category="Jackets",
    brand="Nordvik",
    price=99.5,
    colour="Blue",
    sizes=("S", "M"),
    rating=4.4,
    extra=(("currency", "EUR"),),
)
REC = Recommendation(
    Candidate(ITEM, 0.0312, (Evidence("content", 0.71, 2, "its description matches", ("NW-001",)),)),
    Reason(
        "NW-010",
        "Recommended because it comes in blue.",
        "model",
        (Claim("colour", "blue", True, "colour"),),
        (MatchedFact("preferred colour blue", "colour", "Blue"),),
    ),
)


def through_json(data: Any) -> Any:
    return json.loads(json.dumps(data))


def test_shopper_item_and_recommendation_survive_json() -> None:
    data = shopper_to_dict(SHOPPER)
    assert data["id"] == "s1" and data["preferences"]["colours"] == ["blue"]
    assert shopper_from_dict(through_json(data)) == SHOPPER
    assert item_from_dict(through_json(item_to_dict(ITEM))) == ITEM
    assert recommendation_from_dict(through_json(recommendation_to_dict(REC))) == REC


def test_conversation_round_trip_keeps_state_messages_and_recommendations() -> None:
    state = ChatState(
        SHOPPER,
        shown=("NW-010",),
        seen=frozenset({"NW-010", "NW-011"}),
        constraints=Constraints(budget_max=90.0, colours=("red",), exclude_ids=frozenset({"b", "a"})),
        focus="NW-010",
        wants="a rain jacket",
        like_item_id="NW-010",
        avoid_categories=("Shoes",),
        pending="forget_me",
    )
    conv = Conversation(state, [HumanMessage(content="hi"), AIMessage(content="hello")], {"NW-010": REC})
    data = conversation_to_dict(conv)
    assert data["state"]["constraints"]["exclude_ids"] == ["a", "b"]
    assert data["messages"][0]["type"] == "human"
    back = conversation_from_dict(through_json(data))
    assert back.state == state
    assert [(m.type, m.content) for m in back.messages] == [("human", "hi"), ("ai", "hello")]
    assert back.recommendations == {"NW-010": REC}
    assert conversation_to_dict(back) == data


def test_bad_saved_data_names_the_field() -> None:
    data = through_json(conversation_to_dict(Conversation(ChatState(SHOPPER))))
    data["state"]["surprise"] = 1
    with pytest.raises(DataError, match=r"state\.surprise"):
        conversation_from_dict(data)
    with pytest.raises(DataError, match=r"preferences\.budget_max"):
        shopper_from_dict({"id": "s", "preferences": {"budget_max": "lots"}})
    good = through_json(conversation_to_dict(Conversation(ChatState(SHOPPER))))
    good["messages"] = [{"type": "martian", "data": {"content": "x"}}]
    with pytest.raises(DataError, match="message"):
        conversation_from_dict(good)
