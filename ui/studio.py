"""The prompt studio (Gradio): edit a prompt's YAML, preview active vs draft, save, activate, roll back.

Flow: pick a prompt in #prompt-name (the active version loads into #prompt-yaml); edit it, and #draft-problems
says what is wrong as you type; tick shoppers in #preview-shoppers and their items in #preview-items, click
#preview-button: #preview-active and #preview-draft show both side by side with their metrics. Write a note
in #version-note and click #save-version (saved inactive, authored by the logged-in staff user); pick a
version in #version-pick and click #activate-version, or click #rollback. #version-history and #audit-log
show what changed, who changed it and when. The realizer's prompt carries the merchandisers' steering
(tone, lead kinds, words to avoid): #version-steering shows the picked version's, a preview shows the one
it ran with. #start-trial writes the picked saved version for #trial-share percent of the sessions (a
hash of the session id decides which) until #stop-trial; #trial-status says what runs, and
#version-feedback shows each version's helpful / not helpful counts from shoppers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
from gradio.events import Dependency

from agent.recommender import Agent
from agent.sessions.known_shoppers import Shoppers
from agent.studio.trials import PromptTrials
from agent.studio.versions import PromptVersion, PromptVersions
from ui import studio_data as data
from ui.console import frame
from whythis.errors import WhythisError

PRESELECTED_SHOPPERS = 2


@dataclass(frozen=True)
class _Studio:
    """The studio's components."""

    name: gr.Dropdown
    editor: gr.Code
    problems: gr.Markdown
    shoppers: gr.CheckboxGroup
    items: gr.CheckboxGroup
    preview: gr.Button
    active_metrics: gr.Markdown
    active_table: gr.Dataframe
    draft_metrics: gr.Markdown
    draft_table: gr.Dataframe
    note: gr.Textbox
    save: gr.Button
    version: gr.Dropdown
    load: gr.Button
    activate: gr.Button
    rollback: gr.Button
    status: gr.Markdown
    history: gr.Dataframe
    audit: gr.Dataframe
    trials: _Trials


@dataclass(frozen=True)
class _Trials:
    """The components of a version's steering, its trial and the feedback per version."""

    steering: gr.Markdown
    share: gr.Number
    start: gr.Button
    stop: gr.Button
    status: gr.Markdown
    rates: gr.Dataframe

    def shown(self) -> list[Any]:
        """What `on_extras` fills."""
        return [self.steering, self.status, self.rates]


def _trial_layout() -> _Trials:
    steering = gr.Markdown(elem_id="version-steering")
    with gr.Row():
        share = gr.Number(
            label="Trial share (% of sessions)", value=10, minimum=1, maximum=50, elem_id="trial-share"
        )
        start = gr.Button("Start trial of this version", elem_id="start-trial")
        stop = gr.Button("Stop trial", elem_id="stop-trial")
    status = gr.Markdown(elem_id="trial-status")
    label = "Shopper feedback per version"
    rates = gr.Dataframe(label=label, interactive=False, wrap=True, elem_id="version-feedback")
    return _Trials(steering, share, start, stop, status, rates)


def _preview_table(label: str, elem_id: str) -> gr.Dataframe:
    return gr.Dataframe(
        label=label, interactive=False, wrap=True, column_widths=data.PREVIEW_WIDTHS, elem_id=elem_id
    )


