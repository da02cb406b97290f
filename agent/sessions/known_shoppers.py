"""The shoppers a server knows by id: loaded from shopper files (the demo shop's by default)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from retrieval.shoppers import Shopper
from whythis.errors import ConfigError

Shoppers = Mapping[str, Shopper]


def load_shoppers(paths: Iterable[Path] | None = None) -> dict[str, Shopper]:
    """The shoppers of these files (default: the demo shoppers) by id; ConfigError for an id given twice."""
    found: dict[str, Shopper] = {}
    for path in demo_shopper_paths() if paths is None else paths:
        shopper = load_shopper(path)
        if shopper.shopper_id in found:
            raise ConfigError(f"shopper id {shopper.shopper_id!r} is given twice (again in {path})")
        found[shopper.shopper_id] = shopper
    return found
