"""What the server runs on: the running agent, its sessions, the store, the known shoppers, the turn pool,
auth.

`load_services` builds the real agent through `agent.compose`; `Services.over` serves a runtime already
built (the tests build theirs with the fakes).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from agent.compose import Runtime, build_runtime
from agent.config import load_agent_config
from agent.recommender import Agent
from agent.sessions.known_shoppers import Shoppers, load_shoppers
from agent.sessions.manager import SessionManager
from agent.sessions.store import Store, open_store
from agent.sessions.sync import SessionSync
from agent.studio.versions import PromptVersions
from ui.auth import SessionTokens, StaffAuth, load_secret
from ui.pool import TurnPool
from ui.rate_limits import RateLimiter
from ui.serve_config import ServeConfig
from whythis.errors import ConfigError

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything a request handler needs, built once per server."""

    runtime: Runtime
    store: Store
    shoppers: Shoppers
    pool: TurnPool
    auth: StaffAuth
    tokens: SessionTokens
    max_body_bytes: int
    versions: PromptVersions
    sync: SessionSync
    limiter: RateLimiter
    _closed: bool = field(default=False, init=False, repr=False)

    @classmethod
    def over(
        cls,
        runtime: Runtime,
        store: Store,
        shoppers: Shoppers,
        config: ServeConfig,
        auth: StaffAuth | None = None,
    ) -> Services:
        """Services over a running agent built with its open store (which keeps the prompt versions)."""
        if runtime.versions is None:
            raise ConfigError("a served agent needs prompt versions: build its runtime with the store")
        auth = auth or StaffAuth.from_config(config)
        tokens = SessionTokens(load_secret(config))
        pool = TurnPool(config.workers, config.queue_size, config.retry_after_seconds)
        shop = dict(shoppers)
        sync = SessionSync(runtime.manager.sync, config.store.sync_seconds)
        limiter = RateLimiter(config.rate_limits)
        versions = runtime.versions
        return cls(runtime, store, shop, pool, auth, tokens, config.max_body_bytes, versions, sync, limiter)

    @property
    def agent(self) -> Agent:
        """The agent: candidates and their grounded reasons."""
        return self.runtime.agent

    @property
    def manager(self) -> SessionManager:
        """The chat sessions."""
        return self.runtime.manager

    @property
    def max_message_chars(self) -> int:
        """The longest chat message the agent takes."""
        return self.agent.config.chat.max_message_chars

    def close(self) -> None:
        """Stop the pool and the runtime (batching thread, prompt versions), then close the store."""
        if self._closed:
            return
        self._closed = True
        self.sync.stop()
        self.pool.shutdown(wait=True)
        self.runtime.close()
        self.store.close()


def load_services(config: ServeConfig) -> Services:
    """Load the agent (real models), the shoppers and the store named by the config."""
    auth = StaffAuth.from_config(config)  # a missing staff login fails before the models load
    agent_cfg = load_agent_config(config.agent_config, config.agent_overrides)
    shoppers = load_shoppers(config.shoppers)
    store = open_store(url=config.store_url(), config=config.store)
    try:
        runtime = build_runtime(
            agent_cfg,
            config.catalog,
            store=store,
            shoppers=shoppers,
            batch_window_ms=config.batch_window_ms,
            max_batch=config.max_batch,
        )
        return Services.over(runtime, store, shoppers, config, auth)
    except BaseException:
        store.close()
        raise
