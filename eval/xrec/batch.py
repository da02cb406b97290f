"""Batch explanations of XRec rows: resumable JSONL output, one line per row, flushed after each batch."""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from eval.xrec.batch_resume import read_done
from finetune.runtime.generator import Generator, GuidedGenerator, SampleGenerator
from finetune.training.data import (
    MAX_FIELD_WORDS,
    Audience,
    XrecRow,
    clipped_rows,
    read_xrec,
    xrec_contrast_prompt,
    xrec_prompt,
)
from prompts.render import Rendered
from whythis.errors import ConfigError, DataError

MAX_WORDS = 50
# Room for a whole 50-word answer: the generator's general 48-token cap cut amazon answers mid-sentence
# (held-out amazon similarity 0.691 at 48 tokens, 0.700 at 72; google and yelp answers fit either way).
ANSWER_TOKENS = 72
# Batches per length-sorted window: amazon's prompts run from 116 to 263 tokens, and grouping 64 of them
# by length cuts the padded prompt tokens of batches of 16 by 23% (google 8%, yelp 7%).
SORT_WINDOW = 4
# The reference is never shown to the model; rows without one still need a value to pass validation.
_NO_REFERENCE = "(no reference)"
_PARAGRAPH = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")
log = logging.getLogger(__name__)


# For each row's candidate answers (and the rows they answer), the index of the one to keep.
Picker = Callable[[Sequence[Sequence[str]], Sequence[XrecRow]], list[int]]
# For each answer (and the row it answers), whether every fact it states is backed by the row.
Check = Callable[[Sequence[str], Sequence[XrecRow]], list[bool]]


@dataclass(frozen=True)
class Repair:
    """Answers whose facts their row does not back: `retries` samples, the first backed one kept, else
    `fallback(row)` (an answer built from the row alone). None of them is ever written unchecked."""

    check: Check
    fallback: Callable[[XrecRow], str]
    retries: int = 4
    temperature: float = 0.7

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise DataError(f"repair retries must be at least 0, got {self.retries}")


@dataclass(frozen=True)
class Candidates:
    """Answer each row `count` times (greedy, then sampled) and keep the one `pick` chooses."""

    count: int
    pick: Picker
    temperature: float = 0.7

    def __post_init__(self) -> None:
        if self.count < 1:
            raise DataError(f"candidates must be at least 1, got {self.count}")
        if not 0.0 < self.temperature <= 2.0:
            raise DataError(f"candidate temperature must be in (0, 2], got {self.temperature}")


@dataclass(frozen=True)
class BatchStats:
    """What one explain-batch run did: rows written now, rows found done, time and throughput."""

    rows_done: int
    rows_skipped: int
    seconds: float
    rows_per_second: float | None
    tokens_per_second: float | None

    def as_dict(self) -> dict[str, Any]:
        """The stats as a JSON-ready dict."""
        return {
            "rows_done": self.rows_done,
            "rows_skipped": self.rows_skipped,
            "seconds": round(self.seconds, 3),
            "rows_per_second": self.rows_per_second,
            "tokens_per_second": self.tokens_per_second,
        }


def read_rows(path: Path, limit: int | None = None) -> list[XrecRow]:
    """The first `limit` (default all) rows of an XRec-style JSONL file; `explanation` may be absent."""
    if not path.is_file():
        raise DataError(f"input file {path} not found; give a JSONL file of XRec rows")
    rows = read_xrec(path, limit, prepare=_with_reference)
    if clipped := clipped_rows(rows):
        log.warning("%d rows of %s have a title or profile over %d words; their prompts keep the first %d",
                    clipped, path, MAX_FIELD_WORDS, MAX_FIELD_WORDS)  # fmt: skip
    return rows


def _with_reference(line: str) -> str:
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return line  # parse_row reports it with the file and line
    if isinstance(data, dict) and not data.get("explanation"):
        data["explanation"] = _NO_REFERENCE
        return json.dumps(data)
    return line


def clean_prediction(text: str, max_words: int = MAX_WORDS) -> str:
    """Stripped, one paragraph, at most `max_words` words, cut at a sentence end when one is in reach."""
    paragraphs = [p for p in _PARAGRAPH.split(text.strip()) if p.strip()]
    words = " ".join(paragraphs[0].split()).split(" ") if paragraphs else []
    if len(words) <= max_words:
        return " ".join(words)
    kept = words[:max_words]
    for end in range(len(kept), 0, -1):
        if _SENTENCE_END.search(kept[end - 1]):
            return " ".join(kept[:end])
    return " ".join(kept)


