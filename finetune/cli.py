"""CLI commands of the finetune package: `whythis finetune`, `split` and `adapter ...`."""

from __future__ import annotations

import json
import shlex
from dataclasses import asdict
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
    from finetune.training.config import load_training_config
    from finetune.training.train import train

    overrides = [*(set_ or []), *(["resume=true"] if resume else [])]
    cfg = load_training_config(config, overrides)
    typer.echo(f"training {cfg.base_model} + LoRA r={cfg.lora.r} into {cfg.output_dir}", err=True)
    command = finetune_command(config, overrides)
    output = train(cfg, command=command, report=lambda line: typer.echo(line, err=True))
    typer.echo(f"saved adapter, run.json and README.md in {output}")


def split(
    out: Annotated[Path, typer.Option("--out", help="Folder for val-<domain>.jsonl files.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Write the validation rows a training config holds out, one JSONL file per domain."""
    from finetune.training.config import load_training_config
    from finetune.training.data import read_xrec, split_rows, xrec_file

    cfg = load_training_config(config, set_ or [])
    out.mkdir(parents=True, exist_ok=True)
    for source in cfg.data:
        if source.domain is None:
            continue  # only XRec sources have reference rows in the benchmark's format
        rows = read_xrec(xrec_file(source.domain, cfg.data_dir), source.rows)
        _, val = split_rows(rows, cfg.val_fraction, cfg.seed)
        path = out / f"val-{source.domain}.jsonl"
        tagged = [r.model_copy(update={"domain": source.domain}) for r in val]
        path.write_text("".join(r.model_dump_json() + "\n" for r in tagged), encoding="utf-8")
        typer.echo(f"{path}: {len(val)} rows")


def finetune_command(config: Path | None, overrides: list[str]) -> str:
    """The shell command that reproduces this run, for the model card."""
    args = ["whythis", "finetune", *(["--config", str(config)] if config else [])]
    for item in overrides:
        args += ["--set", item]
    return shlex.join(args)


RunsOpt = Annotated[Path, typer.Option("--runs", help="Runs folder holding finetune/<adapter>.")]
adapter_app = typer.Typer(
    help="Trained LoRA adapters: list, show, merge, ship, and their serving engine.", no_args_is_help=True
)


def resolve_adapter_option(value: str | None, runs: Path) -> str | None:
    """An --adapter value as a folder path, or 'none' for the base model; a name is looked up."""
    from finetune.runtime.adapters import adapter_roots, resolve_adapter

    found = resolve_adapter(value, adapter_roots(runs))
    return str(found) if found is not None else "none"


@adapter_app.command("list")
def adapter_list(runs: RunsOpt = Path("runs")) -> None:
    """Adapters under runs/finetune and the shipped ones: name, path, size, base model, eval loss."""
    from finetune.runtime.adapters import adapter_roots, list_adapters

    found = list_adapters(adapter_roots(runs))
    if not found:
        typer.echo(f"no adapters under {', '.join(str(r) for r in adapter_roots(runs))}")
        return
    typer.echo("name\tsize_mb\tbase_model\teval_loss\tpath")
    for a in found:
        typer.echo(f"{a.name}\t{a.size_mb}\t{a.base_model or '-'}\t{a.eval_loss}\t{a.path}")


@adapter_app.command("show")
def adapter_show(
    adapter: Annotated[str, typer.Argument(help="Adapter folder or name.")], runs: RunsOpt = Path("runs")
) -> None:
    """The adapter's model card and the key fields of its run.json."""
    from finetune.runtime.adapters import adapter_card, adapter_roots, find_adapter

    typer.echo(adapter_card(find_adapter(adapter, adapter_roots(runs))), nl=False)


@adapter_app.command("merge")
def adapter_merge(
    adapter: Annotated[str, typer.Argument(help="Adapter folder or name.")],
    output: Annotated[Path, typer.Option("--output", help="Folder for the merged model.")],
    base_model: Annotated[str | None, typer.Option("--base-model", help="Default: from run.json.")] = None,
    runs: RunsOpt = Path("runs"),
) -> None:
    """Merge an adapter into its base model; saves the merged model and tokenizer."""
    from finetune.runtime.adapters import adapter_roots, find_adapter, merge_adapter

    info = find_adapter(adapter, adapter_roots(runs))
    typer.echo(f"merged model saved in {merge_adapter(info, output, base_model)}")


@adapter_app.command("ship")
def adapter_ship(
    adapter: Annotated[str, typer.Argument(help="Adapter folder or name.")],
    output: Annotated[Path, typer.Option("--output", help="Folder for the shipped copy.")],
    runs: RunsOpt = Path("runs"),
) -> None:
    """Copy an adapter with float16 weights, its run.json and model card (e.g. into finetune/adapters)."""
    from finetune.runtime.adapters import adapter_roots, describe_adapter, find_adapter, ship_adapter

    info = find_adapter(adapter, adapter_roots(runs))
    shipped = describe_adapter(ship_adapter(info, output))
    typer.echo(f"shipped {info.path} ({info.size_mb} MB) as {shipped.path} ({shipped.size_mb} MB)")


@adapter_app.command("engine")
def adapter_engine(
    adapter: Annotated[
        str, typer.Argument(help="Adapter folder or name; 'none' = the base model.")
    ] = "default",
    base_model: Annotated[str | None, typer.Option("--base-model", help="Default: the generator's.")] = None,
    quantization: Annotated[str, typer.Option("--quantization", help="int8_float32, int8 or float32.")] = (
        "int8_float32"
    ),
    runs: RunsOpt = Path("runs"),
) -> None:
    """The serving engine (CTranslate2) of an adapter: built now unless cached and current; its manifest."""
    from finetune.runtime.engine_build import ensure_engine, read_manifest
    from finetune.runtime.generator import GeneratorConfig
    from whythis.config import load_config

    sets = [f"quantization={quantization}", f"adapter={resolve_adapter_option(adapter, runs)}"]
    cfg = load_config(GeneratorConfig, None, sets + ([f"base_model={base_model}"] if base_model else []))
    folder = ensure_engine(cfg.base_model, cfg.adapter, cfg.quantization)
    typer.echo(f"engine: {folder}")
    manifest = read_manifest(folder)
    typer.echo(json.dumps(asdict(manifest) if manifest is not None else {}, indent=2))


def register(app: typer.Typer) -> None:
    """Attach the finetune, split and adapter commands to the root CLI."""
    app.command("finetune")(finetune)
    app.command("split")(split)
    app.add_typer(adapter_app, name="adapter")
