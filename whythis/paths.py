"""Where whythis keeps derived files (converted models, indexes): one setting for the whole project."""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """Env WHYTHIS_CACHE_DIR, default ~/.cache/whythis."""
    return Path(os.environ.get("WHYTHIS_CACHE_DIR", Path.home() / ".cache" / "whythis")).expanduser()
