"""The cases of `whythis eval retrieval`: a shopper, the item they chose, and the catalog to find it in."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from finetune.training.data import read_xrec
from retrieval.catalog import load_catalog
from retrieval.embedder import Embedder
from retrieval.interactions import Interactions, from_pairs, load_interactions
from retrieval.items import Item
from retrieval.shopper_loaders import amazon2023_heldout, load_amazon2023_users
from retrieval.shoppers import Shopper
from whythis.errors import ConfigError, DataError
from whythis.paths import cache_root, data_dir

DOMAINS = ("xrec/google", "xrec/yelp", "xrec/amazon", "amazon2023")


@dataclass(frozen=True)
class Case:
    """One shopper and the item they chose, which the retriever should rank high."""

    shopper: Shopper
    target: str


@dataclass(frozen=True)
class Fold:
    """Cases evaluated with one set of interactions (none: a domain without interactions)."""

    cases: tuple[Case, ...]
    interactions: Interactions | None


@dataclass(frozen=True)
class Setup:
    """A domain ready to evaluate: items, the text embedded per item, folds, files read, rows skipped."""

    domain: str
    items: tuple[Item, ...]
    texts: tuple[str, ...]
    folds: tuple[Fold, ...]
    files: tuple[Path, ...]
    skipped: int = 0

    @property
    def cases(self) -> list[Case]:
        """Every case of every fold."""
        return [case for fold in self.folds for case in fold.cases]


def load_setup(domain: str, rows: Path | None = None, limit: int | None = None, folds: int = 5) -> Setup:
    """The evaluation set-up of one domain; `rows` replaces the domain's train.jsonl."""
    if domain not in DOMAINS:
        raise ConfigError(f"unknown retrieval domain {domain!r}; valid: {', '.join(DOMAINS)}")
    if domain == "amazon2023":
        return _amazon2023(rows or data_dir() / "amazon2023" / "train.jsonl", limit, folds)
    return _xrec(domain, rows, limit)


def _xrec(domain: str, rows_path: Path | None, limit: int | None) -> Setup:
    folder = data_dir() / domain
    path = rows_path or folder / "train.jsonl"
    catalog = folder / "items.jsonl"
    if not path.is_file() or not catalog.is_file():
        raise DataError(f"{domain}: need {path} and {catalog}; is the shared data dir set?")
    items = load_catalog(catalog, "xrec").items
    known = {item.item_id for item in items}
    csv = folder / "interactions.csv"
    interactions = load_interactions(csv) if csv.is_file() else None
    cases: list[Case] = []
    skipped = 0
    for row in read_xrec(path, limit):
        user, target = str(row.user_id), str(row.item_id)
        if target not in known:
            skipped += 1  # an item without text cannot be in the catalog to rank
            continue
        history = interactions.items_of(user) if interactions else ()
        cases.append(Case(Shopper(user, profile=row.user_profile, history=history), target))
    # The item text XRec pairs with a profile: its title and its whole item profile.
    texts = tuple(f"{item.title}. {item.description}" for item in items)
    files = (path, catalog) + ((csv,) if interactions else ())
    return Setup(domain, items, texts, (Fold(tuple(cases), interactions),), files, skipped)


def _amazon2023(path: Path, limit: int | None, folds: int) -> Setup:
    users = load_amazon2023_users(path)[:limit]
    heldout = amazon2023_heldout(path)
    items: dict[str, Item] = {}
    cases: list[Case] = []
    for user in users:
        held = heldout[user.shopper_id]
        for p in (*user.purchases, held):
            assert p.item_id is not None  # the loader always sets the ASIN
            items.setdefault(p.item_id, Item(p.item_id, p.title, category=p.category, price=p.price))
        history = tuple(p.item_id for p in user.purchases if p.item_id)
        shopper = Shopper(user.shopper_id, user.profile, user.preferences, history, user.purchases)
        cases.append(Case(shopper, str(held.item_id)))
    parts = [tuple(cases[i::folds]) for i in range(min(folds, len(cases)))]
    # Leave-fold-out: a fold's held-out items are never in the interactions its shoppers are ranked with.
    built = tuple(Fold(part, _fold_interactions(cases, set(part))) for part in parts)
    catalog = tuple(items.values())
    return Setup("amazon2023", catalog, tuple(i.text() for i in catalog), built, (path,))


def _fold_interactions(cases: Sequence[Case], held_back: set[Case]) -> Interactions:
    pairs = [(c.shopper.shopper_id, i) for c in cases for i in c.shopper.history]
    pairs += [(c.shopper.shopper_id, c.target) for c in cases if c not in held_back]
    return from_pairs(pairs)


def cached_vectors(embedder: Embedder, texts: Sequence[str], tag: str) -> np.ndarray:
    """Embeddings of texts, cached on disk by embedder and content (embedding is the slow part)."""
    h = hashlib.sha256(embedder.name.encode())
    for text in texts:
        h.update(b"\0" + text.encode())
    path = cache_root() / "eval-retrieval" / f"{tag.replace('/', '-')}-{h.hexdigest()[:20]}.npy"
    if path.is_file():
        vectors = np.load(path)
        if vectors.shape == (len(texts), embedder.dim):
            return np.asarray(vectors, dtype=np.float32)
    vectors = (
        np.asarray(embedder.encode(list(texts)), dtype=np.float32) if texts else np.empty((0, embedder.dim))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return np.asarray(vectors, dtype=np.float32)


@dataclass
class MemoEmbedder:
    """An embedder that answers from vectors computed up front (the eval's queries), else encodes."""

    inner: Embedder
    known: dict[str, np.ndarray]
    name: str = ""
    dim: int = 0

    def __post_init__(self) -> None:
        self.name, self.dim = self.inner.name, self.inner.dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Known texts from memory, the rest from the inner embedder."""
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.inner.encode(missing), strict=True))
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)
