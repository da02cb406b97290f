"""`whythis eval xrec`: the held-out XRec rows of a training config, explained by the base model and
by each adapter, scored side by side per domain."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.reasons import evaluate_pairs, join, read_predictions
from eval.xrec.batch import Candidates, explain_rows
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator, GeneratorConfig
from finetune.training.config import TrainingConfig
from finetune.training.data import XrecRow, read_xrec, split_rows, xrec_file
from retrieval.embedder import Embedder

SHOWN = ("embedding_similarity", "bleu", "rouge1", "rouge2", "rougeL", "bertscore_f1", "usr",
         "distinct_1", "distinct_2", "mean_words", "grounding_rejection_rate")  # fmt: skip


@dataclass(frozen=True)
class Variant:
    """One model to compare: a label and its adapter (None: the base model)."""

    label: str
    adapter: str | None


def held_out(config: TrainingConfig, limit: int | None) -> dict[str, list[XrecRow]]:
    """The validation rows of every domain of a training config (the rows it never trained on)."""
    out: dict[str, list[XrecRow]] = {}
    for source in config.data:
        if source.domain is None:
            continue  # shop sources have no XRec references to score against
        rows = read_xrec(xrec_file(source.domain, config.data_dir), source.rows)
        out[source.domain] = split_rows(rows, config.val_fraction, config.seed)[1][:limit]
    return out


Loader = Callable[[GeneratorConfig], Generator]


def explain_variant(
    variant: Variant,
    rows: dict[str, list[XrecRow]],
    gen: GeneratorConfig,
    folder: Path,
    load: Loader = load_generator,
    candidates: Candidates | None = None,
) -> tuple[dict[str, Path], dict[str, Any]]:
    """Predictions of one variant for every domain (resumable files in `folder`) and their speed."""
    generator = load(gen.model_copy(update={"adapter": variant.adapter}))
    paths: dict[str, Path] = {}
    speed: dict[str, Any] = {}
    for domain, domain_rows in rows.items():
        paths[domain] = folder / f"preds-{variant.label}-{domain}.jsonl"
        domains = [domain] * len(domain_rows)
        stats = explain_rows(generator, domain_rows, paths[domain], batch_size=gen.batch_size,
                             max_new_tokens=gen.max_new_tokens, domains=domains,
                             candidates=candidates)  # fmt: skip
        speed[domain] = stats.as_dict()
    return paths, speed


def compare(
    config: TrainingConfig,
    variants: Sequence[Variant],
    gen: GeneratorConfig,
    embedder: Embedder,
    folder: Path,
    limit: int | None = None,
    bertscore_model: str | None = None,
    load: Loader = load_generator,
    candidates: Candidates | None = None,
) -> dict[str, Any]:
    """Metrics per variant and domain on the held-out rows; `candidates`: best-of-n for every variant."""
    rows = held_out(config, limit)
    metrics: dict[str, Any] = {"rows_per_domain": {d: len(r) for d, r in rows.items()}}
    for variant in variants:
        preds, speed = explain_variant(variant, rows, gen, folder, load, candidates)
        metrics[f"{variant.label}_speed"] = speed
        per_domain = {}
        for domain, path in preds.items():
            pairs = join(rows[domain], read_predictions(path), domain)
            result, _ = evaluate_pairs(pairs, embedder, bertscore_model)
            per_domain[domain] = result["overall"]
        metrics[variant.label] = per_domain
    return metrics


def comparison_markdown(metrics: dict[str, Any], labels: Sequence[str]) -> str:
    """One table per domain: a row per metric, a column per variant."""
    parts = ["# eval xrec: held-out rows", ""]
    for domain, n in metrics["rows_per_domain"].items():
        parts += [f"## {domain} ({n} rows)", "", "| metric | " + " | ".join(labels) + " |",
                  "|---|" + "---|" * len(labels)]  # fmt: skip
        for name in SHOWN:
            values = [metrics[label][domain].get(name) for label in labels]
            parts.append(f"| {name} | " + " | ".join(_fmt(v) for v in values) + " |")
        parts.append("")
    return "\n".join(parts)


def _fmt(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)
