"""The agent's core: a catalog, its retriever and a reason writer; `load_agent` assembles them for one-off
use (the running shop is assembled by `agent.compose`)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from agent.config import AgentConfig, CollabSettings
from agent.grounding.check import GroundingChecker
from agent.plans.planner import Plan
from agent.reasons.cache import ReasonCache
from agent.reasons.fallback import Asked
from agent.reasons.realized import Steering, with_steering
from agent.reasons.variables import format_number
from agent.reasons.writer import Reason, ReasonWriter
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from prompts.render import PromptFile, load_prompt
from retrieval.catalog import demo_catalog_path, load_catalog
from retrieval.collab import CollabModel, train_collab
from retrieval.embedder import Embedder, load_embedder
from retrieval.filters import Constraints
from retrieval.index import VectorIndex, open_or_build
from retrieval.interactions import load_interactions
from retrieval.items import Item
from retrieval.retriever import Candidate, Query, Retriever
from retrieval.shoppers import Shopper
from whythis.paths import cache_root

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recommendation:
    """A candidate with its grounded reason."""

    candidate: Candidate
    reason: Reason

    @property
    def item(self) -> Item:
        """The recommended item."""
        return self.candidate.item

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape: item_id, title, price, score, reason, grounded, evidence."""
        item = self.item
        return {
            "item_id": item.item_id,
            "title": item.title,
            "price": item.price,
            "score": self.candidate.score,
            "reason": self.reason.text,
            "reason_source": self.reason.source,
            "grounded": all(c.supported for c in self.reason.claims),
            "evidence": {
                "retrieval": [
                    {"signal": e.signal, "score": e.score, "rank": e.rank, "detail": e.detail}
                    for e in self.candidate.evidence
                ],
                "matched": [
                    {"shopper": m.shopper_fact, "item": m.item_attribute, "value": m.value}
                    for m in self.reason.matches
                ],
            },
        }


