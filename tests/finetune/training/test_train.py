"""Training machinery: run records, checkpoints, and (slow) a real round trip through SmolLM2."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from finetune.training.config import DataSource, TrainingConfig
from finetune.training.data import Splits, load_splits
from finetune.training.train import (
    check_output_dir,
    last_checkpoint,
    run_metrics,
    training_args,
    write_model_card,
)
from prompts.render import load_prompt, render
from whythis.errors import ConfigError


def test_run_metrics_keep_losses_sizes_and_throughput() -> None:
    state = SimpleNamespace(
        num_input_tokens_seen=1000,
        log_history=[{"loss": 3.0}, {"eval_loss": 2.5}, {"eval_loss": 2.0}, {"eval_loss": 2.2}],
        global_step=30,
        epoch=1.5,
    )
    m = run_metrics({"train_loss": 2.8}, {"eval_loss": 2.0}, state, 10.0, 100, 5)
    assert (m["train_loss"], m["eval_loss"], m["best_eval_loss"]) == (2.8, 2.0, 2.0)
    assert m["eval_history"] == [2.5, 2.0, 2.2]
    assert (m["steps"], m["train_examples"], m["val_examples"], m["tokens_per_second"]) == (30, 100, 5, 100.0)
    assert (
        run_metrics({}, {}, SimpleNamespace(**{**vars(state), "log_history": []}), 1.0, 1, 0)[
            "best_eval_loss"
        ]
        is None
    )


def test_model_card_names_base_data_command_and_metrics(tmp_path: Path) -> None:
    cfg = TrainingConfig(data=[DataSource(domain="yelp", rows=8)])
    splits = Splits(train=[], val=[], files=[])
    path = write_model_card(tmp_path, cfg, splits, {"train_loss": 1.23456, "steps": 3}, "whythis finetune -x")
    card = path.read_text(encoding="utf-8")
    for needle in ("embedded:smollm2", "yelp (8 rows)", "`whythis finetune -x`", "| train_loss | 1.2346 |"):
        assert needle in card


def test_last_checkpoint_finds_the_newest(tmp_path: Path) -> None:
    assert last_checkpoint(tmp_path) is None
    for step in (2, 10):
        (tmp_path / "checkpoints" / f"checkpoint-{step}").mkdir(parents=True)
    assert last_checkpoint(tmp_path) == str(tmp_path / "checkpoints" / "checkpoint-10")


def test_a_trained_adapter_is_not_overwritten_unless_asked(tmp_path: Path) -> None:
    cfg = TrainingConfig(output_dir=str(tmp_path))
    check_output_dir(cfg)
    (tmp_path / "adapter_model.safetensors").write_bytes(b"weights")
    with pytest.raises(ConfigError, match=r"already holds a trained adapter.*overwrite=true"):
        check_output_dir(cfg)
    check_output_dir(cfg.model_copy(update={"overwrite": True}))
    check_output_dir(cfg.model_copy(update={"resume": True}))


def test_training_args_evaluate_and_keep_the_best_only_with_a_val_set(tmp_path: Path) -> None:
    cfg = TrainingConfig(output_dir=str(tmp_path), eval_every=7, max_steps=20)
    with_val = training_args(cfg, has_val=True)
    assert (with_val.eval_steps, with_val.save_steps, with_val.max_steps) == (7, 7, 20)
    assert with_val.load_best_model_at_end and with_val.metric_for_best_model == "eval_loss"
    assert str(with_val.eval_strategy) in ("steps", "IntervalStrategy.STEPS")
    without = training_args(cfg.model_copy(update={"max_steps": None}), has_val=False)
    assert not without.load_best_model_at_end and without.max_steps == -1
    assert str(without.eval_strategy) in ("no", "IntervalStrategy.NO")


def test_bf16_is_off_unless_asked_for(tmp_path: Path) -> None:
    cfg = TrainingConfig(output_dir=str(tmp_path))
    assert not training_args(cfg, has_val=False).bf16
    assert training_args(cfg.model_copy(update={"bf16": True}), has_val=False).bf16


def test_neftune_noise_is_off_unless_asked_for(tmp_path: Path) -> None:
    cfg = TrainingConfig(output_dir=str(tmp_path))
    assert training_args(cfg, has_val=False).neftune_noise_alpha is None
    noisy = cfg.model_copy(update={"neftune_alpha": 5.0})
    assert training_args(noisy, has_val=False).neftune_noise_alpha == 5.0


@pytest.mark.slow
def test_tiny_round_trip_trains_saves_resumes_and_generates(tmp_path: Path) -> None:
    import torch

    from finetune.runtime.backends import load_generator
    from finetune.runtime.generator import GeneratorConfig
    from finetune.training.train import train

    torch.set_num_threads(1)
    cfg = TrainingConfig(
        data=[DataSource(domain="yelp", rows=8)],
        max_length=256,
        max_steps=2,
        batch_size=2,
        grad_accum=1,
        eval_every=2,
        log_every=1,
        threads=1,
        lora={"r": 4, "alpha": 8, "dropout": 0.0, "target_modules": ["q_proj", "v_proj"]},
        output_dir=str(tmp_path / "adapter"),
    )
    lines: list[str] = []
    out = train(cfg, command="whythis finetune", report=lines.append)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["kind"] == "finetune" and record["metrics"]["steps"] == 2
    assert record["metrics"]["train_loss"] > 0 and record["metrics"]["eval_loss"] > 0
    assert record["config"]["max_length"] == 256 and record["data_files"][0]["path"].endswith("train.jsonl")
    assert (out / "adapter_model.safetensors").is_file() and (out / "README.md").is_file()
    assert any("tok/s" in line for line in lines)

    resumed = train(cfg.model_copy(update={"max_steps": 3, "resume": True}))
    again = json.loads((resumed / "run.json").read_text(encoding="utf-8"))["metrics"]
    assert again["resumed_from"].endswith("checkpoint-2") and again["steps"] == 3

    generator = load_generator(GeneratorConfig(adapter=str(out), max_new_tokens=8, threads=1))
    row = load_splits(cfg).val[0]
    text = generator.generate([render(load_prompt(row.prompt), row.variables)])[0]
    assert text.strip()
