"""Intent routing quality: accuracy on a labelled set, and coverage of real MG-ShopDial shopper turns."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from agent.chat.agent import ChatAgent
from agent.config import AgentConfig
from agent.intents.parse import FALLBACK, INTENTS, CatalogWords, Parsed, normalise
from agent.intents.router import IntentRouter, build_router
from agent.recommender import Agent, load_agent
from eval.silent import SilentGenerator
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.embedder import load_embedder
from retrieval.shoppers import Shopper
from whythis.config import load_yaml_file
from whythis.errors import ConfigError, DataError
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


class MgUtterance(BaseModel):
    """One MG-ShopDial utterance; a third-party file, so only the fields read are checked."""

    model_config = ConfigDict(extra="ignore")

    participant: StrictStr
    utterance: StrictStr


class MgDialogue(BaseModel):
    """One MG-ShopDial dialogue: its id names the product category."""

    model_config = ConfigDict(extra="ignore")

    id: StrictStr
    utterances: list[MgUtterance]

    def client_turns(self) -> list[str]:
        """What the shopper said, in order."""
        return [u.utterance for u in self.utterances if u.participant == "Client"]


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


def load_dialogues(folder: Path) -> list[MgDialogue]:
    """The MG-ShopDial dialogues of a folder."""
    path = folder / "dialogues.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [MgDialogue.model_validate(d) for d in raw]
    except (OSError, json.JSONDecodeError, ValidationError, TypeError) as exc:
        raise DataError(f"{path}: {exc}") from exc


def catalog_for(dialogue_id: str, folder: Path) -> Path:
    """The product cards of a dialogue: its id starts with the category ("Cellphones&Accessories:45:...")."""
    category = dialogue_id.split(":", 1)[0]
    path = folder / f"{category.replace('&', '_')}_items.json"
    if not path.is_file():
        raise DataError(f"dialogue {dialogue_id!r}: no product cards at {path}")
    return path


def route_coverage(router: IntentRouter, dialogues: Sequence[MgDialogue], folder: Path) -> dict[str, Any]:
    """Every client turn routed over its dialogue's product cards: specific intent versus fallback."""
    vocabs: dict[Path, CatalogWords] = {}
    intents: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()
    for dialogue in dialogues:
        path = catalog_for(dialogue.id, folder)
        if path not in vocabs:
            vocabs[path] = CatalogWords.from_items(load_catalog(path, "mg_shopdial").items)
        turns = dialogue.client_turns()
        for turn, parsed in zip(turns, router.for_vocabulary(vocabs[path]).route_many(turns), strict=True):
            intents[parsed.intent] += 1
            sources[parsed.source] += 1
            if parsed.intent == FALLBACK:
                fallbacks[normalise(turn)] += 1
    turns_total = sum(intents.values())
    return {
        "dialogues": len(dialogues),
        "turns": turns_total,
        "specific": turns_total - intents[FALLBACK],
        "fallback": intents[FALLBACK],
        "specific_share": _ratio(turns_total - intents[FALLBACK], turns_total),
        "by_intent": dict(intents.most_common()),
        "by_source": dict(sources.most_common()),
        "top_fallbacks": [[text, n] for text, n in fallbacks.most_common(TOP_FALLBACKS)],
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
    config: AgentConfig, labelled: Path | None = None, generator: str = "template", chat: bool = True
) -> tuple[dict[str, Any], list[Path]]:
    """The labelled-set accuracy and the MG-ShopDial coverage, with the data files they read."""
    embedder = load_embedder(config.retriever.embedder, max_seq_length=config.retriever.max_seq_length)
    router = build_router(labelled_vocabulary(), embedder)
    path = labelled or default_labelled_path()
    messages = load_labelled(path)
    rules_only = evaluate_labelled(build_router(router.vocab), messages)
    metrics: dict[str, Any] = {
        "labelled": evaluate_labelled(router, messages),
        "labelled_rules_only": {"accuracy": rules_only["accuracy"], "sources": rules_only["sources"]},
    }
    folder = data_dir() / "mg_shopdial"
    dialogues = load_dialogues(folder)
    metrics["mg_routing"] = route_coverage(router, dialogues, folder)
    if chat:
        writer = make_generator(generator, config)

        def make_agent(catalog: Path) -> Agent:
            return load_agent(config, catalog, "mg_shopdial", generator=writer, embedder=embedder)

        metrics["mg_chat"] = chat_coverage(make_agent, dialogues, folder)
    return metrics, [path, folder / "dialogues.json", *sorted(folder.glob("*_items.json"))]


def intents_markdown(metrics: dict[str, Any]) -> str:
    """The readable sections of the report: per-intent accuracy, confusions, MG-ShopDial fallbacks."""
    labelled = metrics["labelled"]
    lines = [
        "",
        "## Labelled set: accuracy per intent",
        "",
        "| intent | n | accuracy |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {i} | {v['n']} | {v['accuracy']:.3f} |" for i, v in labelled["per_intent"].items()]
    lines += ["", "## Confusions (gold -> routed)", ""]
    lines += [f"- {pair}: {n}" for pair, n in labelled["confusions"].items()] or ["- none"]
    mg = metrics.get("mg_routing")
    if mg:
        lines += ["", "## MG-ShopDial: most common fallback turns", ""]
        lines += [f"- {n} x {text!r}" for text, n in mg["top_fallbacks"]] or ["- none"]
    return "\n".join(lines) + "\n"
