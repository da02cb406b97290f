"""Evaluation of generated reasons against XRec references: n-gram, embedding, diversity, grounding."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from eval.report import save_result
from eval.xrec.domains import domain_from_path
from eval.xrec.facts import grounded_rows
from finetune.training.data import XrecRow, read_xrec
from retrieval.embedder import Embedder
from whythis.errors import DataError, WhythisError

PRIMARY_METRIC = "embedding_similarity"
# Which key of each metric family's dict is its headline number (sentence-transformers style).
PRIMARY_METRICS = {
    "bleu": "bleu",
    "rouge": "rougeL",
    "embedding_similarity": "embedding_similarity",
    "bertscore": "bertscore_f1",
    "diversity": "usr",
    "grounding": "grounding_rejection_rate",
}
_WORD = re.compile(r"\w+(?:'\w+)?")
log = logging.getLogger(__name__)


class MetricUnavailable(WhythisError):
    """A metric cannot be computed here (e.g. its model is not available offline)."""


@dataclass(frozen=True)
class Pair:
    """One reference row joined to its prediction."""

    index: int
    domain: str
    row: XrecRow
    prediction: str


def bleu(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Corpus BLEU-4 (sacrebleu, 13a tokenisation), 0 to 100."""
    import sacrebleu

    _same_length(predictions, references)
    score = sacrebleu.corpus_bleu(list(predictions), [list(references)], tokenize="13a")
    return {"bleu": float(score.score)}


def rouge_rows(predictions: Sequence[str], references: Sequence[str]) -> list[dict[str, float]]:
    """ROUGE-1/2/L F1 (with stemming) of each prediction against its reference."""
    from rouge_score import rouge_scorer

    _same_length(predictions, references)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    out = []
    for pred, ref in zip(predictions, references, strict=True):
        scores = scorer.score(ref, pred)
        out.append({name: float(s.fmeasure) for name, s in scores.items()})
    return out


