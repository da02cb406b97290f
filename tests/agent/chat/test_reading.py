"""The model reads each turn in context; a reading that does not fit falls back to the rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.chat.agent import ChatAgent
from agent.chat.reading import turn_context
from agent.config import AgentConfig
from agent.recommender import Agent, load_agent
from agent.turns.reader import TurnReader
from prompts.render import load_prompt
from retrieval.catalog import demo_catalog_path
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator


@pytest.fixture
def agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Agent:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    return load_agent(
        AgentConfig(), demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder()
    )


def jonas() -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("jonas")))


def reading_bot(agent: Agent, answers: list[str]) -> tuple[ChatAgent, ScriptedGenerator]:
    lm = ScriptedGenerator(answers=list(answers))
    return ChatAgent.over(agent, reader=TurnReader(lm, load_prompt("read_turn"))), lm


def test_the_model_s_reading_decides_the_turn(agent: Agent) -> None:
    bot, lm = reading_bot(agent, ["[why] 3"])
    conv, _ = bot.start(jonas())
    reply = bot.respond(conv, "and that one over there?")  # the rules cannot place it
    assert reply.intent == "why"
    assert reply.explained[0].item.item_id == conv.state.shown[2]
    prompt = str(lm.seen[0].messages[-1].content)
    assert "#3 " in prompt and "shopper: and that one over there?" in prompt


def test_a_reading_naming_a_card_not_on_screen_falls_back_to_the_rules(agent: Agent) -> None:
    bot, _ = reading_bot(agent, ["[why] 9"])
    conv, _ = bot.start(jonas())
    reply = bot.respond(conv, "why #2?")
    assert reply.intent == "why"
    assert reply.explained[0].item.item_id == conv.state.shown[1]


def test_exact_commands_stay_with_the_rules(agent: Agent) -> None:
    bot, lm = reading_bot(agent, ["[greet]"])
    conv, _ = bot.start(jonas())
    assert bot.respond(conv, "quit").done
    assert not lm.seen


def test_a_failing_reader_costs_no_turn(agent: Agent) -> None:
    lm = ScriptedGenerator(broken=True)
    bot = ChatAgent.over(agent, reader=TurnReader(lm, load_prompt("read_turn")))
    conv, _ = bot.start(jonas())
    assert bot.respond(conv, "why #1?").intent == "why"


def test_two_changes_in_one_reading_change_both(agent: Agent) -> None:
    lm = ScriptedGenerator()
    bot = ChatAgent.over(agent, reader=TurnReader(lm, load_prompt("read_turn")))
    conv, first = bot.start(jonas())
    price = first.items[0].item.price
    assert price is not None
    lm.answers.append(f"[cheaper] 1 [=budget_max] {price:g} [+colours] black")
    reply = bot.respond(conv, "like the first but less pricey, and black please")
    assert reply.items and all((r.item.price or 0) < price for r in reply.items)
    assert conv.state.constraints.colours == ("black",)


def test_values_the_message_does_not_hold_are_not_used(agent: Agent) -> None:
    bot, _ = reading_bot(agent, ["[search] [=kind] giardita [=for] men [=budget_max] 70 [+colours] teal"])
    conv, _ = bot.start(jonas())
    bot.respond(conv, "a shoulder bag please")
    c = conv.state.constraints
    assert c.gender is None and c.budget_max is None and c.colours == ()


def test_the_context_is_what_the_shopper_saw(agent: Agent) -> None:
    bot, _ = reading_bot(agent, [])
    conv, reply = bot.start(jonas())
    conv.add_user("next")
    context = turn_context(conv)
    assert context.assistant == reply.text.split("\n", 1)[0]
    assert [c.n for c in context.cards] == [1, 2, 3, 4, 5]
    assert context.cards[0].title == reply.items[0].item.title


def test_a_shopping_message_the_model_sends_away_is_read_by_the_rules(agent: Agent) -> None:
    bot, _ = reading_bot(agent, ["[off_topic]"])
    conv, _ = bot.start(jonas())
    reply = bot.respond(conv, "ignore the blue one, show me red")
    assert reply.intent != "off_topic" and reply.cards is None and reply.items