def explain_rows(
    generator: Generator,
    rows: Sequence[XrecRow],
    output_path: Path,
    batch_size: int = 8,
    audience: Audience = "support",
    max_new_tokens: int | None = None,
    temperature: float = 0.0,
    progress: bool = True,
    domains: Sequence[str] | None = None,
    candidates: Candidates | None = None,
    sort_window: int = SORT_WINDOW,
    repair: Repair | None = None,
    guidance: float = 1.0,
) -> BatchStats:
    """Explain every row not yet in `output_path`, appending one JSON line per row in input order.

    `domains`: each row's review source (see finetune.domains). `candidates`: several answers per row, one
    kept. `repair`: answers stating facts the row does not back are drawn again or replaced. `sort_window`:
    batches regrouped by prompt length. `guidance` > 1: answers steered off what they'd say without profiles.
    """
    from tqdm import tqdm

    if batch_size < 1 or sort_window < 1:
        raise DataError(f"batch size and sort window must be at least 1, got {batch_size} and {sort_window}")
    if domains is not None and len(domains) != len(rows):
        raise DataError(f"{len(domains)} domains given for {len(rows)} rows; give one per row")
    done = read_done(output_path, rows)
    pending = [i for i in range(len(rows)) if i not in done]
    output_path.parent.mkdir(parents=True, exist_ok=True)
    run = _Run(generator, rows, batch_size, max_new_tokens, temperature, candidates, repair, guidance)
    start = time.perf_counter()
    bar = tqdm(total=len(rows), initial=len(rows) - len(pending), unit="row", disable=not progress)
    with output_path.open("a", encoding="utf-8") as out, bar:
        for first in range(0, len(pending), step := batch_size * sort_window):
            window = pending[first : first + step]
            prompts, contrasts = _window_prompts(rows, window, audience, domains, guidance != 1)
            answers = run.explain(prompts, bar.update, contrasts)
            _write_batch(out, rows, window, [answers[i] for i in window])
    return _stats(len(pending), len(rows) - len(pending), run.tokens, time.perf_counter() - start)


def _window_prompts(
    rows: Sequence[XrecRow],
    window: list[int],
    audience: Audience,
    domains: Sequence[str] | None,
    guided: bool,
) -> tuple[dict[int, Rendered], dict[int, Rendered] | None]:
    shown = {i: (rows[i], audience, domains[i] if domains else "") for i in window}
    prompts = {i: xrec_prompt(*args) for i, args in shown.items()}
    return prompts, {i: xrec_contrast_prompt(*args) for i, args in shown.items()} if guided else None


def check_guidance(
    generator: Generator, guidance: float, temperature: float, candidates: Candidates | None
) -> None:
    """Refuse a guidance the run cannot apply: below 1, sampled, best of N, or a backend without it."""
    if guidance == 1:
        return
    if guidance < 1:
        raise ConfigError(f"guidance must be at least 1 (1: off), got {guidance}")
    if temperature > 0 or (candidates is not None and candidates.count > 1):
        raise ConfigError(
            f"guidance steers the greedy answer: use it with temperature 0 and one candidate, "
            f"got temperature {temperature} and {candidates.count if candidates else 1} candidates"
        )
    if not isinstance(generator, GuidedGenerator):
        raise ConfigError(
            f"guidance needs a backend that supports it (transformers); {generator.name!r} does not"
        )


def _stats(done: int, skipped: int, tokens: int | None, seconds: float) -> BatchStats:
    return BatchStats(
        rows_done=done,
        rows_skipped=skipped,
        seconds=seconds,
        rows_per_second=round(done / seconds, 3) if done and seconds > 0 else None,
        tokens_per_second=round(tokens / seconds, 1) if tokens and seconds > 0 else None,
    )


@dataclass
class _Run:
    """The generation settings of one explain_rows call and the tokens it generated so far."""

    generator: Generator
    rows: Sequence[XrecRow]
    batch_size: int
    max_new_tokens: int | None
    temperature: float
    candidates: Candidates | None
    repair: Repair | None = None
    guidance: float = 1.0
    tokens: int | None = 0

    def __post_init__(self) -> None:
        check_guidance(self.generator, self.guidance, self.temperature, self.candidates)

    def explain(
        self,
        prompts: dict[int, Rendered],
        done: Callable[[int], object],
        contrasts: dict[int, Rendered] | None,
    ) -> dict[int, str]:
        """Answers by row index; batches hold prompts of similar length, so little of them is padding."""
        order = sorted(prompts, key=lambda i: prompt_size(prompts[i]))
        answers: dict[int, str] = {}
        for first in range(0, len(order), self.batch_size):
            chunk = order[first : first + self.batch_size]
            batch = [prompts[i] for i in chunk]
            if self.candidates is not None and self.candidates.count > 1:
                chosen = [self.rows[i] for i in chunk]
                got, every = _best_of(self.generator, batch, chosen, self.candidates,
                                      self.max_new_tokens, self.temperature)  # fmt: skip
            elif contrasts is not None and isinstance(self.generator, GuidedGenerator):
                against = [contrasts[i] for i in chunk]
                got = every = self.generator.generate_guided(
                    batch, against, self.guidance, self.max_new_tokens
                )
            else:
                got = every = self.generator.generate(batch, self.max_new_tokens, self.temperature)
            if len(got) != len(chunk):
                raise DataError(f"the generator returned {len(got)} answers for {len(chunk)} prompts")
            if self.repair is not None:
                got, again = _mend(self.generator, batch, [self.rows[i] for i in chunk], got, self.repair,
                                   self.max_new_tokens)  # fmt: skip
                every = [*every, *again]
            self.tokens = _add_tokens(self.tokens, self.generator, every)
            answers.update(zip(chunk, got, strict=True))
            done(len(chunk))
        return answers


