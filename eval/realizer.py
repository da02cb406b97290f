"""`whythis eval realizer`: does the realizer write what a plan says, also for combinations of fact
kinds it never saw in training?

Plans of the held-out combinations (agent/plans/targets.py `held_out`) and of trained ones, in every
tone, are realized by the configured generator (the shop's engine and adapter), greedy. Reported: the
share that passes the plan check, the share equal to the bank's own sentence, prompt and answer lengths
in tokens, and the commonest reasons a text failed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from agent.config import AgentConfig
from agent.plans.check import check_realized
from agent.plans.slots import spaced
from agent.plans.targets import Pair, pairs
from agent.reasons.realized import plan_prompt
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from prompts.render import load_prompt


def realizer_scores(generator: Generator, chosen: Sequence[Pair], prompt_name: str) -> dict[str, Any]:
    """Plan-check pass rate, exact match and the failures of the generator's texts for these pairs."""
    prompt = load_prompt(prompt_name)
    texts = generator.generate([plan_prompt(prompt, p.plan) for p in chosen])
    passed, exact, why = 0, 0, Counter[str]()
    failures: list[dict[str, str]] = []
    for pair, raw in zip(chosen, texts, strict=True):
        text = spaced(" ".join(raw.split()))
        verdict = check_realized(text, pair.plan)
        passed += verdict.ok
        exact += text == pair.target
        if not verdict.ok:
            why.update(_kind_of(p) for p in verdict.problems)
            if len(failures) < 8:
                problems = "; ".join(verdict.problems)
                failures.append({"plan": pair.plan.linear(), "text": text, "why": problems})
    n = len(chosen)
    return {
        "plans": n,
        "pass_rate": round(passed / n, 3) if n else 0.0,
        "exact_rate": round(exact / n, 3) if n else 0.0,
        "failure_kinds": dict(why.most_common(10)),
        "failures": failures,
    }


def _kind_of(problem: str) -> str:
    """A problem's kind for counting: "not a connective word", "is not said", "does not state" ..."""
    for kind in ("not a connective word", "is not said", "does not state", "not a slot of the plan", "used"):
        if kind in problem:
            return kind
    return problem


def run_realizer(config: AgentConfig, per_split: int) -> dict[str, Any]:
    """Held-out and trained combinations, `per_split` plans each (a seed other than training's)."""
    generator = load_generator(config.generator)
    prompt = config.reasons.realizer_prompt
    unseen = list(pairs(per_split, seed=7, split="held_out"))
    seen = list(pairs(per_split, seed=7, split="train"))
    return {
        "adapter": config.generator.adapter,
        "held_out_combinations": realizer_scores(generator, unseen, prompt),
        "trained_combinations": realizer_scores(generator, seen, prompt),
    }


def realizer_markdown(metrics: dict[str, Any]) -> str:
    """The failures, for reading."""
    lines = ["", "## Texts that failed the plan check", ""]
    for split in ("held_out_combinations", "trained_combinations"):
        lines += [f"- {split}: {f['plan']} -> {f['text']!r} ({f['why']})" for f in metrics[split]["failures"]]
    return "\n".join(lines) + "\n"
