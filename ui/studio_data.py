"""The prompt studio's data: drafts, active-vs-draft previews, versions, steering, trials, feedback per
version and the audit log, as plain data."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from agent.reasons.realized import Steering, steering_of
from agent.recommender import Agent
from agent.sessions.known_shoppers import Shoppers
from agent.studio.preview import (
    Preview,
    PreviewPair,
    check_draft,
    preview_prompt,
    validate_draft,
)
from agent.studio.trials import PromptTrials
from agent.studio.versions import PromptVersion, PromptVersions
from ui.console_data import Table, when
from whythis.errors import DataError, PromptError, WhythisError

T = TypeVar("T")
PAIR_SEPARATOR = "|"
ITEMS_PER_SHOPPER = 5
PRESELECTED_PER_SHOPPER = 2


@dataclass(frozen=True)
class SidePreviews:
    """The active version's preview beside the draft's (None when the draft has problems)."""

    active: Preview
    draft: Preview | None
    problems: list[str]


def problems_markdown(problems: Sequence[str]) -> str:
    """Validation problems as a bullet list, or a line saying the draft is fine."""
    if not problems:
        return "✅ No problems: the draft parses and renders for both audiences."
    return "\n".join(f"- ❌ {p}" for p in problems)


def draft_problems_markdown(text: str, name: str) -> str:
    """What is wrong with the draft as it is typed."""
    return problems_markdown(validate_draft(text, name))


def shopper_ids(shoppers: Shoppers) -> list[str]:
    """The known shoppers' ids, sorted."""
    return sorted(shoppers)


def pair_value(shopper_id: str, item_id: str) -> str:
    """The picker value of one (shopper, item) pair."""
    return f"{shopper_id}{PAIR_SEPARATOR}{item_id}"


def candidate_choices(
    agent: Agent, shoppers: Shoppers, chosen: Sequence[str], k: int = ITEMS_PER_SHOPPER
) -> list[tuple[str, str]]:
    """The agent's top-k candidates of each chosen shopper as (label, value) picker choices."""
    out = []
    for shopper_id in chosen:
        shopper = _shopper(shoppers, shopper_id)
        for c in agent.candidates(shopper, k):
            out.append(
                (f"{shopper_id} · {c.item.item_id} {c.item.title}", pair_value(shopper_id, c.item.item_id))
            )
    return out


def default_pairs(
    choices: Sequence[tuple[str, str]], per_shopper: int = PRESELECTED_PER_SHOPPER
) -> list[str]:
    """The first few choices of each shopper, preselected."""
    taken: dict[str, int] = {}
    out = []
    for _, value in choices:
        shopper_id = value.split(PAIR_SEPARATOR, 1)[0]
        if taken.get(shopper_id, 0) < per_shopper:
            taken[shopper_id] = taken.get(shopper_id, 0) + 1
            out.append(value)
    return out


def resolve_pairs(
    agent: Agent, shoppers: Shoppers, values: Sequence[str], k: int = ITEMS_PER_SHOPPER
) -> list[PreviewPair]:
    """The (shopper, candidate) pairs of picker values; DataError for an unknown shopper or item."""
    found: dict[str, dict[str, PreviewPair]] = {}
    pairs: list[PreviewPair] = []
    for value in values:
        shopper_id, _, item_id = value.partition(PAIR_SEPARATOR)
        if shopper_id not in found:
            shopper = _shopper(shoppers, shopper_id)
            found[shopper_id] = {c.item.item_id: (shopper, c) for c in agent.candidates(shopper, k)}
        pair = found[shopper_id].get(item_id)
        if pair is None:
            raise DataError(f"item {item_id!r} is not among the top {k} candidates of shopper {shopper_id!r}")
        pairs.append(pair)
    return pairs


