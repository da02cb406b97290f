"""CLI commands of the blind audit: `whythis eval audit-build | audit-sheets | audit-merge | audit`
(docs/audit.md)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from agent.config import load_agent_config
from eval.report import run_folder, save_result

OutOpt = Annotated[Path, typer.Option("--out", help="Folder for run folders.")]


def eval_audit_build(
    amazon: Annotated[int, typer.Option(help="amazon2023 validation shoppers (recommend over Myntra).")] = 20,
    giftcards: Annotated[int, typer.Option(help="Late Gift Cards reviewers (recommend).")] = 6,
    mg: Annotated[int, typer.Option(help="MG-ShopDial first client messages (chat).")] = 10,
    round_: Annotated[int, typer.Option("--round", help="Audit round (2: after fixes on round 1).")] = 1,
    skip: Annotated[
        tuple[int, int, int], typer.Option(help="Shoppers to skip: amazon, giftcards, MG dialogues.")
    ] = (3, 2, 4),
    output: Annotated[Path | None, typer.Option("--output", help="pairs.jsonl to write.")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
) -> None:
    """The blind audit's pairs: every text the shop wrote for shoppers nobody tuned on, no verdicts."""
    from eval.audit_build import BuildOptions, build_audit
    from eval.audit_data import PAIRS

    cfg = load_agent_config(config, set_)
    options = BuildOptions(
        amazon=amazon, giftcards=giftcards, mg_dialogues=mg, round=round_,
        skip_amazon=skip[0], skip_giftcards=skip[1], skip_mg=skip[2],
    )  # fmt: skip
    counts = build_audit(cfg, options, output or PAIRS)
    typer.echo(json.dumps(counts, indent=2))


def eval_audit_sheets(
    folder: Annotated[Path, typer.Option("--folder", help="Where to write the sheets.")],
    chunks: Annotated[int, typer.Option(help="Sheets to deal the pairs over.")] = 8,
    round_: Annotated[int, typer.Option("--round", help="The audit round to label.")] = 1,
) -> None:
    """Blind labelling sheets of the audit's pairs: data and texts, no verdicts, writer hidden."""
    from eval.audit_data import load_pairs
    from eval.audit_sheets import sheets

    for path in sheets([p for p in load_pairs() if p.round == round_], chunks, folder):
        typer.echo(path)


def eval_audit_merge(
    files: Annotated[list[Path], typer.Argument(help="Label files written on the sheets (JSON lines).")],
) -> None:
    """Add labels written on sheets to eval/data/audit/labels.jsonl (a text labelled again is replaced)."""
    from eval.audit_data import LABELS, load_labels, load_pairs, write_jsonl
    from eval.audit_sheets import merge_labels

    labels = load_labels()
    labels.update({label.text_id: label for label in merge_labels(load_pairs(), files)})
    ordered = [labels[k] for k in sorted(labels)]
    write_jsonl(LABELS, ordered)
    typer.echo(f"{len(labels)} texts labelled in {LABELS}")


def eval_audit(out: OutOpt = Path("runs")) -> None:
    """The checker on the blind audit (no model needed): accept precision, reject recall, shown rates."""
    from eval.audit import audit_markdown, audit_scores
    from eval.audit_data import BRANDS, LABELS, PAIRS, load_brands, load_labels, load_pairs

    metrics = audit_scores(load_pairs(), load_labels(), load_brands())
    folder = run_folder(out, "eval-audit")
    report = save_result(folder, "eval-audit", {}, [PAIRS, LABELS, BRANDS], metrics, audit_markdown(metrics))
    typer.echo(audit_markdown(metrics))
    typer.echo(f"report: {report}")


COMMANDS: dict[str, Callable[..., None]] = {
    "audit-build": eval_audit_build,
    "audit-sheets": eval_audit_sheets,
    "audit-merge": eval_audit_merge,
    "audit": eval_audit,
}
