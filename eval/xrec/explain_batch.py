"""`whythis explain-batch`: XRec-style rows explained into a resumable predictions file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from finetune.cli import RunsOpt, SetOpt, resolve_adapter_option

if TYPE_CHECKING:
    from eval.xrec.batch import Candidates, Picker
    from finetune.runtime.generator import GeneratorConfig
    from finetune.training.data import Audience, XrecRow
    from retrieval.embedder import Embedder

InputOpt = Annotated[Path, typer.Option("--input", help="JSONL rows as in xrec/<domain>/train.jsonl.")]
OutputOpt = Annotated[Path, typer.Option("--output", help="Predictions JSONL; an existing file is resumed.")]
AdapterOpt = Annotated[
    str | None,
    typer.Option("--adapter", help="Adapter folder or name ('whythis adapter list'); 'none' = base model."),
]
AudienceOpt = Annotated[str, typer.Option("--audience", help="support or shopper.")]
# The fastest size `whythis bench explain` measured on 2 CPU cores (1.24 rows/s; 8: 1.01, 32: 1.18).
BEST_BATCH = 16
DomainOpt = Annotated[
    str,
    typer.Option(
        "--domain",
        help="amazon, google or yelp for every row; auto: the row's `domain`, the path (xrec/<domain>/), "
        "or the item's catalog in the data folder.",
    ),
]
CandidatesOpt = Annotated[
    int,
    typer.Option(
        "--candidates",
        min=1,
        max=16,
        help="Answers per row (greedy + sampled); of those whose facts the row backs, the one closest to "
        "the others in meaning and wording is kept. 1: the greedy answer only, fastest.",
    ),
]
GuidanceOpt = Annotated[
    float,
    typer.Option(
        "--guidance",
        min=1.0,
        max=5.0,
        help="Classifier-free guidance of the greedy answer against the row's prompt without its profiles: "
        "above 1, fewer stock phrases and more of what the profiles say, at about 0.6x the speed. 1: off.",
    ),
]
CheckFactsOpt = Annotated[
    bool,
    typer.Option(
        "--check-facts/--no-check-facts",
        help="An answer stating a fact (price, rating, a purchase, ...) its row does not back is drawn "
        "again, else replaced by one built from the item's profile; --no-check-facts: answers as written.",
    ),
]


def explain_batch(
    input_: InputOpt,
    output: OutputOpt,
    adapter: AdapterOpt = None,
    audience: AudienceOpt = "support",
    domain: DomainOpt = "auto",
    batch_size: Annotated[int, typer.Option("--batch-size", help="Rows per batch.")] = BEST_BATCH,
    max_new_tokens: Annotated[int | None, typer.Option("--max-new-tokens", help="Token cap.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N rows.")] = None,
    candidates: CandidatesOpt = 1,
    guidance: GuidanceOpt = 1.0,
    check_facts: CheckFactsOpt = True,
    set_: SetOpt = None,
    runs: RunsOpt = Path("runs"),
) -> None:
    """Explain every row of a JSONL file into PREDS.jsonl, resumably, in batches."""
    from eval.xrec.batch import explain_rows, read_rows
    from eval.xrec.domains import load_item_domains, resolve_domains
    from eval.xrec.facts import fact_repair
    from finetune.runtime.backends import load_generator

    who = audience_option(audience)
    cfg = generator_config(adapter, batch_size, max_new_tokens, set_ or [], runs)
    rows = read_rows(input_, limit)
    domains = resolve_domains(rows, domain, input_, load_item_domains() if domain == "auto" else None)
    typer.echo(f"explaining {len(rows)} rows with {cfg.base_model} + {cfg.adapter or 'no adapter'}", err=True)
    stats = explain_rows(
        load_generator(cfg),
        rows,
        output,
        batch_size=cfg.batch_size,
        audience=who,
        max_new_tokens=cfg.max_new_tokens,
        domains=domains,
        candidates=consensus_candidates(candidates),
        repair=fact_repair(who) if check_facts else None,
        guidance=guidance,
    )
    typer.echo(json.dumps(stats.as_dict()))


def audience_option(audience: str) -> Audience:
    """The --audience option checked: support or shopper."""
    from whythis.errors import ConfigError

    if audience not in ("support", "shopper"):
        raise ConfigError(f"--audience must be support or shopper, got {audience!r}")
    return "shopper" if audience == "shopper" else "support"


# The share of wording (ROUGE-L) in the consensus utility, the rest being MiniLM cosine. On the held-out
# rows with 6 candidates (four sets of samples), meaning alone gives the most similar answers but the
# fewest shared n-grams (amazon BLEU-4 17.9, greedy 18.4); half and half keeps most of the similarity
# (0.715 / 0.623 / 0.584, greedy 0.700 / 0.607 / 0.583) and brings amazon BLEU-4 back to 18.0.
WORDING_WEIGHT = 0.5


def consensus_candidates(count: int, embedder: Embedder | None = None) -> Candidates | None:
    """Best-of-`count` by consensus among the fact-checked answers; None for a single answer."""
    from eval.xrec.batch import Candidates
    from retrieval.embedder import load_embedder

    if count <= 1:
        return None
    return Candidates(count=count, pick=grounded_consensus(embedder or load_embedder()))


def grounded_consensus(embedder: Embedder, wording_weight: float = WORDING_WEIGHT) -> Picker:
    """A picker: the most central candidate whose facts its row backs; all of them vote."""
    from eval.xrec.consensus import consensus_picks
    from eval.xrec.facts import facts_grounded, xrec_checker

    checker = xrec_checker()

    def pick(groups: Sequence[Sequence[str]], rows: Sequence[XrecRow]) -> list[int]:
        allowed = [
            [facts_grounded(checker, text, row) for text in group]
            for group, row in zip(groups, rows, strict=True)
        ]
        return consensus_picks(embedder, groups, allowed, wording_weight)

    return pick


def generator_config(
    adapter: str | None, batch_size: int, max_new_tokens: int | None, sets: list[str], runs: Path
) -> GeneratorConfig:
    """The generator settings of a batch run: batch defaults, then --set overrides, then the named options."""
    from eval.xrec.batch import ANSWER_TOKENS
    from finetune.runtime.generator import GeneratorConfig
    from whythis.config import load_config

    # Sampled candidates are seeded unless --set seed=... says otherwise: a rerun writes the same file.
    overrides = ["seed=0", f"batch_size={batch_size}", f"max_new_tokens={ANSWER_TOKENS}", *sets]
    if max_new_tokens is not None:
        overrides.append(f"max_new_tokens={max_new_tokens}")
    cfg = load_config(GeneratorConfig, None, overrides)
    return cfg.model_copy(
        update={"adapter": resolve_adapter_option(adapter if adapter is not None else cfg.adapter, runs)}
    )
