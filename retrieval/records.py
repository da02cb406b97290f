"""Reading raw records (CSV, JSON Lines, JSON arrays) with the 1-based line each one starts on."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from whythis.errors import DataError, RowError

FORMATS: dict[str, str] = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


@dataclass(frozen=True)
class RawRecord:
    """One source record as read, before any mapping: its line and its fields."""

    line: int
    fields: dict[str, Any]


def file_format(path: Path) -> str:
    """The record format of a file from its suffix: csv, jsonl or json."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        valid = ", ".join(sorted(FORMATS))
        raise DataError(f"{path}: cannot read files ending in {path.suffix!r}; valid: {valid}")
    return fmt


def read_text(path: Path) -> str:
    """The whole file as UTF-8 text; DataError naming the path when missing or undecodable."""
    if not path.exists():
        raise DataError(f"file not found: {path}")
    if not path.is_file():
        raise DataError(f"not a file: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DataError(f"{path}, line {line}: not valid UTF-8 ({exc.reason})") from exc
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from exc


def read_records(path: Path) -> Iterator[RawRecord | RowError]:
    """Every record of the file in order; a malformed record is yielded as its RowError."""
    fmt = file_format(path)
    text = read_text(path)
    if fmt == "csv":
        return _csv_records(path, text)
    if fmt == "jsonl":
        return _jsonl_records(path, text)
    return _json_array_records(path, text)


def first_keys(path: Path) -> tuple[str, ...]:
    """The CSV header, or the keys of the first well-formed JSON object, for format detection."""
    fmt = file_format(path)
    text = read_text(path)
    if fmt == "csv":
        return tuple(_header(path, next(csv.reader(_lines(text)), [])))
    for record in _jsonl_records(path, text) if fmt == "jsonl" else _json_array_records(path, text):
        if isinstance(record, RawRecord):
            return tuple(record.fields)
    return ()


def _lines(text: str) -> io.StringIO:
    # Only "\n" ends a physical line; splitlines() would also split on U+2028 and friends,
    # which may sit inside quoted fields, and shift every line number after them.
    return io.StringIO(text, newline="\n")


def _header(path: Path, row: list[str]) -> list[str]:
    names = [name.strip() for name in row]
    named = [name for name in names if name]
    if len(set(named)) != len(named):
        dupes = sorted({name for name in named if named.count(name) > 1})
        raise DataError(f"{path}, line 1: the header repeats column(s) {', '.join(dupes)}")
    return names


def _csv_records(path: Path, text: str) -> Iterator[RawRecord | RowError]:
    reader = csv.reader(_lines(text))
    header = _header(path, next(reader, []))
    if not any(header):
        raise DataError(f"{path}: no header row (the first line must name the columns)")
    while True:
        start = reader.line_num + 1  # the record starts on the line after the previous one ended
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RowError(str(path), start, "<row>", f"malformed CSV: {exc}")
            continue
        if not row:
            continue
        yield _csv_record(path, start, header, row)


def _csv_record(path: Path, line: int, header: list[str], row: list[str]) -> RawRecord | RowError:
    if len(row) != len(header):
        problem = f"has {len(row)} fields but the header has {len(header)}"
        return RowError(str(path), line, "<row>", problem)
    fields: dict[str, Any] = {}
    for name, value in zip(header, row, strict=True):
        if name:
            fields[name] = value
        elif value.strip():
            # A trailing comma makes an unnamed last column; it must stay empty.
            return RowError(str(path), line, "<row>", f"value {value!r} in a column with no name")
    return RawRecord(line, fields)


def _jsonl_records(path: Path, text: str) -> Iterator[RawRecord | RowError]:
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield RowError(str(path), number, "<json>", f"invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        yield _object(path, number, value)


def _object(path: Path, line: int, value: Any) -> RawRecord | RowError:
    if not isinstance(value, dict):
        return RowError(str(path), line, "<row>", f"expected a JSON object, got {type(value).__name__}")
    return RawRecord(line, value)


def _json_array_records(path: Path, text: str) -> Iterator[RawRecord | RowError]:
    # A bad element cannot be skipped reliably inside one JSON document, so its error is raised.
    decoder = json.JSONDecoder()
    pos = _skip_space(text, 0)
    if not text.startswith("[", pos):
        raise RowError(str(path), _line_at(text, pos), "<json>", "expected a JSON array of objects")
    pos = _skip_space(text, pos + 1)
    while not text.startswith("]", pos):
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise RowError(str(path), exc.lineno, "<json>", f"invalid JSON: {exc.msg}") from exc
        yield _object(path, _line_at(text, pos), value)
        pos = _skip_space(text, end)
        if text.startswith(",", pos):
            pos = _skip_space(text, pos + 1)
        elif not text.startswith("]", pos):
            problem = "invalid JSON: expected ',' or ']' after an element"
            raise RowError(str(path), _line_at(text, pos), "<json>", problem)


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line_at(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
