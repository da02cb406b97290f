"""Re-voicing the realizer with a teacher: a shop's large model words plans, the plan check keeps the rows.

The plans are drawn as the `plans` training source draws them (targets.py), never of a held-out
combination. The teacher reads the phrasing bank's rules, the connective vocabulary and the bank's own
wording of each fact (prompts/templates/distill.yaml) and writes a delexicalised sentence per draw. A
draw becomes a row only when it passes the plan check, states every fact of its plan and holds at most
two sentences; identical (plan, text) rows are written once. Words the teacher wrote outside the
vocabulary are counted for people to review: vocabulary.yaml changes by hand only, never from here.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from agent.plans.bank import BANK_FILE, Bank, load_bank
from agent.plans.check import Vocabulary, check_realized, shipped_vocabulary, tokens
from agent.plans.facts import KINDS
from agent.plans.planner import TONES, VARIANTS, Plan
from agent.plans.slots import spaced
from agent.plans.targets import SIZE_WEIGHTS, Pair, as_row, held_out, placeholder_plan, signatures
from finetune.runtime.generator import Generator, drawn_as_done
from prompts.render import PromptFile, Rendered, load_prompt, render
from whythis.errors import ConfigError

log = logging.getLogger(__name__)
PROMPT_NAME = "distill"
DEFAULT_VOICE = "friendly and plain, like a helpful assistant in a small shop who knows the shopper"
# The files that decide what is kept (recorded in run.json with their digests).
JUDGED_BY = (BANK_FILE, BANK_FILE.with_name("vocabulary.yaml"))
MAX_NEW_TOKENS = 96  # two sentences of up to 40 words and the slot tokens, with room to spare
MAX_SENTENCES = 2
TOP_WORDS = 30
_QUOTES = "\"'“”‘’`"
_FAILURES = (  # a plan check problem -> the failure kind counted for it
    ("is not a slot of the plan", "slot not of the plan"),
    ("does not state", "slot in a frame the bank does not use"),
    (" times", "slot used more than once"),
    ("is not said", "lead fact not said"),
    ("numbers come in slots only", "digit"),
    ("is not a connective word", "word outside the vocabulary"),
    ("is a word to avoid", "word to avoid"),
)


@dataclass(frozen=True)
class DistillSettings:
    """How many rows to keep and how the teacher is asked; checked when made, before any model loads."""

    rows: int
    seed: int = 0
    tones: tuple[str, ...] = TONES
    draws: int = 2
    temperature: float = 0.8
    voice: str = DEFAULT_VOICE
    max_plans: int = 0  # 0: four plans per row wanted
    batch: int = 32  # plans asked at once (the server batches their requests)

    def __post_init__(self) -> None:
        tones = ", ".join(self.tones) or "none"
        known = bool(self.tones) and set(self.tones) <= set(TONES)
        checks = (
            (self.rows >= 1, f"rows must be 1 or more, got {self.rows}"),
            (1 <= self.draws <= 16, f"draws must be 1 to 16, got {self.draws}"),
            (0 < self.temperature <= 2, f"temperature must be above 0 and at most 2, got {self.temperature}"),
            (known, f"tones must be among {', '.join(TONES)}, got {tones}"),
            (bool(self.voice.strip()), "voice must describe the shop's voice, got an empty text"),
            (self.max_plans >= 0, f"max_plans must be 0 (four per row) or more, got {self.max_plans}"),
            (self.batch >= 1, f"batch must be 1 or more, got {self.batch}"),
        )
        problems = [message for fine, message in checks if not fine]
        if problems:
            raise ConfigError("; ".join(problems))

    @property
    def plan_budget(self) -> int:
        """The most plans asked before stopping with fewer rows than wanted."""
        return self.max_plans or 4 * self.rows


@dataclass(frozen=True)
class Judged:
    """One drawn text, normalised, with what is wrong with it and the words outside the vocabulary."""

    text: str
    failures: tuple[str, ...]
    unknown: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when it may become a row."""
        return not self.failures


@dataclass(frozen=True)
class DistillSummary:
    """What the teacher gave: plans asked, texts drawn, rows kept, and why the rest were dropped."""

    plans: int
    drawn: int
    passed: int
    duplicates: int
    kept: int
    failures: dict[str, int]
    out_of_vocabulary: list[tuple[str, int]]

    @property
    def kept_share(self) -> float:
        """Kept rows per drawn text."""
        return round(self.kept / self.drawn, 4) if self.drawn else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The summary as plain data (run.json's metrics)."""
        out = {**asdict(self), "kept_share": self.kept_share}
        return {**out, "out_of_vocabulary": dict(self.out_of_vocabulary)}


@dataclass(frozen=True)
class Distilled:
    """The rows (`whythis finetune` source "rows") and the summary."""

    rows: list[dict[str, Any]]
    summary: DistillSummary


@dataclass(frozen=True)
class _Tally:  # what a run has seen so far; its containers fill as texts are judged
    counts: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)
    rows: list[dict[str, Any]] = field(default_factory=list)
    seen: set[tuple[str, str]] = field(default_factory=set)


