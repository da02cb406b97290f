"""Intent routing quality: accuracy on a labelled set, and coverage of real MG-ShopDial shopper turns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, field_validator

from agent.chat.agent import ChatAgent
from agent.config import AgentConfig
from agent.intents.parse import INTENTS, CatalogWords, Parsed
from agent.intents.router import IntentRouter, build_router
from agent.recommender import Agent, load_agent
from agent.turns.reader import TurnReader, load_reader
from agent.turns.rows import read_turns, training_files
from eval.dialogues import MgDialogue, catalog_for, load_dialogues
from eval.silent import SilentGenerator
from eval.turn_readers import build_readers, read_all, vocabularies
from eval.turns import misread, score, test_files
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.embedder import Embedder, load_embedder
from retrieval.shoppers import Shopper
from whythis.config import load_yaml_file
from whythis.errors import ConfigError
from whythis.paths import data_dir

LABELLED_FILE = "intent_messages.yaml"
CONSTRAINT_FIELDS = (
    "refs",
    "budget_max",
    "budget_min",
    "colours",
    "gender",
    "avoid_brands",
    "sizes",
    "brands",
)
# Fields whose order carries no meaning; refs keep theirs ("#3 vs #1" names #3 first).
_UNORDERED = frozenset({"colours", "avoid_brands", "sizes", "brands"})
TOP_FALLBACKS = 20


class LabelledMessage(BaseModel):
    """One labelled shopper message: its intent and, where it states them, its constraints."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr = Field(min_length=1)
    intent: StrictStr
    group: StrictStr = "main"
    refs: list[int] | None = None
    budget_max: float | None = None
    budget_min: float | None = None
    colours: list[str] | None = None
    gender: str | None = None
    avoid_brands: list[str] | None = None
    sizes: list[str] | None = None
    brands: list[str] | None = None

    @field_validator("intent")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in INTENTS:
            raise ValueError(f"unknown intent {value!r}; one of {', '.join(INTENTS)}")
        return value

    def expected(self) -> dict[str, Any]:
        """The constraints this message is labelled with (only the fields given)."""
        return {
            name: _comparable(name, getattr(self, name))
            for name in CONSTRAINT_FIELDS
            if name in self.model_fields_set
        }


class LabelledFile(BaseModel):
    """The labelled evaluation set (eval/data/intent_messages.yaml)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    messages: list[LabelledMessage] = Field(min_length=1)


def default_labelled_path() -> Path:
    """The labelled set shipped with the eval package."""
    return Path(str(resources.files("eval").joinpath("data", LABELLED_FILE)))


def load_labelled(path: Path | None = None) -> list[LabelledMessage]:
    """The labelled messages of a file (default: the shipped set)."""
    path = path or default_labelled_path()
    data = load_yaml_file(LabelledFile, path, "labelled intents file")
    return data.messages


def labelled_vocabulary() -> CatalogWords:
    """The vocabulary the labelled constraints are written against: the demo shop's."""
    return CatalogWords.from_items(load_catalog(demo_catalog_path(), None).items)


