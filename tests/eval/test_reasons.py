"""Reason metrics with known answers, the prediction join, and the report files of `whythis eval reasons`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.reasons import (
    bertscore_rows,
    bleu,
    diversity,
    embedding_similarity,
    evaluate_files,
    grounding,
    infer_domain,
    join,
    rouge,
    write_reasons_report,
)
from finetune.training.data import XrecRow
from tests.fakes import KeywordEmbedder
from whythis.errors import DataError, WhythisError

REF = "The user would enjoy this epic science fiction novel with deep characters."


def row(i: int, explanation: str = REF) -> XrecRow:
    return XrecRow(
        user_id=i,
        item_id=100 + i,
        title=f"Dune {i}",
        user_profile="Likes science fiction with deep characters.",
        item_profile="An epic science fiction novel.",
        explanation=explanation,
    )


def test_identical_texts_score_perfectly_and_disjoint_texts_score_zero() -> None:
    assert bleu([REF, REF], [REF, REF])["bleu"] == pytest.approx(100.0)
    assert bleu(["alpha beta gamma delta"], ["one two three four"])["bleu"] == pytest.approx(0.0)
    same = rouge([REF], [REF])
    assert same == {"rouge1": pytest.approx(1.0), "rouge2": pytest.approx(1.0), "rougeL": pytest.approx(1.0)}
    assert rouge(["alpha beta"], ["gamma delta"])["rougeL"] == 0.0
    # Stemming: "enjoys"/"enjoy" match.
    assert rouge(["user enjoys novels"], ["user enjoy novel"])["rouge1"] == pytest.approx(1.0)
    embedder = KeywordEmbedder()
    assert embedding_similarity([REF], [REF], embedder)["embedding_similarity"] == pytest.approx(1.0)
    assert embedding_similarity(["alpha beta"], ["gamma delta"], embedder)["embedding_similarity"] < 0.1
    with pytest.raises(DataError, match="pair up"):
        bleu(["a"], ["a", "b"])


def test_diversity_counts_unique_sentences_and_ngrams() -> None:
    assert diversity(["a", "a", "b"])["usr"] == pytest.approx(2 / 3)
    d = diversity(["the cat sat", "the cat ran"])
    assert d["distinct_1"] == pytest.approx(4 / 6)  # the, cat, sat, ran over 6 words
    assert d["distinct_2"] == pytest.approx(3 / 4)  # (the cat) twice, (cat sat), (cat ran)
    assert d["mean_words"] == 3.0 and d["usr"] == 1.0


def test_grounding_rejects_reasons_with_unsupported_facts() -> None:
    good = "The user would enjoy this epic science fiction novel."
    bad = "The user would love it, now only $12.99 and rated 4.5 stars."
    assert grounding([good, bad], [row(1), row(2)])["grounding_rejection_rate"] == 0.5
    assert grounding([good], [row(1)])["grounding_rejection_rate"] == 0.0
    # Opinions the profiles do not state are the benchmark's stuff; a made-up fact still is not.
    opinion = "The user would enjoy its captivating, delicious and friendly atmosphere."
    assert grounding([opinion], [row(3)])["grounding_rejection_rate"] == 0.0
    assert grounding(["The user would enjoy it, rated 5 stars."], [row(4)])["grounding_rejection_rate"] == 1.0


def test_join_by_row_index_or_by_user_and_item() -> None:
    rows = [row(0), row(1), row(2)]
    by_index: list[dict[str, Any]] = [
        {"row": 2, "user_id": 2, "item_id": 102, "prediction": "c"},
        {"row": 0, "prediction": "a"},
    ]
    assert [(p.index, p.prediction) for p in join(rows, by_index, "yelp")] == [(0, "a"), (2, "c")]
    by_ids: list[dict[str, Any]] = [
        {"user_id": "1", "item_id": "101", "prediction": "b"},
        {"user_id": 9, "item_id": 9, "prediction": "z"},
    ]
    pairs = join(rows, by_ids, "yelp")
    assert [(p.index, p.prediction, p.domain) for p in pairs] == [(1, "b", "yelp")]
    with pytest.raises(DataError, match="another input"):
        join(rows, [{"row": 0, "user_id": 5, "item_id": 105, "prediction": "x"}], "yelp")
    with pytest.raises(DataError, match="no prediction matches"):
        join(rows, [{"user_id": 9, "item_id": 9, "prediction": "z"}], "yelp")


def test_domain_comes_from_the_option_or_the_xrec_path(tmp_path: Path) -> None:
    assert infer_domain(Path("/data/xrec/google/train.jsonl")) == "google"
    assert infer_domain(Path("/data/xrec/google/train.jsonl"), "yelp") == "yelp"
    assert infer_domain(tmp_path / "rows.jsonl") == "all"


def test_bertscore_without_a_local_model_is_unavailable_not_a_download(tmp_path: Path) -> None:
    with pytest.raises(WhythisError, match="does not exist"):
        bertscore_rows(["a"], ["a"], str(tmp_path / "no-model"))


def test_evaluate_files_writes_run_json_report_and_plot(tmp_path: Path) -> None:
    folder = tmp_path / "xrec" / "amazon"
    folder.mkdir(parents=True)
    rows = [row(i) for i in range(4)]
    source = folder / "train.jsonl"
    source.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    preds = tmp_path / "preds.jsonl"
    lines = [{"row": i, "user_id": i, "item_id": 100 + i, "prediction": REF} for i in range(3)]
    preds.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")

    result = evaluate_files(source, preds, KeywordEmbedder(), bertscore_model=str(tmp_path / "none"))
    metrics = result[0]
    assert metrics["missing_predictions"] == 1 and metrics["primary_metric"] == "embedding_similarity"
    overall = metrics["overall"]
    assert overall["bleu"] == pytest.approx(100.0) and overall["rougeL"] == pytest.approx(1.0)
    assert overall["usr"] == pytest.approx(1 / 3) and overall["rows"] == 3
    assert overall["bertscore_f1"] is None and "does not exist" in metrics["bertscore_note"]
    assert list(metrics["domains"]) == ["amazon"]

    out = tmp_path / "run"
    report = write_reasons_report(out, {"input": str(source)}, [source, preds], result)
    record = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert record["kind"] == "eval-reasons" and len(record["data_files"]) == 2
    assert record["metrics"]["overall"]["bleu"] == pytest.approx(100.0)
    text = report.read_text(encoding="utf-8")
    assert "## amazon" in text and "| rougeL | 1.0 |" in text
    assert (out / "distributions.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
def test_eval_reasons_cli_with_the_real_minilm(tmp_path: Path) -> None:
    import torch

    from finetune.training.data import read_xrec, xrec_file
    from whythis.cli import main

    torch.set_num_threads(1)
    source = xrec_file("google")
    rows = read_xrec(source, limit=3)
    preds = tmp_path / "preds.jsonl"
    lines = [
        {"row": i, "user_id": r.user_id, "item_id": r.item_id, "prediction": r.title}
        for i, r in enumerate(rows)
    ]
    preds.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    args = ["eval", "reasons", "--input", str(source), "--pred", str(preds), "--out", str(tmp_path / "runs")]
    assert main([*args, "--name", "t"]) == 0
    (folder,) = (tmp_path / "runs").glob("t-*")
    metrics = json.loads((folder / "run.json").read_text(encoding="utf-8"))["metrics"]
    assert metrics["missing_predictions"] == 997 and list(metrics["domains"]) == ["google"]
    assert 0.0 < metrics["overall"]["embedding_similarity"] < 1.0
    assert metrics["overall"]["bertscore_f1"] is not None
    assert (folder / "report.md").is_file() and (folder / "distributions.png").is_file()
