"""CLI commands of the evaluation package: `whythis bench ...` and `whythis eval ...`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer

from agent.config import AgentConfig, load_agent_config
from eval.bench_e2e import E2EOptions, run_e2e
from eval.report import run_folder, save_result
from eval.xrec.explain_batch import CandidatesOpt, GuidanceOpt, consensus_candidates
from whythis.errors import ConfigError

bench_app = typer.Typer(
    help="Benchmarks that print numbers (speed, memory, grounding).", no_args_is_help=True
)

eval_app = typer.Typer(help="Quality evaluations that compare outputs to references.", no_args_is_help=True)

OutOpt = Annotated[Path, typer.Option("--out", help="Folder for run folders.")]
XREC_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "finetune" / "xrec-smollm2.toml"


@bench_app.command("e2e")
def bench_e2e(
    shoppers: Annotated[int, typer.Option(help="amazon2023 shoppers to explain for.")] = 20,
    per_shopper: Annotated[int, typer.Option(help="Reasons per shopper.")] = 5,
    trials: Annotated[int, typer.Option(help="Repetitions of each latency measurement.")] = 8,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Index build, top-50 retrieval latency, model load, reason latency and grounding rejections."""
    cfg = load_agent_config(config, set_)
    options = E2EOptions(shoppers=shoppers, per_shopper=per_shopper, latency_trials=trials)
    metrics, files = run_e2e(cfg, options)
    folder = run_folder(out, "bench-e2e")
    report = save_result(folder, "bench-e2e", cfg.model_dump(mode="json"), files, metrics)
    _print_result(metrics, report)


@bench_app.command("retrieval")
def bench_retrieval(
    items: Annotated[
        list[int] | None,
        typer.Option("--items", help="Synthetic catalog size, repeatable (default 100000 and 1000000)."),
    ] = None,
    myntra: Annotated[bool, typer.Option(help="Also measure the Myntra catalog.")] = True,
    queries: Annotated[int, typer.Option(help="Held-out queries per catalog.")] = 1000,
    out: OutOpt = Path("runs"),
) -> None:
    """Top-50 latency p50/p95/p99 on one core, recall@50 vs exact, build time and memory per index type."""
    from eval.bench_retrieval import RetrievalBenchOptions, results_table, run_retrieval_bench, save_report

    sizes = tuple(items) if items else RetrievalBenchOptions().sizes
    options = RetrievalBenchOptions(sizes=sizes, myntra=myntra, queries=queries)
    metrics, files = run_retrieval_bench(options)
    report = save_report(out, options, files, metrics)
    _print_result(metrics, report, results_table(metrics))


