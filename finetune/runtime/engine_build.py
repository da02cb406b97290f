"""Serving-engine builds: the base model with its adapter merged in, converted and quantised for
CTranslate2, cached once per (base, adapter, settings) with a manifest and a run.json.

CTranslate2 has no runtime LoRA, so the adapter is folded into the weights first (peft's
merge_and_unload); a changed adapter file changes the key, so the next load builds again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from finetune.runtime.adapters import describe_adapter, merge_adapter, resolve_adapter
from finetune.runtime.base import resolve_base_model
from whythis.errors import ModelError
from whythis.paths import cache_root
from whythis.runinfo import write_run

MANIFEST = "whythis-engine.json"
ENGINE_FORMAT = "whythis.engine/1"
Quantization = Literal["int8_float32", "int8", "float32"]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineManifest:
    """What an engine folder was built from: enough to tell whether it is still current."""

    format: str
    engine: str
    engine_version: str
    base_model: str
    base_digest: str
    adapter: str | None
    adapter_digest: str | None
    quantization: str
    key: str
    built_seconds: float


def _tree_digest(folder: Path) -> str:
    """A digest of a model folder by its files' names, sizes and modification times (cheap, not bytes)."""
    h = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        stat = path.stat()
        h.update(f"{path.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _adapter_digest(adapter: Path) -> str:
    """The adapter's weights and config, byte for byte: a retrained adapter is a new engine."""
    h = hashlib.sha256()
    for name in ("adapter_model.safetensors", "adapter_config.json"):
        if (adapter / name).is_file():
            h.update(_file_digest(adapter / name).encode())
    return h.hexdigest()


def _base_digest(base: str) -> str:
    path = Path(base)
    return _tree_digest(path) if path.is_dir() else base


def engine_key(base: str, adapter: Path | None, quantization: str) -> tuple[str, str, str | None]:
    """(key, base digest, adapter digest) of an engine build."""
    base_digest = _base_digest(base)
    adapter_digest = _adapter_digest(adapter) if adapter is not None else None
    text = f"{ENGINE_FORMAT}|{_ct2_version()}|{base_digest}|{adapter_digest}|{quantization}"
    return hashlib.sha256(text.encode()).hexdigest(), base_digest, adapter_digest


def engine_root() -> Path:
    """Where engine builds are cached."""
    return cache_root() / "engines"


def read_manifest(folder: Path) -> EngineManifest | None:
    """The manifest of a built engine folder, or None when the folder is not a finished build."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        return EngineManifest(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, TypeError):
        return None


def ensure_engine(base_model: str, adapter_spec: str | None, quantization: Quantization) -> Path:
    """The engine folder for this base, adapter and quantisation: the cached one, else built now."""
    base = resolve_base_model(base_model)
    adapter = resolve_adapter(adapter_spec)
    key, base_digest, adapter_digest = engine_key(base, adapter, quantization)
    folder = engine_root() / f"ct2-{quantization}-{key[:16]}"
    found = read_manifest(folder)
    if found is not None and found.key == key:
        return folder
    log.info("building the serving engine in %s (once per adapter; about a minute)", folder)
    start = time.perf_counter()
    _convert(base, adapter, quantization, folder)
    manifest = EngineManifest(
        format=ENGINE_FORMAT,
        engine="ctranslate2",
        engine_version=_ct2_version(),
        base_model=base_model,
        base_digest=base_digest,
        adapter=str(adapter) if adapter is not None else None,
        adapter_digest=adapter_digest,
        quantization=quantization,
        key=key,
        built_seconds=round(time.perf_counter() - start, 1),
    )
    write_run(folder, "engine-build", asdict(manifest), [], {"built_seconds": manifest.built_seconds})
    # The manifest is written last: a folder without one is an unfinished build and is built again.
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=2), encoding="utf-8")
    return folder


def _ct2_version() -> str:
    import ctranslate2

    return str(ctranslate2.__version__)


def _convert(base: str, adapter: Path | None, quantization: str, folder: Path) -> None:
    """Merge (when there is an adapter), convert and quantise into `folder`, replacing what was there."""
    import ctranslate2

    engine_root().mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=engine_root()) as tmp:
        source = Path(base)
        if adapter is not None:
            source = merge_adapter(describe_adapter(adapter), Path(tmp) / "merged", base_model=base)
        out = Path(tmp) / "engine"
        try:
            converter = ctranslate2.converters.TransformersConverter(str(source), load_as_float16=False)
            converter.convert(str(out), quantization=quantization, force=True)
        except (OSError, ValueError, RuntimeError) as exc:
            raise ModelError(f"cannot convert {source} for CTranslate2: {exc}") from exc
        from transformers import AutoTokenizer

        AutoTokenizer.from_pretrained(str(source)).save_pretrained(out)
        if folder.exists():
            shutil.rmtree(folder)
        out.rename(folder)