def _shopper(shoppers: Mapping[str, T], shopper_id: str) -> T:
    found = shoppers.get(shopper_id)
    if found is None:
        raise DataError(f"unknown shopper {shopper_id!r}; known: {', '.join(sorted(shoppers)) or 'none'}")
    return found


def run_previews(
    agent: Agent, versions: PromptVersions, name: str, draft_text: str, pairs: Sequence[PreviewPair]
) -> SidePreviews:
    """Preview the active version and the draft of `name` on the same pairs (the reason prompt in free
    mode, the realizer's prompt in plan mode with its steering)."""
    writer = agent.writer
    previewed = [writer.prompt.name, *([writer.realizer.name] if writer.realizer is not None else [])]
    if name not in previewed:
        raise PromptError(
            f"previews run the reason writer, whose prompts are {', '.join(map(repr, previewed))}; "
            f"prompt {name!r} is used elsewhere and cannot be previewed here"
        )
    if not pairs:
        raise DataError("pick at least one shopper and item to preview")
    active = preview_prompt(writer, versions.active_prompt(name), pairs)
    problems = validate_draft(draft_text, name)
    draft = None if problems else preview_prompt(writer, check_draft(draft_text, name), pairs)
    return SidePreviews(active, draft, problems)


PREVIEW_HEADERS = ["shopper", "item", "text shown", "source", "rejected drafts"]
PREVIEW_WIDTHS: list[str | int] = ["12%", "20%", "43%", "10%", "15%"]


def preview_table(preview: Preview | None) -> Table:
    """One row per (shopper, item) of a preview."""
    if preview is None:
        return PREVIEW_HEADERS, []
    rows = [
        [r.shopper_id, f"{r.item_id} {r.title}", r.text, r.source, " ‖ ".join(r.rejected)]
        for r in preview.rows
    ]
    return PREVIEW_HEADERS, rows


def metrics_markdown(preview: Preview | None, title: str, versioned: bool = True) -> str:
    """A preview's metrics as a short Markdown list (a draft has no version number yet)."""
    if preview is None:
        return f"**{title}**: no preview (fix the draft's problems first)"
    m = preview.metrics
    version = f" v{preview.prompt_version}" if versioned else " (unsaved)"
    return "\n".join(
        [
            f"**{title}** — {preview.prompt_name}{version}, {m.pairs} pairs",
            f"- grounding pass rate: {m.grounding_pass_rate:.0%} ({m.accepted}/{m.generated} generated)",
            f"- fallback rate: {m.fallback_rate:.0%}",
            f"- mean words: {m.mean_words:.1f}",
            f"- banned-phrase hits: {m.banned_hits}",
            f"- distinct-2: {m.distinct_2:.2f}",
            *_voice_lines(m.voice),
            *([f"- steering: {steering_text(preview.steering)}"] if preview.steering else []),
        ]
    )


def steering_text(steering: Steering) -> str:
    """Steering as a merchandiser reads it: the tone, the fact kinds that lead, the words to avoid."""
    leads = ", ".join(steering.lead_kinds) or "none (the planner's order)"
    avoid = ", ".join(steering.avoid) or "none"
    return f"tone **{steering.tone}** · lead kinds: {leads} · words to avoid: {avoid}"


def version_steering_markdown(versions: PromptVersions, name: str, version: int | None) -> str:
    """The steering of one version of a realizer prompt; empty for a prompt that is not steered."""
    try:
        prompt = versions.prompt(name, int(version or 0))
    except PromptError:
        return ""
    if "plan" not in prompt.variables:
        return ""
    if prompt.steering is None:
        return f"**Steering of v{prompt.version}**: none in this version, so the config's applies"
    try:
        return f"**Steering of v{prompt.version}**: {steering_text(steering_of(prompt, Steering()))}"
    except WhythisError as exc:
        return f"**Steering of v{prompt.version}**: ⚠️ {exc}"


