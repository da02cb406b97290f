"""Writing eval and bench results: run.json plus a markdown report in one folder."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whythis.runinfo import write_run


def run_folder(root: Path, kind: str) -> Path:
    """A fresh folder runs/<kind>-<timestamp>."""
    folder = root / f"{kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def flatten(metrics: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested metrics as dotted key/value rows (lists and long strings shown as JSON)."""
    rows: list[tuple[str, Any]] = []
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            rows += flatten(value, name + ".")
        else:
            rows.append((name, value))
    return rows


def markdown_table(metrics: dict[str, Any]) -> str:
    """A two-column markdown table of every metric."""
    lines = ["| metric | value |", "| --- | --- |"]
    for key, value in flatten(metrics):
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
        lines.append(f"| {key} | {shown} |")
    return "\n".join(lines)


def save_result(
    folder: Path,
    kind: str,
    config: dict[str, Any],
    data_files: Iterable[Path],
    metrics: dict[str, Any],
    markdown: str | None = None,
) -> Path:
    """Write run.json and report.md (`markdown`, else a table of the metrics); return the report path."""
    write_run(folder, kind, config, data_files, metrics)
    report = folder / "report.md"
    report.write_text(markdown or f"# {kind}\n\n{markdown_table(metrics)}\n", encoding="utf-8")
    return report
