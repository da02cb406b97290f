"""`whythis eval lists`: do the lists the chat shows answer what was asked?

Each labelled list turn (eval/data/list_turns.yaml, relevance written per catalog item as rules, blind
to the system) is played as a chat: the setup messages, then the turn; the cards on screen after it
are scored. A card is relevant when its item, or one of its variants (the same product in another
colour), answers the rule. Relevance per card counts relevant cards among the first n, n being five or
the number of relevant products the catalog holds when that is smaller. A list holds a product twice
when two of its cards are variants of one product.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.chat.agent import ChatAgent
from agent.chat.state import anonymous_shopper
from agent.config import AgentConfig
from agent.recommender import load_agent
from agent.turns.reader import TurnReader
from eval.search_data import Relevance, catalog_path
from eval.silent import SilentGenerator
from retrieval.embedder import Embedder
from retrieval.items import Item
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from retrieval.variants import variant_key
from whythis.config import load_yaml_file

TURNS = Path(__file__).parent / "data" / "list_turns.yaml"
K = 5


class ListTurn(BaseModel):
    """One labelled list turn: who asks, what was said before, the turn, and which items answer it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    catalog: Literal["demo", "myntra"]
    shopper: str = "cold"
    setup: list[str] = Field(default_factory=list)
    message: str = Field(min_length=1)
    relevant: Relevance
    note: str = ""


class ListTurnsFile(BaseModel):
    """The labelled list turns."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    turns: list[ListTurn] = Field(min_length=1)


@dataclass(frozen=True)
class Played:
    """A list turn played: the cards on screen after it and the relevant products of its catalog."""

    turn: ListTurn
    shown: tuple[Item, ...]
    relevant_keys: frozenset[str]
    relevant_products: int

    def relevant_cards(self) -> int:
        """Relevant cards among the first n (five, or fewer when the catalog holds fewer products)."""
        cut = min(K, self.relevant_products) or K
        return sum(variant_key(i) in self.relevant_keys for i in self.shown[:cut])

    def cut(self) -> int:
        """How many cards are scored."""
        return min(K, self.relevant_products) or K

    def duplicates(self) -> int:
        """Cards that repeat a product already on the list."""
        return len(self.shown) - len({variant_key(i) for i in self.shown})


def load_list_turns(path: Path = TURNS) -> list[ListTurn]:
    """The labelled list turns of a file."""
    return load_yaml_file(ListTurnsFile, path, "list turns file").turns


def play(chat: ChatAgent, turn: ListTurn, shopper: Shopper, items: Sequence[Item]) -> Played:
    """Play a turn's chat and score the cards on screen after it."""
    messages = [*turn.setup, turn.message]
    conv, _ = chat.start(shopper, messages[0])
    for message in messages[1:]:
        chat.respond(conv, message)
    shown = tuple(r.item for r in conv.shown_recommendations())
    relevant = [i for i in items if turn.relevant.holds(i)]
    keys = frozenset(variant_key(i) for i in relevant)
    return Played(turn, shown, keys, len(keys))


def _shopper(name: str, known: dict[str, Shopper]) -> Shopper:
    return anonymous_shopper() if name == "cold" else known[name]


def run_lists(
    config: AgentConfig,
    embedder: Embedder | None = None,
    reader: TurnReader | None = None,
    path: Path = TURNS,
) -> tuple[dict[str, Any], list[Played], list[Path]]:
    """Every list turn played through the chat of its catalog (templates for reasons)."""
    turns = load_list_turns(path)
    known = {p.stem.split("_")[0]: load_shopper(p) for p in demo_shopper_paths()}
    played: list[Played] = []
    by_catalog: dict[str, list[ListTurn]] = defaultdict(list)
    for turn in turns:
        by_catalog[turn.catalog].append(turn)
    for name, chosen in by_catalog.items():
        agent = load_agent(
            config, catalog_path(name), skip_bad=True, generator=SilentGenerator(), embedder=embedder
        )
        chat = ChatAgent.over(agent, reader=reader)
        played += [play(chat, t, _shopper(t.shopper, known), agent.items) for t in chosen]
    metrics = {"overall": summary(played)}
    metrics["per_catalog"] = {c: summary([p for p in played if p.turn.catalog == c]) for c in by_catalog}
    metrics["per_group"] = {
        g: summary([p for p in played if _group(p) == g]) for g in sorted({_group(p) for p in played})
    }
    return metrics, played, [path, *(catalog_path(c) for c in by_catalog)]


def _group(played: Played) -> str:
    return played.turn.note.split(".", 1)[0].strip() or "-"


def summary(played: Sequence[Played]) -> dict[str, Any]:
    """Relevance per card (pooled and per list), lists with a product twice, short lists."""
    cards = sum(p.cut() for p in played)
    right = sum(p.relevant_cards() for p in played)
    per_list = [p.relevant_cards() / p.cut() for p in played]
    return {
        "turns": len(played),
        "relevance_per_card": round(right / cards, 4) if cards else 0.0,
        "relevance_per_list_mean": round(sum(per_list) / len(per_list), 4) if per_list else 0.0,
        "lists_with_a_product_twice": sum(p.duplicates() > 0 for p in played),
        "cards_repeating_a_product": sum(p.duplicates() for p in played),
        "lists_under_five": sum(len(p.shown) < K for p in played),
    }


def lists_markdown(metrics: dict[str, Any], played: Sequence[Played]) -> str:
    """The report: the summary rows, then every turn not fully relevant with its cards."""
    lines = ["# eval-lists", "", "| part | turns | relevance per card | lists with a product twice |"]
    lines += ["| --- | --- | --- | --- |"]
    rows = [("all", metrics["overall"]), *metrics["per_catalog"].items(), *metrics["per_group"].items()]
    for name, m in rows:
        lines.append(
            f"| {name} | {m['turns']} | {m['relevance_per_card']:.3f} | {m['lists_with_a_product_twice']} |"
        )
    lines += ["", "## Turns not fully answered", ""]
    for p in played:
        if p.relevant_cards() < p.cut() or p.duplicates():
            lines.append(f"- `{p.turn.id}` {p.turn.message!r}: {p.relevant_cards()}/{p.cut()}")
            counts = Counter(variant_key(i) for i in p.shown)
            for item in p.shown:
                mark = "+" if variant_key(item) in p.relevant_keys else "-"
                twice = " (twice)" if counts[variant_key(item)] > 1 else ""
                lines.append(f"  - {mark} {item.title}{twice}")
    return "\n".join(lines) + "\n"