def prompt_size(prompt: Rendered) -> int:
    """A prompt's length in characters, a cheap stand-in for its token count when grouping a batch."""
    return sum(len(str(m.content)) for m in prompt.messages) + len(prompt.response_prefix)


def _best_of(
    generator: Generator,
    prompts: Sequence[Rendered],
    rows: Sequence[XrecRow],
    candidates: Candidates,
    max_new_tokens: int | None,
    temperature: float,
) -> tuple[list[str], list[str]]:
    """The chosen answer per prompt among its first and sampled ones, and every answer generated."""
    samples = candidates.count - 1
    n = len(prompts)
    if temperature == 0 and isinstance(generator, SampleGenerator):
        first, sampled = generator.generate_samples(prompts, samples, max_new_tokens, candidates.temperature)
    else:
        first = generator.generate(prompts, max_new_tokens, temperature)
        # Prompts repeated round by round, so each generator batch holds prompts of the same lengths.
        flat = generator.generate(list(prompts) * samples, max_new_tokens, candidates.temperature)
        if len(flat) != n * samples:
            raise DataError(f"the generator returned {len(flat)} answers for {n * samples} prompts")
        sampled = [[flat[r * n + i] for r in range(samples)] for i in range(n)]
    if len(first) != n or len(sampled) != n or any(len(group) != samples for group in sampled):
        raise DataError(f"the generator did not return {candidates.count} answers for each of {n} prompts")
    pairs = zip(first, sampled, strict=True)
    groups = [[clean_prediction(text) for text in [answer, *more]] for answer, more in pairs]
    picks = candidates.pick(groups, rows)
    return [groups[i][picks[i]] for i in range(n)], first + [text for more in sampled for text in more]


def _mend(
    generator: Generator,
    prompts: Sequence[Rendered],
    rows: Sequence[XrecRow],
    answers: Sequence[str],
    repair: Repair,
    max_new_tokens: int | None,
) -> tuple[list[str], list[str]]:
    """Each answer (an empty or unbacked one: its first good retry, else the fallback), and the retries."""
    out = [clean_prediction(a) for a in answers]
    bad = [i for i, ok in enumerate(repair.check(out, rows)) if not ok or not out[i]]
    if not bad:
        return out, []
    n = repair.retries
    repeated = [prompts[i] for i in bad for _ in range(n)]
    again = generator.generate(repeated, max_new_tokens, repair.temperature) if n else []
    if len(again) != len(bad) * n:
        raise DataError(f"the generator returned {len(again)} answers for {len(bad) * n} prompts")
    retried = [clean_prediction(a) for a in again]
    backed = repair.check(retried, [rows[i] for i in bad for _ in range(n)])
    for k, i in enumerate(bad):
        good = [
            t
            for t, ok in zip(retried[k * n : (k + 1) * n], backed[k * n : (k + 1) * n], strict=True)
            if ok and t
        ]
        out[i] = good[0] if good else repair.fallback(rows[i])
    log.info(
        "%d of %d answers were empty or stated facts their row does not back; drawn again or replaced",
        len(bad),
        len(out),
    )
    return out, again


def _write_batch(out: IO[str], rows: Sequence[XrecRow], chunk: list[int], answers: list[str]) -> None:
    lines = []
    for index, answer in zip(chunk, answers, strict=True):
        row = rows[index]
        record = {"row": index, "user_id": row.user_id, "item_id": row.item_id}
        lines.append(json.dumps({**record, "prediction": clean_prediction(answer)}, ensure_ascii=False))
    # One write per window, then flush and sync: a crash loses at most this window, never earlier rows.
    out.write("\n".join(lines) + "\n")
    out.flush()
    os.fsync(out.fileno())


def _add_tokens(total: int | None, generator: Generator, answers: list[str]) -> int | None:
    # The Generator protocol does not report token counts; a transformers backend has a tokenizer.
    tokenizer = getattr(generator, "tokenizer", None)
    if total is None or tokenizer is None:
        return None
    encoded = tokenizer(answers, add_special_tokens=False)["input_ids"]
    return total + sum(len(ids) for ids in encoded)
