"""Candidate signals: each finds items for a query in its own space and says why it found them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from retrieval.collab import CollabModel
from retrieval.embedder import Embedder
from retrieval.filters import Constraints
from retrieval.index import VectorIndex
from retrieval.keyword import KeywordIndex
from retrieval.shopper_loaders import profile_is_purchases
from retrieval.shoppers import Shopper

Titles = Callable[[str], str]  # item id -> a name a shopper recognises


@dataclass(frozen=True)
class Query:
    """What to retrieve for: the shopper, what they said, hard constraints, an anchor item."""

    shopper: Shopper
    text: str = ""
    constraints: Constraints = field(default_factory=Constraints)
    like_item_id: str | None = None
    # The words worth matching lexically, when some of `text` is already a hard constraint ("kurtas"
    # when only kurtas pass): every candidate shares those, and they only favour short titles.
    keywords: str | None = None


@dataclass(frozen=True)
class Hit:
    """One item a signal put forward: its score in that signal and what backs it."""

    item_id: str
    score: float
    near: tuple[str, ...] = ()  # the shopper's items (or the pointed-at item) it is close to
    count: int = 0  # shoppers who bought it together with near[0], or at all (popular)


@dataclass(frozen=True)
class Evidence:
    """Why a signal put a candidate forward: its score, its rank, and what it is near."""

    signal: str
    score: float
    rank: int
    detail: str
    near: tuple[str, ...] = ()
    count: int | None = None  # shoppers behind a collaborative or popularity signal
    terms: tuple[str, ...] = ()  # words and phrases shared with the query (keyword signal)
    # Measured against what the shopper asked for in this chat, not their profile or purchases: only
    # then may a reason say "matches what you asked for".
    from_request: bool = False


class Signal(Protocol):
    """A ranked list of hits for a query, best first, and the evidence behind each hit."""

    name: str

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """At most `fetch` hits, best first; empty when the signal has nothing to go on."""
        ...

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """Why this signal put the item forward, in words a shopper or support agent understands."""
        ...


def evidence(name: str, hit: Hit, rank: int, detail: str, near: tuple[str, ...] | None = None) -> Evidence:
    """The evidence record of one hit (near: the hit's own unless given)."""
    count = hit.count or None
    return Evidence(name, round(hit.score, 4), rank, detail, hit.near if near is None else near, count)


def query_text(shopper: Shopper, said: str = "") -> str:
    """The text that stands for the shopper: what they said, their profile, what they bought."""
    prefs = shopper.preferences
    parts = [said, shopper.profile]
    parts += [p.title for p in shopper.purchases[:4]]
    parts += list(prefs.categories) + list(prefs.colours) + list(prefs.brands)
    if prefs.gender:
        parts.append(prefs.gender)
    return ". ".join(p for p in parts if p)


def anchors(shopper: Shopper) -> list[str]:
    """The shopper's own item ids: their history, then their purchases that carry an id."""
    ids = list(shopper.history) + [p.item_id for p in shopper.purchases if p.item_id]
    return list(dict.fromkeys(ids))


def _quoted(terms: tuple[str, ...]) -> str:
    said = [f"'{t}'" for t in terms]
    return said[0] if len(said) == 1 else f"{', '.join(said[:-1])} and {said[-1]}" if said else ""


def _top(scores: dict[str, tuple[float, str]], fetch: int) -> list[tuple[str, float, str]]:
    ranked = sorted(scores.items(), key=lambda kv: -kv[1][0])[:fetch]
    return [(item_id, score, near) for item_id, (score, near) in ranked]


@dataclass
class ContentSignal:
    """The shopper's words (what they said, profile, purchases) against item texts, in FAISS."""

    index: VectorIndex
    embedder: Embedder
    name: str = "content"

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """Items whose embedded text is nearest to the query text."""
        text = query_text(query.shopper, query.text)
        if not text:
            return []
        scores, rows = self.index.search(self.embedder.encode([text]), fetch)
        ids = self.index.item_ids
        return [Hit(ids[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """The similarity of meaning."""
        asked = bool(query.text.strip())
        own = query.shopper.profile and not profile_is_purchases(query.shopper.profile)
        about = "what you asked for" if asked else "your profile" if own else "what you bought"
        detail = f"close in meaning to {about}"
        return replace(evidence(self.name, hit, rank, detail), from_request=asked)


@dataclass
class KeywordSignal:
    """The shopper's words against item texts, ranked by BM25: exact words and phrases count."""

    index: KeywordIndex
    item_ids: tuple[str, ...]
    name: str = "keyword"
    _row_of: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._row_of = {item_id: row for row, item_id in enumerate(self.item_ids)}

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """Items sharing the rarest words and phrases with the query text."""
        said = query.text if query.keywords is None else query.keywords
        text = query_text(query.shopper, said)
        return [Hit(self.item_ids[m.row], m.score) for m in self.index.search(text, fetch)] if text else []

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """The words and phrases it shares with what the shopper asked for (else their profile)."""
        asked = bool(query.text.strip())
        said = query.text if asked else query_text(query.shopper)
        shared = self.index.shared_terms(said, self._row_of[hit.item_id])
        words = _quoted(shared) or "some words"
        detail = f"matches {words} from your message" if asked else f"shares {words} with what you bought"
        return Evidence(self.name, round(hit.score, 4), rank, detail, terms=shared, from_request=asked)


@dataclass
class HistorySignal:
    """Items whose texts are nearest to each of the shopper's own items (the best anchor counts)."""

    index: VectorIndex
    titles: Titles
    max_anchors: int = 50
    name: str = "history"
    _row_of: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._row_of = {item_id: row for row, item_id in enumerate(self.index.item_ids)}

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """For each item, its highest similarity to any of the shopper's items."""
        if query.like_item_id:
            return []
        mine = [a for a in anchors(query.shopper) if a in self._row_of][-self.max_anchors :]
        if not mine:
            return []
        scores, rows = self.index.search(self.index.vectors([self._row_of[a] for a in mine]), fetch)
        best: dict[str, tuple[float, str]] = {}
        ids = self.index.item_ids
        for anchor, anchor_scores, anchor_rows in zip(mine, scores, rows, strict=True):
            for s, r in zip(anchor_scores, anchor_rows, strict=True):
                if r >= 0 and float(s) > best.get(ids[r], (-np.inf, ""))[0]:
                    best[ids[r]] = (float(s), anchor)
        return [Hit(i, s, (a,)) for i, s, a in _top(best, fetch)]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """Which of the shopper's items it resembles."""
        detail = f"similar to {self.titles(hit.near[0])}, which you bought"
        return evidence(self.name, hit, rank, detail)


@dataclass
class LikeItemSignal:
    """Items whose texts are nearest to the item the shopper pointed at ("more like #1")."""

    index: VectorIndex
    titles: Titles
    name: str = "like_item"

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """Nearest neighbours of the pointed-at item."""
        if not query.like_item_id or query.like_item_id not in self.index.item_ids:
            return []
        row = self.index.item_ids.index(query.like_item_id)
        scores, rows = self.index.search(self.index.vectors([row]), fetch)
        ids = self.index.item_ids
        near = (query.like_item_id,)
        return [Hit(ids[r], float(s), near) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """The pointed-at item."""
        name = self.titles(hit.near[0])
        detail = f"similar to {name}, the item you pointed at"
        return evidence(self.name, hit, rank, detail)


@dataclass
class CollabSignal:
    """Learned taste vectors (matrix factorisation of who bought what) in a FAISS index."""

    model: CollabModel
    titles: Titles
    name: str = "collaborative"

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """Items nearest the shopper's vector, or the pointed-at item's vector."""
        index = self.model.factors
        if index is None:
            return []
        if query.like_item_id:
            vector = self.model.item_vector(query.like_item_id)
        else:
            vector = self.model.user_vector(query.shopper.shopper_id, anchors(query.shopper))
        if vector is None:
            return []
        scores, rows = index.search(vector[None, :], fetch)
        ids = index.item_ids
        return [Hit(ids[r], float(s)) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """Whose choices it follows, and the closest of the shopper's items in those terms."""
        if query.like_item_id:
            liked = self.titles(query.like_item_id)
            detail = f"shoppers who chose {liked} tend to choose it too"
            return evidence(self.name, hit, rank, detail, (query.like_item_id,))
        closest = self.model.nearest_in_factors(hit.item_id, anchors(query.shopper))
        detail = "shoppers who bought what you bought also chose it"
        if closest is None:
            return evidence(self.name, hit, rank, detail, ())
        detail += f"; of your items it is closest to {self.titles(closest)} in who buys it"
        return evidence(self.name, hit, rank, detail, (closest,))


@dataclass
class CooccurrenceSignal:
    """Items bought together with the shopper's items (or the pointed-at item) by other shoppers."""

    model: CollabModel
    titles: Titles
    name: str = "bought_together"

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """Items most co-bought with the anchors, each with its strongest anchor and count."""
        mine = [query.like_item_id] if query.like_item_id else anchors(query.shopper)
        found = self.model.co_bought(mine, fetch)
        return [Hit(c.item_id, c.score, (c.anchor,), c.count) for c in found]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """The anchor and how many shoppers bought both."""
        shoppers = "shopper" if hit.count == 1 else "shoppers"
        detail = f"bought together with {self.titles(hit.near[0])} by {hit.count} {shoppers}"
        return evidence(self.name, hit, rank, detail)


@dataclass
class PopularSignal:
    """The items most shoppers bought: a prior for anyone, and the fallback for a cold start."""

    model: CollabModel
    name: str = "popular"

    def hits(self, query: Query, fetch: int) -> list[Hit]:
        """The most bought items."""
        return [Hit(i, float(n), count=n) for i, n in self.model.most_popular(fetch)]

    def evidence(self, hit: Hit, rank: int, query: Query) -> Evidence:
        """How many shoppers bought it."""
        return evidence(self.name, hit, rank, f"one of the most bought items here ({hit.count} shoppers)")
