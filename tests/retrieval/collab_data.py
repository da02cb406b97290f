"""A tiny outdoor shop with interactions: campers buy tents with sleeping bags, runners shoes with socks."""

from __future__ import annotations

from retrieval.collab import CollabConfig, CollabModel, train_collab
from retrieval.interactions import Interactions, from_pairs
from retrieval.items import Item

ITEMS = [
    Item("tent", "Two-person dome tent", category="tents", colour="Green", price=180.0, gender="Unisex"),
    Item("bag", "Down sleeping bag", category="sleeping bags", colour="Red", price=150.0, gender="Unisex"),
    Item("stove", "Camping gas stove", category="stoves", colour="Black", price=45.0, gender="Unisex"),
    Item("shoe", "Trail running shoe", category="shoes", colour="Black", price=120.0, gender="Men"),
    Item("sock", "Merino running socks", category="socks", colour="Grey", price=15.0, gender="Men"),
    Item("cap", "Running cap", category="caps", colour="White", price=20.0, gender="Women"),
    # Just listed: nobody bought it yet, so only its text can bring it up.
    Item("bivy", "Ultralight bivy shelter for one", category="tents", colour="Green", price=90.0),
]

CAMPERS = [f"c{i}" for i in range(1, 7)]
RUNNERS = [f"r{i}" for i in range(1, 7)]

# Small enough to train in a blink; deterministic with one thread and a seed.
TINY = CollabConfig(factors=4, iterations=30, regularization=0.01, weighting="none", min_support=2)


def pairs() -> list[tuple[str, str]]:
    """Six campers (tent + sleeping bag, half a stove), six runners (shoes + socks, half a cap)."""
    out = [(u, i) for u in CAMPERS for i in ("tent", "bag")]
    out += [(u, "stove") for u in CAMPERS[:3]]
    out += [(u, i) for u in RUNNERS for i in ("shoe", "sock")]
    out += [(u, "cap") for u in RUNNERS[:3]]
    return out


def interactions() -> Interactions:
    """The shop's interactions."""
    return from_pairs(pairs())


def model(config: CollabConfig = TINY, factorise: bool = True) -> CollabModel:
    """Collaborative signals trained on the shop's interactions."""
    return train_collab(interactions(), [i.item_id for i in ITEMS], config, factorise)
