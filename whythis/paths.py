"""The project's two locations: the shared data dir (read) and the cache dir (converted models, indexes)."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """Env WHYTHIS_CACHE_DIR, default ~/.cache/whythis."""
    return Path(os.environ.get("WHYTHIS_CACHE_DIR", Path.home() / ".cache" / "whythis")).expanduser()


DATA_ENV = "WHYTHIS_DATA_DIR"
_DEFAULT_DATA = Path("..") / "shared" / "data"


def data_dir_candidates(setting: str | None = None) -> tuple[tuple[Path, str], ...]:
    """Data dirs to try, in order, each with where it came from: the setting or env, else the defaults."""
    configured = (setting or os.environ.get(DATA_ENV, "")).strip()
    if configured:
        return (
            (Path(configured).expanduser().resolve(), "the data_dir setting" if setting else f"${DATA_ENV}"),
        )
    repo = Path(__file__).resolve().parents[1]
    return (
        ((Path.cwd() / _DEFAULT_DATA).resolve(), "the default ../shared/data from the cwd"),
        ((repo / _DEFAULT_DATA).resolve(), "../shared/data beside the repository"),
    )


def data_dir(setting: str | None = None) -> Path:
    """The shared data dir: the setting, else $WHYTHIS_DATA_DIR, else ../shared/data (cwd, then repo)."""
    candidates = data_dir_candidates(setting)
    return next((path for path, _ in candidates if path.is_dir()), candidates[0][0])
