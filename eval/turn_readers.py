"""The readers `eval intents` compares on the blind test turns: rules alone, today's router (rules and the
example head), the MiniLM classifier trained on the labelled turns, and the model reader (with the
router behind it, as the chat runs it). Also any MG-ShopDial-format dialogue file read turn by turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.chat.reading import overruled
from agent.config import AgentConfig
from agent.intents.parse import CatalogWords
from agent.intents.router import IntentRouter, build_router
from agent.turns.action import Action, TurnContext, TurnLine
from agent.turns.classifier import TurnClassifier
from agent.turns.reader import TurnReader, load_reader
from agent.turns.rows import read_turns, training_files
from eval.dialogues import MgDialogue
from eval.turns import Guess, applied, rules_guess
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.embedder import Embedder, load_embedder
from whythis.paths import data_dir


@dataclass(frozen=True)
class Readers:
    """What reads the test turns: the routers by setting, the classifier, and the model reader if any."""

    rules: dict[str, IntentRouter]
    routers: dict[str, IntentRouter]
    classifier: TurnClassifier
    model: TurnReader | None


def vocabularies(data: Path) -> dict[str, CatalogWords]:
    """Each setting's catalog words: the demo shop, Myntra, and MG-ShopDial's product cards."""
    myntra = load_catalog(data / "myntra" / "products.csv", "myntra").items
    mg = [
        i
        for p in sorted((data / "mg_shopdial").glob("*_items.json"))
        for i in load_catalog(p, "mg_shopdial").items
    ]
    return {
        "demo": CatalogWords.from_items(load_catalog(demo_catalog_path(), None).items),
        "myntra": CatalogWords.from_items(myntra),
        "mg": CatalogWords.from_items(mg),
    }


def build_readers(vocabs: dict[str, CatalogWords], embedder: Embedder, model: TurnReader | None) -> Readers:
    """The routers over each setting's words, and the classifier fitted on every verified training turn."""
    routed = build_router(vocabs["demo"], embedder)
    return Readers(
        rules={s: build_router(v) for s, v in vocabs.items()},
        routers={s: routed.for_vocabulary(v) for s, v in vocabs.items()},
        classifier=TurnClassifier.fit(embedder, read_turns(training_files(), verified_only=True)),
        model=model,
    )


def read_all(readers: Readers, turns: Sequence[TurnLine]) -> dict[str, list[Guess]]:
    """Every reader's guesses for the turns, by reader name."""
    rules = _routed(readers.rules, turns)
    routed = _routed(readers.routers, turns)
    intents = readers.classifier.intents([(t.context, t.message) for t in turns])
    out = {
        "rules": rules,
        "router": routed,
        "classifier": [
            Guess(i, g.items, g.changes, "classifier") for i, g in zip(intents, rules, strict=True)
        ],
    }
    if readers.model is not None:
        readings = readers.model.read_many([(t.context, t.message) for t in turns])
        out["model"] = [
            _from_action(r.action)
            if r.action is not None and not overruled(r.action, g.intent)
            else Guess(g.intent, g.items, g.changes, "fallback")
            for r, g in zip(readings, routed, strict=True)
        ]
    return out


def _routed(routers: dict[str, IntentRouter], turns: Sequence[TurnLine]) -> list[Guess]:
    out: list[Guess] = []
    for turn in turns:
        parsed = routers[turn.setting].route(turn.message)
        out.append(rules_guess(parsed, turn.context))
    return out


def _from_action(action: Action) -> Guess:
    return Guess(action.intent, tuple(action.items), action.changes, "model")


# ---- any dialogue file -----------------------------------------------------------------------------


def read_dialogues(
    dialogues: Sequence[MgDialogue], reader: TurnReader | None, routers: dict[str, IntentRouter]
) -> list[dict[str, Any]]:
    """Every non-empty client turn read in context (the dialogue's last assistant utterance, no numbered
    cards, the search its earlier readings set): one line per turn."""
    lines = []
    for dialogue in dialogues:
        assistant, constraints = "", dict[str, Any]()
        for n, utterance in enumerate(dialogue.utterances, start=1):
            text = utterance.utterance.strip()
            if utterance.participant != "Client":
                assistant = text or assistant
                continue
            if not text:
                continue
            context = TurnContext(assistant=assistant, cards=[], constraints=constraints)
            guess = _one(context, text, reader, routers["mg"])
            constraints = applied(constraints, guess.changes)
            uid = utterance.utterance_id if utterance.utterance_id is not None else n
            lines.append(_line(f"{dialogue.id}:{uid}", guess))
    return lines


def _one(context: TurnContext, text: str, reader: TurnReader | None, router: IntentRouter) -> Guess:
    if reader is not None:
        reading = reader.read(context, text)
        if reading.action is not None:
            return _from_action(reading.action)
    return rules_guess(router.route(text), context)


def _line(turn_id: str, guess: Guess) -> dict[str, Any]:
    return {
        "id": turn_id,
        "intent": guess.intent,
        "items": list(guess.items),
        "changes": guess.changes.model_dump(exclude_defaults=True),
        "source": guess.source,
    }


def dialogue_readers(config: AgentConfig, model: bool) -> tuple[TurnReader | None, dict[str, IntentRouter]]:
    """What reads a dialogue file: the model reader (if asked) and the router over MG-ShopDial's cards."""
    embedder = load_embedder(config.retriever.embedder, max_seq_length=config.retriever.max_seq_length)
    vocab = vocabularies(data_dir())["mg"]
    reader = load_reader(config.generator, config.reader) if model else None
    return reader, {"mg": build_router(vocab, embedder)}
