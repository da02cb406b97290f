"""CLI commands of the evaluation package: `whythis bench ...` and `whythis eval ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from agent.config import load_agent_config
from eval.bench_e2e import E2EOptions, run_e2e
from eval.report import run_folder, save_result
from whythis.runinfo import write_run

bench_app = typer.Typer(
    help="Benchmarks that print numbers (speed, memory, grounding).", no_args_is_help=True
)

eval_app = typer.Typer(help="Quality evaluations that compare outputs to references.", no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="Folder for run folders.")]


@bench_app.command("e2e")
def bench_e2e(
    shoppers: Annotated[int, typer.Option(help="amazon2023 shoppers to explain for.")] = 20,
    per_shopper: Annotated[int, typer.Option(help="Reasons per shopper.")] = 5,
    trials: Annotated[int, typer.Option(help="Repetitions of each latency measurement.")] = 8,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Index build, top-50 retrieval latency, model load, reason latency and grounding rejections."""
    cfg = load_agent_config(config, set_)
    options = E2EOptions(shoppers=shoppers, per_shopper=per_shopper, latency_trials=trials)
    metrics, files = run_e2e(cfg, options)
    folder = run_folder(out, "bench-e2e")
    report = save_result(folder, "bench-e2e", cfg.model_dump(mode="json"), files, metrics)
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
    typer.echo(f"report: {report}")


@eval_app.command("reasons")
def eval_reasons(
    input_: Annotated[Path, typer.Option("--input", help="Reference rows (xrec/<domain>/*.jsonl).")],
    pred: Annotated[Path, typer.Option("--pred", help="Predictions JSONL from whythis explain-batch.")],
    out: OutOpt = Path("runs"),
    name: Annotated[str, typer.Option("--name", help="Run folder name prefix.")] = "eval-reasons",
    domain: Annotated[str | None, typer.Option("--domain", help="Default: from xrec/<domain>/.")] = None,
    bertscore: Annotated[bool, typer.Option(help="BERTScore F1 with local MiniLM.")] = True,
) -> None:
    """BLEU, ROUGE, embedding similarity, BERTScore, diversity and grounding of reasons vs references."""
    from eval.reasons import evaluate_files, write_reasons_report
    from retrieval.embedder import embedded_minilm_path, load_embedder

    model = embedded_minilm_path() if bertscore else None
    result = evaluate_files(input_, pred, load_embedder(), domain, model)
    folder = run_folder(out, name)
    config = {"input": str(input_), "pred": str(pred), "out": str(out), "name": name, "domain": domain}
    report = write_reasons_report(folder, {**config, "bertscore": bertscore}, [input_, pred], result)
    typer.echo(json.dumps(result[0], indent=2, ensure_ascii=False))
    typer.echo(f"report: {report}")


@eval_app.command("xrec")
def eval_xrec(
    adapter: Annotated[
        list[str] | None, typer.Option("--adapter", help="Adapter folder to compare with the base model.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Training config whose held-out rows to use.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N held-out rows per domain.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Generator key=value override.")] = None,
    base: Annotated[bool, typer.Option(help="Also explain with the base model.")] = True,
    out: OutOpt = Path("runs"),
) -> None:
    """Base model vs adapters on the held-out XRec rows of a training config, per domain."""
    from eval.xrec import Variant, compare, comparison_markdown
    from finetune.config import load_training_config
    from finetune.generator import GeneratorConfig
    from retrieval.embedder import embedded_minilm_path, load_embedder
    from whythis.config import load_config

    train_cfg = load_training_config(config)
    gen = load_config(GeneratorConfig, None, set_ or [])
    variants = [Variant("base", None)] if base else []
    variants += [Variant(f"adapter{i + 1}", a) for i, a in enumerate(adapter or [])]
    folder = run_folder(out, "eval-xrec")
    metrics = compare(train_cfg, variants, gen, load_embedder(), folder, limit, embedded_minilm_path())
    labels = [v.label for v in variants]
    settings = {
        "training_config": train_cfg.model_dump(mode="json"),
        "generator": gen.model_dump(mode="json"),
        "variants": {v.label: v.adapter for v in variants},
        "limit": limit,
    }
    write_run(folder, "eval-xrec", settings, sorted(folder.glob("preds-*.jsonl")), metrics)
    report = folder / "report.md"
    report.write_text(comparison_markdown(metrics, labels), encoding="utf-8")
    typer.echo(report.read_text(encoding="utf-8"))
    typer.echo(f"report: {report}")


def register(app: typer.Typer) -> None:
    """Attach the evaluation commands to the root CLI."""
    app.add_typer(bench_app, name="bench")
    app.add_typer(eval_app, name="eval")
