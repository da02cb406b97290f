"""Training rows to examples: XRec reading, a seeded split per source, prompts shared with inference."""

from __future__ import annotations

import json
import logging
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from finetune.runtime.generator import format_prompt
from finetune.training.config import DataSource, TrainingConfig
from finetune.training.sources import PromptRow, plugin_rows, read_prompt_rows
from prompts.render import PromptFile, Rendered, load_prompt, render
from whythis.errors import DataError, RowError
from whythis.paths import DATA_ENV
from whythis.paths import data_dir as shared_data_dir
from whythis.validation import first_problem

Audience = Literal["support", "shopper"]
PROMPT_NAME = "xrec"
IGNORE = -100  # the label id the loss skips
T = TypeVar("T")
log = logging.getLogger(__name__)
# Words of a title or profile the prompt keeps. XRec's own profiles run to 123 words; a far longer field
# (a pasted review dump, a hostile file) would push the prompt past the model's context, slow every row
# batched with it by minutes and leave no room for an answer.
MAX_FIELD_WORDS = 300


class XrecRow(BaseModel):
    """One XRec row: two profiles, an item title, and the reference explanation."""

    model_config = ConfigDict(extra="ignore")

    user_id: int | str
    item_id: int | str
    title: str = Field(min_length=1)
    user_profile: str = Field(min_length=1)
    item_profile: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    domain: str | None = Field(default=None, description="the review source, when the row names it")


@dataclass(frozen=True)
class Example:
    """A training example as text: the exact LM prompt and the answer that should follow it."""

    prompt_text: str
    answer: str


@dataclass(frozen=True)
class Splits:
    """Train and validation rows and the files they came from."""

    train: list[PromptRow]
    val: list[PromptRow]
    files: list[Path]


def xrec_file(domain: str, data_dir: str | None = None) -> Path:
    """The train.jsonl of an XRec domain; DataError naming the path when it is missing."""
    path = shared_data_dir(data_dir) / "xrec" / domain / "train.jsonl"
    if not path.is_file():
        raise DataError(f"XRec file {path} not found; set data_dir or ${DATA_ENV} to the shared data folder")
    return path


def read_xrec(
    path: Path, limit: int | None = None, prepare: Callable[[str], str] | None = None
) -> list[XrecRow]:
    """The first `limit` (default all) rows of an XRec JSONL file; RowError on the first bad row."""
    rows: list[XrecRow] = []
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if limit is not None and len(rows) >= limit:
                break
            if not line.strip():
                continue  # blank lines are not rows, so row indices skip them everywhere
            rows.append(parse_row(prepare(line) if prepare else line, str(path), line_no))
    return rows


def parse_row(line: str, path: str, line_no: int) -> XrecRow:
    """Validate one JSONL line; errors name the file, line and field."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise RowError(path, line_no, "(json)", f"not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise RowError(path, line_no, "(row)", f"expected a JSON object, got {type(data).__name__}")
    try:
        return XrecRow.model_validate(data)
    except ValidationError as exc:
        field, problem = first_problem(exc, given=False)
        raise RowError(path, line_no, field, problem) from exc


def split_rows(rows: Sequence[T], val_fraction: float, seed: int) -> tuple[list[T], list[T]]:
    """A seeded shuffle, then the first share to validation (at least one row when the share is > 0)."""
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_val = round(len(rows) * val_fraction)
    if val_fraction > 0 and len(rows) >= 2:
        n_val = max(1, n_val)
    val = sorted(order[:n_val])
    train = sorted(order[n_val:])
    return [rows[i] for i in train], [rows[i] for i in val]


def load_splits(config: TrainingConfig) -> Splits:
    """Read every configured source and split each one, so validation covers every source."""
    train: list[PromptRow] = []
    val: list[PromptRow] = []
    files: list[Path] = []
    for source in config.data:
        rows, path = source_rows(source, config)
        part_train, part_val = split_rows(rows, config.val_fraction, config.seed)
        train.extend(part_train[: source.train_rows])
        val.extend(part_val)
        files.extend([path] if path else [])
    return Splits(train=train, val=val, files=files)


def source_rows(source: DataSource, config: TrainingConfig) -> tuple[list[PromptRow], Path | None]:
    """The prompt rows of one configured source and the file they came from (None for shop sources)."""
    if source.source == "xrec":
        assert source.domain is not None  # the config validator requires it
        path = xrec_file(source.domain, config.data_dir)
        rows = read_xrec(path, source.rows)
        blank = config.domain_blank_share
        return [xrec_prompt_row(r, source.domain, config.audience, blank) for r in rows], path
    if source.source == "rows":
        path = Path(source.path or "")
        if not path.is_file():
            raise DataError(f"prompt-rows file {path} not found (source 'rows' in the training config)")
        return read_prompt_rows(path, source.rows), path
    return plugin_rows(source, config.data_dir, config.audience), None


def xrec_prompt_row(
    row: XrecRow,
    domain: str,
    audience: Literal["auto", "support", "shopper"] = "auto",
    blank_share: float = 0.0,
) -> PromptRow:
    """An XRec row as a prompt row, spoken to the reference's audience unless one is forced."""
    who: Audience = reference_audience(row.explanation) if audience == "auto" else audience
    key = f"xrec/{domain}:{row.user_id}:{row.item_id}"
    shown = "" if blank_row(key, blank_share) else domain
    return PromptRow(PROMPT_NAME, xrec_variables(row, who, shown), row.explanation, key, f"xrec/{domain}")


