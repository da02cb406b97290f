"""Prompt drafts: strict validation against sample variables, and previews of a prompt on shoppers x items.

A preview renders with the given prompt exactly as the ReasonWriter does (a copy of the writer with the
prompt swapped in; a realizer prompt brings its steering block), generates, runs the grounding check, and
reports what a shopper would have been shown and its voice figures (model-written, true and coherent,
personal, specific, variety, length). A draft's steering is checked against the tones and fact kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from agent.plans.facts import PlanError
from agent.reasons.choose import distinct_n
from agent.reasons.figures import shown_reason, voice_figures
from agent.reasons.realized import Steering
from agent.reasons.variables import reason_variables
from agent.reasons.writer import Reason, ReasonStats, ReasonWriter
from finetune.training.data import XrecRow, xrec_variables
from prompts.render import PromptFile, parse_prompt, render
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.items import Item
from retrieval.retriever import Candidate, Evidence
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from whythis.errors import PromptError

# The shape callers (the studio) pass shoppers and chosen pairs in, named here so they need not know where
# Shopper and Candidate live.
PreviewPair = tuple[Shopper, Candidate]
AUDIENCES = ("shopper", "support")
_VERSION_LINE = re.compile(r"^version:.*$", re.MULTILINE)
_NAME_LINE = re.compile(r"^name:.*$", re.MULTILINE)


@cache
def _demo_reason_inputs() -> tuple[Shopper, Item, tuple[Item, ...]]:
    shopper = load_shopper(next(p for p in demo_shopper_paths() if p.stem.startswith("maya")))
    items = load_catalog(demo_catalog_path()).items
    context = tuple(i for i in items if i.item_id in shopper.history)
    item = next((i for i in items if reason_variables(shopper, i, "shopper", context)["matches"]), items[0])
    return shopper, item, context


def _reason_sample(audience: str) -> dict[str, Any]:
    shopper, item, context = _demo_reason_inputs()
    # One signal so that the evidence branch of a template is rendered too.
    signal = Evidence("content", 0.8, 1, "close to what the shopper described")
    return reason_variables(shopper, item, audience, context, (signal,))


def _xrec_sample(audience: str) -> dict[str, Any]:
    row = XrecRow(
        user_id="u1",
        item_id="i1",
        title="Kestrel Stride 3 Running Shoe",
        user_profile="Runs three times a week and likes light gear.",
        item_profile="A cushioned everyday running shoe with a breathable mesh upper.",
        explanation="The user would like the light cushioning.",
    )
    return xrec_variables(row, "shopper" if audience == "shopper" else "support")


def _realize_sample(audience: str) -> dict[str, Any]:
    return {"plan": "tone=warm v=1 | same_kind | price | avoid=cheap"}  # the shape of Plan.linear()


_SAMPLES: dict[str, Callable[[str], dict[str, Any]]] = {
    "reason": _reason_sample,
    "xrec": _xrec_sample,
    "realize": _realize_sample,
}


def sample_variables(name: str, audience: str = "shopper") -> dict[str, Any]:
    """The variables the code that renders prompt `name` provides, filled from the demo data."""
    # Any other name is a custom reason prompt (reasons.prompt names a file): the writer renders it.
    return _SAMPLES.get(name, _reason_sample)(audience)


def render_problems(prompt: PromptFile, name: str) -> list[str]:
    """What fails when the prompt renders strictly, for every audience, with only its declared variables."""
    problems = []
    openings = [prompt.response_prefix]  # the template: every branch; each render: what variables add
    if prompt.name != name:
        problems.append(f"the file is named {prompt.name!r} but is being saved as prompt {name!r}")
    for audience in AUDIENCES:
        given = sample_variables(name, audience)
        unknown = [v for v in prompt.variables if v not in given]
        if unknown:
            problems.append(
                f"variables {', '.join(unknown)} are not provided for prompt {name!r}; "
                f"available: {', '.join(given)}"
            )
            continue
        try:
            # Only the declared variables: a template using an undeclared one fails here, not in production.
            openings.append(render(prompt, {v: given[v] for v in prompt.variables}).response_prefix)
        except PromptError as exc:
            problems.append(str(exc))  # the same failure for both audiences is listed once
    if prompt.house_rules and not any("house_rules" in m.content for m in prompt.messages):
        problems.append("house_rules are set but no message uses {{ house_rules }}, so they have no effect")
    problems += [
        f"response_prefix contains the banned phrase {p!r}"
        for p in prompt.banned_phrases
        if any(p.lower() in opening.lower() for opening in openings)
    ]
    return list(dict.fromkeys(problems + steering_problems(prompt)))


def steering_problems(prompt: PromptFile) -> list[str]:
    """What is wrong with a prompt's steering block: a tone or lead kind the planner does not know (each
    named with the valid ones), or a block on a prompt that has no plan to steer."""
    block = prompt.steering
    if block is None:
        return []
    if "plan" not in prompt.variables:
        return ["steering is set but only the realizer's prompt (which takes `plan`) is steered"]
    problems = []
    for tone, kinds in ((block.tone, ()), ("warm", tuple(block.lead_kinds))):  # each part on its own
        try:
            Steering(tone, kinds)
        except PlanError as exc:
            problems.append(str(exc))
    return problems


def draft_problems(text: str, name: str) -> tuple[PromptFile | None, list[str]]:
    """The parsed draft (None when it does not parse) and its problems (empty: it saves and renders)."""
    try:
        # The version field is the store's to set: any draft value is replaced on save.
        prompt = parse_prompt(with_version(text, 1), f"draft of {name!r}")
    except PromptError as exc:
        return None, [str(exc)]
    return prompt, render_problems(prompt, name)


def check_draft(text: str, name: str) -> PromptFile:
    """The prompt file of a draft that parses and renders strictly; PromptError naming the problems."""
    prompt, problems = draft_problems(text, name)
    if prompt is None or problems:
        raise PromptError("; ".join(problems))
    return prompt


def with_version(text: str, version: int) -> str:
    """The YAML text with its top-level `version:` set (added after `name:` when missing)."""
    line = f"version: {version}"
    if _VERSION_LINE.search(text):
        return _VERSION_LINE.sub(line, text, count=1)
    found = _NAME_LINE.search(text)
    if found is None:
        return f"{line}\n{text}"
    return f"{text[: found.end()]}\n{line}{text[found.end() :]}"


def validate_draft(text: str, name: str = "reason") -> list[str]:
    """The problems of a draft of prompt `name`, for validation as you type (empty: it is fine)."""
    return draft_problems(text, name)[1]


@dataclass(frozen=True)
class PreviewRow:
    """What one shopper would have been shown for one item, and the drafts the check turned down."""

    shopper_id: str
    item_id: str
    title: str
    text: str
    source: str
    rejected: tuple[str, ...]


@dataclass(frozen=True)
class PreviewMetrics:
    """How a prompt did over a preview: grounding, fallbacks, length, banned phrasings, variety."""

    pairs: int
    generated: int
    accepted: int
    grounding_pass_rate: float
    fallback_rate: float
    mean_words: float
    banned_hits: int
    distinct_2: float
    # The voice figures of the shown reasons, as `whythis eval grounding` reports them (figures.py).
    voice: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Preview:
    """The rows and metrics of one prompt's preview."""

    prompt_name: str
    prompt_version: int
    rows: tuple[PreviewRow, ...]
    metrics: PreviewMetrics
    steering: Steering | None = None  # what the plans were steered by (a preview of the realizer's prompt)