def rouge(predictions: Sequence[str], references: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE-1/2/L F1 (with stemming), 0 to 1."""
    rows = rouge_rows(predictions, references)
    return {k: _mean([r[k] for r in rows]) for k in ("rouge1", "rouge2", "rougeL")}


def similarity_rows(predictions: Sequence[str], references: Sequence[str], embedder: Embedder) -> list[float]:
    """Cosine similarity of each prediction's embedding to its reference's (rows are L2-normalised)."""
    _same_length(predictions, references)
    if not predictions:
        return []
    pred = embedder.encode(list(predictions))
    ref = embedder.encode(list(references))
    return [float(x) for x in np.sum(pred * ref, axis=1)]


def embedding_similarity(
    predictions: Sequence[str], references: Sequence[str], embedder: Embedder
) -> dict[str, float]:
    """Mean cosine similarity of prediction and reference embeddings."""
    return {"embedding_similarity": _mean(similarity_rows(predictions, references, embedder))}


def bertscore_rows(predictions: Sequence[str], references: Sequence[str], model_path: str) -> list[float]:
    """BERTScore F1 per row with a local model folder; MetricUnavailable when it cannot run offline."""
    _same_length(predictions, references)
    # A local folder must never turn into a download: make the hub unreachable for this call.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if not Path(model_path).is_dir():
        raise MetricUnavailable(f"BERTScore model folder {model_path} does not exist")
    try:
        from bert_score import score
    except ImportError as exc:
        raise MetricUnavailable("bert-score is not installed (pip install bert-score)") from exc
    try:
        _, _, f1 = score(
            list(predictions),
            list(references),
            model_type=model_path,
            num_layers=6,
            device="cpu",
            verbose=False,
        )
    # bert_score wraps transformers and the hub; any failure of theirs means "not available here".
    except Exception as exc:
        raise MetricUnavailable(f"BERTScore with {model_path} failed: {type(exc).__name__}: {exc}") from exc
    return [float(x) for x in f1.tolist()]


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text."""
    return _WORD.findall(text.lower())


def diversity(predictions: Sequence[str]) -> dict[str, float]:
    """USR (distinct predictions / predictions), distinct-1/2 over all predictions, mean length in words."""
    if not predictions:
        return {"usr": 0.0, "distinct_1": 0.0, "distinct_2": 0.0, "mean_words": 0.0}
    tokenised = [words(p) for p in predictions]
    unigrams = [w for t in tokenised for w in t]
    bigrams = [pair for t in tokenised for pair in pairwise(t)]
    return {
        "usr": len({p.strip() for p in predictions}) / len(predictions),
        "distinct_1": len(set(unigrams)) / len(unigrams) if unigrams else 0.0,
        "distinct_2": len(set(bigrams)) / len(bigrams) if bigrams else 0.0,
        "mean_words": _mean([float(len(p.split())) for p in predictions]),
    }


def grounding_rows(predictions: Sequence[str], rows: Sequence[XrecRow]) -> list[bool]:
    """Whether each prediction states only facts (price, rating, ...) its row's profiles support."""
    _same_length(predictions, rows)
    return grounded_rows(predictions, rows)


def grounding(predictions: Sequence[str], rows: Sequence[XrecRow]) -> dict[str, float]:
    """The share of predictions with at least one unsupported claim."""
    ok = grounding_rows(predictions, rows)
    return {"grounding_rejection_rate": 1.0 - _mean([float(x) for x in ok]) if ok else 0.0}


def _mean(values: Sequence[float]) -> float:
    return float(sum(values) / len(values)) if values else 0.0


def _same_length(a: Sequence[Any], b: Sequence[Any]) -> None:
    if len(a) != len(b):
        raise DataError(f"{len(a)} predictions but {len(b)} references; they must pair up one to one")


def read_predictions(path: Path) -> list[dict[str, Any]]:
    """The prediction lines of an explain-batch output (`row`, `user_id`, `item_id`, `prediction`)."""
    if not path.is_file():
        raise DataError(f"predictions file {path} not found; write one with whythis explain-batch")
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}, line {number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not isinstance(record.get("prediction"), str):
            raise DataError(f"{path}, line {number}: expected an object with a 'prediction' string")
        out.append(record)
    return out


def join(rows: Sequence[XrecRow], preds: Sequence[dict[str, Any]], domain: str) -> list[Pair]:
    """Pair predictions with reference rows: by `row` index when every line has one, else by user+item."""
    by_index = all(isinstance(p.get("row"), int) for p in preds)
    keyed = {(str(r.user_id), str(r.item_id)): i for i, r in enumerate(rows)}
    pairs: dict[int, Pair] = {}
    for p in preds:
        key = (str(p.get("user_id")), str(p.get("item_id")))
        index = int(p["row"]) if by_index else keyed.get(key, -1)
        if not 0 <= index < len(rows):
            continue
        row = rows[index]
        if by_index and "user_id" in p and key != (str(row.user_id), str(row.item_id)):
            raise DataError(
                f"prediction for row {index} is user/item {key}, but the input's row {index} is "
                f"{(str(row.user_id), str(row.item_id))}; were they made from another input file?"
            )
        pairs[index] = Pair(index=index, domain=domain, row=row, prediction=p["prediction"])
    if not pairs:
        raise DataError("no prediction matches an input row by row index or by user_id + item_id")
    return [pairs[i] for i in sorted(pairs)]


def infer_domain(path: Path, given: str | None = None) -> str:
    """The domain: as given, else the folder after `xrec` in the path, else 'all'."""
    return given or domain_from_path(path) or "all"


@dataclass(frozen=True)
class RowScores:
    """Per-row scores of joined pairs, in pair order; bertscore is None when it could not run."""

    similarity: list[float]
    rouge: list[dict[str, float]]
    grounded: list[bool]
    bertscore: list[float] | None
    bertscore_note: str | None


def score_rows(pairs: Sequence[Pair], embedder: Embedder, bertscore_model: str | None) -> RowScores:
    """Every per-row score of the pairs; BERTScore only when a local model is given and runs."""
    preds = [p.prediction for p in pairs]
    refs = [p.row.explanation for p in pairs]
    bert: list[float] | None = None
    note: str | None = "not asked for"
    if bertscore_model:
        try:
            bert, note = bertscore_rows(preds, refs, bertscore_model), None
        except MetricUnavailable as exc:
            log.warning("BERTScore reported as null: %s", exc)
            note = str(exc)
    return RowScores(
        similarity=similarity_rows(preds, refs, embedder),
        rouge=rouge_rows(preds, refs),
        grounded=grounding_rows(preds, [p.row for p in pairs]),
        bertscore=bert,
        bertscore_note=note,
    )


def summarise(pairs: Sequence[Pair], scores: RowScores, keep: Sequence[int]) -> dict[str, float | None]:
    """The metrics of the pairs at positions `keep`: corpus BLEU, means of row scores, diversity."""
    preds = [pairs[i].prediction for i in keep]
    out: dict[str, float | None] = {"rows": float(len(keep))}
    out.update(bleu(preds, [pairs[i].row.explanation for i in keep]))
    for name in ("rouge1", "rouge2", "rougeL"):
        out[name] = _mean([scores.rouge[i][name] for i in keep])
    out["embedding_similarity"] = _mean([scores.similarity[i] for i in keep])
    out["bertscore_f1"] = _mean([scores.bertscore[i] for i in keep]) if scores.bertscore else None
    out.update(diversity(preds))
    out["grounding_rejection_rate"] = 1.0 - _mean([float(scores.grounded[i]) for i in keep])
    return out


def evaluate_pairs(
    pairs: Sequence[Pair], embedder: Embedder, bertscore_model: str | None = None
) -> tuple[dict[str, Any], RowScores]:
    """Overall and per-domain metrics of joined pairs, plus the per-row scores behind them."""
    scores = score_rows(pairs, embedder, bertscore_model)
    domains = sorted({p.domain for p in pairs})
    metrics: dict[str, Any] = {
        "primary_metric": PRIMARY_METRIC,
        "overall": summarise(pairs, scores, range(len(pairs))),
        "domains": {
            d: summarise(pairs, scores, [i for i, p in enumerate(pairs) if p.domain == d]) for d in domains
        },
        "bertscore_note": scores.bertscore_note,
    }
    return metrics, scores


def report_markdown(title: str, metrics: dict[str, Any]) -> str:
    """A markdown report: one metric table overall and one per domain."""
    from eval.report import markdown_table

    parts = [f"# {title}", "", f"Primary metric: `{metrics['primary_metric']}`", ""]
    if metrics.get("missing_predictions"):
        parts += [f"Rows without a prediction (skipped): {metrics['missing_predictions']}", ""]
    if metrics.get("bertscore_note"):
        parts += [f"BERTScore is null: {metrics['bertscore_note']}", ""]
    parts += ["## overall", "", markdown_table(_rounded(metrics["overall"])), ""]
    for domain, values in metrics["domains"].items():
        parts += [f"## {domain}", "", markdown_table(_rounded(values)), ""]
    return "\n".join(parts)


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in values.items()}


