"""A real `whythis` server process over the fake models, for the crash and soak tests.

`python -m tests.ui.serve_fake --port P --store-url URL --secret S --delay 0.2`: the server's own app,
services and store, with the fast fake catalog index and a scripted LM that takes `--delay` seconds per
call, so that a test can kill it with SIGKILL in the middle of a turn and start it again.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import uvicorn

from agent.sessions.known_shoppers import load_shoppers
from agent.sessions.store import open_store
from agent.store.database import StoreConfig
from retrieval.shopper_loaders import demo_shopper_paths
from tests.fakes import SlowGenerator, fake_agent, fake_runtime
from ui.app import build_app
from ui.rate_limits import RateLimitConfig
from ui.serve_config import ServeConfig
from ui.services import Services


def main() -> None:
    """Parse the options and serve until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store-url", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "whythis-fake-cache")
    args = parser.parse_args()
    store_config = StoreConfig(url=args.store_url, sync_seconds=0.5)
    unlimited = RateLimitConfig(open_sessions="100000/minute", messages="100000/minute")
    config = ServeConfig(
        port=args.port,
        mode="dev",
        secret=args.secret,
        store=store_config,
        batch_window_ms=1,
        rate_limits=unlimited,
    )
    shoppers = load_shoppers(demo_shopper_paths())
    generator = SlowGenerator(delay_s=args.delay)
    agent = fake_agent(args.cache, generator)
    store = open_store(url=args.store_url, config=store_config)
    runtime = fake_runtime(agent, store, shoppers, config.batch_window_ms, config.max_batch, generator)
    services = Services.over(runtime, store, shoppers, config)
    uvicorn.run(build_app(services, config), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
