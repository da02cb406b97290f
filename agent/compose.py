"""The composition root: the running agent built whole, in order.

generator -> batching -> reason writer (following the studio's active prompts, with a reason cache) ->
agent -> turn reader (the reader adapter on its own engine) -> chat agent (with its forgetter and the
other shoppers it must never quote) -> session manager
(which writes a session's turn with a prompt trial's versions when the session is in its share).
Nothing is assigned onto an object after it is built; the server, the terminal chat and the tests all
build through here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.chat.agent import ChatAgent
from agent.config import AgentConfig
from agent.explain import Explainer
from agent.reasons.batching import BatchingGenerator
from agent.reasons.cache import ReasonCache
from agent.recommender import Agent, CatalogIndex, load_catalog_index, make_writer, realizer_prompt
from agent.sessions.live import LiveSessions, StoreForgetter
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store
from agent.studio.trials import PromptTrials
from agent.studio.versions import PromptVersions, open_prompt_versions, shipped_prompts
from agent.turns.reader import TurnReader, load_reader
from finetune.runtime.backends import load_generator
from finetune.runtime.generator import Generator
from prompts.render import PromptFile, load_prompt
from retrieval.embedder import Embedder
from retrieval.shoppers import Shopper


@dataclass(frozen=True)
class Runtime:
    """The running agent: what a server or a terminal chat talks to."""

    agent: Agent
    manager: SessionManager
    versions: PromptVersions | None = None
    batching: BatchingGenerator | None = None

    def close(self) -> None:
        """Stop the batching thread and close the prompt versions (the store belongs to its opener)."""
        if self.batching is not None:
            self.batching.stop()
        if self.versions is not None:
            self.versions.close()


def build_runtime(
    config: AgentConfig,
    catalog: Path | None = None,
    *,
    mapping: str | None = None,
    skip_bad: bool = False,
    store: Store | None = None,
    shoppers: Mapping[str, Shopper] | None = None,
    batch_window_ms: float = 0.0,
    max_batch: int = 1,
    generator: Generator | None = None,
    embedder: Embedder | None = None,
) -> Runtime:
    """Load the catalog and its index, then the LM (unless given), and assemble the running agent.

    With `batch_window_ms` > 0, concurrent LM calls wait that long for up to `max_batch` prompts."""
    shelf = load_catalog_index(config, catalog, mapping, skip_bad, embedder)
    lm = generator or load_generator(config.generator)
    # A given generator is a stand-in (tests, benchmarks): the reader's engine is not loaded beside it.
    reader = load_reader(config.generator, config.reader) if generator is None else None
    return assemble(shelf, lm, config, store, shoppers, batch_window_ms, max_batch, reader)


def explainer(
    config: AgentConfig,
    catalog: Path | None = None,
    *,
    mapping: str | None = None,
    generator: Generator | None = None,
    embedder: Embedder | None = None,
) -> Explainer:
    """Reasons for a shop's own picks, from Python: the catalog, its index and the LM, loaded once."""
    shelf = load_catalog_index(config, catalog, mapping, False, embedder)
    return Explainer(assemble(shelf, generator or load_generator(config.generator), config).agent)


def assemble(
    shelf: CatalogIndex,
    generator: Generator,
    config: AgentConfig,
    store: Store | None = None,
    shoppers: Mapping[str, Shopper] | None = None,
    batch_window_ms: float = 0.0,
    max_batch: int = 1,
    reader: TurnReader | None = None,
) -> Runtime:
    """The running agent over a loaded catalog and LM; `store` adds prompt versions and persistence;
    `reader` reads each chat turn in context (None: the router alone)."""
    batcher = None
    if batch_window_ms > 0:
        batcher = BatchingGenerator(generator, window_ms=batch_window_ms, max_batch=max_batch)
    prompt, realizer = load_prompt(config.reasons.prompt), realizer_prompt(config)
    versions = None
    if store is not None:
        # The configured prompts (the realizer's with the config's steering) are what runs now, so each is
        # the first stored version of its name.
        seeds = {**shipped_prompts(), realizer.name: realizer, prompt.name: prompt}
        versions = open_prompt_versions(store.database, seeds)
    source = versions.follower(prompt.name) if versions is not None else None
    realizer_source = versions.follower(realizer.name) if versions is not None else None
    cache = ReasonCache(config.reasons.cache_entries) if config.reasons.cache_entries else None
    lm = batcher or generator
    writer = make_writer(shelf.items, lm, config, prompt, source, cache, realizer_source)
    agent = Agent(shelf.items, shelf.retriever, writer, config)
    others = others_of(shoppers) if shoppers is not None else None
    trials = PromptTrials(versions).prompts_for if versions is not None else None
    forget = cache.forget if cache is not None else None
    manager = session_manager(agent, store, others, forget, trials, reader)
    return Runtime(agent, manager, versions, batcher)


def session_manager(
    agent: Agent,
    store: Store | None = None,
    others: Callable[[str], Sequence[str]] | None = None,
    forget_reasons: Callable[[str], int] | None = None,
    trials: Callable[[str], Mapping[str, PromptFile]] | None = None,
    reader: TurnReader | None = None,
) -> SessionManager:
    """A session manager over an agent; its chat agent forgets through the same live sessions; `trials`:
    the prompt versions a session's turns are written with (PromptTrials.prompts_for); `reader`: the
    turn reader."""
    live = LiveSessions()
    forgetter = StoreForgetter(live, store, forget_reasons)
    bot = ChatAgent.over(agent, forgetter=forgetter, others=others, reader=reader)
    return SessionManager(bot, agent, live, store, forget_reasons, trials)


def others_of(shoppers: Mapping[str, Shopper]) -> Callable[[str], Sequence[str]]:
    """For a shopper id: the other known shoppers' ids and profiles, which a reply must never contain."""
    everyone = {sid: tuple(x for x in (sid, s.profile) if x) for sid, s in shoppers.items()}

    def others(shopper_id: str) -> Sequence[str]:
        return [text for sid, texts in everyone.items() if sid != shopper_id for text in texts]

    return others
