"""The reason cache: a reason already checked is not generated again, until what it rests on changes."""

from __future__ import annotations

from dataclasses import replace

from agent.config import ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.reasons.cache import ReasonCache
from agent.reasons.fallback import Asked
from agent.reasons.writer import Reason, ReasonWriter
from prompts.render import load_prompt
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.retriever import Candidate
from retrieval.shoppers import Preferences, Shopper
from tests.fakes import ScriptedGenerator

TEE = Item(
    "t1", "Solano Essential Tee, Blue", category="T-shirts", brand="Solano", price=19.95, colour="Blue"
)
CAP = Item("c1", "Solano Cap, Blue", category="Caps", brand="Solano", price=9.5, colour="Blue")
MAYA = Shopper("maya", "runs a lot", Preferences(budget_max=80, colours=("Blue",)))
GOOD = "Recommended because this blue Solano piece fits your budget of 80."


def cached_writer(cache: ReasonCache) -> tuple[ReasonWriter, ScriptedGenerator]:
    gen = ScriptedGenerator(answers=[GOOD] * 20)
    checker = GroundingChecker(known_brands=frozenset({"Solano"}))
    return ReasonWriter(gen, checker, load_prompt("reason"), ReasonConfig(candidates=1), cache=cache), gen


def test_the_same_shopper_item_and_request_are_not_generated_twice() -> None:
    cache = ReasonCache()
    writer, gen = cached_writer(cache)
    first = writer.write(MAYA, [Candidate(TEE, 1.0)])
    assert len(gen.seen) == 1 and len(cache) == 1
    again = writer.write(MAYA, [Candidate(CAP, 1.0), Candidate(TEE, 0.5)])  # "show me others" keeps #2
    assert len(gen.seen) == 2 and again[1] == first[0] and again[0].item_id == "c1"
    assert cache.hits == 1


def test_another_request_shopper_or_prompt_version_is_written_anew() -> None:
    cache = ReasonCache()
    writer, gen = cached_writer(cache)
    writer.write(MAYA, [Candidate(TEE, 1.0)])
    writer.write(MAYA, [Candidate(TEE, 1.0)], asked=Asked("a blue tee", Constraints(colours=("Blue",))))
    writer.write(replace(MAYA, profile="swims a lot"), [Candidate(TEE, 1.0)])
    newer = replace(writer, prompt=writer.prompt.model_copy(update={"version": writer.prompt.version + 1}))
    newer.write(MAYA, [Candidate(TEE, 1.0)])
    assert len(gen.seen) == 4 and len(cache) == 4


def test_least_recently_used_reasons_go_first_and_forget_drops_a_shoppers_reasons() -> None:
    cache = ReasonCache(max_entries=2)
    reason = Reason("t1", GOOD, "model", (), ())
    cache.put("a", "maya", reason)
    cache.put("b", "jonas", reason)
    assert cache.get("a") == reason  # now the most recently used
    cache.put("c", "maya", reason)  # "b" goes
    assert cache.get("b") is None and len(cache) == 2
    assert cache.forget("maya") == 2 and len(cache) == 0 and cache.get("a") is None