@dataclass
class Agent:
    """Finds candidates for a shopper and explains each one truthfully."""

    items: Sequence[Item]
    retriever: Retriever
    writer: ReasonWriter
    config: AgentConfig

    def item(self, item_id: str) -> Item | None:
        """The catalog item with this id."""
        return self.retriever.item(item_id)

    def current_prompt(self) -> PromptFile:
        """The reason prompt in force now (the prompt studio's active version when the writer follows one)."""
        return self.writer.current_prompt()

    def using(self, prompts: Mapping[str, PromptFile]) -> Agent:
        """This agent with a writer fixed to these prompt versions, by name (ReasonWriter.using)."""
        return replace(self, writer=self.writer.using(prompts))

    def candidates(
        self,
        shopper: Shopper,
        k: int,
        text: str = "",
        constraints: Constraints | None = None,
        like_item_id: str | None = None,
        keywords: str | None = None,
    ) -> list[Candidate]:
        """Top-k candidates that meet the shopper's preferences and the extra constraints; a budget the
        extra constraints state (said in the chat) replaces the shopper's usual one, higher or lower."""
        base = Constraints.from_preferences(shopper.preferences)
        if constraints is not None and constraints.budget_max is not None:
            base = replace(base, budget_max=None)
        merged = base.merged(constraints) if constraints else base
        return self.retriever.search(Query(shopper, text, merged, like_item_id, keywords), k)

    def recommend(
        self,
        shopper: Shopper,
        k: int,
        text: str = "",
        constraints: Constraints | None = None,
        like_item_id: str | None = None,
        keywords: str | None = None,
        asked: Asked | None = None,
    ) -> list[Recommendation]:
        """Top-k candidates, each with a grounded reason (`asked`: what the shopper asked for in the chat)."""
        found = self.candidates(shopper, k, text, constraints, like_item_id, keywords)
        reasons = self.writer.write(shopper, found, asked=asked)
        return [Recommendation(c, r) for c, r in zip(found, reasons, strict=True)]

    def reasons(
        self,
        shopper: Shopper,
        candidates: Sequence[Candidate],
        asked: Asked | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> Iterator[tuple[int, Reason]]:
        """(index, grounded reason) per candidate as each is ready (see ReasonWriter.stream)."""
        return self.writer.stream(shopper, candidates, asked=asked, cancelled=cancelled)

    def realize(self, shopper: Shopper, planned: Sequence[tuple[Item, Plan]]) -> list[Reason | None]:
        """Follow-up plans written by the model and checked (None where not): ReasonWriter.realize_plans."""
        return self.writer.realize_plans(shopper, planned)

    def fallback(self, shopper: Shopper, candidate: Candidate, asked: Asked | None = None) -> Reason:
        """The grounded template reason for a candidate."""
        return self.writer.fallback(shopper, candidate, asked)


def index_folder(catalog_path: Path, embedder_name: str) -> Path:
    """The cache folder of a catalog's index (one per catalog file and embedder)."""
    key = hashlib.sha256(f"{catalog_path.resolve()}|{embedder_name}".encode()).hexdigest()[:12]
    return cache_root() / "index" / f"{catalog_path.stem}-{key}"


def build_retriever(
    items: Sequence[Item], catalog_path: Path, config: AgentConfig, embedder: Embedder | None = None
) -> tuple[Retriever, bool]:
    """A retriever over a catalog, reusing its saved index when nothing changed; True if rebuilt."""
    embedder = embedder or load_embedder(
        config.retriever.embedder, max_seq_length=config.retriever.max_seq_length
    )
    index: VectorIndex
    folder = index_folder(catalog_path, embedder.name)
    index, rebuilt = open_or_build(folder, items, embedder, config.index)
    collab = load_collab(items, config.collab)
    return Retriever(items, index, embedder, config.retriever, collab=collab), rebuilt


def load_collab(items: Sequence[Item], settings: CollabSettings) -> CollabModel | None:
    """The collaborative model of the configured interactions, or None when none are configured."""
    if not settings.interactions:
        return None
    interactions = load_interactions(settings.interactions)
    return train_collab(interactions, [i.item_id for i in items], settings.model)


@dataclass(frozen=True)
class CatalogIndex:
    """A loaded catalog and its retriever: what an agent needs before the LM."""

    items: Sequence[Item]
    retriever: Retriever


def load_catalog_index(
    config: AgentConfig,
    catalog: Path | None = None,
    mapping: str | None = None,
    skip_bad: bool = False,
    embedder: Embedder | None = None,
) -> CatalogIndex:
    """Load the catalog (default: the demo shop's) and open (or build) its index."""
    catalog = catalog or demo_catalog_path()
    loaded = load_catalog(catalog, mapping, skip_bad=skip_bad)
    for problem in loaded.skipped:
        log.warning("skipped %s", problem)
    items = list(loaded.items)
    retriever, _ = build_retriever(items, catalog, config, embedder)
    return CatalogIndex(items, retriever)


def make_writer(
    items: Sequence[Item],
    generator: Generator,
    config: AgentConfig,
    prompt: PromptFile | None = None,
    prompt_source: Callable[[], PromptFile] | None = None,
    cache: ReasonCache | None = None,
    realizer_source: Callable[[], PromptFile] | None = None,
) -> ReasonWriter:
    """A reason writer whose grounding check knows every brand of the catalog; `prompt_source` and
    `realizer_source`: the studio's active versions, read on every use."""
    brands = frozenset(i.brand for i in items if i.brand)
    checker = GroundingChecker(known_brands=brands)
    prompt = prompt or load_prompt(config.reasons.prompt)
    catalog = {i.item_id: i for i in items}
    plans = config.reasons.mode == "plan"
    return ReasonWriter(
        generator,
        checker,
        prompt,
        config.reasons,
        catalog=catalog,
        prompt_source=prompt_source,
        cache=cache,
        realizer=load_prompt(config.reasons.realizer_prompt) if plans else None,
        steering=config_steering(config),
        realizer_source=realizer_source if plans else None,
    )


def config_steering(config: AgentConfig) -> Steering:
    """The steering the config sets (reasons.tone, lead_kinds, avoid_words); PlanError names a bad value."""
    reasons = config.reasons
    return Steering(reasons.tone, tuple(reasons.lead_kinds), tuple(reasons.avoid_words))


def realizer_prompt(config: AgentConfig) -> PromptFile:
    """The realizer's prompt file with the config's steering as its block: the first version a store keeps
    of it (a shop without a database runs the file with the config's steering)."""
    return with_steering(load_prompt(config.reasons.realizer_prompt), config_steering(config))


def load_agent(
    config: AgentConfig,
    catalog: Path | None = None,
    mapping: str | None = None,
    skip_bad: bool = False,
    generator: Generator | None = None,
    embedder: Embedder | None = None,
) -> Agent:
    """Load the catalog (default: the demo shop's), open (or build) its index, load the LM: a ready agent."""
    shelf = load_catalog_index(config, catalog, mapping, skip_bad, embedder)
    writer = make_writer(shelf.items, generator or load_generator(config.generator), config)
    return Agent(shelf.items, shelf.retriever, writer, config)


def price_text(item: Item) -> str:
    """The price as shown in lists, or 'price not listed'."""
    return format_number(item.price) if item.price is not None else "price not listed"
