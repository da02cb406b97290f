"""The training config: checked-in defaults, overrides, errors, and the CLI command."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from finetune.cli import finetune_command, register
from finetune.training.config import DEFAULT_CONFIG, TrainingConfig, load_training_config
from whythis.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]


def test_checked_in_defaults_equal_the_code_defaults() -> None:
    assert DEFAULT_CONFIG == ROOT / "configs" / "finetune" / "default.toml"
    assert load_training_config(DEFAULT_CONFIG) == TrainingConfig()
    assert load_training_config() == TrainingConfig()
    assert [d.domain for d in TrainingConfig().data] == ["amazon", "google", "yelp"]
    assert TrainingConfig().lora.target_modules == ["q_proj", "k_proj", "v_proj", "o_proj"]


def test_overrides_are_validated_and_applied() -> None:
    cfg = load_training_config(
        None, ['data=[{"domain": "yelp", "rows": 8}]', "lora.r=4", "max_steps=3", "resume=true"]
    )
    assert (cfg.data[0].domain, cfg.data[0].rows, cfg.lora.r, cfg.max_steps, cfg.resume) == (
        "yelp",
        8,
        4,
        3,
        True,
    )
    assert cfg.lora.alpha == TrainingConfig().lora.alpha  # a nested override keeps its siblings


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("lora.r=0", r"lora\.r"),
        ("val_fraction=0.9", "val_fraction"),
        ("learnin_rate=0.1", "valid keys"),
        ('data=[{"domain": "etsy"}]', r"data\.0\.domain"),
        ('data=[{"domain": "yelp"}, {"domain": "yelp"}]', "once"),
        ("lora.target_modules=[]", "target_modules"),
        ("no-equals-sign", "key=value"),
    ],
)
def test_bad_override_names_the_key(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_training_config(None, [override])


def test_cli_rejects_a_bad_override_before_loading_anything() -> None:
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)  # two commands, so `finetune` is addressed by name
    result = CliRunner().invoke(app, ["finetune", "--set", "batch_size=0"])
    assert isinstance(result.exception, ConfigError)
    assert "batch_size" in str(result.exception)


def test_model_card_command_reproduces_the_options() -> None:
    assert finetune_command(Path("c.toml"), ["max_steps=3", "data=[{}]"]) == (
        "whythis finetune --config c.toml --set max_steps=3 --set 'data=[{}]'"
    )


def test_the_command_is_registered_as_an_entry_point() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    commands = project["project"]["entry-points"]["whythis.commands"]
    assert commands["finetune"] == "finetune.cli:register"
