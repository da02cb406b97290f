"""The one data-dir setting: where the shared public data sets live."""

from __future__ import annotations

from pathlib import Path

from whythis.errors import DataError
from whythis.paths import DATA_ENV, data_dir_candidates
from whythis.paths import data_dir as shared_data_dir

ENV_VAR = DATA_ENV


def _resolve() -> tuple[Path, str, tuple[tuple[Path, str], ...]]:
    candidates = data_dir_candidates()
    for path, how in candidates:
        if path.is_dir():
            return path, how, candidates
    return candidates[0][0], candidates[0][1], candidates


def data_dir() -> Path:
    """The data dir: $WHYTHIS_DATA_DIR, else ../shared/data from the cwd, else beside the repo."""
    return shared_data_dir()


def dataset_path(*parts: str) -> Path:
    """A file or folder inside the data dir; DataError saying what was tried when it is missing."""
    root, how, candidates = _resolve()
    path = root.joinpath(*parts)
    if path.exists():
        return path
    if root.is_dir():
        where = f"{root} (data dir from {how})"
    else:
        where = "none of " + ", ".join(f"{p} ({h})" for p, h in candidates) + " exists"
    raise DataError(
        f"data set file {path} not found; data dir: {where}. "
        f"Set {ENV_VAR} to the folder that holds the shared data (e.g. ../shared/data)."
    )