def plot_distributions(pairs: Sequence[Pair], scores: RowScores, path: Path) -> Path:
    """Histograms of per-row embedding similarity, ROUGE-L and length in words, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")  # headless: no display on servers and in CI
    import matplotlib.pyplot as plt

    series = {
        "embedding similarity": scores.similarity,
        "ROUGE-L F1": [r["rougeL"] for r in scores.rouge],
        "length (words)": [float(len(p.prediction.split())) for p in pairs],
    }
    fig, axes = plt.subplots(1, len(series), figsize=(12, 3.5))
    for ax, (name, values) in zip(axes, series.items(), strict=True):
        ax.hist(values, bins=min(30, max(5, len(values) // 5)))
        ax.set_title(f"{name} (mean {_mean(values):.3f})")
        ax.set_ylabel("rows")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def evaluate_files(
    input_path: Path,
    pred_path: Path,
    embedder: Embedder,
    domain: str | None = None,
    bertscore_model: str | None = None,
) -> tuple[dict[str, Any], list[Pair], RowScores]:
    """Read references and predictions, join them and score them; metrics count unmatched rows."""
    if not input_path.is_file():
        raise DataError(
            f"input file {input_path} not found; give the JSONL rows the predictions were made from"
        )
    rows = read_xrec(input_path)
    pairs = join(rows, read_predictions(pred_path), infer_domain(input_path, domain))
    metrics, scores = evaluate_pairs(pairs, embedder, bertscore_model)
    metrics["missing_predictions"] = len(rows) - len(pairs)
    return metrics, pairs, scores


def write_reasons_report(
    folder: Path,
    config: dict[str, Any],
    files: Sequence[Path],
    result: tuple[dict[str, Any], list[Pair], RowScores],
) -> Path:
    """Write run.json, report.md and distributions.png into `folder`; return the report path."""
    metrics, pairs, scores = result
    report = save_result(
        folder, "eval-reasons", config, files, metrics, report_markdown("eval reasons", metrics)
    )
    plot_distributions(pairs, scores, folder / "distributions.png")
    return report
