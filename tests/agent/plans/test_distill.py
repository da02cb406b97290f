"""`whythis reasons distill`: a teacher's texts become realizer rows only when they pass the plan check."""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.plans.bank import load_bank
from agent.plans.check import shipped_vocabulary
from agent.plans.distill import Distilled, DistillSettings, distill, draw_plans, judge
from agent.plans.facts import KINDS, SLOTS
from agent.plans.targets import Pair, as_row, held_out, placeholder_plan
from finetune.training.config import DataSource
from finetune.training.sources import read_prompt_rows
from prompts.render import Rendered
from tests.fakes import ScriptedGenerator
from whythis.cli import build_app, main
from whythis.errors import ConfigError

PLAN_LINE = re.compile(r"^Plan: (tone=(\w+) v=(\d) \| ([a-z_| ]+))$", re.MULTILINE)
OUTSIDE = "It keeps the rain out: [FEATURE]."
DRAWS = 5  # each plan gets one text of each kind below


def kinds_of(line: str) -> tuple[str, tuple[str, ...], int]:
    """The tone, kinds and variant of a plan line (`tone=warm v=2 | same_kind | price`)."""
    head, *kinds = line.split(" | ")
    tone, variant = re.fullmatch(r"tone=(\w+) v=(\d)", head).groups()  # type: ignore[union-attr]
    return tone, tuple(kinds), int(variant)


def teacher_text(user_message: str, draw: int) -> str:
    """A teacher's draws for the plan in a distill prompt: the bank's own sentence (good), the same
    sentence as a chat model sends it (quoted, no space before slots: good once normalised, a duplicate),
    a word outside the vocabulary, a digit, and a slot that is not the plan's."""
    found = PLAN_LINE.search(user_message)
    assert found is not None, user_message
    tone, kinds, variant = kinds_of(found[1])
    good = load_bank().compose(kinds, tone, variant)
    plan_slots = {s for k in kinds for s in KINDS[k].slots}
    foreign = next(s for s in SLOTS if s not in plan_slots)
    texts = [
        good,
        '"' + re.sub(r" (?=\[[A-Z])", "", good) + '"',
        OUTSIDE,
        f"{good[:-1]} for 5 shoppers.",
        f"{good} It also fits the [{foreign}].",
    ]
    return texts[draw % len(texts)]


@dataclass
class Teacher(ScriptedGenerator):
    """The scripted generator answering distill prompts: the draws of `teacher_text` in turn."""

    name: str = "fake:teacher"

    def _next(self, prompt: Rendered) -> str:
        self.seen.append(prompt)
        return teacher_text(str(prompt.messages[-1].content), len(self.seen) - 1)


def rows_of(teacher: Teacher, rows: int = 40, seed: int = 3) -> Distilled:
    return distill(teacher, DistillSettings(rows=rows, seed=seed, draws=DRAWS, temperature=0.8))


def test_only_texts_passing_the_plan_check_become_rows() -> None:
    teacher = Teacher()
    result = rows_of(teacher)
    summary = result.summary
    assert len(result.rows) == summary.kept == 40
    bank = load_bank()
    for row in result.rows:
        tone, kinds, variant = kinds_of(row["variables"]["plan"])
        assert row["answer"] == bank.compose(kinds, tone, variant)
    assert summary.drawn == DRAWS * summary.plans == len(teacher.seen)
    assert summary.passed == 2 * summary.plans  # the good text and its quoted, unspaced copy
    assert summary.duplicates >= summary.kept  # each kept text came once more, quoted and unspaced
    assert summary.failures["word outside the vocabulary"] == 2 * summary.plans  # "rain", "fits"
    assert summary.failures["digit"] == summary.plans
    assert summary.failures["slot not of the plan"] >= summary.plans
    assert set(teacher.temperatures) == {0.8}


def test_words_outside_the_vocabulary_are_reported_not_added() -> None:
    summary = rows_of(Teacher()).summary
    words = dict(summary.out_of_vocabulary)
    assert words["rain"] == summary.plans
    assert "rain" not in shipped_vocabulary().words
    assert all(w not in shipped_vocabulary().words for w in words)


def test_rows_have_the_realizer_row_format_and_no_held_out_plan() -> None:
    result = rows_of(Teacher(), rows=60, seed=11)
    for n, row in enumerate(result.rows):
        tone, kinds, variant = kinds_of(row["variables"]["plan"])
        assert not held_out(kinds)
        plan = placeholder_plan(kinds, tone, variant)
        assert row == as_row(Pair(plan, row["answer"]), f"distill:{n}")
        assert row["prompt"] == "realize" and row["key"] == f"distill:{n}"
    assert len({(r["variables"]["plan"], r["answer"]) for r in result.rows}) == len(result.rows)


def test_plans_are_drawn_like_the_plans_source_without_held_out_combinations() -> None:
    plans = draw_plans(3000, random.Random(0), ("brief", "expert"))
    assert not any(held_out(p.kinds) for p in plans)
    assert {len(p.kinds) for p in plans} == {1, 2, 3}
    assert {p.tone for p in plans} == {"brief", "expert"}
    assert {p.variant for p in plans} == {1, 2, 3, 4, 5}


