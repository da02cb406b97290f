"""Several candidates per card: drawn in one call, each checked, the rule's choice shown."""

from __future__ import annotations

from pathlib import Path

from agent.config import AgentConfig, ReasonConfig
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from tests.fakes import ScriptedGenerator, fake_agent

UNBACKED = "Recommended because it is 50% off today with free shipping."
GENERIC = "Recommended because the Kestrel Thermal Run Hoodie is a blue hoodie from Kestrel Athletics."
PERSONAL = "Recommended because this Kestrel Thermal Run Hoodie comes in blue, which you like, at 79.95 EUR."
GARBLED = "Recommended because Why it fits: colour -> blue, the Kestrel Thermal Run Hoodie."


def _maya() -> Shopper:
    return load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("maya")))


def test_the_most_personal_specific_passing_draw_is_shown_and_the_others_are_kept(tmp_path: Path) -> None:
    generator = ScriptedGenerator(answers=[UNBACKED, GENERIC, GARBLED, PERSONAL])
    agent = fake_agent(tmp_path, generator, AgentConfig(reasons=ReasonConfig(candidates=4, mode="free")))
    shopper = _maya()
    found = agent.candidates(shopper, 1)
    assert found[0].item.title.startswith("Kestrel Thermal Run Hoodie")
    reason = next(agent.reasons(shopper, found))[1]
    assert (reason.text, reason.source) == (PERSONAL, "model")
    assert reason.rejected == (UNBACKED, GARBLED) and reason.alternatives == (GENERIC,)
    assert generator.temperatures == [0.7] and len(generator.seen) == 4  # sampled, one call


def test_one_candidate_is_the_greedy_answer_and_no_passing_draw_is_the_template(tmp_path: Path) -> None:
    generator = ScriptedGenerator(answers=[GENERIC])
    agent = fake_agent(tmp_path, generator, AgentConfig(reasons=ReasonConfig(candidates=1, mode="free")))
    shopper = _maya()
    found = agent.candidates(shopper, 1)
    assert agent.writer.write(shopper, found)[0].text == GENERIC and generator.temperatures == [0.0]
    failing = ScriptedGenerator(answers=[UNBACKED, GARBLED])
    agent = fake_agent(tmp_path, failing, AgentConfig(reasons=ReasonConfig(candidates=2, mode="free")))
    reason = agent.writer.write(shopper, found)[0]
    assert reason.source == "fallback" and reason.rejected == (UNBACKED, GARBLED)
    assert agent.writer.stats.rejected_claims.get("incoherent") == 1