def preview_prompt(
    writer: ReasonWriter, prompt: PromptFile, pairs: Sequence[PreviewPair], audience: str | None = None
) -> Preview:
    """Write a reason with `prompt` for every (shopper, candidate) pair, as the writer would."""
    draft = preview_writer(writer, prompt)
    reasons: dict[int, Reason] = {}
    for group in _by_shopper(pairs):
        shopper = pairs[group[0]][0]
        written = draft.write(shopper, [pairs[i][1] for i in group], audience)
        reasons.update(zip(group, written, strict=True))
    rows = tuple(
        PreviewRow(s.shopper_id, c.item.item_id, c.item.title, r.text, r.source, r.rejected)
        for (s, c), r in ((pairs[i], reasons[i]) for i in range(len(pairs)))
    )
    shown = [shown_reason(draft, s, c, reasons[i], audience=audience) for i, (s, c) in enumerate(pairs)]
    metrics = replace(preview_metrics(rows, draft.stats, prompt), voice=voice_figures(shown))
    steering = draft.steering if draft.realizer is not None else None
    return Preview(prompt.name, prompt.version, rows, metrics, steering)


def preview_writer(writer: ReasonWriter, prompt: PromptFile) -> ReasonWriter:
    """A copy of the writer that writes with `prompt`, counting apart: a draft of the realizer's prompt
    previews plan mode with its own steering block; any other prompt is the free-text mode's."""
    if writer.realizer is not None and prompt.name == writer.realizer.name:
        return replace(writer.realizing_with(prompt), stats=ReasonStats())
    return replace(
        writer, prompt=prompt, prompt_source=None, stats=ReasonStats(), realizer=None, realizer_source=None
    )


def _by_shopper(pairs: Sequence[PreviewPair]) -> list[list[int]]:
    # One generation batch per shopper, as the writer batches a shopper's list.
    groups: dict[str, list[int]] = {}
    for i, (shopper, _) in enumerate(pairs):
        groups.setdefault(shopper.shopper_id, []).append(i)
    return list(groups.values())


def preview_metrics(rows: Sequence[PreviewRow], stats: ReasonStats, prompt: PromptFile) -> PreviewMetrics:
    """The metrics of preview rows written with `prompt`; `stats` are the writer copy's counts."""
    shown = [r.text for r in rows]
    model_texts = [r.text for r in rows if r.source != "fallback"] + [t for r in rows for t in r.rejected]
    accepted = stats.generated - stats.rejected
    fallbacks = sum(r.source == "fallback" for r in rows)
    return PreviewMetrics(
        pairs=len(rows),
        generated=stats.generated,
        accepted=accepted,
        grounding_pass_rate=accepted / stats.generated if stats.generated else 0.0,
        fallback_rate=fallbacks / len(rows) if rows else 0.0,
        mean_words=sum(len(t.split()) for t in shown) / len(shown) if shown else 0.0,
        banned_hits=banned_hits(model_texts, prompt.banned_phrases),
        distinct_2=distinct_n(shown, 2),
    )


def banned_hits(texts: Sequence[str], phrases: Sequence[str]) -> int:
    """How many (text, banned phrase) pairs occur, case-insensitively."""
    return sum(p.lower() in t.lower() for t in texts for p in phrases)
