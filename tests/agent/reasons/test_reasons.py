from __future__ import annotations

from agent.config import ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.reasons.texts import mentions_item, tidy
from agent.reasons.variables import prompt_facts
from agent.reasons.writer import ReasonWriter
from prompts.render import load_prompt
from retrieval.items import Item
from retrieval.retriever import Candidate
from retrieval.shoppers import Preferences, Shopper
from tests.fakes import ScriptedGenerator

TEE = Item(
    "t1",
    "Solano Essential Tee, Blue",
    category="T-shirts",
    brand="Solano",
    price=19.95,
    colour="Blue",
    material="cotton",
    rating=4.2,
)
MAYA = Shopper("maya", "runs a lot", Preferences(budget_max=80, colours=("Blue",)))


def writer(answers: list[str]) -> tuple[ReasonWriter, ScriptedGenerator]:
    gen = ScriptedGenerator(answers=answers)
    checker = GroundingChecker(known_brands=frozenset({"Solano", "Kestrel"}))
    return ReasonWriter(gen, checker, load_prompt("reason"), ReasonConfig(retries=1, candidates=1)), gen


def test_tidy_keeps_whole_sentences_only() -> None:
    assert tidy("Recommended because it is blue. It is cotton. Also it", 2) == (
        "Recommended because it is blue. It is cotton."
    )
    assert tidy("A. B. C.", 2) == "A. B."
    assert tidy("Recommended because it is", 2) == ""


def test_a_reason_must_say_something_about_the_item() -> None:
    assert mentions_item("Recommended because this blue tee fits.", TEE)
    assert not mentions_item("Recommended because of the above information.", TEE)


def test_good_first_answer_is_kept() -> None:
    w, gen = writer(["Recommended because this blue cotton tee costs 19.95, well within your budget."])
    [reason] = w.write(MAYA, [Candidate(TEE, 1.0)])
    assert reason.source == "model" and "19.95" in reason.text
    assert gen.temperatures == [0.0] and w.stats.rejected == 0


def test_bad_answer_is_retried_with_sampling_then_kept() -> None:
    w, gen = writer(
        ["Recommended because it is by Kestrel.", "Recommended because it is a blue Solano tee, as you like."]
    )
    [reason] = w.write(MAYA, [Candidate(TEE, 1.0)])
    assert reason.source == "model-retry" and reason.rejected == ("Recommended because it is by Kestrel.",)
    assert gen.temperatures == [0.0, 0.7] and w.stats.rejected == 1


def test_two_bad_answers_fall_back_to_a_grounded_template() -> None:
    w, _ = writer(["Recommended because it costs 9.99.", "Recommended because it is rated 5 stars."])
    [reason] = w.write(MAYA, [Candidate(TEE, 1.0)])
    assert reason.source == "fallback" and len(reason.rejected) == 2
    assert all(c.supported for c in reason.claims)
    assert w.stats.fallbacks == 1 and w.stats.rejected == 2


def test_prompt_lists_formatted_facts_and_the_shopper() -> None:
    facts = prompt_facts(TEE)
    assert facts["price"] == "19.95" and facts["colour"] == "Blue"
    w, gen = writer(["Recommended because this blue tee is cotton."])
    w.write(MAYA, [Candidate(TEE, 1.0)])
    user = gen.seen[0].as_dicts()[-1]["content"]
    assert "runs a lot" in user and "budget up to 80" in user and "Solano Essential Tee" in user
