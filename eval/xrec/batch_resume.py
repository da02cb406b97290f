"""Resuming explain-batch: which rows an interrupted run already wrote, and whether its output file
belongs to this input. Only the last line may be cut short by a crash; it is dropped and redone."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finetune.training.data import XrecRow
from whythis.errors import DataError

log = logging.getLogger(__name__)


def read_done(output_path: Path, rows: Sequence[XrecRow]) -> set[int]:
    """Row indices already in the output; drops a truncated last line so that row is redone."""
    if not output_path.is_file():
        return set()
    done: set[int] = set()
    good_bytes = 0
    with output_path.open("rb") as fh:
        lines = fh.readlines()
    for number, raw in enumerate(lines, start=1):
        record = _parse_output_line(raw)
        if record is None:
            if number < len(lines):
                raise DataError(
                    f"{output_path}, line {number} is not a complete prediction; only the last line "
                    "may be cut short by a crash. Fix or delete the file to start over"
                )
            log.warning("dropping a truncated last line of %s; that row is redone", output_path)
            break
        _check_matches(output_path, number, record, rows)
        done.add(int(record["row"]))
        good_bytes += len(raw)
    if good_bytes < output_path.stat().st_size:
        with output_path.open("r+b") as fh:
            fh.truncate(good_bytes)
    return done


def _parse_output_line(raw: bytes) -> dict[str, Any] | None:
    # A line without its newline was cut by a crash, even if what is there parses.
    if not raw.endswith(b"\n"):
        return None
    try:
        record = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("row"), int):
        return None
    return record


def _check_matches(path: Path, number: int, record: dict[str, Any], rows: Sequence[XrecRow]) -> None:
    index = int(record["row"])
    if index >= len(rows):
        return  # written by a run without --limit; kept, never redone
    row = rows[index]
    if (str(record.get("user_id")), str(record.get("item_id"))) != (str(row.user_id), str(row.item_id)):
        raise DataError(
            f"{path}, line {number}: row {index} is user {record.get('user_id')} / item "
            f"{record.get('item_id')}, but the input's row {index} is user {row.user_id} / item "
            f"{row.item_id}; the output belongs to another input, give a new --output"
        )
