"""LoRA training of the base LM on XRec explanations with the HF Trainer: eval, early stop, resume."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from finetune.runtime.adapters import WEIGHTS, resolve_adapter
from finetune.runtime.added_tokens import (
    add_tokens,
    fit_embeddings,
    init_added_rows,
    tied_token_notices_quiet,
    tokenizer_source,
)
from finetune.runtime.base import resolve_base_model
from finetune.runtime.generator import load_tokenizer
from finetune.training.config import TrainingConfig
from finetune.training.data import Splits, build_dataset, load_splits
from whythis.errors import ConfigError, DataError, ModelError
from whythis.runinfo import write_run

Reporter = Callable[[str], None]
CHECKPOINTS = "checkpoints"
log = logging.getLogger(__name__)


def train(config: TrainingConfig, command: str | None = None, report: Reporter | None = None) -> Path:
    """Train an adapter as configured; save it, its run.json and a model card in output_dir."""
    import torch

    check_output_dir(config)
    if config.threads:
        torch.set_num_threads(config.threads)
    base_path = resolve_base_model(config.base_model)
    tokenizer = load_tokenizer(tokenizer_source(_init_path(config), base_path))
    tokenizer.padding_side = "right"  # left padding would shift positions during training
    added = add_tokens(tokenizer, config.added_tokens) if config.added_tokens else []
    splits = load_splits(config)
    train_set = build_dataset(tokenizer, splits.train, config)
    val_set = build_dataset(tokenizer, splits.val, config)
    if not train_set:
        raise DataError("no training examples: every configured row was empty or exceeded max_length")
    trainer = _trainer(config, base_path, tokenizer, train_set, val_set, report, added)
    output = Path(config.output_dir)
    resume = last_checkpoint(output) if config.resume else None
    started = time.perf_counter()
    with tied_token_notices_quiet():
        result = trainer.train(resume_from_checkpoint=resume)
    seconds = time.perf_counter() - started
    final_eval = trainer.evaluate() if val_set else {}
    with tied_token_notices_quiet():
        # The added rows are in the token adapter; the whole embedding matrix would be 100+ MB more.
        trainer.model.save_pretrained(str(output), save_embedding_layers=False)
    if added:
        tokenizer.save_pretrained(str(output))  # the added tokens travel with the adapter
    metrics = run_metrics(result.metrics, final_eval, trainer.state, seconds, len(train_set), len(val_set))
    metrics["resumed_from"] = resume
    metrics["continued_from"] = config.init_adapter
    metrics["train_seconds_total"] = round(seconds + prior_seconds(config.init_adapter), 2)
    write_run(output, "finetune", config.model_dump(mode="json"), splits.files, metrics)
    write_model_card(output, config, splits, metrics, command)
    return output


def check_output_dir(config: TrainingConfig) -> None:
    """Refuse to train over a finished adapter unless resuming or told to overwrite it."""
    output = Path(config.output_dir)
    if config.resume or config.overwrite or not (output / WEIGHTS).is_file():
        return
    raise ConfigError(
        f"output_dir {str(output)!r} already holds a trained adapter; choose another output_dir, "
        "continue it with --set resume=true, or replace it with --set overwrite=true"
    )


def last_checkpoint(output: Path) -> str | None:
    """The newest resumable checkpoint under output/checkpoints, if there is one."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = output / CHECKPOINTS
    if not folder.is_dir():
        return None
    found: str | None = get_last_checkpoint(str(folder))  # type: ignore[no-untyped-call]
    return found


def _init_path(config: TrainingConfig) -> Path | None:
    return resolve_adapter(config.init_adapter) if config.init_adapter else None


