"""CLI commands of the evaluation package: `whythis bench ...` and `whythis eval ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from agent.config import load_agent_config
from eval.bench_e2e import E2EOptions, run_e2e
from eval.report import run_folder, save_result

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


def register(app: typer.Typer) -> None:
    """Attach the evaluation commands to the root CLI."""
    app.add_typer(bench_app, name="bench")
    app.add_typer(eval_app, name="eval")
