"""Run records: every trained adapter and every eval result writes a run.json next to its output."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import time
from collections.abc import Iterable, Mapping
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

PACKAGES = (
    "whythis",
    "torch",
    "transformers",
    "peft",
    "accelerate",
    "sentence-transformers",
    "faiss-cpu",
    "langchain-core",
    "gguf",
    "numpy",
    "pydantic",
)


def git_state(cwd: Path | None = None) -> dict[str, Any]:
    """The commit of the working tree and whether it has uncommitted changes."""
    where = cwd or Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=where, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(dirty)}


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that decide a result."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def file_digest(path: Path) -> dict[str, Any]:
    """Path, size and sha256 of a data file."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return {"path": str(path), "bytes": path.stat().st_size, "sha256": h.hexdigest()}


def write_run(
    folder: Path,
    kind: str,
    config: Mapping[str, Any],
    data_files: Iterable[Path],
    metrics: Mapping[str, Any],
) -> Path:
    """Write folder/run.json with the resolved config, git state, versions, data files and metrics."""
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "kind": kind,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": dict(config),
        "git": git_state(),
        "packages": package_versions(),
        "python": platform.python_version(),
        "machine": {"platform": platform.platform(), "processor": platform.machine()},
        "data_files": [file_digest(Path(p)) for p in data_files],
        "metrics": dict(metrics),
    }
    path = folder / "run.json"
    path.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return path
