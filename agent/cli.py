"""CLI commands of the agent: recommend, chat, index build|info, feedback, reasons self-train|distill."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from agent.compose import build_runtime
from agent.config import AgentConfig, load_agent_config
from agent.explain import card_record, explain_items, recommend_cards
from agent.plans.distill import DEFAULT_VOICE, JUDGED_BY, DistillSettings, DistillSummary, distill
from agent.plans.planner import TONES
from agent.reasons.batching import BatchingGenerator
from agent.reasons.selftrain import SelfTrainConfig, SelfTrainReport, self_train_rows, shop_pairs, write_rows
from agent.reasons.training_rows import giftcards_pairs
from agent.reasons.variables import format_number
from agent.recommender import Agent, build_retriever, index_folder, load_agent
from agent.sessions.events import DoneEvent, ErrorEvent, Event, ItemCard, ReasonEvent, TextChunk
from agent.sessions.feedback_export import export_feedback
from agent.sessions.store import default_db_path, open_store
from finetune.runtime.backends import load_generator
from finetune.runtime.base import EMBEDDED_SMOLLM2
from finetune.runtime.generator import GeneratorConfig
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.datasets import dataset_path
from retrieval.index import read_manifest
from retrieval.shopper_loaders import (
    demo_shopper_paths,
    load_amazon2023_users,
    load_shopper,
    load_shoppers_file,
)
from retrieval.shoppers import Shopper
from whythis.config import load_config
from whythis.errors import ConfigError, DataError
from whythis.runinfo import write_run

CatalogOpt = Annotated[
    Path | None, typer.Option("--catalog", "-c", help="Catalog CSV/JSONL (default: the demo shop).")
]
MappingOpt = Annotated[str | None, typer.Option("--mapping", help="Column-mapping preset name or YAML file.")]
SkipOpt = Annotated[bool, typer.Option("--skip-bad", help="Skip malformed rows and report them.")]
ConfigOpt = Annotated[Path | None, typer.Option("--config", help="Agent config TOML.")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="Override a config key: key=value.")]
ShopperOpt = Annotated[
    str | None,
    typer.Option(
        "--shopper",
        "-s",
        help="Shopper JSON file, or a demo shopper: maya, jonas, lea, cold_start.",
    ),
]
DEFAULT_SHOPPER = "maya"
AdapterOpt = Annotated[
    str | None, typer.Option("--adapter", help="LoRA adapter folder, or 'none' for the base model.")
]


def _config(config: Path | None, overrides: list[str] | None, adapter: str | None) -> AgentConfig:
    sets = list(overrides or [])
    if adapter is not None:
        sets.append(f"generator.adapter={adapter}")
    return load_agent_config(config, sets)


def _open(
    catalog: Path | None,
    mapping: str | None,
    skip_bad: bool,
    config: Path | None,
    overrides: list[str] | None,
    adapter: str | None,
) -> Agent:
    cfg = _config(config, overrides, adapter)
    return load_agent(cfg, catalog or demo_catalog_path(), mapping, skip_bad)


def _shopper(spec: str | None) -> Shopper:
    """A shopper file by path, else the demo shopper whose file name starts with `spec`."""
    spec = spec or DEFAULT_SHOPPER
    if Path(spec).exists() or spec.endswith(".json"):
        return load_shopper(Path(spec))
    demos = demo_shopper_paths()
    match = [p for p in demos if p.stem.startswith(spec)]
    if not match:
        names = ", ".join(p.stem.split("_")[0] for p in demos)
        raise DataError(f"shopper {spec!r} is neither a file nor a demo shopper ({names})")
    return load_shopper(match[0])


def recommend(
    catalog: CatalogOpt = None,
    shopper: ShopperOpt = None,
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many items.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    mapping: MappingOpt = None,
    skip_bad: SkipOpt = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    adapter: AdapterOpt = None,
    shoppers: Annotated[
        Path | None,
        typer.Option(
            "--shoppers",
            help="A JSON-lines file of shoppers (our format or Amazon Reviews 2023 user rows): one JSON "
            "line per shown card (shopper_id, item_id, text, written_by, plan, slots).",
        ),
    ] = None,
    items: Annotated[
        str | None, typer.Option("--items", help="Explain these item ids (comma-separated) instead.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the JSON lines here, not stdout.")] = None,
) -> None:
    """Print the top-k items for a shopper, each with its score and a grounded reason."""
    everyone = load_shoppers_file(shoppers) if shoppers is not None else None  # validated before the model
    agent = _open(catalog, mapping, skip_bad, config, set_, adapter)
    if everyone is not None or items:
        _card_lines(agent, everyone or [_shopper(shopper)], k, items, out)
        return
    who = _shopper(shopper)
    if as_json:
        recs = agent.recommend(who, k)
        typer.echo(json.dumps({"items": [r.to_json() for r in recs]}, indent=2, ensure_ascii=False))
        return
    found = agent.candidates(who, k)
    for n, c in enumerate(found, start=1):  # the list at once, then each reason as it is written
        price = f"{c.item.price:g}" if c.item.price is not None else "-"
        typer.echo(f"#{n} [{c.score:.4f}] {c.item.title} ({c.item.item_id}) {price}")
    sys.stdout.flush()
    for index, reason in agent.reasons(who, found):
        typer.echo(f"   #{index + 1} {reason.text}")
        sys.stdout.flush()


def _card_lines(agent: Agent, shoppers: list[Shopper], k: int, items: str | None, out: Path | None) -> None:
    wanted = [i.strip() for i in (items or "").split(",") if i.strip()]
    sink = out.open("w", encoding="utf-8") if out is not None else None
    try:
        for who in shoppers:
            recs = explain_items(agent, who, wanted) if wanted else recommend_cards(agent, who, k)
            for rec in recs:
                line = json.dumps(card_record(who, rec), ensure_ascii=False)
                if sink is not None:
                    sink.write(line + "\n")
                else:
                    typer.echo(line)
    finally:
        if sink is not None:
            sink.close()


def _messages(script: Path | None) -> Iterator[str]:
    if script is not None:
        for line in script.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                typer.echo(f"\n> {line}")
                yield line
        return
    while True:
        try:
            yield input("\n> ")
        except (EOFError, KeyboardInterrupt):
            return


def chat(
    catalog: CatalogOpt = None,
    shopper: ShopperOpt = None,
    script: Annotated[Path | None, typer.Option("--script", help="Read messages from a file.")] = None,
    mapping: MappingOpt = None,
    skip_bad: SkipOpt = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    adapter: AdapterOpt = None,
) -> None:
    """Chat about recommendations: 'why #2?', 'something cheaper', 'more like #1', 'quit'."""
    cfg = _config(config, set_, adapter)
    runtime = build_runtime(cfg, catalog or demo_catalog_path(), mapping=mapping, skip_bad=skip_bad)
    manager = runtime.manager
    session_id, events = manager.open(_shopper(shopper))
    if print_turn(events):
        return
    for message in _messages(script):
        if print_turn(manager.send(session_id, message)):
            return


def print_turn(events: Iterator[Event]) -> bool:
    """Print a turn's events as they come, as the widget shows them: the text, the cards, then each
    card's reason when it is written; True when the shopper said goodbye."""
    text, ended = "", False
    for event in events:
        if isinstance(event, TextChunk):
            text += event.text
            continue
        if text and isinstance(event, ItemCard | ReasonEvent | DoneEvent):
            typer.echo(text)
            text = ""
        if isinstance(event, ErrorEvent):
            text = event.message
        elif isinstance(event, ItemCard):
            typer.echo(card_line(event))
        elif isinstance(event, ReasonEvent):
            typer.echo(f"   #{event.position} {event.reason}")
        elif isinstance(event, DoneEvent):
            ended = event.ended
        sys.stdout.flush()
    if text:
        typer.echo(text)
    return ended