def _voice_lines(voice: dict[str, Any]) -> list[str]:
    if not voice:
        return []
    return [
        f"- written by the model: {voice['model_written']:.0%}; the model's, true and coherent: "
        f"{voice['model_true_and_coherent']:.0%}",
        f"- true and coherent (all shown): {voice['true_and_coherent']:.0%}",
        f"- personal: {voice['personal']:.0%} of {voice['personal_of']}; specific: {voice['specific']:.0%}; "
        f"stock phrases: {voice['stock']:.0%}",
        f"- distinct-2 per shopper: {voice['distinct_2_per_shopper']:.2f}; per item: "
        f"{voice['distinct_2_per_item']:.2f}",
    ]


def history_table(versions: PromptVersions, name: str) -> Table:
    """Every version of a prompt, newest first."""
    headers = ["version", "active", "author", "note", "created"]
    rows = [
        [v.version, "✔" if v.active else "", v.author, v.note, when(v.created_at)]
        for v in versions.history(name)
    ]
    return headers, rows


def audit_table(versions: PromptVersions, limit: int = 100) -> Table:
    """The latest prompt changes of every prompt, newest first."""
    headers = ["when", "actor", "action", "prompt", "version", "detail"]
    rows = [[when(a.at), a.actor, a.action, a.name, a.version, a.detail] for a in versions.audit(limit)]
    return headers, rows


RATES_HEADERS = ["version", "state", "reasons rated", "helpful", "not helpful", "helpful rate"]


def rates_table(trials: PromptTrials, versions: PromptVersions, name: str) -> Table:
    """Each version's shopper feedback on the reasons it wrote, newest first, with which one is active and
    which one is on trial."""
    active, running = versions.active(name).version, trials.running(name)
    trial = running.version if running is not None else None
    rows = [
        [
            r.version,
            "active" if r.version == active else "trial" if r.version == trial else "",
            r.rated,
            r.helpful,
            r.not_helpful,
            "—" if r.helpful_rate is None else f"{r.helpful_rate:.0%}",
        ]
        for r in trials.rates(name)
    ]
    return RATES_HEADERS, rows


def trial_markdown(trials: PromptTrials, name: str) -> str:
    """The running trial of a prompt in a line, or that there is none."""
    running = trials.running(name)
    if running is None:
        return f"No trial of {name} is running: every session uses the active version."
    return (
        f"🧪 Trial: {name} v{running.version} writes for {running.share:.0%} of sessions "
        f"(started by {running.actor}, {when(running.started_at)})"
    )


def start_trial(
    trials: PromptTrials, name: str, version: int | None, percent: float | None, actor: str
) -> str:
    """Start a trial of a version on `percent` of the sessions; the status line (WhythisError if refused)."""
    started = trials.start(name, int(version or 0), float(percent or 0) / 100, actor)
    return f"✅ trial started: {name} v{started.version} writes for {started.share:.0%} of sessions"


def stop_trial(trials: PromptTrials, name: str, actor: str) -> str:
    """Stop the trial of a prompt; the status line (WhythisError when none is running)."""
    stopped = trials.stop(name, actor)
    return f"✅ trial stopped: {name} v{stopped.version}; every session uses the active version again"


def version_choices(versions: PromptVersions, name: str) -> list[tuple[str, int]]:
    """The versions of a prompt as (label, version) picker choices."""
    return [(_version_label(v), v.version) for v in versions.history(name)]


def _version_label(v: PromptVersion) -> str:
    active = " (active)" if v.active else ""
    note = f" — {v.note}" if v.note else ""
    return f"v{v.version}{active} by {v.author}{note}"[:120]


def staff_name(username: str | None) -> str:
    """The logged-in staff user's name for the audit log ("staff" when the UI runs without logins)."""
    return username or "staff"


def changed_message(action: str, version: PromptVersion) -> str:
    """The status line after a save, an activation or a rollback."""
    state = "active: the next reason uses it" if version.active else "saved inactive"
    return f"✅ {action} {version.name} v{version.version} ({state})"