def lora_model(
    base_path: str, config: TrainingConfig, tokenizer: Any = None, added: list[int] | None = None
) -> Any:
    """The base model in float32 with fresh LoRA weights on the configured modules; the embedding rows
    of `added` token ids are trained too."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(base_path, dtype=torch.float32)
    except OSError as exc:
        raise ModelError(f"cannot load base model {config.base_model!r} ({base_path}): {exc}") from exc
    if tokenizer is not None:
        fit_embeddings(model, tokenizer)
        if added and not config.init_adapter:
            init_added_rows(model, tokenizer, config.added_tokens)
    if config.init_adapter:
        return continued(model, config.init_adapter)
    layers = model.config.num_hidden_layers
    top = config.lora.top_layers
    lora = LoraConfig(
        layers_to_transform=list(range(max(0, layers - top), layers)) if top else None,
        r=config.lora.r,
        lora_alpha=config.lora.alpha,
        lora_dropout=config.lora.dropout,
        target_modules=list(config.lora.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
        trainable_token_indices={"embed_tokens": list(added)} if added else None,
    )
    try:
        return get_peft_model(model, lora)
    except ValueError as exc:
        raise ModelError(f"cannot add LoRA to {config.base_model!r}: {exc}") from exc


def continued(model: Any, name: str) -> Any:
    """The base model with an existing adapter loaded trainable, to train it further."""
    from peft import PeftModel

    path = resolve_adapter(name)
    if path is None:
        raise ModelError(f"init_adapter {name!r} names no adapter; give a folder or a shipped adapter name")
    try:
        return PeftModel.from_pretrained(model, str(path), is_trainable=True)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load init_adapter {name!r} ({path}): {exc}") from exc


def prior_seconds(name: str | None) -> float:
    """Training seconds already spent on the adapter a run continues (0 for a fresh adapter)."""
    path = resolve_adapter(name) if name else None
    record = path / "run.json" if path else None
    if record is None or not record.is_file():
        return 0.0
    metrics = json.loads(record.read_text(encoding="utf-8")).get("metrics", {})
    return float(metrics.get("train_seconds_total", metrics.get("train_seconds", 0.0)))


def training_args(config: TrainingConfig, has_val: bool) -> Any:
    """Trainer arguments: steps-based eval and checkpoints, best-by-eval-loss kept when there is a val set."""
    import torch
    from transformers import TrainingArguments

    evaluate = "steps" if has_val else "no"
    return TrainingArguments(
        output_dir=str(Path(config.output_dir) / CHECKPOINTS),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        learning_rate=config.learning_rate,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        eval_strategy=evaluate,
        eval_steps=config.eval_every,
        save_strategy="steps",
        save_steps=config.eval_every,
        save_total_limit=2,
        load_best_model_at_end=has_val,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        logging_steps=config.log_every,
        seed=config.seed,
        data_seed=config.seed,
        use_cpu=not torch.cuda.is_available(),
        bf16=config.bf16,
        include_num_input_tokens_seen="non_padding",
        report_to="none",
        dataloader_num_workers=0,
        train_sampling_strategy="group_by_length" if config.group_by_length else "random",
        neftune_noise_alpha=config.neftune_alpha,
    )


def _trainer(
    config: TrainingConfig,
    base_path: str,
    tokenizer: Any,
    train_set: list[dict[str, list[int]]],
    val_set: list[dict[str, list[int]]],
    report: Reporter | None,
    added: list[int],
) -> Any:
    from transformers import DataCollatorForSeq2Seq, EarlyStoppingCallback, Trainer

    callbacks: list[Any] = [progress_callback(report)] if report else []
    if val_set:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=config.early_stopping_patience))
    return Trainer(
        model=lora_model(base_path, config, tokenizer, added),
        args=training_args(config, bool(val_set)),
        train_dataset=train_set,  # a list of dicts is a map-style dataset
        eval_dataset=val_set or None,
        data_collator=DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100),
        callbacks=callbacks,
    )


def progress_callback(report: Reporter) -> Any:
    """A Trainer callback that reports step, losses and tokens/s on every log event."""
    from transformers import TrainerCallback

    class Progress(TrainerCallback):
        started = time.perf_counter()

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.started = time.perf_counter()  # model loading is not training time

        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kwargs: Any) -> None:
            elapsed = max(time.perf_counter() - self.started, 1e-9)
            shown = {k: v for k, v in (logs or {}).items() if k in ("loss", "eval_loss", "learning_rate")}
            parts = [f"{k} {v:.4g}" for k, v in shown.items()]
            rate = state.num_input_tokens_seen / elapsed
            report(f"step {state.global_step}/{state.max_steps}  {'  '.join(parts)}  {rate:.0f} tok/s")

    return Progress()


def run_metrics(
    train_metrics: dict[str, Any],
    final_eval: dict[str, Any],
    state: Any,
    seconds: float,
    n_train: int,
    n_val: int,
) -> dict[str, Any]:
    """The numbers a run record keeps: losses, steps, sizes, time and throughput."""
    tokens = int(state.num_input_tokens_seen)
    evals = [e["eval_loss"] for e in state.log_history if "eval_loss" in e]
    return {
        "train_loss": train_metrics.get("train_loss"),
        "eval_loss": final_eval.get("eval_loss"),
        "best_eval_loss": min(evals) if evals else None,
        "eval_history": evals,
        "steps": state.global_step,
        "epochs": state.epoch,
        "train_examples": n_train,
        "val_examples": n_val,
        "train_seconds": round(seconds, 2),
        "tokens_seen": tokens,
        "tokens_per_second": round(tokens / seconds, 1) if seconds > 0 else None,
    }


# train_seconds_total: this stage plus the adapters it continued, i.e. the time the adapter cost.
CARD_METRICS = ("train_loss", "eval_loss", "best_eval_loss", "steps", "train_seconds", "train_seconds_total",
                "tokens_per_second")  # fmt: skip


def write_model_card(
    output: Path, config: TrainingConfig, splits: Splits, metrics: dict[str, Any], command: str | None
) -> Path:
    """A short README.md: what the adapter is, what it was trained on, how, and how well."""
    domains = ", ".join(_data_label(s.label, s.rows, s.train_rows) for s in config.data)
    sizes = f"{len(splits.train)} train / {len(splits.val)} val rows (seed {config.seed})"
    prompts = ", ".join(sorted({f"`prompts/templates/{r.prompt}.yaml`" for r in splits.train + splits.val}))
    r, alpha, targets = _saved_lora(output) or (config.lora.r, config.lora.alpha, config.lora.target_modules)
    modules = ", ".join(sorted(targets))
    continued = [f"- Continued from: `{config.init_adapter}`"] if config.init_adapter else []
    shown = [k for k in CARD_METRICS if k in metrics]
    lines = [
        f"# LoRA adapter: {output.name}",
        "",
        f"- Base model: `{config.base_model}`",
        f"- Prompts: {prompts}, formatted by `finetune.runtime.generator.format_prompt`",
        f"- Data: {domains}; {sizes}",
        f"- LoRA: r={r}, alpha={alpha}, modules {modules}",
        *continued,
        f"- Command: `{command or 'whythis finetune'}` (full resolved config in run.json)",
        "",
        "| metric | value |",
        "|---|---|",
        *(f"| {k} | {_fmt(metrics.get(k))} |" for k in shown),
        "",
        "Load it with `GeneratorConfig(adapter=<this folder>)` or `whythis ... --adapter <this folder>`.",
    ]
    path = output / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _data_label(label: str, rows: int | None, train_rows: int | None) -> str:
    trained = f", {train_rows} trained on" if train_rows else ""
    return f"{label} ({rows or 'all'} rows{trained})"


def _saved_lora(output: Path) -> tuple[int, int, list[str]] | None:
    # A continued adapter keeps the LoRA shape it was created with, whatever this config's [lora] says.
    path = output / "adapter_config.json"
    if not path.is_file():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return int(saved["r"]), int(saved["lora_alpha"]), list(saved["target_modules"])


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
