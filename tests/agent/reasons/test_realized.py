from __future__ import annotations

import pytest

from agent.config import AgentConfig, ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.reasons.cache import ReasonCache
from agent.reasons.fallback import Asked
from agent.reasons.realized import Steering, with_steering
from agent.reasons.writer import ReasonWriter
from finetune.runtime.generator import Generator
from prompts.render import load_prompt
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.retriever import Candidate
from retrieval.shoppers import PastPurchase, Preferences, Shopper
from tests.agent.plans.test_facts_and_build import SHOES
from tests.fakes import ScriptedGenerator

SOCKS = Item("s1", "Puma Pack of 3 Ankle Socks", kind="Socks", price=9.0, extra=(("currency", "EUR"),))
RUNNER = Shopper(
    "u1", preferences=Preferences(budget_max=100.0), purchases=(PastPurchase("Adidas Grey Running Shoes"),)
)


def writer(gen: Generator, cache: ReasonCache | None = None, tone: str = "warm") -> ReasonWriter:
    return ReasonWriter(
        gen,
        GroundingChecker(frozenset({"Nike", "Puma"})),
        load_prompt("reason"),
        ReasonConfig(),
        cache=cache,
        realizer=load_prompt("realize"),
        steering=Steering(tone=tone),
    )


def test_the_model_writes_the_plan_and_code_fills_the_slots() -> None:
    gen = ScriptedGenerator()
    reasons = writer(gen).write(RUNNER, [Candidate(SHOES, 1.0, ()), Candidate(SOCKS, 0.9, ())])
    assert [r.source for r in reasons] == ["model", "model"]
    first = reasons[0]
    assert first.plan is not None and first.plan.kinds[0] == "same_kind"
    assert "running shoes" in first.text and "[" not in first.text
    assert "[PURCHASE]" in first.delexicalised
    assert reasons[1].plan is not None and reasons[1].plan.kinds[0] == "goes_with"
    # The realizer reads a short plan, not the free-text prompt.
    assert all("tone=warm" in str(p.messages[-1].content) for p in gen.seen)


def test_a_text_that_fails_the_plan_check_gets_the_template() -> None:
    gen = ScriptedGenerator(answers=["It keeps your feet dry at[PRICE]."] * ReasonConfig().candidates)
    (reason,) = writer(gen).write(RUNNER, [Candidate(SHOES, 1.0, ())])
    assert reason.source == "fallback"
    assert set(reason.rejected) == {"It keeps your feet dry at[PRICE]."}
    # The template is the plan in the bank's own words: still the personal link, never a vague one.
    assert reason.plan is not None and "running shoes" in reason.text


def test_as_you_asked_comes_only_from_what_was_said() -> None:
    gen = ScriptedGenerator()
    asked = Asked("breathable running shoes under 90", Constraints(budget_max=90.0))
    (reason,) = writer(gen).write(Shopper("u2"), [Candidate(SHOES, 1.0, ())], asked=asked)
    assert reason.plan is not None and set(reason.plan.kinds) >= {"wish", "budget_asked"}
    assert "90 EUR" in reason.text and "breathable" in reason.text


def test_two_tones_give_different_checked_texts_for_the_same_plan() -> None:
    warm = writer(ScriptedGenerator(), tone="warm").write(RUNNER, [Candidate(SHOES, 1.0, ())])[0]
    brief = writer(ScriptedGenerator(), tone="brief").write(RUNNER, [Candidate(SHOES, 1.0, ())])[0]
    assert warm.plan is not None and brief.plan is not None
    assert warm.plan.kinds == brief.plan.kinds
    assert warm.source == brief.source == "model" and warm.text != brief.text


def test_one_plan_line_never_serves_another_shoppers_values_from_the_cache() -> None:
    cache = ReasonCache()
    w = writer(ScriptedGenerator(), cache)
    other = Shopper(
        "u3", preferences=Preferences(budget_max=100.0), purchases=(PastPurchase("Puma Blue Running Shoes"),)
    )
    first = w.write(RUNNER, [Candidate(SHOES, 1.0, ())])[0]
    cheaper = Item(
        "r2", SHOES.title, kind="Running Shoes", price=59.0, colour="Blue", extra=(("currency", "EUR"),)
    )
    second = w.write(other, [Candidate(cheaper, 1.0, ())])[0]
    assert first.plan is not None and second.plan is not None
    assert first.plan.linear() == second.plan.linear()
    assert "59 EUR" in second.text and "79 EUR" not in second.text


def test_follow_up_plans_are_realized_in_one_batch() -> None:
    gen = ScriptedGenerator()
    w = writer(gen)
    (reason,) = w.write(RUNNER, [Candidate(SHOES, 1.0, ())])
    assert reason.plan is not None
    done = w.realize_plans(RUNNER, [(SHOES, reason.plan), (SHOES, reason.plan)])
    assert all(d is not None and d.source == "model" for d in done)


def test_follow_up_plans_are_worded_in_the_writers_tone() -> None:
    gen = ScriptedGenerator()
    (reason,) = writer(gen).write(RUNNER, [Candidate(SHOES, 1.0, ())])
    assert reason.plan is not None and reason.plan.tone == "warm"
    (done,) = writer(gen, tone="brief").realize_plans(RUNNER, [(SHOES, reason.plan)])
    assert done is not None and done.plan is not None and done.plan.tone == "brief"
    assert "tone=brief" in str(gen.seen[-1].messages[-1].content)


# --- the shipped realizer (slow) --------------------------------------------------------------


@pytest.mark.slow
def test_the_shipped_realizer_words_one_plan_in_two_tones() -> None:
    from finetune.runtime.backends import load_generator

    # The default agent config's generator: the serving engine with the shipped realizer adapter.
    shipped = writer(load_generator(AgentConfig().generator))
    realize = load_prompt("realize")
    texts = {}
    for tone in ("brief", "warm"):
        # As a studio version (or a trial's) steers it: the tone comes from the prompt's steering block.
        steered = shipped.realizing_with(with_steering(realize, Steering(tone=tone)))
        (reason,) = steered.write(RUNNER, [Candidate(SHOES, 1.0, ())])
        assert reason.plan is not None and reason.plan.tone == tone and "[" not in reason.text
        texts[tone] = (reason.plan.kinds, reason.text, reason.source)
    (brief_kinds, brief, brief_by), (warm_kinds, warm, warm_by) = texts["brief"], texts["warm"]
    assert brief_kinds == warm_kinds  # the same plan, only its tone differs
    assert brief != warm, f"both tones gave {brief!r} ({brief_by}, {warm_by})"