def _layout(names: list[str]) -> _Studio:
    name = gr.Dropdown(label="Prompt", choices=names, elem_id="prompt-name")
    editor = gr.Code(label="Prompt YAML (draft)", language="yaml", lines=24, elem_id="prompt-yaml")
    problems = gr.Markdown(elem_id="draft-problems")
    with gr.Row():
        shoppers = gr.CheckboxGroup(label="Shoppers", choices=[], elem_id="preview-shoppers")
        items = gr.CheckboxGroup(label="Items (top candidates)", choices=[], elem_id="preview-items")
    preview = gr.Button("Preview active vs draft", variant="primary", elem_id="preview-button")
    with gr.Row():
        with gr.Column():
            active_metrics = gr.Markdown(elem_id="preview-active-metrics")
            active_table = _preview_table("Active", "preview-active")
        with gr.Column():
            draft_metrics = gr.Markdown(elem_id="preview-draft-metrics")
            draft_table = _preview_table("Draft", "preview-draft")
    with gr.Row():
        note = gr.Textbox(label="Note for this version", elem_id="version-note", scale=3)
        save = gr.Button("Save as new version", elem_id="save-version", scale=1)
    with gr.Row():
        version = gr.Dropdown(label="Version", choices=[], elem_id="version-pick", scale=3)
        load = gr.Button("Load into editor", elem_id="load-version", scale=1)
        activate = gr.Button("Activate", variant="primary", elem_id="activate-version", scale=1)
        rollback = gr.Button("Roll back", variant="stop", elem_id="rollback", scale=1)
    trials = _trial_layout()
    status = gr.Markdown(elem_id="studio-status")
    history = gr.Dataframe(label="Versions", interactive=False, wrap=True, elem_id="version-history")
    audit = gr.Dataframe(label="Audit log", interactive=False, wrap=True, elem_id="audit-log")
    return _Studio(
        name, editor, problems, shoppers, items, preview, active_metrics, active_table, draft_metrics,
        draft_table, note, save, version, load, activate, rollback, status, history, audit, trials,
    )  # fmt: skip


def build_studio(agent: Agent, versions: PromptVersions, shoppers: Shoppers) -> gr.Blocks:
    """The prompt studio over the server's agent, prompt versions and known shoppers."""
    studio = gr.Blocks(title="whythis · prompt studio")
    with studio:
        gr.Markdown("# Prompt studio\nEdit, preview, save, activate and roll back prompt versions.")
        ui = _layout(versions.names())
        loads = _wire_editing(agent, versions, shoppers, ui, studio)
        changes = _wire_versions(versions, ui)
        _wire_trials(versions, PromptTrials(versions), ui, [*loads, *changes])
    return studio


def _versions_outputs(
    versions: PromptVersions, name: str, status: str, selected: int | None = None
) -> list[Any]:
    choices = data.version_choices(versions, name)
    return [
        status,
        gr.Dropdown(choices=choices, value=selected or versions.active(name).version),
        frame(data.history_table(versions, name)),
        frame(data.audit_table(versions)),
    ]


def _wire_editing(
    agent: Agent, versions: PromptVersions, shoppers: Shoppers, ui: _Studio, studio: gr.Blocks
) -> list[Dependency]:
    def on_name(name: str) -> list[Any]:
        text = versions.active(name).text
        shown = _versions_outputs(versions, name, "")
        return [text, data.draft_problems_markdown(text, name), *shown]

    def on_open() -> list[Any]:
        names = versions.names()
        current = agent.current_prompt().name
        name = current if current in names else names[0]
        chosen = data.shopper_ids(shoppers)[:PRESELECTED_SHOPPERS]
        who = gr.CheckboxGroup(choices=data.shopper_ids(shoppers), value=chosen)
        return [gr.Dropdown(choices=names, value=name), who, *on_shoppers(chosen), *on_name(name)]

    def on_shoppers(chosen: list[str]) -> list[Any]:
        choices = data.candidate_choices(agent, shoppers, chosen)
        return [gr.CheckboxGroup(choices=choices, value=data.default_pairs(choices))]

    def on_preview(name: str, text: str, pairs: list[str]) -> list[Any]:
        try:
            found = data.run_previews(agent, versions, name, text, data.resolve_pairs(agent, shoppers, pairs))
        except WhythisError as exc:
            return [gr.skip()] * 4 + [f"⚠️ {exc}"]
        active, draft = found.active, found.draft
        return [
            data.metrics_markdown(active, "Active"),
            frame(data.preview_table(active)),
            data.metrics_markdown(draft, "Draft", versioned=False),
            frame(data.preview_table(draft)),
            "" if draft else data.problems_markdown(found.problems),
        ]

    ui.editor.change(data.draft_problems_markdown, inputs=[ui.editor, ui.name], outputs=[ui.problems])
    ui.shoppers.input(on_shoppers, inputs=[ui.shoppers], outputs=[ui.items])
    previews = [ui.active_metrics, ui.active_table, ui.draft_metrics, ui.draft_table, ui.status]
    ui.preview.click(on_preview, inputs=[ui.name, ui.editor, ui.items], outputs=previews)
    named = [ui.editor, ui.problems, ui.status, ui.version, ui.history, ui.audit]
    opened = studio.load(on_open, outputs=[ui.name, ui.shoppers, ui.items, *named])
    return [opened, ui.name.input(on_name, inputs=[ui.name], outputs=named)]


