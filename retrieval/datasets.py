"""The one data-dir setting: where the shared public data sets live."""

from __future__ import annotations

import os
from pathlib import Path

from whythis.errors import DataError

ENV_VAR = "WHYTHIS_DATA_DIR"
DEFAULT_RELATIVE = Path("..") / "shared" / "data"


def _repo_root() -> Path:
    # The repository root is the parent of the `retrieval` package directory.
    return Path(__file__).resolve().parent.parent


def _candidates() -> tuple[tuple[Path, str], ...]:
    """The data dirs to try, in order, each with where it came from."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return ((Path(configured).expanduser().resolve(), f"${ENV_VAR}"),)
    return (
        ((Path.cwd() / DEFAULT_RELATIVE).resolve(), "the default ../shared/data from the cwd"),
        ((_repo_root() / DEFAULT_RELATIVE).resolve(), "../shared/data beside the repository"),
    )


def _resolve() -> tuple[Path, str, tuple[tuple[Path, str], ...]]:
    candidates = _candidates()
    for path, how in candidates:
        if path.is_dir():
            return path, how, candidates
    return candidates[0][0], candidates[0][1], candidates


def data_dir() -> Path:
    """The data dir: $WHYTHIS_DATA_DIR, else ../shared/data from the cwd, else beside the repo."""
    return _resolve()[0]


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
