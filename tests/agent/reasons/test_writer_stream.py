"""The writer's stream: each reason when it is decided, a last-try rejection's template at once."""

from __future__ import annotations

from pathlib import Path

from agent.config import AgentConfig, ReasonConfig
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from tests.fakes import SteppedGenerator, fake_agent

UNBACKED = "Recommended because it comes with free shipping and a guaranteed lowest price."


def test_an_answer_rejected_on_its_last_try_gets_its_template_before_the_others_finish(
    tmp_path: Path,
) -> None:
    generator = SteppedGenerator(answers=[UNBACKED])  # the first answer finished (the last card's) fails
    config = AgentConfig(reasons=ReasonConfig(retries=0, candidates=1))
    agent = fake_agent(tmp_path, generator, config)
    shopper = load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("jonas")))
    found = agent.candidates(shopper, 5)
    streamed = list(agent.reasons(shopper, found))
    assert [i for i, _ in streamed] == [4, 3, 2, 1, 0]
    assert [r.source for _, r in streamed] == ["fallback"] + ["model"] * 4
    assert streamed[0][1].rejected == (UNBACKED,)