def card_line(card: ItemCard) -> str:
    """A card as one line: #n, title, brand, price (and its reason when it came with the card)."""
    brand = f" by {card.brand}" if card.brand else ""
    price = format_number(card.price) if card.price is not None else "price not listed"
    line = f"#{card.position} {card.title}{brand} - {price}"
    return f"{line}\n   #{card.position} {card.reason}" if card.reason is not None else line


index_app = typer.Typer(help="Build and inspect the FAISS index of a catalog.", no_args_is_help=True)


@index_app.command("build")
def index_build(
    catalog: CatalogOpt = None,
    mapping: MappingOpt = None,
    skip_bad: SkipOpt = False,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    """Build (or reuse, when unchanged) and save the index of a catalog."""
    cfg = _config(config, set_, None)
    path = catalog or demo_catalog_path()
    loaded = load_catalog(path, mapping, skip_bad=skip_bad)
    retriever, rebuilt = build_retriever(list(loaded.items), path, cfg)
    m = retriever.index.manifest
    state = f"built in {m.built_seconds:.1f} s" if rebuilt else "unchanged, reused"
    typer.echo(f"{m.count} items, {m.index_type} index, {m.embedder} ({m.dim} d): {state}")
    typer.echo(f"saved at {index_folder(path, m.embedder)}")
    if loaded.skipped:
        typer.echo(f"skipped {len(loaded.skipped)} bad rows; first: {loaded.skipped[0]}")


@index_app.command("info")
def index_info(catalog: CatalogOpt = None, config: ConfigOpt = None, set_: SetOpt = None) -> None:
    """Describe the saved index of a catalog."""
    cfg = _config(config, set_, None)
    folder = index_folder(catalog or demo_catalog_path(), cfg.retriever.embedder)
    m = read_manifest(folder)
    typer.echo(
        json.dumps(
            {
                "folder": str(folder),
                "items": m.count,
                "dim": m.dim,
                "index_type": m.index_type,
                "embedder": m.embedder,
                "catalog_hash": m.catalog_hash,
                "built_seconds": m.built_seconds,
            },
            indent=2,
        )
    )


feedback_app = typer.Typer(help="Feedback shoppers gave in the chat.", no_args_is_help=True)


@feedback_app.command("export")
def feedback_export(
    output: Annotated[Path, typer.Option("--output", "-o", help="Prompt-rows JSONL to write.")],
    db: Annotated[
        Path | None, typer.Option("--db", help="Chat store (default: whythis.db in the cache).")
    ] = None,
    store_url: Annotated[
        str | None, typer.Option("--store-url", help="The store's database URL (e.g. postgresql://...).")
    ] = None,
) -> None:
    """Liked and corrected reasons as prompt rows: a source = "rows" file for `whythis finetune`."""
    path = db or default_db_path()
    if store_url is None and not path.is_file():
        raise DataError(f"no chat store at {path}; pass --db PATH or --store-url URL")
    store = open_store(path, store_url)
    try:
        report = export_feedback(store, output)
    finally:
        store.close()
    typer.echo(json.dumps({**report.as_dict(), "output": str(output)}, indent=2))


reasons_app = typer.Typer(help="Reasons as training data.", no_args_is_help=True)
SELF_TRAIN = Path(__file__).resolve().parents[1] / "configs" / "selftrain.toml"


@reasons_app.command("self-train")
def reasons_self_train(
    config: Annotated[Path, typer.Option("--config", help="Self-training config TOML.")] = SELF_TRAIN,
    set_: SetOpt = None,
) -> None:
    """Draw the first-stage model's reasons for real shoppers, keep the verified ones as prompt rows."""
    cfg = load_config(SelfTrainConfig, config, set_)
    if not Path(cfg.adapter).is_dir():
        raise DataError(f"no adapter folder at {cfg.adapter}; train it first: {STAGE_ONE}")
    catalog, users = dataset_path("myntra", "products.csv"), dataset_path("amazon2023", "train.jsonl")
    settings = load_agent_config(None, self_train_settings(cfg))
    batcher = BatchingGenerator(load_generator(settings.generator), max_batch=cfg.threads * 3)
    agent = load_agent(settings, catalog, "myntra", generator=batcher)
    pairs = shop_pairs(load_amazon2023_users(users), agent.candidates, giftcards_pairs(None), cfg)
    report = SelfTrainReport()
    output = Path(cfg.output)
    try:
        write_rows(self_train_rows(agent.writer, pairs, report, cfg.threads), output)
    finally:
        batcher.stop()
    gifts = dataset_path("giftcards", "Gift_Cards_5.jsonl")
    write_run(output.parent, "selftrain", cfg.model_dump(), [catalog, users, gifts], report.as_dict())
    typer.echo(json.dumps({**report.as_dict(), "output": str(output)}, indent=2))


STAGE_ONE = "whythis finetune --config configs/finetune/xrec-smollm2.toml"


def self_train_settings(cfg: SelfTrainConfig) -> list[str]:
    """The agent settings the draw runs with: the first-stage adapter, several answers per card."""
    return [
        f"generator.adapter={cfg.adapter}", "generator.reuse_prefix=false", f"generator.seed={cfg.seed}",
        f"reasons.candidates={cfg.draws}", f"reasons.candidate_temperature={cfg.temperature}",
        "reasons.retries=0", "reasons.cache_entries=0", "reasons.mode=free",
    ]  # fmt: skip


DISTILL_HELP = """Re-voice the realizer: the shop's large model (the configured generator, e.g. --set
generator.backend=openai --set generator.endpoint=URL --set generator.served_model=NAME) words plans,
and the texts that pass the plan check become prompt rows. Train on them with a \\[\\[data]] table
`source = "rows"`, `path = "OUT"` in a finetune config (e.g. beside `source = "plans"` in
configs/finetune/plans-smollm2.toml). Words the teacher used outside agent/plans/vocabulary.yaml are
reported for review; the file is never changed."""


@reasons_app.command("distill", help=DISTILL_HELP)
def reasons_distill(
    out: Annotated[Path, typer.Option("--out", help="Prompt-rows JSONL to write (run.json beside it).")],
    rows: Annotated[int, typer.Option("--rows", help="Rows to keep.")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the plans drawn.")] = 0,
    draws: Annotated[int, typer.Option("--draws", help="Texts drawn per plan (1-16).")] = 2,
    temperature: Annotated[float, typer.Option("--temperature", help="Sampling temperature.")] = 0.8,
    voice: Annotated[str, typer.Option("--voice", help="The shop's voice, in words.")] = DEFAULT_VOICE,
    tone: Annotated[
        list[str] | None, typer.Option("--tone", help=f"Tones to draw (repeat; default: {', '.join(TONES)}).")
    ] = None,
    max_plans: Annotated[
        int, typer.Option("--max-plans", help="Stop after this many plans (0: four per row wanted).")
    ] = 0,
    config: ConfigOpt = None,
    set_: SetOpt = None,
) -> None:
    settings = DistillSettings(rows, seed, tuple(tone or TONES), draws, temperature, voice, max_plans)
    _check_rows_path(out)
    cfg = load_agent_config(config, set_)
    teacher = _teacher(cfg.generator)
    result = distill(load_generator(teacher), settings)
    write_rows(result.rows, out)
    run_config = {"distill": asdict(settings), "generator": teacher.model_dump(), "out": str(out)}
    write_run(out.parent, "distill", run_config, JUDGED_BY, result.summary.as_dict())
    typer.echo(distill_report(result.summary, teacher.served_model or teacher.base_model, out))


def _check_rows_path(out: Path) -> None:
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; give a file path such as {out / 'distill.jsonl'}")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {out}: its folder {out.parent} does not exist; create it or pick another")


def _teacher(generator: GeneratorConfig) -> GeneratorConfig:
    """The configured generator, refused when it is the shop's own small model (it would teach itself)."""
    if generator.backend != "openai" and generator.base_model == EMBEDDED_SMOLLM2:
        raise ConfigError(
            f"the teacher is the configured generator, and it is the small realizer ({generator.backend}, "
            f"{generator.base_model}); point it at the large model: --set generator.backend=openai --set "
            "generator.endpoint=http://HOST:PORT/v1 --set generator.served_model=NAME (or --set "
            "generator.base_model=<a large model> --set generator.adapter=none)"
        )
    return generator


def distill_report(summary: DistillSummary, teacher: str, out: Path) -> str:
    """One paragraph on what the teacher gave, and how to train on it."""
    failures = ", ".join(f"{kind} {n}" for kind, n in summary.failures.items()) or "none"
    words = ", ".join(f"{w} ({n})" for w, n in summary.out_of_vocabulary) or "none"
    return (
        f"{teacher} wrote {summary.drawn} texts for {summary.plans} plans; {summary.kept} rows kept "
        f"({summary.kept_share:.1%} of the texts; {summary.duplicates} duplicates) in {out}, run.json "
        f"beside it. Failures: {failures}. Words outside the vocabulary (review them; add the connective "
        f"ones to agent/plans/vocabulary.yaml by hand): {words}.\n"
        f'Train on it: a [[data]] table with source = "rows" and path = "{out}" in a finetune config '
        "(e.g. beside the plans source of configs/finetune/plans-smollm2.toml)."
    )


def register(app: typer.Typer) -> None:
    """Attach the agent's commands to the root CLI."""
    app.command("recommend")(recommend)
    app.command("chat")(chat)
    app.add_typer(index_app, name="index")
    app.add_typer(feedback_app, name="feedback")
    app.add_typer(reasons_app, name="reasons")
