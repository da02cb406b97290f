"""`whythis feedback export`: liked and corrected reasons as prompt rows for the next finetune round.

Each row renders with the same `reason_variables` the agent renders with, from the shopper, item and
purchased items stored with the feedback. A corrected text replaces the answer only if it passes the
grounding check (at feedback time, against the whole catalog, and again here).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from agent.grounding.check import GroundingChecker
from agent.reasons.variables import reason_variables
from agent.sessions.codec import item_from_dict, shopper_from_dict
from agent.sessions.feedback import passes_check
from agent.sessions.store import FeedbackRow, Store
from prompts.render import PromptFile, load_prompt, render


@dataclass(frozen=True)
class ExportReport:
    """How many rows were written, of which kind, and why the others were left out."""

    rows: int
    liked: int
    corrected: int
    skipped: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON for the CLI."""
        return {"rows": self.rows, "liked": self.liked, "corrected": self.corrected, "skipped": self.skipped}


PLANNED = "realize"  # the realizer's prompt (reasons.realizer_prompt)


@cache
def _prompt(name: str) -> PromptFile:
    return load_prompt(name)


def prompt_row(row: FeedbackRow) -> tuple[dict[str, Any] | None, str]:
    """The prompt row of one feedback ("rows" file format) and its kind, or None and why it was left out."""
    if row.item is None:
        return None, "feedback on an answer, not a reason"
    if row.prompt_name == PLANNED:
        return None, "a planned reason: the realizer learns from the phrasing bank (agent/plans)"
    shopper, item = shopper_from_dict(row.shopper), item_from_dict(row.item)
    context = [item_from_dict(i) for i in row.context]
    variables = reason_variables(shopper, item, row.audience, context)
    if row.corrected_text is not None:
        prompt = _prompt(row.prompt_name)
        brands = frozenset(b for b in [item.brand, *(c.brand for c in context)] if b)
        checker = GroundingChecker(known_brands=brands)
        text = " ".join(row.corrected_text.split())
        prefix = render(prompt, variables).response_prefix  # the opening may depend on the shopper
        if not text.startswith(prefix):
            return None, f"corrected text does not start with {prefix!r}"
        if not (row.corrected_grounded and passes_check(checker, prompt, text, item, shopper, context)):
            return None, "corrected text failed the grounding check"
        answer, kind = text, "corrected"
    elif row.rating == 1:
        answer, kind = row.text_shown, "liked"
    else:
        return None, "disliked without a correction"
    out = {"prompt": row.prompt_name, "variables": variables, "answer": answer, "key": f"feedback:{row.id}"}
    return out, kind


def feedback_rows(rows: Iterable[FeedbackRow]) -> tuple[list[dict[str, Any]], ExportReport]:
    """Prompt rows from stored feedback (duplicates once) and the report of what was kept."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    kinds: Counter[str] = Counter()
    for row in rows:
        made, kind = prompt_row(row)
        if made is not None:
            same = json.dumps([made["prompt"], made["variables"], made["answer"]], sort_keys=True)
            if same in seen:
                made, kind = None, "duplicate"
            seen.add(same)
        kinds[kind] += 1
        if made is not None:
            out.append(made)
    skipped = {k: n for k, n in sorted(kinds.items()) if k not in ("liked", "corrected")}
    return out, ExportReport(len(out), kinds["liked"], kinds["corrected"], skipped)


def export_feedback(store: Store, output: Path) -> ExportReport:
    """Write the prompt rows of every stored feedback to a JSONL file; the report of what was kept."""
    rows, report = feedback_rows(store.feedback())
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return report