def blank_row(key: str, share: float) -> bool:
    """Whether a row trains without its domain line: a stable hash of its key, so reruns agree."""
    return zlib.crc32(key.encode("utf-8")) % 10_000 < round(share * 10_000)


def reference_audience(explanation: str) -> Audience:
    """The audience a reference is written for: 'shopper' when it speaks to "you", else 'support'."""
    return "shopper" if explanation.lstrip().lower().startswith(("you ", "you'")) else "support"


def xrec_variables(row: XrecRow, audience: Audience, domain: str = "") -> dict[str, Any]:
    """The prompt variables of a row; training and inference both build prompts from these."""
    return {
        "audience": audience,
        "domain": domain,
        "user_profile": clip_words(row.user_profile),
        "title": clip_words(row.title),
        "item_profile": clip_words(row.item_profile),
    }


def clip_words(text: str, limit: int = MAX_FIELD_WORDS) -> str:
    """The text, or its first `limit` words and an ellipsis when it is longer."""
    words = text.split()
    return text if len(words) <= limit else " ".join(words[:limit]) + " ..."


def clipped_rows(rows: Sequence[XrecRow], limit: int = MAX_FIELD_WORDS) -> int:
    """How many rows have a title or profile the prompt cuts to `limit` words."""
    fields = ("title", "user_profile", "item_profile")
    return sum(any(len(getattr(r, f).split()) > limit for f in fields) for r in rows)


@lru_cache(maxsize=8)
def _prompt(name: str) -> PromptFile:
    return load_prompt(name)


def xrec_prompt(row: XrecRow, audience: Audience, domain: str = "") -> Rendered:
    """The rendered xrec prompt for a row, as the generator takes it at inference."""
    return render(_prompt(PROMPT_NAME), xrec_variables(row, audience, domain))


# What a guided answer is steered away from: the row's prompt with both profiles left out, so the guidance
# favours what the profiles say over the stock phrases the model writes for any user and item.
NO_PROFILE = "(none)"


def xrec_contrast_prompt(row: XrecRow, audience: Audience, domain: str = "") -> Rendered:
    """The row's prompt without its user and item profiles: the contrast of guided decoding."""
    variables = {
        **xrec_variables(row, audience, domain),
        "user_profile": NO_PROFILE,
        "item_profile": NO_PROFILE,
    }
    return render(_prompt(PROMPT_NAME), variables)


def build_example(tokenizer: Any, row: PromptRow) -> Example:
    """The prompt text exactly as inference formats it, and the answer minus the response prefix."""
    rendered = render(_prompt(row.prompt), row.variables)
    answer = row.answer.strip()
    prefix = rendered.response_prefix
    if answer.startswith(prefix):
        answer = answer[len(prefix) :]
    else:  # this reference opens its own way: the row teaches the whole answer, opening included
        rendered = replace(rendered, response_prefix="")
    return Example(prompt_text=format_prompt(tokenizer, rendered), answer=answer)


def tokenize_example(tokenizer: Any, example: Example, max_length: int) -> dict[str, list[int]] | None:
    """Input ids and labels (-100 on the prompt, so the loss covers the answer and eos only), truncated."""
    # Tokenised apart, as at inference, where the answer's tokens are generated after the prompt's.
    prompt_ids: list[int] = tokenizer(example.prompt_text, add_special_tokens=False)["input_ids"]
    answer_ids: list[int] = tokenizer(example.answer, add_special_tokens=False)["input_ids"]
    answer_ids = [*answer_ids, tokenizer.eos_token_id]
    input_ids = (prompt_ids + answer_ids)[:max_length]
    labels = ([IGNORE] * len(prompt_ids) + answer_ids)[:max_length]
    if all(label == IGNORE for label in labels):
        return None  # the prompt alone fills max_length: nothing to learn from
    return {"input_ids": input_ids, "attention_mask": [1] * len(input_ids), "labels": labels}


def build_dataset(
    tokenizer: Any, rows: Sequence[PromptRow], config: TrainingConfig
) -> list[dict[str, list[int]]]:
    """Tokenised examples of the rows; rows whose prompt alone exceeds max_length are dropped and logged."""
    out: list[dict[str, list[int]]] = []
    for row in rows:
        encoded = tokenize_example(tokenizer, build_example(tokenizer, row), config.max_length)
        if encoded is not None:
            out.append(encoded)
    if len(out) < len(rows):
        log.warning("dropped %d of %d rows whose prompt exceeds max_length", len(rows) - len(out), len(rows))
    return out
