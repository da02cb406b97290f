"""Training rows for the realizer: plan -> delexicalised sentence pairs composed from the phrasing bank.

Every kind alone and combined (up to three, one per group), in each tone and variant; some rows carry
words to avoid, and their target is the first variant without them. Every target passes the plan check
(check.py) before it becomes a row, so the model is never taught a word the check would refuse. A share
of the two- and three-fact combinations is held out (`held_out`) to measure whether the model realizes
combinations it never saw. Registered as the `plans` training source (`whythis.training_sources`).
"""

from __future__ import annotations

import hashlib
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from agent.plans.bank import Bank, load_bank
from agent.plans.check import Vocabulary, check_realized, shipped_vocabulary, tokens
from agent.plans.facts import KINDS, PlanError, fact
from agent.plans.planner import TONES, VARIANTS, Plan, fits_together

PROMPT = "realize"
HELD_OUT_SHARE = 0.1
_AVOID_SHARE = 0.1
SIZE_WEIGHTS = {1: 0.2, 2: 0.4, 3: 0.4}  # how many facts a drawn plan holds
_FUNCTION = frozenset("it and the your you a an of to is this one as for in with at".split())


@dataclass(frozen=True)
class Pair:
    """One training pair: the plan and its delexicalised target."""

    plan: Plan
    target: str


def signatures(size: int) -> list[tuple[str, ...]]:
    """Every ordered combination of `size` kinds, one kind per group."""
    return [kinds for kinds in itertools.permutations(KINDS, size) if fits_together(kinds)]


def held_out(kinds: tuple[str, ...]) -> bool:
    """True for the combinations training never sees (a fixed share of those with two or more kinds)."""
    if len(kinds) < 2:
        return False
    digest = hashlib.sha256("|".join(kinds).encode()).digest()
    return digest[0] < 256 * HELD_OUT_SHARE


def placeholder_plan(kinds: tuple[str, ...], tone: str, variant: int, avoid: tuple[str, ...] = ()) -> Plan:
    """A plan of these kinds whose values are their slot names (the realizer never reads values)."""
    facts = tuple(fact(k, "training", **{s: s.lower() for s in KINDS[k].slots}) for k in kinds)
    return Plan(facts, tone, variant, avoid)


def pairs(count: int, seed: int = 0, split: str = "train", bank: Bank | None = None) -> Iterator[Pair]:
    """`count` checked pairs of the train combinations (or of the held-out ones), drawn with `seed`."""
    bank = bank or load_bank()
    vocabulary = shipped_vocabulary()
    rng = random.Random(seed)
    pools = {n: [s for s in signatures(n) if held_out(s) == (split == "held_out")] for n in SIZE_WEIGHTS}
    sizes = [n for n in SIZE_WEIGHTS if pools[n]]
    made = 0
    while made < count:
        n = rng.choices(sizes, weights=[SIZE_WEIGHTS[s] for s in sizes])[0]
        kinds = rng.choice(pools[n])
        pair = _pair(kinds, rng.choice(TONES), rng.randint(1, VARIANTS), rng, bank, vocabulary)
        if pair is not None:
            made += 1
            yield pair


def _pair(
    kinds: tuple[str, ...], tone: str, variant: int, rng: random.Random, bank: Bank, vocabulary: Vocabulary
) -> Pair | None:
    target = bank.compose(kinds, tone, variant)
    plan = placeholder_plan(kinds, tone, variant)
    if rng.random() < _AVOID_SHARE:
        words = sorted({t for t in tokens(target) if t[0].isalpha() and t not in _FUNCTION})
        if words:
            word = rng.choice(words)
            other = _without(kinds, tone, variant, word, bank)
            if other is not None:
                plan, target = placeholder_plan(kinds, tone, variant, (word,)), other
    verdict = check_realized(target, plan, vocabulary)
    if not verdict.ok:
        raise PlanError(f"a target of the phrasing bank fails the plan check: {target!r}: {verdict.problems}")
    return Pair(plan, target)


def _without(kinds: tuple[str, ...], tone: str, variant: int, word: str, bank: Bank) -> str | None:
    for shift in range(1, VARIANTS):
        text = bank.compose(kinds, tone, (variant - 1 + shift) % VARIANTS + 1)
        if word not in tokens(text):
            return text
    return None


def as_row(pair: Pair, key: str) -> dict[str, Any]:
    """A prompt row (the `rows` file format finetune reads)."""
    return {"prompt": PROMPT, "variables": {"plan": pair.plan.linear()}, "answer": pair.target, "key": key}


def plan_rows(data_dir: str | None, limit: int | None, audience: str) -> list[dict[str, Any]]:
    """The `plans` training source: 6,000 rows unless limited (the data dir and audience are unused)."""
    count = limit or 6000
    return [as_row(p, f"plans:{i}") for i, p in enumerate(pairs(count, seed=0))]
