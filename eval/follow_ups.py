"""`whythis eval follow-ups`: who writes the answers to "why #n", "why not #n" and "compare", and whether
what they state holds.

Over the demo shop (its demo shoppers) and the MG-ShopDial product cards (a shopper who opens with the
dialogue's first client turn), each chat is asked the same follow-ups. An answer is the model's when the
realizer wrote it and the plan check passed it (else the data-only answer is given). Every model-written
sentence is also read by the free-text grounding checker, a second, independent reader of its prices,
ratings and discounts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.chat.agent import ChatAgent, Reply
from agent.config import AgentConfig
from agent.grounding.check import GroundingChecker
from agent.recommender import Agent, load_agent
from eval.dialogues import catalog_for, load_dialogues
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from retrieval.catalog import demo_catalog_path
from retrieval.embedder import Embedder, load_embedder
from retrieval.items import Item
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from whythis.paths import data_dir

FOLLOW_UPS = ("why #1?", "why #2?", "why not #2?", "why not #4?", "compare #1 and #3")


@dataclass
class Tally:
    """Answers per intent, how many the model wrote, and what the checker said of the model's."""

    answers: Counter[str] = field(default_factory=Counter)
    by_model: Counter[str] = field(default_factory=Counter)
    checked: int = 0
    supported: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)
    # The blind sheet: every model-written answer with what the shopper sees and knows (no plan, no verdict).
    sheet: list[dict[str, Any]] = field(default_factory=list)

    def add(self, reply: Reply, checker: GroundingChecker, shopper: Shopper, seen: SheetContext) -> None:
        """Count one follow-up reply."""
        self.answers[reply.intent] += 1
        if not reply.by_model:
            return
        self.by_model[reply.intent] += 1
        self.sheet.append({**seen.row(shopper), "answer": reply.text})
        for rec in reply.explained[:1]:
            self.checked += 1
            self.supported += checker.check(reply.text, rec.item, shopper).ok
        if len(self.examples) < 12:
            self.examples.append({"intent": reply.intent, "text": reply.text})

    def summary(self) -> dict[str, Any]:
        """The figures: model share overall and per intent, the checker's view of the model's answers."""
        total, model = sum(self.answers.values()), sum(self.by_model.values())
        return {
            "answers": total,
            "by_model": model,
            "model_share": round(model / total, 3) if total else 0.0,
            "per_intent": {i: f"{self.by_model[i]}/{n}" for i, n in sorted(self.answers.items())},
            "checker_supported": f"{self.supported}/{self.checked}",
            "examples": self.examples,
        }


@dataclass(frozen=True)
class SheetContext:
    """What the shopper sees when they ask: the question, the cards on screen, what they said."""

    question: str
    said: str
    cards: tuple[Item, ...]
    bought: tuple[str, ...] = ()  # titles of the catalog items in the shopper's history

    def row(self, shopper: Shopper) -> dict[str, Any]:
        """A sheet row without the answer."""
        listing = [
            {"n": n, "title": i.title, "brand": i.brand, "price": i.price, "colour": i.colour,
             "material": i.material, "description": i.description[:300], "rating": i.rating,
             "discount_pct": i.discount_pct, "sizes": list(i.sizes),
             "currency": dict(i.extra).get("currency")}
            for n, i in enumerate(self.cards, 1)
        ]  # fmt: skip
        return {
            "question": self.question,
            "said": self.said,
            "purchases": [*self.bought, *(p.title for p in shopper.purchases)],
            "profile": shopper.profile,
            "preferences": _preferences(shopper),
            "cards": listing,
        }


def _preferences(shopper: Shopper) -> dict[str, Any]:
    prefs = shopper.preferences
    return {"colours": list(prefs.colours), "brands": list(prefs.brands), "sizes": list(prefs.sizes),
            "budget_max": prefs.budget_max, "gender": prefs.gender}  # fmt: skip


def _ask(
    bot: ChatAgent,
    agent: Agent,
    shopper: Shopper,
    opening: str | None,
    tally: Tally,
    checker: GroundingChecker,
) -> None:
    conv, reply = bot.start(shopper, opening) if opening else bot.start(shopper)
    if len(reply.items) < 4:
        return
    cards = tuple(rec.item for rec in reply.items)
    bought = tuple(i.title for i in (agent.item(x) for x in shopper.history) if i is not None)
    for message in FOLLOW_UPS:
        seen = SheetContext(message, opening or "", cards, bought)
        tally.add(bot.respond(conv, message), checker, shopper, seen)


def run_follow_ups(
    config: AgentConfig, dialogues: int, generator: Generator | None = None, embedder: Embedder | None = None
) -> tuple[dict[str, Any], list[Path], list[dict[str, Any]]]:
    """The demo shop's demo shoppers, then the first `dialogues` MG-ShopDial dialogues; also the blind
    sheet of the model's answers."""
    lm = generator or load_generator(config.generator)
    embedder = embedder or load_embedder(
        config.retriever.embedder, max_seq_length=config.retriever.max_seq_length
    )
    demo_agent = load_agent(config, demo_catalog_path(), generator=lm, embedder=embedder)
    demo, shop = Tally(), Tally()
    checker = GroundingChecker(frozenset(i.brand for i in demo_agent.items if i.brand))
    bot = ChatAgent.over(demo_agent)
    for path in demo_shopper_paths():
        _ask(bot, demo_agent, load_shopper(path), None, demo, checker)
    folder = data_dir() / "mg_shopdial"
    shops: dict[Path, tuple[ChatAgent, Agent]] = {}
    for dialogue in load_dialogues(folder)[:dialogues] if dialogues > 0 else []:
        path = catalog_for(dialogue.id, folder)
        if path not in shops:
            agent = load_agent(config, path, "mg_shopdial", generator=lm, embedder=embedder)
            shops[path] = (ChatAgent.over(agent), agent)
        turns = dialogue.client_turns()
        opening = turns[0] if turns else None
        _ask(*shops[path], Shopper(f"mg:{dialogue.id}"), opening, shop, checker)
    metrics = {"demo_shop": demo.summary(), "mg_shopdial": shop.summary()}
    files = [demo_catalog_path(), folder / "dialogues.json", *sorted(folder.glob("*_items.json"))]
    sheet = [{"id": f"{part}:{n}", **row} for part, t in (("demo", demo), ("mg", shop)) for n, row in
             enumerate(t.sheet)]  # fmt: skip
    return metrics, files, sheet


def follow_ups_markdown(metrics: dict[str, Any]) -> str:
    """Examples of the model's answers, for reading."""
    lines = ["", "## Answers the model wrote (examples)", ""]
    for part in ("demo_shop", "mg_shopdial"):
        lines += [f"- {part} / {e['intent']}: {e['text']!r}" for e in metrics[part]["examples"][:6]]
    return "\n".join(lines) + "\n"
