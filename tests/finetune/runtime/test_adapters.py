"""Saved adapters: listing with size/base/loss, the card, lookup by name or path, unknown names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finetune.runtime.adapters import (
    UnknownAdapterError,
    adapter_card,
    adapter_roots,
    find_adapter,
    list_adapters,
)
from whythis.cli import main
from whythis.errors import WhythisError


def fake_adapter(runs: Path, name: str, eval_loss: float | None = 1.25) -> Path:
    folder = runs / "finetune" / name
    (folder / "checkpoint-2").mkdir(parents=True)
    (folder / "checkpoint-2" / "big.bin").write_bytes(b"\0" * 4 * 2**20)  # not part of the adapter
    (folder / "adapter_config.json").write_text(
        json.dumps({"base_model_name_or_path": "/cache/models/smollm2", "r": 4}), encoding="utf-8"
    )
    (folder / "adapter_model.safetensors").write_bytes(b"\0" * 2**20)
    run = {
        "kind": "finetune",
        "created": "2026-11-22T10:00:00",
        "config": {"base_model": "embedded:smollm2"},
        "git": {"commit": "abc123", "dirty": False},
        "metrics": {"eval_loss": eval_loss, "train_loss": 1.5, "steps": 40},
    }
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (folder / "README.md").write_text(f"# LoRA adapter: {name}\n\n- Base model: x\n", encoding="utf-8")
    return folder


def test_list_finds_adapters_with_size_base_and_loss(tmp_path: Path) -> None:
    fake_adapter(tmp_path, "b-run", eval_loss=0.9)
    fake_adapter(tmp_path, "a-run")
    (tmp_path / "finetune" / "not-an-adapter").mkdir()
    found = list_adapters([tmp_path / "finetune", tmp_path / "missing"])
    assert [a.name for a in found] == ["a-run", "b-run"]
    first = found[0]
    assert first.base_model == "embedded:smollm2" and first.eval_loss == 1.25
    assert 1.0 <= first.size_mb < 1.1  # the weights, not the 4 MB checkpoint
    assert found[1].eval_loss == 0.9


def test_show_has_the_card_and_run_fields(tmp_path: Path) -> None:
    folder = fake_adapter(tmp_path, "mine")
    card = adapter_card(find_adapter("mine", adapter_roots(tmp_path)))
    assert card.startswith("# LoRA adapter: mine")
    assert "- eval_loss: 1.25" in card and "- steps: 40" in card and "abc123" in card
    assert find_adapter(str(folder), []).path == folder  # a path needs no roots


def test_unknown_adapter_lists_the_known_ones(tmp_path: Path) -> None:
    fake_adapter(tmp_path, "mine")
    with pytest.raises(UnknownAdapterError, match="no adapter 'ghost'") as err:
        find_adapter("ghost", adapter_roots(tmp_path))
    assert "mine" in str(err.value)
    assert isinstance(err.value, WhythisError)
    with pytest.raises(UnknownAdapterError, match="none yet"):
        find_adapter("ghost", [tmp_path / "empty"])


def test_cli_list_and_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake_adapter(tmp_path, "mine")
    assert main(["adapter", "list", "--runs", str(tmp_path)]) == 0
    listed = capsys.readouterr().out
    assert "mine\t1.0\tembedded:smollm2\t1.25" in listed
    assert main(["adapter", "show", "mine", "--runs", str(tmp_path)]) == 0
    assert "eval_loss: 1.25" in capsys.readouterr().out
    assert main(["adapter", "show", "ghost", "--runs", str(tmp_path)]) == 2
    assert "mine" in capsys.readouterr().err


def test_resolve_adapter_settings(tmp_path: Path) -> None:
    from finetune.runtime.adapters import DEFAULT, SHIPPED, resolve_adapter

    path = fake_adapter(tmp_path / "runs", "mine")
    assert resolve_adapter(None) is None and resolve_adapter("none") is None
    assert resolve_adapter(str(path)) == path
    assert resolve_adapter("mine", [tmp_path / "runs" / "finetune"]) == path
    shipped = resolve_adapter(DEFAULT)
    assert shipped is None or shipped.parent == SHIPPED


def test_ship_halves_the_weights_and_keeps_config_run_and_card(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from finetune.runtime.adapters import describe_adapter, ship_adapter

    folder = fake_adapter(tmp_path, "trained")
    weights = {"lora_A": torch.randn(16, 64), "step": torch.tensor([3])}
    save_file(weights, str(folder / "adapter_model.safetensors"))
    shipped = ship_adapter(describe_adapter(folder), tmp_path / "ship" / "mine")
    got = load_file(str(shipped / "adapter_model.safetensors"))
    assert got["lora_A"].dtype == torch.float16 and got["step"].dtype == torch.int64
    assert torch.allclose(got["lora_A"].float(), weights["lora_A"], atol=2e-3)
    run = json.loads((shipped / "run.json").read_text(encoding="utf-8"))
    assert run["metrics"]["eval_loss"] == 1.25 and run["shipped"]["dtype"] == "float16"
    assert (shipped / "README.md").read_text(encoding="utf-8").startswith("# LoRA adapter: trained")
    size = {p: (p / "adapter_model.safetensors").stat().st_size for p in (folder, shipped)}
    assert size[shipped] < 0.6 * size[folder]


def test_the_shipped_adapter_is_what_the_checked_in_configs_train_within_90_minutes() -> None:
    from finetune.runtime.adapters import DEFAULT, resolve_adapter
    from finetune.training.config import load_training_config

    shipped = resolve_adapter(DEFAULT)
    assert shipped is not None, "the shipped adapter is missing from finetune/adapters/"
    run = json.loads((shipped / "run.json").read_text(encoding="utf-8"))
    configs = Path(__file__).resolve().parents[3] / "configs" / "finetune"
    stage2 = load_training_config(configs / "xrec-shop-smollm2.toml")
    stage1 = load_training_config(configs / "xrec-smollm2.toml")
    # Read through today's config model, so a key added since (at its default, i.e. off) still matches.
    recorded = type(stage2).model_validate(run["config"]).model_dump(mode="json")
    assert recorded == stage2.model_dump(mode="json"), "retrain and re-ship after changing the config"
    assert run["metrics"]["continued_from"] == stage1.output_dir
    assert run["metrics"]["train_seconds_total"] <= 90 * 60


def test_ship_drops_the_base_embedding_copies_and_keeps_the_added_tokens_tokenizer(tmp_path: Path) -> None:
    import torch
    from safetensors.torch import load_file, save_file

    from finetune.runtime.adapters import describe_adapter, ship_adapter

    folder = fake_adapter(tmp_path, "realizer")
    weights = {
        "m.embed_tokens.token_adapter.base_layer.weight": torch.randn(64, 8),
        "m.embed_tokens.token_adapter.trainable_tokens_delta": torch.randn(2, 8),
        "m.lora_A": torch.randn(4, 8),
    }
    save_file(weights, str(folder / "adapter_model.safetensors"))
    (folder / "tokenizer.json").write_text('{"added": "[PRICE]"}', encoding="utf-8")
    shipped = ship_adapter(describe_adapter(folder), tmp_path / "ship" / "realizer")
    assert set(load_file(str(shipped / "adapter_model.safetensors"))) == {
        "m.embed_tokens.token_adapter.trainable_tokens_delta",
        "m.lora_A",
    }
    assert (shipped / "tokenizer.json").read_text(encoding="utf-8") == '{"added": "[PRICE]"}'


def test_the_shipped_realizer_is_what_its_config_trains_within_60_minutes() -> None:
    from finetune.runtime.adapters import resolve_adapter
    from finetune.training.config import load_training_config

    shipped = resolve_adapter(
        "plans-smollm2", [Path(__file__).resolve().parents[3] / "finetune" / "adapters"]
    )
    assert shipped is not None and (shipped / "tokenizer.json").is_file()
    run = json.loads((shipped / "run.json").read_text(encoding="utf-8"))
    config = load_training_config(
        Path(__file__).resolve().parents[3] / "configs" / "finetune" / "plans-smollm2.toml"
    )
    recorded = type(config).model_validate(run["config"]).model_dump(mode="json")
    assert recorded == config.model_dump(mode="json"), "retrain and re-ship after changing the config"
    assert run["metrics"]["train_seconds_total"] <= 60 * 60