def test_the_same_seed_gives_the_same_rows() -> None:
    assert rows_of(Teacher(), rows=10).rows == rows_of(Teacher(), rows=10).rows
    assert rows_of(Teacher(), rows=10).rows != rows_of(Teacher(), rows=10, seed=4).rows


def test_a_fact_left_out_or_a_third_sentence_is_no_row_though_the_check_allows_it() -> None:
    plan = placeholder_plan(("same_kind", "price"), "warm", 1)
    vocabulary = shipped_vocabulary()
    lead = load_bank().compose(("same_kind",), "warm", 1)
    assert judge(lead, plan, vocabulary).failures == ("a fact left out",)
    full = load_bank().compose(plan.kinds, "warm", 1)
    assert judge(full, plan, vocabulary).ok
    assert "more than two sentences" in judge(f"{full} It is the one. It is.", plan, vocabulary).failures


def test_a_teacher_that_never_passes_stops_at_the_plan_budget() -> None:
    teacher = ScriptedGenerator(answers=[OUTSIDE] * 20)
    result = distill(teacher, DistillSettings(rows=5, draws=1, max_plans=20))
    assert result.rows == [] and result.summary.plans == 20 and result.summary.drawn == 20


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"rows": 0}, "rows must be 1 or more, got 0"),
        ({"rows": 5, "draws": 0}, "draws must be 1 to 16, got 0"),
        ({"rows": 5, "temperature": 0.0}, "temperature must be above 0"),
        ({"rows": 5, "tones": ("loud",)}, "tones must be among brief, warm, expert, got loud"),
        ({"rows": 5, "voice": " "}, "voice must describe"),
    ],
)
def test_settings_say_what_was_given_and_what_is_valid(settings: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        DistillSettings(**settings)


def completion(body: dict[str, Any]) -> bytes:
    """A chat completion of `n` choices: the teacher's draws for the plan in the request."""
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][-1]
    texts = [teacher_text(user, i) for i in range(body.get("n", 1))]
    choices = [{"index": i, "message": {"role": "assistant", "content": t}, "finish_reason": "stop"}
               for i, t in enumerate(texts)]  # fmt: skip
    reply = {"id": "c", "object": "chat.completion", "created": 0, "model": body["model"], "choices": choices}
    return json.dumps(reply).encode()


def teacher_handler(requests: list[dict[str, Any]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append(body)
            reply = completion(body)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            return

    return Handler


@pytest.fixture
def teacher_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An OpenAI-compatible chat endpoint on the loopback answering with `teacher_text`."""
    requests: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), teacher_handler(requests))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    finally:
        server.shutdown()
        server.server_close()


def teacher_settings(endpoint: str) -> list[str]:
    sets = ["generator.backend=openai", f"generator.endpoint={endpoint}", "generator.served_model=teacher"]
    return [arg for s in [*sets, "generator.continue_prefix=false"] for arg in ("--set", s)]


def test_cli_writes_rows_a_finetune_rows_source_reads_and_run_json(
    tmp_path: Path, teacher_server: tuple[str, list[dict[str, Any]]]
) -> None:
    endpoint, requests = teacher_server
    out = tmp_path / "distill.jsonl"
    args = ["reasons", "distill", "--out", str(out), "--rows", "12", "--draws", str(DRAWS), "--seed", "1"]
    result = CliRunner().invoke(build_app(), [*args, *teacher_settings(endpoint)])
    assert result.exit_code == 0, result.output + repr(result.exception)
    source = DataSource(source="rows", path=str(out))
    rows = read_prompt_rows(Path(source.path or ""))
    assert len(rows) == 12 and all(r.prompt == "realize" and r.key.startswith("distill:") for r in rows)
    for row in rows:  # only the good texts, through the real OpenAI client
        tone, kinds, variant = kinds_of(row.variables["plan"])
        assert row.answer == load_bank().compose(kinds, tone, variant)
    run = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert run["kind"] == "distill" and run["metrics"]["kept"] == 12
    assert run["metrics"]["out_of_vocabulary"]["rain"] >= 12
    assert (
        run["config"]["distill"]["draws"] == DRAWS and run["config"]["generator"]["served_model"] == "teacher"
    )
    assert {(r["model"], r["n"], r["temperature"]) for r in requests} == {("teacher", DRAWS, 0.8)}
    assert "rain (" in result.output and 'source = "rows"' in result.output


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--rows", "0", "--config", "missing.toml"], "rows must be 1 or more, got 0"),
        (["--draws", "17"], "draws must be 1 to 16, got 17"),
        ([], "the small realizer"),
    ],
)
def test_cli_refuses_bad_options_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], problem: str
) -> None:
    assert main(["reasons", "distill", "--out", str(tmp_path / "r.jsonl"), *args]) == 2
    assert problem in capsys.readouterr().err
    assert not (tmp_path / "r.jsonl").exists()


def test_cli_names_a_missing_output_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "nowhere" / "r.jsonl"
    args = ["reasons", "distill", "--out", str(out), *teacher_settings("http://127.0.0.1:9/v1")]
    assert main(args) == 2
    assert f"its folder {out.parent} does not exist" in capsys.readouterr().err