def distill(
    generator: Generator,
    settings: DistillSettings,
    bank: Bank | None = None,
    vocabulary: Vocabulary | None = None,
) -> Distilled:
    """Ask the teacher for plans until `settings.rows` rows are kept or the plan budget is spent."""
    bank = bank or load_bank()
    vocabulary = vocabulary or shipped_vocabulary()
    prompt = load_prompt(PROMPT_NAME)
    rng = random.Random(settings.seed)
    tally = _Tally()
    while len(tally.rows) < settings.rows and tally.counts["plans"] < settings.plan_budget:
        wanted = min(settings.batch, settings.plan_budget - tally.counts["plans"])
        plans = draw_plans(wanted, rng, settings.tones)
        tally.counts["plans"] += len(plans)
        rendered = [distill_prompt(prompt, p, settings.voice, bank, vocabulary) for p in plans]
        for plan, texts in zip(plans, _drawn(generator, rendered, settings), strict=True):
            for text in texts:
                _take(tally, plan, judge(text, plan, vocabulary), settings.rows)
        log.info("%d plans asked, %d of %d rows kept", tally.counts["plans"], len(tally.rows), settings.rows)
    return Distilled(tally.rows, _summary(tally))


def draw_plans(count: int, rng: random.Random, tones: Sequence[str] = TONES) -> list[Plan]:
    """`count` plans of the train combinations (never a held-out one), sized as the `plans` source."""
    pools = _pools()
    sizes = [n for n in SIZE_WEIGHTS if pools[n]]
    weights = [SIZE_WEIGHTS[n] for n in sizes]
    plans = []
    for _ in range(count):
        kinds = rng.choice(pools[rng.choices(sizes, weights=weights)[0]])
        plans.append(placeholder_plan(kinds, rng.choice(tones), rng.randint(1, VARIANTS)))
    return plans


@cache
def _pools() -> dict[int, list[tuple[str, ...]]]:
    return {n: [s for s in signatures(n) if not held_out(s)] for n in SIZE_WEIGHTS}


def distill_prompt(
    prompt: PromptFile, plan: Plan, voice: str, bank: Bank, vocabulary: Vocabulary
) -> Rendered:
    """The teacher's prompt for one plan: each fact's kind, slots and the bank's wording of it."""
    kinds = []
    for i, kind in enumerate(plan.kinds):
        phrasings = bank.facts[kind][plan.tone]
        # Other variants than the plan's, so the teacher sees the frames rather than a target to copy.
        pool = phrasings.lead if i == 0 else tuple(f"it {vp}" for vp in phrasings.vp)
        examples = [pool[(plan.variant + shift) % len(pool)] for shift in (0, 1)]
        spec = KINDS[kind]
        slots = ", ".join(f"[{s}]" for s in spec.slots)
        kinds.append({"name": kind, "what": spec.what, "slots": slots, "examples": examples})
    words = ", ".join(sorted(vocabulary.words))
    variables = {"plan": plan.linear(), "kinds": kinds, "tone": plan.tone, "voice": voice, "words": words}
    return render(prompt, variables)


def normalise(text: str) -> str:
    """One line, without the quotes a chat model may wrap it in, with a space before each slot."""
    return spaced(" ".join(text.split()).strip(_QUOTES).strip())


def judge(text: str, plan: Plan, vocabulary: Vocabulary) -> Judged:
    """Whether a drawn text may be a row of its plan: the plan check, every fact said, two sentences."""
    text = normalise(text)
    if not text:
        return Judged(text, ("empty",), ())
    verdict = check_realized(text, plan, vocabulary)
    failures = [next((kind for mark, kind in _FAILURES if mark in p), p) for p in verdict.problems]
    found = tokens(text)
    if any(f"[{slot}]" not in found for slot in plan.slots()):
        failures.append("a fact left out")
    ends = sum(t in ".!?" for t in found) + (bool(found) and found[-1] not in ".!?")
    if ends > MAX_SENTENCES:
        failures.append("more than two sentences")
    unknown = tuple(dict.fromkeys(t for t in found if t[0].isalpha() and t not in vocabulary.words))
    return Judged(text, tuple(dict.fromkeys(failures)), unknown)


def _drawn(generator: Generator, prompts: Sequence[Rendered], settings: DistillSettings) -> list[list[str]]:
    # Answers come back as each request ends; put them in prompt order so a seed gives the same rows.
    got = dict(drawn_as_done(generator, prompts, settings.draws, MAX_NEW_TOKENS, settings.temperature))
    return [got.get(i, []) for i in range(len(prompts))]


def _take(tally: _Tally, plan: Plan, judged: Judged, wanted: int) -> None:
    tally.counts["drawn"] += 1
    tally.unknown.update(judged.unknown)
    tally.failures.update(judged.failures)
    if not judged.ok:
        return
    tally.counts["passed"] += 1
    pair = (plan.linear(), judged.text)
    if pair in tally.seen:
        tally.counts["duplicates"] += 1
        return
    if len(tally.rows) >= wanted:
        return
    tally.seen.add(pair)
    tally.rows.append(as_row(Pair(plan, judged.text), f"distill:{len(tally.rows)}"))


def _summary(tally: _Tally) -> DistillSummary:
    counts = {name: tally.counts[name] for name in ("plans", "drawn", "passed", "duplicates")}
    failures = dict(tally.failures.most_common())
    return DistillSummary(**counts, kept=len(tally.rows), failures=failures,
                          out_of_vocabulary=tally.unknown.most_common(TOP_WORDS))  # fmt: skip
