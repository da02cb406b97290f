"""Loading a catalog file (CSV, JSON Lines, JSON array) into items, by preset or column mapping."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from retrieval.items import CatalogRow, Item
from retrieval.mapping import ColumnMapping, FieldProblem, coerce_row, load_mapping, map_row
from retrieval.presets import PRESETS, Preset, RowContext, detect_preset
from retrieval.records import RawRecord, file_format, first_keys, read_records
from whythis.errors import ConfigError, DataError, RowError
from whythis.validation import first_problem

__all__ = [
    "PRESETS",
    "CatalogLoad",
    "ColumnMapping",
    "demo_catalog_path",
    "load_catalog",
    "load_mapping",
    "resolve_preset",
]

MappingChoice = str | Path | ColumnMapping | None


@dataclass(frozen=True)
class CatalogLoad:
    """The items of one catalog file, the rows skipped as malformed, and how it was read."""

    items: tuple[Item, ...]
    skipped: tuple[RowError, ...]
    path: Path
    source: str  # the preset name, or "mapping" for a ColumnMapping / mapping file


def demo_catalog_path() -> Path:
    """The packaged demo catalog (Northwind Outfitters, 90 invented products)."""
    return Path(str(resources.files("retrieval").joinpath("demo", "catalog.jsonl")))


def resolve_preset(path: Path, mapping: MappingChoice) -> Preset:
    """The preset to read `path` with: named, built from a mapping, or detected from the file."""
    if isinstance(mapping, ColumnMapping):
        return Preset("mapping", "a column mapping", mapping, frozenset())
    if mapping is None:
        keys = first_keys(path)
        preset = detect_preset(keys)
        if preset is None:
            raise DataError(
                f"cannot tell the catalog format of {path} (columns/keys: "
                f"{', '.join(keys) or 'none'}); pass a mapping: {_valid_mappings()}"
            )
        return preset
    if str(mapping) in PRESETS:
        return PRESETS[str(mapping)]
    if Path(mapping).suffix.lower() in (".yaml", ".yml"):
        return Preset("mapping", f"mapping file {mapping}", load_mapping(mapping), frozenset())
    raise ConfigError(f"unknown catalog mapping {str(mapping)!r}; valid: {_valid_mappings()}")


def _valid_mappings() -> str:
    presets = "; ".join(f"{name} ({preset.summary})" for name, preset in PRESETS.items())
    return f"a preset name: {presets}; or a mapping YAML file (*.yaml)"


def load_catalog(path: str | Path, mapping: MappingChoice = None, skip_bad: bool = False) -> CatalogLoad:
    """Every item of a catalog file; a malformed row raises RowError unless skip_bad collects it."""
    path = Path(path)
    file_format(path)  # an unreadable kind of file fails before anything else
    preset = resolve_preset(path, mapping)
    if file_format(path) == "csv":
        _check_columns(path, preset)
    items: list[Item] = []
    skipped: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, outcome in _rows(path, preset):
        if isinstance(outcome, Item):
            if outcome.item_id not in first_line:
                first_line[outcome.item_id] = line
                items.append(outcome)
                continue
            seen = first_line[outcome.item_id]
            problem = f"duplicate item_id {outcome.item_id!r} (first on line {seen})"
            outcome = RowError(str(path), line, "item_id", problem)
        if not skip_bad:
            raise outcome
        skipped.append(outcome)
    if not items:
        why = f"; all {len(skipped)} rows were malformed, the first: {skipped[0]}" if skipped else ""
        raise DataError(f"{path}: no catalog items{why}")
    return CatalogLoad(tuple(items), tuple(skipped), path, preset.name)


def _check_columns(path: Path, preset: Preset) -> None:
    header = first_keys(path)
    wanted = {
        **preset.mapping.source_columns(),
        **{f"extra {c!r}": c for c in preset.mapping.extra},
    }
    for field, column in wanted.items():
        if column not in header:
            raise ConfigError(
                f"{path}: mapping ({preset.name}) reads {field} from column {column!r}, which the "
                f"header does not have; columns: {', '.join(c for c in header if c)}"
            )


def _rows(path: Path, preset: Preset) -> Iterator[tuple[int, Item | RowError]]:
    for index, record in enumerate(read_records(path)):
        if isinstance(record, RowError):
            yield record.line, record
        else:
            yield record.line, _build(path, index, record, preset)


def _build(path: Path, index: int, record: RawRecord, preset: Preset) -> Item | RowError:
    try:
        row: dict[str, Any] = map_row(preset.mapping, record.fields, preset.native)
        if preset.normalise is not None:
            row = preset.normalise(row, RowContext(path, index, record.fields))
        return CatalogRow.model_validate(coerce_row(row)).to_item()
    except FieldProblem as exc:
        return RowError(str(path), record.line, exc.field, exc.problem)
    except ValidationError as exc:
        field, problem = _validation_problem(exc)
        return RowError(str(path), record.line, field, problem)


def _validation_problem(exc: ValidationError) -> tuple[str, str]:
    return first_problem(exc, top="<row>", model=CatalogRow)
