"""CLI command of the finetune package: `whythis finetune --config PATH [--set key=value ...]`."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated

import typer

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", help="Training config TOML (default: configs/finetune/default.toml)."),
]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a config key: key=value.")]
ResumeOpt = Annotated[
    bool, typer.Option("--resume", help="Continue from the newest checkpoint in output_dir.")
]


def finetune(config: ConfigOpt = None, set_: SetOpt = None, resume: ResumeOpt = False) -> None:
    """Train a LoRA adapter on XRec explanations; saves the adapter, run.json and a model card."""
    from finetune.config import load_training_config
    from finetune.train import train

    overrides = [*(set_ or []), *(["resume=true"] if resume else [])]
    cfg = load_training_config(config, overrides)
    typer.echo(f"training {cfg.base_model} + LoRA r={cfg.lora.r} into {cfg.output_dir}", err=True)
    command = finetune_command(config, overrides)
    output = train(cfg, command=command, report=lambda line: typer.echo(line, err=True))
    typer.echo(f"saved adapter, run.json and README.md in {output}")


def finetune_command(config: Path | None, overrides: list[str]) -> str:
    """The shell command that reproduces this run, for the model card."""
    args = ["whythis", "finetune", *(["--config", str(config)] if config else [])]
    for item in overrides:
        args += ["--set", item]
    return shlex.join(args)


def register(app: typer.Typer) -> None:
    """Attach the finetune command to the root CLI."""
    app.command("finetune")(finetune)
