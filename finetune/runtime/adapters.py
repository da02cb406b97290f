"""Trained LoRA adapters on disk: listing, model cards, lookup by name or path, merging into the base."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finetune.runtime.added_tokens import fit_embeddings, tied_token_notices_quiet, tokenizer_source
from finetune.runtime.base import EMBEDDED_SMOLLM2, resolve_base_model
from whythis.errors import ModelError

ADAPTER_CONFIG = "adapter_config.json"
SHIPPED = Path(__file__).resolve().parents[1] / "adapters"
DEFAULT = "default"
DEFAULT_NAME = "xrec-shop-smollm2"
RUN_KEYS = ("train_loss", "eval_loss", "best_eval_loss", "steps", "train_seconds", "tokens_per_second")
log = logging.getLogger(__name__)


class UnknownAdapterError(ModelError):
    """An adapter name or path that is not a saved adapter."""


@dataclass(frozen=True)
class AdapterInfo:
    """One saved adapter: where it is, how big, on which base, how well it did."""

    name: str
    path: Path
    size_mb: float
    base_model: str | None
    eval_loss: float | None
    run: dict[str, Any] = field(default_factory=dict, compare=False)


def adapter_roots(runs: Path = Path("runs")) -> list[Path]:
    """Where adapters live: the training output folder under `runs`, then the shipped ones."""
    return [runs / "finetune", SHIPPED]


def is_adapter(path: Path) -> bool:
    """True when `path` is a folder holding a saved peft adapter."""
    return (path / ADAPTER_CONFIG).is_file()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("cannot read %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def describe_adapter(path: Path) -> AdapterInfo:
    """The facts of one adapter folder, from its files, run.json and adapter_config.json."""
    run = _read_json(path / "run.json") if (path / "run.json").is_file() else {}
    peft_config = _read_json(path / ADAPTER_CONFIG)
    config = run.get("config") if isinstance(run.get("config"), dict) else {}
    metrics = run.get("metrics") if isinstance(run.get("metrics"), dict) else {}
    base = (config or {}).get("base_model") or peft_config.get("base_model_name_or_path")
    loss = (metrics or {}).get("eval_loss")
    # Top-level files only: checkpoint-* folders of a training run are not part of the adapter.
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return AdapterInfo(
        name=path.name,
        path=path,
        size_mb=round(size / 2**20, 2),
        base_model=str(base) if base else None,
        eval_loss=float(loss) if isinstance(loss, int | float) else None,
        run=run,
    )


def list_adapters(roots: list[Path] | None = None) -> list[AdapterInfo]:
    """Every adapter directly under the roots, sorted by root then name."""
    found: list[AdapterInfo] = []
    for root in roots if roots is not None else adapter_roots():
        if not root.is_dir():
            continue
        found += [describe_adapter(p) for p in sorted(root.iterdir()) if p.is_dir() and is_adapter(p)]
    return found


def find_adapter(spec: str, roots: list[Path] | None = None) -> AdapterInfo:
    """An adapter by folder path or by name; UnknownAdapterError lists the known ones."""
    path = Path(spec).expanduser()
    if is_adapter(path):
        return describe_adapter(path)
    known = list_adapters(roots)
    matches = [a for a in known if a.name == spec]
    if matches:
        return matches[0]
    names = ", ".join(f"{a.name} ({a.path})" for a in known) or "none yet (train one: whythis finetune)"
    where = ", ".join(str(r) for r in (roots if roots is not None else adapter_roots()))
    raise UnknownAdapterError(
        f"no adapter {spec!r}: not a folder with {ADAPTER_CONFIG} and no such name under {where}. "
        f"Known adapters: {names}"
    )


def adapter_card(info: AdapterInfo) -> str:
    """The adapter's model card (README.md) followed by the key fields of its run.json."""
    readme = info.path / "README.md"
    card = readme.read_text(encoding="utf-8").rstrip() if readme.is_file() else f"# {info.name}\n(no card)"
    metrics = info.run.get("metrics") if isinstance(info.run.get("metrics"), dict) else {}
    lines = [
        card,
        "",
        "## run.json",
        f"- path: {info.path}",
        f"- size: {info.size_mb} MB",
        f"- base model: {info.base_model or 'unknown'}",
        f"- created: {info.run.get('created', 'unknown')}",
        f"- git: {json.dumps(info.run.get('git'))}",
        *(f"- {key}: {(metrics or {}).get(key)}" for key in RUN_KEYS),
    ]
    return "\n".join(lines) + "\n"


def merge_adapter(info: AdapterInfo, output: Path, base_model: str | None = None) -> Path:
    """Merge the adapter into its base model and save the merged model and tokenizer in `output`."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    spec = base_model or info.base_model or EMBEDDED_SMOLLM2
    base_path = resolve_base_model(spec)
    try:
        base = AutoModelForCausalLM.from_pretrained(base_path)
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_source(info.path, base_path))
        fit_embeddings(base, tokenizer)
        with tied_token_notices_quiet():
            merged = PeftModel.from_pretrained(base, str(info.path)).merge_and_unload()
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot merge adapter {info.path} into base {spec!r} ({base_path}): {exc}") from exc
    output.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(output)
    tokenizer.save_pretrained(output)
    return output


WEIGHTS = "adapter_model.safetensors"
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "chat_template.jinja",
    "special_tokens_map.json",
)


def ship_adapter(info: AdapterInfo, output: Path) -> Path:
    """Copy an adapter for shipping: float16 weights (half the size), its config, run.json and card."""
    import torch
    from safetensors.torch import load_file, save_file

    if not (info.path / WEIGHTS).is_file():
        raise ModelError(f"adapter {info.path} has no {WEIGHTS} to ship (saved by an older peft?)")
    tensors = load_file(str(info.path / WEIGHTS))
    # A base layer saved beside added token rows is the base's own matrix again: the base brings it.
    kept = {k: v for k, v in tensors.items() if not k.endswith("token_adapter.base_layer.weight")}
    # LoRA deltas are small and smooth: float16 keeps them to ~1e-3 relative; peft casts back on load.
    half = {k: v.to(torch.float16) if v.is_floating_point() else v for k, v in kept.items()}
    output.mkdir(parents=True, exist_ok=True)
    save_file(half, str(output / WEIGHTS), metadata={"format": "pt"})
    (output / ADAPTER_CONFIG).write_text((info.path / ADAPTER_CONFIG).read_text(encoding="utf-8"))
    for name in TOKENIZER_FILES:  # an adapter that added tokens carries its tokenizer
        if (info.path / name).is_file():
            shutil.copyfile(info.path / name, output / name)
    run = {**info.run, "shipped": {"from": str(info.path), "dtype": "float16"}}
    (output / "run.json").write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    readme = info.path / "README.md"
    card = readme.read_text(encoding="utf-8") if readme.is_file() else f"# {info.name}\n"
    note = (f"\nShipped copy of `{info.path}` (`whythis adapter ship`): the LoRA weights are stored in "
            "float16 and cast back to the base model's dtype on load.\n")  # fmt: skip
    (output / "README.md").write_text(card.rstrip() + "\n" + note, encoding="utf-8")
    return output


def resolve_adapter(spec: str | None, roots: list[Path] | None = None) -> Path | None:
    """The adapter folder a setting means: None/'none' the base model, 'default' the shipped one."""
    if spec is None or spec.strip().lower() == "none":
        return None
    if spec == DEFAULT:
        shipped = SHIPPED / DEFAULT_NAME
        if is_adapter(shipped):
            return shipped
        log.warning("no shipped adapter at %s; using the base model", shipped)
        return None
    return find_adapter(spec, roots).path