@bench_app.command("chat")
def bench_chat(
    trials: Annotated[int, typer.Option(help="Sessions to time (after one warm-up).")] = 5,
    shopper: Annotated[str, typer.Option(help="Demo shopper: maya, jonas, lea.")] = "maya",
    refine: Annotated[bool, typer.Option(help="Also time a 'something cheaper' turn.")] = True,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    anchor: Annotated[
        list[str] | None,
        typer.Option(
            "--anchor",
            help="key=value overrides of an anchor run measured first in the same process, e.g. the free "
            "mode: --anchor reasons.mode=free --anchor generator.adapter=default (repeatable)",
        ),
    ] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """p50/p95 latency of chat turns on the demo shop: first recommendations, 'why #n?', 'cheaper'."""
    from eval.bench_chat import ChatBenchOptions, run_chat_bench, side_by_side

    cfg = load_agent_config(config, set_)
    options = ChatBenchOptions(trials=trials, shopper=shopper, refine=refine)
    if anchor:
        before = run_chat_bench(load_agent_config(config, [*(set_ or []), *anchor]), options)[0]
        after, files = run_chat_bench(cfg, options)
        metrics = side_by_side(before, after)
    else:
        metrics, files = run_chat_bench(cfg, options)
    folder = run_folder(out, "bench-chat")
    report = save_result(folder, "bench-chat", cfg.model_dump(mode="json"), files, metrics)
    _print_result(metrics, report)


@bench_app.command("reader")
def bench_reader(
    turns: Annotated[int, typer.Option(help="Test turns to read, one at a time.")] = 100,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """One turn's reading by the model reader, beside the router it replaces, in one process."""
    from eval.bench_reader import run_reader_bench

    cfg = load_agent_config(config, set_)
    metrics, files = run_reader_bench(cfg, turns)
    folder = run_folder(out, "bench-reader")
    report = save_result(
        folder, "bench-reader", {"agent": cfg.model_dump(mode="json"), "turns": turns}, files, metrics
    )
    _print_result(metrics, report)


@bench_app.command("engines")
def bench_engines(
    engine: Annotated[
        list[str] | None,
        typer.Option(
            "--engine",
            help="Backend, repeatable; the first is the reference (default: transformers, ctranslate2).",
        ),
    ] = None,
    batch_size: Annotated[
        list[int] | None, typer.Option("--batch-size", help="Repeatable (default 1 5 16).")
    ] = None,
    prompts: Annotated[int, typer.Option(help="Reason prompts per batch size.")] = 16,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Generation engines side by side in one run: tokens/s per batch size, time to one checked reason."""
    from eval.bench_engines import EngineBenchOptions, results_table, run_engine_bench

    defaults = EngineBenchOptions()
    options = EngineBenchOptions(
        engines=tuple(engine or defaults.engines),
        batch_sizes=tuple(batch_size or defaults.batch_sizes),
        prompts=prompts,
    )
    cfg = load_agent_config(config, set_)
    metrics = run_engine_bench(cfg, options)
    folder = run_folder(out, "bench-engines")
    settings = {"options": asdict(options), "agent": cfg.model_dump(mode="json")}
    report = save_result(folder, "bench-engines", settings, [], metrics)
    _print_result(metrics, report, results_table(metrics))


@bench_app.command("explain")
def bench_explain(
    batch_size: Annotated[
        list[int] | None, typer.Option("--batch-size", help="Batch size to try, repeatable (default 1-32).")
    ] = None,
    rows: Annotated[int, typer.Option(help="Held-out rows per batch size (half for sizes up to 4).")] = 64,
    adapter: Annotated[str, typer.Option(help="Adapter: 'default', 'none', a path or a name.")] = "default",
    config: Annotated[Path, typer.Option("--config", help="Training config: its rows.")] = XREC_CONFIG,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Generator key=value override.")] = None,
    candidates: CandidatesOpt = 1,
    guidance: GuidanceOpt = 1.0,
    out: OutOpt = Path("runs"),
) -> None:
    """explain-batch throughput: rows/s and generated tokens/s per batch size, and the best size."""
    from eval.xrec.bench_explain import ExplainBenchOptions, bench_rows, measure, results_table
    from finetune.runtime.backends import load_generator
    from finetune.runtime.generator import GeneratorConfig
    from finetune.training.config import load_training_config
    from finetune.training.data import xrec_file
    from whythis.config import load_config

    defaults = ExplainBenchOptions()
    options = ExplainBenchOptions(
        tuple(batch_size or defaults.batch_sizes), rows, defaults.max_new_tokens, guidance
    )
    sets = ["seed=0", f"adapter={adapter}", f"batch_size={max(options.batch_sizes)}",
            f"max_new_tokens={options.max_new_tokens}", *(set_ or [])]  # fmt: skip
    gen = load_config(GeneratorConfig, None, sets)
    train_cfg = load_training_config(config)
    chosen, domains = bench_rows(train_cfg, rows)
    metrics = measure(load_generator(gen), chosen, domains, options, consensus_candidates(candidates))
    folder = run_folder(out, "bench-explain")
    files = [xrec_file(s.domain, train_cfg.data_dir) for s in train_cfg.data if s.domain]
    report = save_result(folder, "bench-explain", gen.model_dump(mode="json"), files, metrics)
    _print_result(metrics, report, results_table(metrics))


@bench_app.command("serve")
def bench_serve(
    shoppers: Annotated[int, typer.Option(help="Concurrent shoppers.")] = 8,
    turns: Annotated[int, typer.Option(help="Turns per shopper: open, 'why #1?', 'cheaper', ...")] = 3,
    config: Annotated[Path | None, typer.Option("--config", help="Serve config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Serve config key=value override.")] = None,
    startup_timeout: Annotated[float, typer.Option(help="Seconds to wait for the server.")] = 900.0,
    replicas: Annotated[int, typer.Option(help="Servers sharing the store; >1 also runs 1 beside.")] = 1,
    store: Annotated[str, typer.Option(help="sqlite, or postgresql (a throwaway local cluster).")] = "sqlite",
    out: OutOpt = Path("runs"),
) -> None:
    """p50/p95 turn latency of `whythis serve` under N concurrent shoppers over HTTP; 503s and errors."""
    from eval.bench_serve import ServeBenchOptions, run_serve_bench

    options = ServeBenchOptions(
        shoppers=shoppers,
        turns=turns,
        overrides=tuple(set_ or ()),
        config=config,
        startup_timeout_s=startup_timeout,
        replicas=replicas,
        store=store,
    )
    folder = run_folder(out, "bench-serve")
    metrics, files = run_serve_bench(options, folder)
    report = save_result(folder, "bench-serve", options.settings(), files, metrics)
    _print_result(metrics, report)


@eval_app.command("reasons")
def eval_reasons(
    input_: Annotated[Path, typer.Option("--input", help="Reference rows (xrec/<domain>/*.jsonl).")],
    pred: Annotated[Path, typer.Option("--pred", help="Predictions JSONL from whythis explain-batch.")],
    out: OutOpt = Path("runs"),
    name: Annotated[str, typer.Option("--name", help="Run folder name prefix.")] = "eval-reasons",
    domain: Annotated[str | None, typer.Option("--domain", help="Default: from xrec/<domain>/.")] = None,
    bertscore: Annotated[bool, typer.Option(help="BERTScore F1 with local MiniLM.")] = True,
) -> None:
    """BLEU, ROUGE, embedding similarity, BERTScore, diversity and grounding of reasons vs references."""
    from eval.reasons import evaluate_files, write_reasons_report
    from retrieval.embedder import embedded_minilm_path, load_embedder

    model = embedded_minilm_path() if bertscore else None
    result = evaluate_files(input_, pred, load_embedder(), domain, model)
    folder = run_folder(out, name)
    config = {"input": str(input_), "pred": str(pred), "out": str(out), "name": name, "domain": domain}
    report = write_reasons_report(folder, {**config, "bertscore": bertscore}, [input_, pred], result)
    typer.echo(json.dumps(result[0], indent=2, ensure_ascii=False))
    typer.echo(f"report: {report}")


@eval_app.command("intents")
def eval_intents(
    labelled: Annotated[
        Path | None,
        typer.Option("--labelled", help="Older labelled messages YAML (default: the shipped set)."),
    ] = None,
    generator: Annotated[
        str, typer.Option("--generator", help="Chat reasons: 'template' (no LM, fast) or 'lm'.")
    ] = "template",
    chat: Annotated[bool, typer.Option(help="Also send each MG-ShopDial client turn to the chat.")] = True,
    model: Annotated[bool, typer.Option(help="Also read the test turns with the model reader.")] = True,
    dialogues: Annotated[
        Path | None,
        typer.Option("--dialogues", help="Read every client turn of this MG-ShopDial-format file instead."),
    ] = None,
    readings: Annotated[
        Path | None,
        typer.Option("--readings", help="With --dialogues: where to write one JSON line per turn."),
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Turn reading on the blind test turns (intent, items, changes) for the rules, today's router, the
    MiniLM classifier and the model; or, with --dialogues, each turn of a dialogue file read to --readings."""
    cfg = load_agent_config(config, set_)
    if dialogues is not None or readings is not None:
        _read_dialogue_file(cfg, dialogues, readings, model)
        return
    from eval.intents import intents_markdown, run_intents

    metrics, files = run_intents(cfg, labelled, generator, chat, model)
    folder = run_folder(out, "eval-intents")
    settings = {"agent": cfg.model_dump(mode="json"), "labelled": str(labelled), "generator": generator}
    report = save_result(folder, "eval-intents", {**settings, "chat": chat, "model": model}, files, metrics)
    with report.open("a", encoding="utf-8") as handle:
        handle.write(intents_markdown(metrics))
    headline = {name: {g: r[g] for g in ("all", "mg") if g in r} for name, r in metrics["test"].items()}
    extra = {k: metrics[k] for k in ("mg_chat",) if k in metrics}
    typer.echo(json.dumps({"test": headline, **extra}, indent=2))
    typer.echo(f"report: {report}")


def _read_dialogue_file(cfg: AgentConfig, dialogues: Path | None, readings: Path | None, model: bool) -> None:
    if dialogues is None or readings is None:
        raise ConfigError("--dialogues FILE and --readings OUT go together")
    from eval.dialogues import load_dialogue_file
    from eval.turn_readers import dialogue_readers, read_dialogues

    loaded = load_dialogue_file(dialogues)  # a bad file fails before any model loads
    reader, routers = dialogue_readers(cfg, model)
    lines = read_dialogues(loaded, reader, routers)
    readings.parent.mkdir(parents=True, exist_ok=True)
    readings.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8"
    )
    typer.echo(json.dumps({"dialogues": len(loaded), "turns": len(lines), "readings": str(readings)}))


@eval_app.command("safety")
def eval_safety(
    generator: Annotated[
        str, typer.Option("--generator", help="'template' (canned adversarial reasons, fast) or 'lm'.")
    ] = "template",
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N attacks and controls.")
    ] = None,
    mg_shopdial: Annotated[bool, typer.Option(help="Also send every MG-ShopDial shopper turn.")] = True,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """The red-team suite through the chat: attack success rate per OWASP category, control refusals."""
    from eval.safety import report_markdown, run_safety

    if generator not in ("template", "lm"):
        raise typer.BadParameter("--generator must be 'template' or 'lm'")
    cfg = load_agent_config(config, set_)
    metrics, files, name = run_safety(cfg, generator, limit, mg_shopdial)
    folder = run_folder(out, "eval-safety")
    settings = {"agent": cfg.model_dump(mode="json"), "generator": name, "limit": limit}
    _echo_report(save_result(folder, "eval-safety", settings, files, metrics, report_markdown(metrics, name)))


@eval_app.command("grounding")
def eval_grounding(
    pairs: Annotated[int, typer.Option("--pairs", help="(shopper, item) pairs to write reasons for.")] = 200,
    per_shopper: Annotated[int, typer.Option(help="Candidates per amazon2023 shopper.")] = 5,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Claim-level grounding precision of generated and shown reasons; the checker on labelled claims."""
    from eval.grounding import grounding_markdown, run_grounding

    cfg = load_agent_config(config, set_)
    metrics, files = run_grounding(cfg, pairs, per_shopper)
    folder = run_folder(out, "eval-grounding")
    settings = {"agent": cfg.model_dump(mode="json"), "pairs": pairs, "per_shopper": per_shopper}
    _echo_report(save_result(folder, "eval-grounding", settings, files, metrics, grounding_markdown(metrics)))


@eval_app.command("reader-sheet")
def eval_reader_sheet(
    cards: Annotated[Path, typer.Option("--cards", help="Card lines of `whythis recommend --shoppers`.")],
    shoppers: Annotated[Path, typer.Option("--shoppers", help="The shoppers file those cards were for.")],
    catalog: Annotated[Path, typer.Option("--catalog", help="The catalog of the cards.")],
    sheet: Annotated[Path, typer.Option("--sheet", help="The blind sheet to write (JSON lines).")],
) -> None:
    """The blind sheet of the shopper-as-reader audit: what each shopper sees and knows, nothing else."""
    from eval.audit_plans import build_sheet, write_sheet
    from retrieval.shopper_loaders import load_shoppers_file

    everyone = {s.shopper_id: s for s in load_shoppers_file(shoppers)}
    rows = [json.loads(line) for line in cards.read_text(encoding="utf-8").splitlines() if line.strip()]
    write_sheet(build_sheet(rows, everyone, catalog), sheet)
    typer.echo(f"{len(rows)} rows: {sheet}")


@eval_app.command("reader-audit")
def eval_reader_audit(
    cards: Annotated[Path, typer.Option("--cards", help="The card lines the sheet was built from.")],
    labels: Annotated[list[Path], typer.Option("--labels", help="Two labellers' files, in turn.")],
    out: OutOpt = Path("runs"),
) -> None:
    """The audit's figures from two labellers' blind labels: true, coherent, personal, useful, kappa."""
    from eval.audit_plans import read_labels, score

    if len(labels) != 2:
        raise typer.BadParameter(f"give --labels twice (two labellers), not {len(labels)} times")
    lines = [json.loads(line) for line in cards.read_text(encoding="utf-8").splitlines() if line.strip()]
    by_model = {f"{c['shopper_id']}#{n}": c["written_by"] == "model" for n, c in enumerate(lines)}
    metrics = score(read_labels(labels[0]), read_labels(labels[1]), by_model)
    folder = run_folder(out, "eval-reader-audit")
    _echo_report(save_result(folder, "eval-reader-audit", {"labels": [str(p) for p in labels]},
                             [cards, *labels], metrics))  # fmt: skip


@eval_app.command("realizer")
def eval_realizer(
    plans: Annotated[int, typer.Option(help="Plans per split (held-out and trained combinations).")] = 100,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """The realizer on plans whose kind combinations training never saw, beside trained ones."""
    from agent.plans.bank import BANK_FILE
    from eval.realizer import realizer_markdown, run_realizer

    cfg = load_agent_config(config, set_)
    metrics = run_realizer(cfg, plans)
    folder = run_folder(out, "eval-realizer")
    settings = {"agent": cfg.model_dump(mode="json"), "plans": plans}
    report = realizer_markdown(metrics)
    _echo_report(save_result(folder, "eval-realizer", settings, [BANK_FILE], metrics, report))


@eval_app.command("follow-ups")
def eval_follow_ups(
    dialogues: Annotated[
        int, typer.Option(help="MG-ShopDial dialogues to chat over (besides the demo shop).")
    ] = 12,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    sheet: Annotated[
        Path | None,
        typer.Option("--sheet", help="Also write the blind sheet of the model's answers (JSON lines)."),
    ] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Who writes "why #n", "why not #n" and "compare" answers (the model or the data text), and the
    grounding checker on the model's."""
    from eval.audit_plans import write_sheet
    from eval.follow_ups import follow_ups_markdown, run_follow_ups

    if sheet is not None and not sheet.parent.is_dir():
        raise ConfigError(f"--sheet {sheet}: no folder {sheet.parent}; give a path in an existing folder")
    cfg = load_agent_config(config, set_)
    metrics, files, rows = run_follow_ups(cfg, dialogues)
    if sheet is not None:
        write_sheet(rows, sheet)
    folder = run_folder(out, "eval-follow-ups")
    settings = {"agent": cfg.model_dump(mode="json"), "dialogues": dialogues}
    _echo_report(
        save_result(folder, "eval-follow-ups", settings, files, metrics, follow_ups_markdown(metrics))
    )


@eval_app.command("search")
def eval_search(
    requests: Annotated[
        Path | None, typer.Option("--requests", help="Labelled requests YAML (default: eval/data's).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Precision@5 and nDCG@5 of a new shopper's first message, beside BM25 alone and dense alone."""
    from agent.turns.reader import load_reader
    from eval.search import run_search, search_markdown
    from eval.search_data import REQUESTS

    cfg = load_agent_config(config, set_)
    reader = load_reader(cfg.generator, cfg.reader)  # as the shop reads a first message
    metrics, outcomes, files = run_search(cfg, requests or REQUESTS, reader=reader)
    folder = run_folder(out, "eval-search")
    report = save_result(
        folder, "eval-search", cfg.model_dump(mode="json"), files, metrics, search_markdown(metrics, outcomes)
    )
    typer.echo(search_markdown(metrics, outcomes).split("## Requests")[0])
    typer.echo(f"report: {report}")


@eval_app.command("item-questions")
def eval_item_questions(
    sheet: Annotated[
        Path | None, typer.Option("--sheet", help="Write a blind sheet of item questions and answers here.")
    ] = None,
    count: Annotated[int, typer.Option(help="Answers on the sheet (half demo, half Myntra).")] = 40,
    labels: Annotated[
        list[Path] | None, typer.Option("--labels", help="A labeller's JSONL file (repeatable) to score.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the items and questions drawn.")] = 0,
) -> None:
    """Item questions answered from the listing or 'the listing does not say': a blind sheet, its scores."""
    from eval.item_questions import build_sheet, score_labels, write_sheet

    if sheet is None and not labels:
        raise ConfigError("give --sheet OUT to write a sheet, or --labels FILE to score one")
    if sheet is not None:
        write_sheet(build_sheet(count, seed), sheet)
        typer.echo(f"sheet: {sheet}")
    if labels:
        typer.echo(json.dumps(score_labels(labels), indent=2))


@eval_app.command("lists")
def eval_lists(
    turns: Annotated[
        Path | None, typer.Option("--turns", help="Labelled list turns YAML (default: eval/data's).")
    ] = None,
    config: Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="key=value override.")] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Relevance per card and products shown twice, on labelled list turns played through the chat
    (each turn read by the configured reader; --set reader.mode=rules for the rules alone)."""
    from agent.turns.reader import load_reader
    from eval.lists import TURNS, lists_markdown, run_lists

    cfg = load_agent_config(config, set_)
    reader = load_reader(cfg.generator, cfg.reader)
    metrics, played, files = run_lists(cfg, reader=reader, path=turns or TURNS)
    folder = run_folder(out, "eval-lists")
    markdown = lists_markdown(metrics, played)
    report = save_result(folder, "eval-lists", cfg.model_dump(mode="json"), files, metrics, markdown)
    typer.echo(markdown.split("## Turns")[0])
    typer.echo(f"report: {report}")


@eval_app.command("retrieval")
def eval_retrieval(
    domain: Annotated[
        str, typer.Option("--domain", help="xrec/google, xrec/yelp, xrec/amazon or amazon2023.")
    ],
    rows: Annotated[
        Path | None, typer.Option("--rows", help="Rows to evaluate instead of the domain's train.jsonl.")
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N rows.")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="retriever.KEY=V, collab.KEY=V or folds=N override.")
    ] = None,
    out: OutOpt = Path("runs"),
) -> None:
    """Recall@10/50, NDCG@10, MRR and coverage of each retrieval method: can it find the chosen item?"""
    from eval.retrieval import load_retrieval_config, markdown, run_retrieval_eval

    config = load_retrieval_config(set_)
    metrics, report = run_retrieval_eval(domain, rows, limit, config, out, log=typer.echo)
    typer.echo(markdown(domain, metrics))
    typer.echo(f"report: {report}")


@eval_app.command("xrec")
def eval_xrec(
    adapter: Annotated[
        list[str] | None, typer.Option("--adapter", help="Adapter folder to compare with the base model.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Training config whose held-out rows to use.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N held-out rows per domain.")
    ] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Generator key=value override.")] = None,
    base: Annotated[bool, typer.Option(help="Also explain with the base model.")] = True,
    candidates: CandidatesOpt = 1,
    out: OutOpt = Path("runs"),
) -> None:
    """Base model vs adapters on the held-out XRec rows of a training config, per domain."""
    from eval.xrec.batch import ANSWER_TOKENS
    from eval.xrec.compare import Variant, compare, comparison_markdown
    from finetune.runtime.generator import GeneratorConfig
    from finetune.training.config import load_training_config
    from retrieval.embedder import embedded_minilm_path, load_embedder
    from whythis.config import load_config

    train_cfg = load_training_config(config)
    gen = load_config(GeneratorConfig, None, ["seed=0", f"max_new_tokens={ANSWER_TOKENS}", *(set_ or [])])
    variants = [Variant("base", None)] if base else []
    variants += [Variant(f"adapter{i + 1}", a) for i, a in enumerate(adapter or [])]
    folder = run_folder(out, "eval-xrec")
    embedder = load_embedder()
    best_of = consensus_candidates(candidates, embedder)
    metrics = compare(
        train_cfg, variants, gen, embedder, folder, limit, embedded_minilm_path(), candidates=best_of
    )
    settings = {"training_config": train_cfg.model_dump(mode="json"), "limit": limit,
                "generator": gen.model_dump(mode="json"), "candidates": candidates,
                "variants": {v.label: v.adapter for v in variants}}  # fmt: skip
    files = sorted(folder.glob("preds-*.jsonl"))
    markdown = comparison_markdown(metrics, [v.label for v in variants])
    _echo_report(save_result(folder, "eval-xrec", settings, files, metrics, markdown))


def _print_result(metrics: dict[str, Any], report: Path, table: str | None = None) -> None:
    """A run's metrics as JSON, its table when it has one, and where its report is."""
    typer.echo(json.dumps(metrics, indent=2, ensure_ascii=False))
    if table is not None:
        typer.echo(table)
    typer.echo(f"report: {report}")


def _echo_report(report: Path) -> None:
    typer.echo(report.read_text(encoding="utf-8"))
    typer.echo(f"report: {report}")


def register(app: typer.Typer) -> None:
    """Attach the evaluation commands to the root CLI."""
    from eval import cli_audit
    from eval.xrec.explain_batch import explain_batch

    for name, command in cli_audit.COMMANDS.items():
        eval_app.command(name)(command)
    app.command("explain-batch")(explain_batch)
    app.add_typer(bench_app, name="bench")
    app.add_typer(eval_app, name="eval")