def _comparable(name: str, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        items = [str(v).lower() if name != "refs" else v for v in value]
        return sorted(items) if name in _UNORDERED else items
    return value


def _constraint_scores(messages: Sequence[LabelledMessage], parsed: Sequence[Parsed]) -> dict[str, Any]:
    checked: Counter[str] = Counter()
    right: Counter[str] = Counter()
    all_right = with_any = 0
    for message, got in zip(messages, parsed, strict=True):
        expected = message.expected()
        if not expected:
            continue
        with_any += 1
        hits = [expected[name] == _comparable(name, getattr(got, name)) for name in expected]
        all_right += all(hits)
        for name, hit in zip(expected, hits, strict=True):
            checked[name] += 1
            right[name] += hit
    fields = {
        name: {"checked": checked[name], "accuracy": _ratio(right[name], checked[name])} for name in checked
    }
    return {"messages": with_any, "all_right": _ratio(all_right, with_any), "fields": fields}


def _ratio(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _per_group(messages: Sequence[LabelledMessage], got: Sequence[str]) -> dict[str, Any]:
    support = Counter(m.group for m in messages)
    right = Counter(m.group for m, intent in zip(messages, got, strict=True) if m.intent == intent)
    return {g: {"n": support[g], "accuracy": _ratio(right[g], support[g])} for g in sorted(support)}


def evaluate_labelled(router: IntentRouter, messages: Sequence[LabelledMessage]) -> dict[str, Any]:
    """Accuracy overall and per intent, the confusions, and constraint extraction, on labelled messages."""
    parsed = router.route_many([m.text for m in messages])
    gold = [m.intent for m in messages]
    got = [p.intent for p in parsed]
    support = Counter(gold)
    right = Counter(g for g, p in zip(gold, got, strict=True) if g == p)
    confusions = Counter(f"{g} -> {p}" for g, p in zip(gold, got, strict=True) if g != p)
    misrouted = [
        f"{m.text!r}: {p.intent} ({p.source}) instead of {m.intent}"
        for m, p in zip(messages, parsed, strict=True)
        if p.intent != m.intent
    ]
    return {
        "messages": len(messages),
        "accuracy": _ratio(sum(right.values()), len(messages)),
        "per_group": _per_group(messages, got),
        "per_intent": {
            i: {"n": support[i], "accuracy": _ratio(right[i], support[i])} for i in sorted(support)
        },
        "confusions": dict(confusions.most_common()),
        "sources": dict(Counter(p.source for p in parsed).most_common()),
        "constraints": _constraint_scores(messages, parsed),
        "misrouted": misrouted,
    }


@dataclass
class _ChatTally:
    replies: Counter[str] = field(default_factory=Counter)
    exceptions: int = 0
    empty: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, turn: str, intent: str, text: str) -> None:
        self.replies[intent] += 1
        if not text.strip():
            self.empty += 1
        if intent == "error" or not text.strip():
            self.failures.append(f"{turn!r}: {intent} {text[:80]!r}")


def chat_coverage(
    make_agent: Callable[[Path], Agent], dialogues: Sequence[MgDialogue], folder: Path
) -> dict[str, Any]:
    """Every client turn through the real chat agent, in order: errors, refusals and empty answers."""
    bots: dict[Path, ChatAgent] = {}
    tally = _ChatTally()
    for dialogue in dialogues:
        path = catalog_for(dialogue.id, folder)
        if path not in bots:
            bots[path] = ChatAgent.over(make_agent(path))
        bot = bots[path]
        conv, _ = bot.start(Shopper(f"mg-{dialogue.id}"))
        for turn in dialogue.client_turns():
            try:
                reply = bot.respond(conv, turn)
            except Exception as exc:  # counted, never fatal: one bad turn must not hide the rest
                tally.exceptions += 1
                tally.failures.append(f"{turn!r}: {type(exc).__name__}: {exc}")
                continue
            tally.record(turn, reply.intent, reply.text)
    return {
        "turns": sum(tally.replies.values()) + tally.exceptions,
        "errors": tally.exceptions + tally.replies["error"],
        "exceptions": tally.exceptions,
        "refused": tally.replies["refused"],
        "empty": tally.empty,
        "reply_intents": dict(tally.replies.most_common()),
        "failures": tally.failures[:20],
    }


def make_generator(name: str, config: AgentConfig) -> Generator:
    """The chat's reason writer: 'template' (no LM) or 'lm' (the configured model)."""
    if name == "template":
        return SilentGenerator()
    if name == "lm":
        return load_generator(config.generator)
    raise ConfigError(f"--generator must be 'template' or 'lm', not {name!r}")


def run_intents(
    config: AgentConfig,
    labelled: Path | None = None,
    generator: str = "template",
    chat: bool = True,
    model: bool = True,
) -> tuple[dict[str, Any], list[Path]]:
    """The blind test turns read by each reader (the headline), the older labelled messages, and the
    MG-ShopDial turns through the chat; with the data files they read."""
    embedder = load_embedder(config.retriever.embedder, max_seq_length=config.retriever.max_seq_length)
    folder = data_dir() / "mg_shopdial"
    reader = load_reader(config.generator, config.reader) if model else None
    test = test_turns_report(config, embedder, reader)
    router = build_router(labelled_vocabulary(), embedder)
    path = labelled or default_labelled_path()
    messages = load_labelled(path)
    metrics: dict[str, Any] = {**test, "labelled": evaluate_labelled(router, messages)}
    if chat:
        writer = make_generator(generator, config)

        def make_agent(catalog: Path) -> Agent:
            return load_agent(config, catalog, "mg_shopdial", generator=writer, embedder=embedder)

        metrics["mg_chat"] = chat_coverage(make_agent, load_dialogues(folder), folder)
    files = [*test_files(), *training_files(), path, folder / "dialogues.json"]
    return metrics, files


def test_turns_report(config: AgentConfig, embedder: Embedder, reader: TurnReader | None) -> dict[str, Any]:
    """Each reader's scores on the blind test turns and its misread turns."""
    turns = read_turns(test_files())
    readers = build_readers(vocabularies(data_dir()), embedder, reader)
    guesses = read_all(readers, turns)
    out: dict[str, Any] = {"test": {name: score(turns, g) for name, g in guesses.items()}}
    out["misread"] = {name: misread(turns, g) for name, g in guesses.items()}
    return out


def intents_markdown(metrics: dict[str, Any]) -> str:
    """The readable report: each reader on the test turns, per intent, and what the best one misread."""
    lines = ["", "## Blind test turns: what each reader got right", ""]
    lines += [
        "| reader | group | turns | intent | items (turns with cards) | changes | changes, no need words |"
    ]
    lines += ["| --- | --- | --- | --- | --- | --- | --- |"]
    for name, result in metrics["test"].items():
        for group in ("all", "mg", "demo", "myntra", "sure"):
            if group in result:
                r = result[group]
                lines.append(
                    f"| {name} | {group} | {r['turns']} | {r['intent']:.3f} | {r['items']:.3f} "
                    f"({r['turns_with_cards']}) | {r['changes']:.3f} | {r['changes_without_words']:.3f} |"
                )
    best = "model" if "model" in metrics["test"] else "router"
    lines += ["", f"## Per intent ({best})", "", "| intent | n | intent right |", "| --- | --- | --- |"]
    lines += [
        f"| {i} | {v['n']} | {v['intent']:.3f} |" for i, v in metrics["test"][best]["per_intent"].items()
    ]
    lines += ["", f"## Confusions ({best}: label -> read)", ""]
    lines += [f"- {pair}: {n}" for pair, n in metrics["test"][best]["confusions"].items()] or ["- none"]
    lines += ["", f"## Misread turns ({best}, first 40)", ""]
    lines += [f"- {line}" for line in metrics["misread"][best]] or ["- none"]
    return "\n".join(lines) + "\n"
