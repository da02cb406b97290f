"""explain-batch: every row written exactly once across crashes, references never shown, reasons trimmed."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eval.xrec.batch import Candidates, Repair, clean_prediction, explain_rows, read_rows
from eval.xrec.batch_resume import read_done
from finetune.cli import resolve_adapter_option
from finetune.training.data import XrecRow
from prompts.render import Rendered
from tests.fakes import GuidingGenerator, ScriptedGenerator
from whythis.errors import ConfigError, DataError, ModelError


def write_rows(path: Path, n: int, with_reference: bool = True) -> Path:
    lines = []
    for i in range(n):
        row = {
            "user_id": 100 + i,
            "item_id": 200 + i,
            "title": f"Book {i}",
            "user_profile": f"Likes mysteries number {i}.",
            "item_profile": f"A mystery novel, volume {i}.",
            "rating": 5,
        }
        if with_reference:
            row["explanation"] = f"SECRET-REFERENCE-{i}"
        lines.append(json.dumps(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def output_rows(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@dataclass
class CrashingGenerator(ScriptedGenerator):
    """A scripted generator whose process 'dies' on the given call (1-based)."""

    crash_on_call: int = 0
    calls: int = 0
    batches: list[list[str]] = field(default_factory=list)

    def generate(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
    ) -> list[str]:
        self.calls += 1
        self.batches.append([str(p.messages[-1].content) for p in prompts])
        if self.calls == self.crash_on_call:
            raise KeyboardInterrupt
        return super().generate(prompts, max_new_tokens, temperature)


def test_interrupted_run_resumes_and_writes_every_row_once(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 7))
    out = tmp_path / "preds.jsonl"
    with pytest.raises(KeyboardInterrupt):
        crashing = CrashingGenerator(crash_on_call=3)
        explain_rows(crashing, rows, out, batch_size=2, progress=False, sort_window=1)
    assert [r["row"] for r in output_rows(out)] == [0, 1, 2, 3]

    again = ScriptedGenerator()
    stats = explain_rows(again, rows, out, batch_size=2, progress=False)
    written = output_rows(out)
    assert [r["row"] for r in written] == list(range(7))
    assert [r["user_id"] for r in written] == [100 + i for i in range(7)]
    assert len(again.seen) == 3 and stats.rows_done == 3 and stats.rows_skipped == 4
    assert "number 6" in str(written[6]["prediction"])  # the answer to row 6's own prompt

    idle = ScriptedGenerator()
    assert explain_rows(idle, rows, out, batch_size=2, progress=False).rows_done == 0
    assert idle.seen == [] and len(output_rows(out)) == 7


def test_batches_group_prompts_by_length_and_the_file_keeps_input_order(tmp_path: Path) -> None:
    path = write_rows(tmp_path / "in.jsonl", 6)
    lines = path.read_text(encoding="utf-8").splitlines()
    # Rows 1, 3 and 5 get long user profiles; the long ones should share batches.
    for i in (1, 3, 5):
        lines[i] = lines[i].replace(f"number {i}.", f"number {i}. " + "Reads every thriller. " * 20)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = read_rows(path)
    out = tmp_path / "preds.jsonl"
    gen = CrashingGenerator(crash_on_call=3)
    with pytest.raises(KeyboardInterrupt):
        explain_rows(gen, rows, out, batch_size=2, progress=False, sort_window=2)
    batches = [[text.split("number ")[1][0] for text in batch] for batch in gen.batches]
    assert batches == [["0", "2"], ["1", "3"], ["4", "5"]]  # window 1 by length; window 2 crashed
    assert [r["row"] for r in output_rows(out)] == [0, 1, 2, 3]  # the first window, in input order
    explain_rows(ScriptedGenerator(), rows, out, batch_size=2, progress=False, sort_window=2)
    written = output_rows(out)
    assert [r["row"] for r in written] == list(range(6))
    assert all(f"number {i}" in str(r["prediction"]) for i, r in enumerate(written))


def test_a_truncated_last_line_is_dropped_and_redone(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3))
    out = tmp_path / "preds.jsonl"
    explain_rows(ScriptedGenerator(), rows, out, batch_size=8, progress=False)
    text = out.read_text(encoding="utf-8")
    out.write_text(text[: len(text) - 12], encoding="utf-8")  # the crash cut row 2's line short
    assert read_done(out, rows) == {0, 1}

    redo = ScriptedGenerator()
    explain_rows(redo, rows, out, batch_size=8, progress=False)
    assert len(redo.seen) == 1
    assert [r["row"] for r in output_rows(out)] == [0, 1, 2]


def test_a_complete_line_without_its_newline_is_redone(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    out = tmp_path / "preds.jsonl"
    explain_rows(ScriptedGenerator(), rows, out, progress=False)
    out.write_text(out.read_text(encoding="utf-8").rstrip("\n"), encoding="utf-8")
    explain_rows(ScriptedGenerator(), rows, out, progress=False)
    assert [r["row"] for r in output_rows(out)] == [0, 1]


def test_a_broken_line_in_the_middle_is_an_error_not_silently_redone(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    out = tmp_path / "preds.jsonl"
    out.write_text('{"row": 0, "user_id": 100, "item_id"\n{"row": 1}\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 1"):
        explain_rows(ScriptedGenerator(), rows, out, progress=False)


def test_output_of_another_input_is_refused(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    out = tmp_path / "preds.jsonl"
    out.write_text('{"row": 0, "user_id": 9, "item_id": 9, "prediction": "x"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="another input"):
        explain_rows(ScriptedGenerator(), rows, out, progress=False)


def test_the_reference_is_never_shown_and_rows_may_lack_one(tmp_path: Path) -> None:
    gen = ScriptedGenerator()
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3), limit=2)
    explain_rows(gen, rows, tmp_path / "p.jsonl", audience="shopper", progress=False)
    shown = " ".join(str(m.content) for p in gen.seen for m in p.messages)
    assert "SECRET-REFERENCE" not in shown and "Likes mysteries number 1." in shown
    assert len(gen.seen) == 2 and "you, the shopper" in shown

    bare = read_rows(write_rows(tmp_path / "bare.jsonl", 2, with_reference=False))
    explain_rows(ScriptedGenerator(), bare, tmp_path / "bare-p.jsonl", progress=False)
    assert len(output_rows(tmp_path / "bare-p.jsonl")) == 2


def test_each_row_is_told_its_own_domain(tmp_path: Path) -> None:
    gen = ScriptedGenerator()
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    explain_rows(gen, rows, tmp_path / "p.jsonl", batch_size=2, progress=False, domains=["google", ""])
    by_row = {text.split("number ")[1][0]: text for text in (str(p.messages[-1].content) for p in gen.seen)}
    assert by_row["0"].startswith("Domain: google\n") and "Domain" not in by_row["1"]
    with pytest.raises(DataError, match="1 domains given for 2 rows"):
        explain_rows(gen, rows, tmp_path / "q.jsonl", progress=False, domains=["google"])


def test_predictions_are_trimmed_to_one_paragraph_of_at_most_fifty_words(tmp_path: Path) -> None:
    long_sentence = " ".join(["word"] * 30) + "."
    text = f"  {long_sentence} {long_sentence}\n\nSecond paragraph."
    cut = clean_prediction(text)
    assert cut == long_sentence  # 60 words: cut at the sentence end inside the first 50
    no_stop = " ".join(f"w{i}" for i in range(80))
    assert clean_prediction(no_stop).split() == [f"w{i}" for i in range(50)]
    assert clean_prediction("The user\nwould like it.\n\nExtra.") == "The user would like it."
    assert clean_prediction("   ") == ""

    rows = read_rows(write_rows(tmp_path / "in.jsonl", 1))
    explain_rows(ScriptedGenerator(answers=[text]), rows, tmp_path / "p.jsonl", progress=False)
    prediction = str(output_rows(tmp_path / "p.jsonl")[0]["prediction"])
    assert len(prediction.split()) == 30 and "\n" not in prediction


def test_missing_input_and_unknown_adapter_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not found"):
        read_rows(tmp_path / "nope.jsonl")
    assert resolve_adapter_option("none", tmp_path) == "none"
    assert resolve_adapter_option(None, tmp_path) == "none"
    with pytest.raises(ModelError, match="no adapter 'ghost'"):
        resolve_adapter_option("ghost", tmp_path)


@pytest.mark.slow
def test_explain_batch_cli_with_the_real_base_model(tmp_path: Path) -> None:
    import torch

    from finetune.training.data import xrec_file
    from whythis.cli import main

    torch.set_num_threads(1)
    source = xrec_file("yelp")
    out = tmp_path / "preds.jsonl"
    args = ["explain-batch", "--input", str(source), "--output", str(out), "--limit", "2"]
    args += ["--adapter", "none", "--max-new-tokens", "8", "--batch-size", "2", "--set", "threads=1"]
    assert main(args) == 0
    written = output_rows(out)
    assert [r["row"] for r in written] == [0, 1]
    assert all(isinstance(r["prediction"], str) and r["prediction"] for r in written)


def test_best_of_n_writes_the_picked_candidate_and_samples_the_rest(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    out = tmp_path / "preds.jsonl"
    # Greedy answers for rows 0 and 1, then two sampled rounds, each in row order.
    gen = ScriptedGenerator(answers=["g0", "g1", "s0a", "s1a", "s0b", "s1b"])
    seen_groups: list[list[str]] = []
    seen_rows: list[int] = []

    def pick(groups: Sequence[Sequence[str]], for_rows: Sequence[XrecRow]) -> list[int]:
        seen_groups.extend(list(g) for g in groups)
        seen_rows.extend(int(r.user_id) for r in for_rows)
        return [2, 0]

    stats = explain_rows(gen, rows, out, batch_size=2, progress=False, candidates=Candidates(3, pick, 0.5))
    assert seen_groups == [["g0", "s0a", "s0b"], ["g1", "s1a", "s1b"]] and seen_rows == [100, 101]
    assert [r["prediction"] for r in output_rows(out)] == ["s0b", "g1"]
    assert gen.temperatures == [0.0, 0.5] and stats.rows_done == 2


@dataclass
class SamplingGenerator(ScriptedGenerator):
    """A scripted backend that answers greedily and sampled in one call, as the transformers one does."""

    sample_calls: list[tuple[int, float]] = field(default_factory=list)

    def generate_samples(
        self,
        prompts: Sequence[Rendered],
        samples: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
    ) -> tuple[list[str], list[list[str]]]:
        self.sample_calls.append((len(prompts), temperature))
        titles = [str(p.messages[-1].content).split("number ")[1][0] for p in prompts]
        return [f"g{t}" for t in titles], [[f"s{t}{r}" for r in range(samples)] for t in titles]


def test_best_of_n_asks_a_sampling_backend_once_per_batch(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3))
    out = tmp_path / "preds.jsonl"
    gen = SamplingGenerator()
    groups_seen: list[list[str]] = []

    def pick(groups: Sequence[Sequence[str]], for_rows: Sequence[XrecRow]) -> list[int]:
        groups_seen.extend(list(g) for g in groups)
        return [len(g) - 1 for g in groups]

    explain_rows(gen, rows, out, batch_size=2, progress=False, candidates=Candidates(3, pick, 0.6))
    assert gen.sample_calls == [(2, 0.6), (1, 0.6)] and gen.temperatures == []  # no separate greedy pass
    assert groups_seen == [["g0", "s00", "s01"], ["g1", "s10", "s11"], ["g2", "s20", "s21"]]
    assert [r["prediction"] for r in output_rows(out)] == ["s01", "s11", "s21"]


def test_a_candidate_count_below_one_is_refused() -> None:
    with pytest.raises(DataError, match="at least 1"):
        Candidates(0, lambda groups, rows: [0 for _ in groups])


def test_answers_with_unbacked_facts_are_drawn_again_else_replaced(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3))
    out = tmp_path / "preds.jsonl"
    # Greedy for rows 0-2, then two retries each for rows 1 and 2 (the two stating a price).
    gen = ScriptedGenerator(answers=["fine 0", "costs $5", "costs $9", "also $1", "good 1", "$2", "$3"])
    checked: list[str] = []

    def check(texts: Sequence[str], for_rows: Sequence[XrecRow]) -> list[bool]:
        assert len(texts) == len(for_rows)
        checked.extend(texts)
        return ["$" not in t for t in texts]

    repair = Repair(check=check, fallback=lambda row: f"fallback {row.item_id}", retries=2, temperature=0.6)
    explain_rows(gen, rows, out, batch_size=3, progress=False, repair=repair)
    assert [r["prediction"] for r in output_rows(out)] == ["fine 0", "good 1", "fallback 202"]
    assert gen.temperatures == [0.0, 0.6] and checked[3:] == ["also $1", "good 1", "$2", "$3"]


def test_no_retries_goes_straight_to_the_fallback(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    gen = ScriptedGenerator(answers=["ok", "bad"])
    repair = Repair(check=lambda texts, _: [t == "ok" for t in texts], fallback=lambda r: "plain", retries=0)
    explain_rows(gen, rows, tmp_path / "p.jsonl", progress=False, repair=repair)
    assert [r["prediction"] for r in output_rows(tmp_path / "p.jsonl")] == ["ok", "plain"]
    assert gen.temperatures == [0.0]  # nothing drawn again
    with pytest.raises(DataError, match="retries must be at least 0"):
        Repair(check=repair.check, fallback=repair.fallback, retries=-1)


def test_an_empty_answer_is_drawn_again_else_replaced_never_written(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3))
    out = tmp_path / "preds.jsonl"
    # Greedy for rows 0-2 (rows 1 and 2 empty once cleaned), then two retries each.
    gen = ScriptedGenerator(answers=["fine 0", "  \n\n ", "", "", "good 1", " ", "\n"])

    def every_fact_backed(texts: Sequence[str], _rows: Sequence[XrecRow]) -> list[bool]:
        return [True] * len(texts)

    repair = Repair(check=every_fact_backed, fallback=lambda row: f"fallback {row.item_id}", retries=2)
    explain_rows(gen, rows, out, batch_size=3, progress=False, repair=repair)
    assert [r["prediction"] for r in output_rows(out)] == ["fine 0", "good 1", "fallback 202"]


def test_guidance_answers_each_row_against_its_prompt_without_the_profiles(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 3))
    out = tmp_path / "preds.jsonl"
    gen = GuidingGenerator()
    explain_rows(gen, rows, out, batch_size=2, progress=False, guidance=2.0)
    assert [r["prediction"] for r in output_rows(out)] == ["guided 0", "guided 1", "guided 2"]
    assert [scale for scale, _ in gen.guided] == [2.0, 2.0] and gen.temperatures == []
    contrasts = [text for _, batch in gen.guided for text in batch]
    assert sorted(text.split("Item: ")[1].split("\n")[0] for text in contrasts) == [
        "Book 0",
        "Book 1",
        "Book 2",
    ]
    assert not any("mysteries" in text or "mystery novel" in text for text in contrasts)
    unguided = GuidingGenerator()
    explain_rows(unguided, rows, tmp_path / "plain.jsonl", progress=False)
    assert unguided.guided == [] and unguided.temperatures == [0.0]


def test_guidance_the_run_cannot_apply_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    rows = read_rows(write_rows(tmp_path / "in.jsonl", 2))
    out = tmp_path / "preds.jsonl"
    best_of_3 = Candidates(3, lambda groups, _rows: [0] * len(groups))
    cases: list[tuple[ScriptedGenerator, float, dict[str, object], str]] = [
        (ScriptedGenerator(), 2.0, {}, "'fake:scripted' does not"),
        (GuidingGenerator(), 0.5, {}, "at least 1"),
        (GuidingGenerator(), 2.0, {"temperature": 0.7}, "temperature 0.7"),
        (GuidingGenerator(), 2.0, {"candidates": best_of_3}, "and 3 candidates"),
    ]
    for gen, scale, extra, message in cases:
        with pytest.raises(ConfigError, match=message):
            explain_rows(gen, rows, out, progress=False, guidance=scale, **extra)  # type: ignore[arg-type]
        assert gen.seen == [] and not out.exists()


def test_an_over_long_profile_is_cut_in_the_prompt_and_the_row_still_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_rows(tmp_path / "in.jsonl", 2)
    lines = source.read_text(encoding="utf-8").splitlines()
    long = json.loads(lines[1]) | {"user_profile": "Loves tacos. " * 5000}
    source.write_text("\n".join([lines[0], json.dumps(long)]) + "\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        rows = read_rows(source)
    assert "1 rows of" in caplog.text and "over 300 words" in caplog.text
    gen = ScriptedGenerator(answers=["a 0", "a 1"])
    explain_rows(gen, rows, tmp_path / "p.jsonl", progress=False)
    shown = [str(p.messages[-1].content) for p in gen.seen]
    assert max(len(text.split()) for text in shown) < 330 and any("Loves tacos. ..." in t for t in shown)
    assert [r["prediction"] for r in output_rows(tmp_path / "p.jsonl")] == ["a 0", "a 1"]
