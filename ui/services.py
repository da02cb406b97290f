"""What the server runs on: the agent, its sessions, the store, the known shoppers, the turn pool, auth.

`load_services` loads the real agent; `Services.over` wraps one already built (the tests use the fakes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.config import load_agent_config
from agent.reasons.batching import BatchingGenerator
from agent.recommender import Agent, load_agent
from agent.sessions.known_shoppers import Shoppers, load_shoppers
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store, open_store
from agent.studio.versions import PromptVersions, follow_active, open_prompt_versions, shipped_prompts
from ui.auth import SessionTokens, StaffAuth, load_secret
from ui.pool import TurnPool
from ui.serve_config import ServeConfig

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request handler needs, built once per server."""

    agent: Agent
    manager: SessionManager
    store: Store
    shoppers: Shoppers
    pool: TurnPool
    auth: StaffAuth
    tokens: SessionTokens
    max_body_bytes: int
    versions: PromptVersions
    generator: BatchingGenerator | None = None
    _closed: bool = field(default=False, init=False, repr=False)

    @classmethod
    def over(
        cls,
        agent: Agent,
        store: Store,
        shoppers: Shoppers,
        config: ServeConfig,
        auth: StaffAuth | None = None,
    ) -> Services:
        """Services over a loaded agent and an open store (its LM calls micro-batched unless window 0)."""
        auth = auth or StaffAuth.from_config(config)
        tokens = SessionTokens(load_secret(config))
        generator = _batching(agent, config)
        manager = SessionManager.over(agent, store)
        manager.bot.others = _others_of(shoppers)
        pool = TurnPool(config.workers, config.queue_size, config.retry_after_seconds)
        versions = follow_versions(agent, store)
        return cls(
            agent,
            manager,
            store,
            dict(shoppers),
            pool,
            auth,
            tokens,
            config.max_body_bytes,
            versions,
            generator,
        )

    @property
    def max_message_chars(self) -> int:
        """The longest chat message the agent takes."""
        return self.agent.config.chat.max_message_chars

    def close(self) -> None:
        """Stop the pool and the batching thread, then close the store."""
        if self._closed:
            return
        self._closed = True
        self.pool.shutdown(wait=True)
        if self.generator is not None:
            self.generator.stop()
        self.versions.close()
        self.store.close()


def follow_versions(agent: Agent, store: Store) -> PromptVersions:
    """The prompt versions kept in the store's file; the agent's writer follows the active one from now on."""
    writer = agent.writer
    # The configured prompt is what runs now, so it is the first stored version of its name.
    versions = open_prompt_versions(store.path, {**shipped_prompts(), writer.prompt.name: writer.prompt})
    follow_active(writer, versions, writer.prompt.name)
    return versions


def _batching(agent: Agent, config: ServeConfig) -> BatchingGenerator | None:
    current = agent.writer.generator
    if isinstance(current, BatchingGenerator):  # the same agent served twice: wrap once
        return current
    if config.batch_window_ms <= 0:
        return None
    wrapped = BatchingGenerator(current, window_ms=config.batch_window_ms, max_batch=config.max_batch)
    agent.writer.generator = wrapped
    return wrapped


def _others_of(shoppers: Shoppers) -> Callable[[str], Sequence[str]]:
    """For a shopper id: the other known shoppers' ids and profiles, which a reply must never contain."""
    everyone = {sid: tuple(x for x in (sid, s.profile) if x) for sid, s in shoppers.items()}

    def others(shopper_id: str) -> Sequence[str]:
        return [text for sid, texts in everyone.items() if sid != shopper_id for text in texts]

    return others


def load_services(config: ServeConfig) -> Services:
    """Load the agent (real models), the shoppers and the store named by the config."""
    auth = StaffAuth.from_config(config)  # a missing staff login fails before the models load
    agent_cfg = load_agent_config(config.agent_config, config.agent_overrides)
    shoppers = load_shoppers(config.shoppers)
    agent = load_agent(agent_cfg, config.catalog)
    store = open_store(config.resolved_db())
    try:
        return Services.over(agent, store, shoppers, config, auth)
    except BaseException:
        store.close()
        raise
