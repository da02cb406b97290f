"""The support console's data: find stored sessions and shape one for the screen, plain functions only.

Sessions are read from the chat store: by id through `Store.load_session`, by shopper through a read-only
query of its own (the store has no listing method). The saved session JSON (agent.session.SessionFile)
carries the shopper, the constraints, the recommendations with their evidence, and the turn log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from agent.reasons.writer import Reason, ReasonWriter
from agent.recommender import Recommendation
from agent.sessions.codec import validated
from agent.sessions.manager import SessionFile, SessionManager
from agent.sessions.store import FeedbackRow, SessionSummary, Store
from whythis.errors import DataError, SessionNotFound

Table = tuple[list[str], list[list[Any]]]
MAX_FOUND = 50


@dataclass(frozen=True)
class SessionView:
    """Everything the console shows about one stored session."""

    session_id: str
    saved: SessionFile
    messages: list[tuple[str, str]]
    feedback: list[FeedbackRow]


def when(timestamp: float) -> str:
    """A stored timestamp as UTC minutes."""
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def find_sessions(store: Store, query: str, limit: int = MAX_FOUND) -> list[SessionSummary]:
    """Stored sessions whose id or shopper id is `query`, latest first."""
    wanted = query.strip()
    return store.sessions(match=wanted, limit=limit) if wanted else []


def session_label(found: SessionSummary) -> str:
    """How a session is listed: shopper, last update, and the start of its id."""
    return f"{found.shopper_id} · {when(found.updated)} · {found.session_id[:10]}…"


def load_session_view(store: Store, session_id: str) -> SessionView:
    """The stored session with this id; SessionNotFound when there is none."""
    row = store.load_session(session_id.strip())
    if row is None:
        raise SessionNotFound(f"no stored session with id {session_id.strip()!r}")
    saved = validated(SessionFile, row.state, "session")
    return SessionView(row.id, saved, store.messages(row.id), store.feedback(session_id=row.id))


def profile_markdown(view: SessionView) -> str:
    """The shopper as the session saw them: profile, preferences, purchase history."""
    s = view.saved.shopper
    prefs = {k: v for k, v in s.preferences.model_dump().items() if _given(v)}
    lines = [f"**Shopper** `{s.id}`", f"**Profile:** {s.profile or '(none)'}"]
    lines.append("**Preferences:** " + ("; ".join(f"{k}: {_text(v)}" for k, v in prefs.items()) or "(none)"))
    lines.append("**Bought here:** " + (", ".join(s.history) or "(nothing)"))
    if s.purchases:
        lines.append("**Past purchases:** " + "; ".join(p.title for p in s.purchases))
    return "\n\n".join(lines)


def constraints_table(view: SessionView) -> Table:
    """What the chat was asked for, as (what, value) rows; only what is set."""
    state = view.saved.state
    said = {f"constraint {k}": v for k, v in asdict(state.constraints).items()}
    said |= {"wants": state.wants, "like item": state.like_item_id}
    said |= {"avoid categories": state.avoid_categories, "avoid colours": state.avoid_colours}
    rows = [[k, _text(v)] for k, v in said.items() if _given(v)]
    return ["what", "value"], rows


def _given(value: object) -> bool:
    if isinstance(value, str | list | tuple | set | frozenset):
        return len(value) > 0
    return value is not None


def _text(value: object) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(v) for v in sorted(value, key=str))
    return str(value)


def ordered_recommendations(view: SessionView) -> list[tuple[int | None, Recommendation]]:
    """Every recommendation of the session with its #n on screen: those shown now first, in order."""
    shown = view.saved.state.shown
    recs = {r.item.item_id: r for r in view.saved.recommendations}
    now = [(n, recs[i]) for n, i in enumerate(shown, start=1) if i in recs]
    earlier = [(None, r) for i, r in recs.items() if i not in shown]
    return [*now, *earlier]


def signal_names(view: SessionView) -> list[str]:
    """The retrieval signals behind any recommendation of the session, in first-seen order."""
    names = [e.signal for r in view.saved.recommendations for e in r.candidate.evidence]
    return list(dict.fromkeys(names))


