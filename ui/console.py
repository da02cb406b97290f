"""The support console (Gradio): find a chat session, see what the shopper was shown and why, act on it.

Flow: type a session id or a shopper id into #session-id, click #find-session; the latest matching session
loads (others are listed in #session-pick). Pick an item in #reason-item, then #re-explain writes its reason
again in the support voice, or #flag-reason stores a thumbs-down "flagged by <staff user>".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import gradio as gr
import pandas as pd

from agent.recommender import Agent
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store
from ui import console_data as data
from ui.studio_data import staff_name
from whythis.errors import WhythisError

EVIDENCE_COLUMNS = ["item", "signal", "score", "detail"]


def frame(table: data.Table) -> pd.DataFrame:
    """A (headers, rows) table as a DataFrame for gr.Dataframe."""
    headers, rows = table
    return pd.DataFrame(rows, columns=headers)


def evidence_frame(points: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Evidence points as the bar chart's DataFrame (item, signal, score, detail)."""
    return pd.DataFrame(list(points), columns=EVIDENCE_COLUMNS)


@dataclass(frozen=True)
class _Panels:
    """The components that show one session, in the order `_session_outputs` fills them."""

    status: gr.Markdown
    profile: gr.Markdown
    constraints: gr.Dataframe
    candidates: gr.Dataframe
    chart: gr.BarPlot
    transcript: gr.Chatbot
    turns: gr.Dataframe
    feedback: gr.Dataframe
    item: gr.Dropdown

    def outputs(self) -> list[Any]:
        """The components in output order."""
        return list(self.__dict__.values())


def _session_outputs(store: Store, session_id: str) -> list[Any]:
    try:
        view = data.load_session_view(store, session_id)
    except WhythisError as exc:
        return [f"⚠️ {exc}", "", None, None, evidence_frame([]), [], None, None, gr.Dropdown(choices=[])]
    choices = data.item_choices(view)
    return [
        f"Session `{view.session_id}` · turn {view.saved.turn} · {len(view.feedback)} feedback rows",
        data.profile_markdown(view),
        frame(data.constraints_table(view)),
        frame(data.candidates_table(view)),
        evidence_frame(data.evidence_points(view)),
        data.transcript(view),
        frame(data.turns_table(view)),
        frame(data.feedback_table(view)),
        gr.Dropdown(choices=choices, value=choices[0][1] if choices else None),
    ]


def _panels() -> _Panels:
    status = gr.Markdown(elem_id="console-status")
    with gr.Row():
        profile = gr.Markdown(elem_id="shopper-profile")
        constraints = gr.Dataframe(label="Asked for", interactive=False, elem_id="shopper-constraints")
    candidates = gr.Dataframe(
        label="Candidates shown (fused and per-signal scores)",
        interactive=False,
        wrap=True,
        elem_id="candidates-table",
    )
    chart = gr.BarPlot(
        evidence_frame([]),
        x="item",
        y="score",
        color="signal",
        title="Evidence behind each reason: score of each retrieval signal",
        tooltip=["item", "signal", "score", "detail"],
        elem_id="evidence-chart",
    )
    transcript = gr.Chatbot(label="Transcript", elem_id="transcript", height=420)
    turns = gr.Dataframe(label="Turns", interactive=False, wrap=True, elem_id="turns-table")
    feedback = gr.Dataframe(label="Feedback", interactive=False, wrap=True, elem_id="feedback-table")
    item = gr.Dropdown(label="Item", choices=[], elem_id="reason-item")
    return _Panels(status, profile, constraints, candidates, chart, transcript, turns, feedback, item)


def build_console(agent: Agent, manager: SessionManager, store: Store) -> gr.Blocks:
    """The support console over the server's agent, session manager and store."""
    console = gr.Blocks(title="whythis · support console")
    with console:
        gr.Markdown("# Support console\nFind a chat by its session id or by the shopper's id.")
        current = gr.State("")
        with gr.Row():
            query = gr.Textbox(label="Session id or shopper id", elem_id="session-id", scale=4)
            find = gr.Button("Find", variant="primary", elem_id="find-session", scale=1)
        picked = gr.Dropdown(label="Matching sessions (latest first)", choices=[], elem_id="session-pick")
        panels = _panels()
        with gr.Row():
            explain = gr.Button("Re-explain in the support voice", elem_id="re-explain")
            flag = gr.Button("Flag this reason as wrong", variant="stop", elem_id="flag-reason")
        support = gr.Markdown(elem_id="support-reason")
        _wire_finding(store, current, query, find, picked, panels)
        _wire_reasons(agent, manager, store, current, panels, (explain, flag), support)
    return console


def _wire_finding(
    store: Store, current: gr.State, query: gr.Textbox, find: gr.Button, picked: gr.Dropdown, panels: _Panels
) -> None:
    def on_find(text: str) -> list[Any]:
        found = data.find_sessions(store, text)
        if not found:
            empty = _session_outputs(store, "")
            empty[0] = f"⚠️ No stored session has the id or shopper id {text.strip()!r}."
            return [gr.Dropdown(choices=[], value=None), "", *empty]
        first = found[0].session_id
        choices = data.found_choices(found)
        return [gr.Dropdown(choices=choices, value=first), first, *_session_outputs(store, first)]

    def on_pick(session_id: str) -> list[Any]:
        return [session_id, *_session_outputs(store, session_id)]

    shown = [current, *panels.outputs()]
    find.click(on_find, inputs=[query], outputs=[picked, *shown])
    query.submit(on_find, inputs=[query], outputs=[picked, *shown])
    picked.input(on_pick, inputs=[picked], outputs=shown)


def _wire_reasons(
    agent: Agent,
    manager: SessionManager,
    store: Store,
    current: gr.State,
    panels: _Panels,
    buttons: tuple[gr.Button, gr.Button],
    support: gr.Markdown,
) -> None:
    def on_explain(session_id: str, item_id: str | None) -> str:
        try:
            view = data.load_session_view(store, session_id)
            return data.support_reason_markdown(data.support_reason(agent.writer, view, item_id or ""))
        except WhythisError as exc:
            return f"⚠️ {exc}"

    def on_flag(session_id: str, item_id: str | None, request: gr.Request) -> list[Any]:
        try:
            view = data.load_session_view(store, session_id)
            staff = staff_name(request.username)
            feedback_id = data.flag_reason(manager, view, item_id or "", staff)
            view = data.load_session_view(store, session_id)
        except WhythisError as exc:
            return [f"⚠️ {exc}", gr.skip()]
        note = f"🚩 Flagged the reason of {item_id} (feedback #{feedback_id}, flagged by {staff})."
        return [note, frame(data.feedback_table(view))]

    explain, flag = buttons
    explain.click(on_explain, inputs=[current, panels.item], outputs=[support])
    flag.click(on_flag, inputs=[current, panels.item], outputs=[support, panels.feedback])