def _wire_versions(versions: PromptVersions, ui: _Studio) -> list[Dependency]:
    def changed(name: str, action: str, change: Any) -> list[Any]:
        try:
            done: PromptVersion = change()
        except WhythisError as exc:
            return [f"⚠️ {exc}", *[gr.skip()] * 3]
        return _versions_outputs(versions, name, data.changed_message(action, done))

    def on_save(name: str, text: str, note: str, request: gr.Request) -> list[Any]:
        try:
            saved = versions.save(name, text, data.staff_name(request.username), note)
        except WhythisError as exc:
            return [f"⚠️ {exc}", *[gr.skip()] * 5]
        message = data.changed_message("saved", saved)
        # The new version is picked, ready to activate; the editor shows it with its version number.
        return [*_versions_outputs(versions, name, message, saved.version), "", saved.text]

    def on_activate(name: str, version: int | None, request: gr.Request) -> list[Any]:
        actor = data.staff_name(request.username)
        return changed(name, "activated", lambda: versions.activate(name, int(version or 0), actor))

    def on_rollback(name: str, request: gr.Request) -> list[Any]:
        actor = data.staff_name(request.username)
        return changed(name, "rolled back to", lambda: versions.rollback(name, actor))

    def on_load_version(name: str, version: int | None) -> Any:
        try:
            return versions.get(name, int(version or 0)).text
        except WhythisError:
            return gr.skip()

    shown = [ui.status, ui.version, ui.history, ui.audit]
    ui.load.click(on_load_version, inputs=[ui.name, ui.version], outputs=[ui.editor])
    return [
        ui.save.click(on_save, inputs=[ui.name, ui.editor, ui.note], outputs=[*shown, ui.note, ui.editor]),
        ui.activate.click(on_activate, inputs=[ui.name, ui.version], outputs=shown),
        ui.rollback.click(on_rollback, inputs=[ui.name], outputs=shown),
    ]


def _wire_trials(
    versions: PromptVersions, trials: PromptTrials, ui: _Studio, after: list[Dependency]
) -> None:
    def on_extras(name: str | None, version: int | None) -> list[Any]:
        if not name:
            return [gr.skip()] * 3
        return [
            data.version_steering_markdown(versions, name, version),
            data.trial_markdown(trials, name),
            frame(data.rates_table(trials, versions, name)),
        ]

    def trial_change(change: Callable[[], str]) -> list[Any]:
        try:
            return [change(), frame(data.audit_table(versions))]
        except WhythisError as exc:
            return [f"⚠️ {exc}", gr.skip()]

    def on_start_trial(
        name: str, version: int | None, percent: float | None, request: gr.Request
    ) -> list[Any]:
        actor = data.staff_name(request.username)
        return trial_change(lambda: data.start_trial(trials, name, version, percent, actor))

    def on_stop_trial(name: str, request: gr.Request) -> list[Any]:
        return trial_change(lambda: data.stop_trial(trials, name, data.staff_name(request.username)))

    picked, shown = [ui.name, ui.version], ui.trials.shown()
    inputs = [ui.name, ui.version, ui.trials.share]
    started = ui.trials.start.click(on_start_trial, inputs=inputs, outputs=[ui.status, ui.audit])
    stopped = ui.trials.stop.click(on_stop_trial, inputs=[ui.name], outputs=[ui.status, ui.audit])
    # Every change of prompt, version, activation or trial refreshes the steering, trial and rates shown.
    for dependency in [*after, started, stopped]:
        dependency.then(on_extras, inputs=picked, outputs=shown)
    ui.version.input(on_extras, inputs=picked, outputs=shown)