def candidates_table(view: SessionView) -> Table:
    """One row per recommendation: position, item, fused score, each signal's score, the reason."""
    signals = signal_names(view)
    headers = ["#", "item_id", "title", "price", "fused score", *signals, "reason", "reason source", "plan"]
    rows = []
    for position, rec in ordered_recommendations(view):
        scores = {e.signal: round(e.score, 4) for e in rec.candidate.evidence}
        item = rec.item
        rows.append(
            [position or "", item.item_id, item.title, item.price, round(rec.candidate.score, 4)]
            + [scores.get(s, "") for s in signals]
            + [rec.reason.text, rec.reason.source, plan_text(rec.reason)]
        )
    return headers, rows


def plan_text(reason: Reason) -> str:
    """The plan behind a reason: its facts with their values and sources, and the text as the model wrote
    it (slots unfilled); empty for a free-text or template reason."""
    if reason.plan is None:
        return ""
    facts = "; ".join(f.describe() for f in reason.plan.facts)
    return f"{reason.plan.linear()} — {facts} — written: {reason.delexicalised}"


def evidence_points(view: SessionView) -> list[dict[str, Any]]:
    """The evidence behind every reason as chart data: one (item, signal, score) point per signal."""
    points = []
    for position, rec in ordered_recommendations(view):
        label = f"#{position} {rec.item.item_id}" if position else rec.item.item_id
        for e in rec.candidate.evidence:
            points.append({"item": label, "signal": e.signal, "score": e.score, "detail": e.detail})
    return points


def transcript(view: SessionView) -> list[dict[str, str]]:
    """The stored messages as chat messages (role user or assistant)."""
    roles = {"human": "user", "ai": "assistant"}
    return [{"role": roles.get(role, "assistant"), "content": text} for role, text in view.messages]


def turns_table(view: SessionView) -> Table:
    """The turn log: what each turn was, what it showed and explained."""
    rows = [
        [t.turn, t.intent, ", ".join(t.items), ", ".join(t.explained), t.text[:200]] for t in view.saved.turns
    ]
    return ["turn", "intent", "items shown", "explained", "text"], rows


def feedback_table(view: SessionView) -> Table:
    """The session's feedback: rating, comment, which reason and which prompt version it was about."""
    headers = ["id", "when", "turn", "item_id", "rating", "comment", "prompt", "reason source", "text shown"]
    rows = [
        [
            f.id,
            when(f.created),
            f.turn,
            f.item_id or "",
            f.rating,
            f.comment or "",
            f"{f.prompt_name} v{f.prompt_version}",
            f.reason_source or "",
            f.text_shown,
        ]
        for f in view.feedback
    ]
    return headers, rows


def item_choices(view: SessionView) -> list[tuple[str, str]]:
    """The session's recommended items as (label, item_id) for a picker."""
    return [
        (f"#{n} {r.item.title}" if n else r.item.title, r.item.item_id)
        for n, r in ordered_recommendations(view)
    ]


def recommendation(view: SessionView, item_id: str) -> Recommendation:
    """The session's recommendation of this item; DataError when it never showed it."""
    found = next((r for r in view.saved.recommendations if r.item.item_id == item_id), None)
    if found is None:
        raise DataError(f"item {item_id!r} was not recommended in session {view.session_id[:10]}…")
    return found


def support_reason(writer: ReasonWriter, view: SessionView, item_id: str) -> Reason:
    """The item's reason written again in the support voice (about "the user"), grounded as ever."""
    rec = recommendation(view, item_id)
    return writer.write(view.saved.shopper.to_shopper(), [rec.candidate], audience="support")[0]


def support_reason_markdown(reason: Reason) -> str:
    """A support-voice reason with its source and the facts it matched."""
    lines = [reason.text, "", f"*source: {reason.source}*"]
    lines += [f"- {m.shopper_fact} → {m.item_attribute}: {m.value}" for m in reason.matches]
    return "\n".join(lines)


def flag_turn(view: SessionView, item_id: str) -> int | None:
    """The latest turn that showed the item (None: the last turn)."""
    return next((t.turn for t in reversed(view.saved.turns) if item_id in t.items), None)


def flag_reason(manager: SessionManager, view: SessionView, item_id: str, staff: str) -> int:
    """Store a thumbs-down on the item's reason, commented "flagged by <staff>"; returns the feedback id."""
    recommendation(view, item_id)
    return manager.feedback(
        view.session_id, item_id, -1, comment=f"flagged by {staff}", turn=flag_turn(view, item_id)
    )


def found_choices(found: Sequence[SessionSummary]) -> list[tuple[str, str]]:
    """Search results as (label, session_id) for a picker."""
    return [(session_label(s), s.session_id) for s in found]
