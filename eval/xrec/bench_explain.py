"""`whythis bench explain`: explain-batch throughput (rows/s, generated tokens/s) per batch size.

The rows are held-out XRec rows of a training config, explained exactly as `whythis explain-batch`
does (same prompts, domains, decoding and cleaning) into throwaway files; one warm-up batch first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.xrec.batch import ANSWER_TOKENS, Candidates, explain_rows
from eval.xrec.compare import held_out
from finetune.runtime.generator import Generator
from finetune.training.config import TrainingConfig
from finetune.training.data import XrecRow, xrec_prompt
from whythis.errors import DataError


@dataclass(frozen=True)
class ExplainBenchOptions:
    """What to measure: batch sizes, rows per size, the token cap, and the guidance (1: off)."""

    batch_sizes: tuple[int, ...] = (1, 4, 8, 16, 32)
    rows: int = 64
    max_new_tokens: int = ANSWER_TOKENS
    guidance: float = 1.0


def bench_rows(config: TrainingConfig, rows: int) -> tuple[list[XrecRow], list[str]]:
    """The first held-out rows of every domain in turn (so each size sees the same mix) and their domains."""
    per_domain = held_out(config, None)
    mixed: list[tuple[XrecRow, str]] = []
    for i in range(max((len(r) for r in per_domain.values()), default=0)):
        mixed += [(r[i], d) for d, r in per_domain.items() if i < len(r)]
    if not mixed:
        raise DataError("the training config holds out no XRec rows to explain")
    chosen = mixed[:rows]
    return [r for r, _ in chosen], [d for _, d in chosen]


def measure(
    generator: Generator,
    rows: Sequence[XrecRow],
    domains: Sequence[str],
    options: ExplainBenchOptions,
    candidates: Candidates | None = None,
) -> dict[str, Any]:
    """rows/s and tokens/s of explain-batch at each batch size, and the best size."""
    warm = [xrec_prompt(r, "support", d) for r, d in zip(rows[:2], domains[:2], strict=True)]
    generator.generate(warm, max_new_tokens=8)
    sizes: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in options.batch_sizes:
            n = max(len(rows) if size > 4 else len(rows) // 2, size)
            stats = explain_rows(generator, rows[:n], Path(tmp) / f"b{size}.jsonl", batch_size=size,
                                 max_new_tokens=options.max_new_tokens, progress=False,
                                 domains=domains[:n], candidates=candidates,
                                 guidance=options.guidance)  # fmt: skip
            sizes[str(size)] = {"rows": stats.rows_done, **stats.as_dict()}
    best = max(sizes, key=lambda s: sizes[s]["rows_per_second"] or 0.0)
    return {"candidates": candidates.count if candidates else 1, "guidance": options.guidance,
            "by_batch_size": sizes, "best_batch_size": int(best),
            "best_rows_per_second": sizes[best]["rows_per_second"],
            "best_tokens_per_second": sizes[best]["tokens_per_second"]}  # fmt: skip


def results_table(metrics: dict[str, Any]) -> str:
    """A markdown table: one line per batch size."""
    lines = ["| batch | rows | seconds | rows/s | tokens/s |", "|---|---|---|---|---|"]
    for size, m in metrics["by_batch_size"].items():
        lines.append(f"| {size} | {m['rows']} | {m['seconds']} | {m['rows_per_second']} | "
                     f"{m['tokens_per_second']} |")  # fmt: skip
    return "\n".join(lines)
