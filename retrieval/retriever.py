"""The candidate retriever: content, keyword, history and collaborative signals, fused, then filtered."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from pydantic import BaseModel, ConfigDict, Field

from retrieval.collab import CollabModel
from retrieval.derive import asks_for_young, is_young
from retrieval.embedder import EMBEDDED_MINILM, Embedder
from retrieval.filters import Constraints, violation
from retrieval.fusion import FusionMethod, fuse
from retrieval.index import VectorIndex
from retrieval.items import Item
from retrieval.keyword import build_keyword_index, item_keyword_text
from retrieval.signals import (
    CollabSignal,
    ContentSignal,
    CooccurrenceSignal,
    Evidence,
    HistorySignal,
    Hit,
    KeywordSignal,
    LikeItemSignal,
    PopularSignal,
    Query,
    Signal,
    query_text,
)
from retrieval.variants import colour_of, variant_key

__all__ = ["Candidate", "Evidence", "Hit", "Query", "Retriever", "RetrieverConfig", "Signal", "query_text"]


class RetrieverConfig(BaseModel):
    """How candidates are found; weights tuned on the XRec google and yelp training rows."""

    model_config = ConfigDict(extra="forbid")

    embedder: str = EMBEDDED_MINILM
    max_seq_length: int = Field(default=128, ge=16, le=512, description="embedder tokens per text")
    fetch_k: int = Field(default=1000, ge=10, description="hits per signal before fusing and filtering")
    fusion: FusionMethod = Field(default="score", description="score: weighted max-normalised scores")
    rrf_k: int = Field(default=60, ge=1, description="reciprocal-rank-fusion constant (fusion=rrf)")
    # One card per product: five colours of one jacket are one answer, not five (eval search counts by
    # product: P@5 0.947 with variants collapsed, 0.798 without; BENCHMARKS.md).
    collapse_variants: bool = Field(
        default=True, description="one card per product: other colours and sizes named on it"
    )
    history_weight: float = Field(default=0.25, ge=0.0)
    content_weight: float = Field(default=0.25, ge=0.0)
    keyword_weight: float = Field(default=1.0, ge=0.0)
    like_item_weight: float = Field(default=1.0, ge=0.0)
    collaborative_weight: float = Field(default=1.0, ge=0.0)
    bought_together_weight: float = Field(default=1.0, ge=0.0)
    popular_weight: float = Field(default=0.0, ge=0.0)
    history_anchors: int = Field(default=50, ge=1, description="most recent own items the history uses")

    def weights(self) -> dict[str, float]:
        """The weight of each signal by name."""
        return {
            "content": self.content_weight,
            "keyword": self.keyword_weight,
            "history": self.history_weight,
            "like_item": self.like_item_weight,
            "collaborative": self.collaborative_weight,
            "bought_together": self.bought_together_weight,
            "popular": self.popular_weight,
        }


@dataclass(frozen=True)
class Candidate:
    """An item worth explaining, with the fused score and the evidence of each signal."""

    item: Item
    score: float
    evidence: tuple[Evidence, ...] = ()
    also_in: tuple[str, ...] = ()  # the colours of its variants this list left out (retrieval/variants.py)


@dataclass
class Retriever:
    """Signals over one catalog (FAISS, keywords, interactions), fused and filtered by constraints.

    Without `collab` (a catalog without interactions) only the text and history signals run.
    """

    items: Sequence[Item]
    index: VectorIndex
    embedder: Embedder
    config: RetrieverConfig = field(default_factory=RetrieverConfig)
    collab: CollabModel | None = None
    _items: dict[str, Item] = field(init=False, repr=False, default_factory=dict)
    _signals: dict[str, Signal] | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        self._items = {item.item_id: item for item in self.items}

    def item(self, item_id: str) -> Item | None:
        """The catalog item with this id, if any."""
        return self._items.get(item_id)

    def title(self, item_id: str) -> str:
        """The item's title, or its id for an item outside the catalog."""
        item = self._items.get(item_id)
        return item.title if item else f"item {item_id}"

    def signals(self) -> dict[str, Signal]:
        """Every signal with a positive weight, in evidence order (built on first use)."""
        if self._signals is None:
            weights = self.config.weights()
            makers = self._signal_makers()
            self._signals = {n: make() for n, make in makers.items() if weights.get(n, 0.0) > 0}
        return self._signals

    def search(self, query: Query, k: int) -> list[Candidate]:
        """The k best candidates that break no constraint."""
        # Never offer what they bought, nor the very item they asked for more like.
        liked = (query.like_item_id,) if query.like_item_id else ()
        bought = tuple(p.item_id for p in query.shopper.purchases if p.item_id)
        shown = frozenset(query.shopper.history + bought + liked)
        constraints = query.constraints.merged(Constraints(exclude_ids=shown))
        total = len(self.items)
        out: list[Candidate] = []
        # Filters can reject most hits (a tight budget); then every signal lists everything it can.
        for fetch in dict.fromkeys((min(self.config.fetch_k, total), total)):
            lists = {name: signal.hits(query, fetch) for name, signal in self.signals().items()}
            out = self._ranked(query, self._admissible(lists, constraints), k)
            if len(out) >= k:
                return out
        return out + self._fill(constraints, {self._key(c.item) for c in out}, k - len(out))

    def _signal_makers(self) -> dict[str, Callable[[], Signal]]:
        makers: dict[str, Callable[[], Signal]] = {
            "content": lambda: ContentSignal(self.index, self.embedder),
            "keyword": self._keyword_signal,
            "history": lambda: HistorySignal(self.index, self.title, self.config.history_anchors),
            "like_item": lambda: LikeItemSignal(self.index, self.title),
        }
        collab = self.collab
        if collab is not None:
            makers["collaborative"] = lambda: CollabSignal(collab, self.title)
            makers["bought_together"] = lambda: CooccurrenceSignal(collab, self.title)
            makers["popular"] = lambda: PopularSignal(collab)
        return makers

    def _keyword_signal(self) -> KeywordSignal:
        ids = tuple(item.item_id for item in self.items)
        texts = [item_keyword_text(item) for item in self.items]
        return KeywordSignal(build_keyword_index(texts), ids)

    def _admissible(self, lists: dict[str, list[Hit]], constraints: Constraints) -> dict[str, list[Hit]]:
        # Filter before fusing: a bought or off-limits item must not set the scale the others are
        # normalised by, nor take a place in any list.
        fits: dict[str, bool] = {}
        for hits in lists.values():
            for hit in hits:
                if hit.item_id not in fits:
                    item = self._items.get(hit.item_id)
                    fits[hit.item_id] = item is not None and violation(item, constraints) is None
        return {name: [h for h in hits if fits[h.item_id]] for name, hits in lists.items()}

    def _ranked(self, query: Query, lists: dict[str, list[Hit]], k: int) -> list[Candidate]:
        fused = self._adults_first(
            query, fuse(lists, self.config.weights(), self.config.fusion, self.config.rrf_k)
        )
        positions = {name: {h.item_id: (r, h) for r, h in enumerate(hits, 1)} for name, hits in lists.items()}
        signals = self.signals()
        out: dict[str, Candidate] = {}
        others: dict[str, list[str]] = {}
        for seen, (item_id, score) in enumerate(fused):
            if len(out) == k and (not self.config.collapse_variants or seen >= _VARIANT_LOOKAHEAD * k):
                break
            item = self._items[item_id]
            key = self._key(item)
            if key in out:  # a variant of a product already listed: named on its card, not listed again
                others[key].append(colour_of(item) or "")
                continue
            if len(out) == k:
                continue
            evidence = tuple(
                signals[name].evidence(where[item_id][1], where[item_id][0], query)
                for name, where in positions.items()
                if item_id in where
            )
            out[key], others[key] = Candidate(item, round(score, 6), evidence), []
        return [replace(c, also_in=_also_in(c.item, others[key])) for key, c in out.items()]

    def _adults_first(self, query: Query, fused: list[tuple[str, float]]) -> list[tuple[str, float]]:
        # With no child named or known, a child's product follows every adult one that fits: "a rain
        # jacket" means the shopper's own unless they say otherwise.
        wanted = (query.constraints.gender or query.shopper.preferences.gender or "").lower()
        if is_young(wanted or None) or asks_for_young(query.text):
            return fused
        young = {i for i, _ in fused if self._young(i)}
        if not young:
            return fused
        # Only adult items that answer the request go first; a child's rain jacket still beats an adult
        # backpack that shares no word with "rain jacket".
        bar = ADULT_SHARE * max((score for _, score in fused), default=0.0)
        first = [p for p in fused if p[0] not in young and p[1] >= bar]
        taken = {i for i, _ in first}
        return first + [p for p in fused if p[0] not in taken]

    def _young(self, item_id: str) -> bool:
        item = self._items[item_id]
        return is_young(item.gender, item.title, item.category or "")

    def _key(self, item: Item) -> str:
        # One card per product when variants collapse, else per item.
        return variant_key(item) if self.config.collapse_variants else f"id:{item.item_id}"

    def _fill(self, constraints: Constraints, taken: set[str], n: int) -> list[Candidate]:
        # Nothing (or too little) came from the signals: the most bought, else the best-rated fitting items,
        # one of each product (`taken`: the variant keys already listed).
        bought = {i: c for i, c in self.collab.most_popular(len(self.items))} if self.collab else {}
        fitting = [i for i in self.items if violation(i, constraints) is None]
        fitting.sort(key=lambda i: (-bought.get(i.item_id, 0), -(i.rating or 0.0), i.price or 0.0))
        pool: list[Item] = []
        for item in fitting:
            key = self._key(item)
            if key not in taken:
                taken.add(key)
                pool.append(item)
        return [Candidate(i, 0.0, (_popular_evidence(i, bought.get(i.item_id, 0), r),)) for r, i in
                enumerate(pool[:n], start=1)]  # fmt: skip


# An adult item goes before the children's ones when its fused score is at least this share of the best.
ADULT_SHARE = 0.25
# How far past the k-th product the ranking is read for variants of the products listed.
_VARIANT_LOOKAHEAD = 4


def _also_in(item: Item, colours: list[str]) -> tuple[str, ...]:
    own = colour_of(item)
    return tuple(c for c in dict.fromkeys(colours) if c and c != own)


def _popular_evidence(item: Item, shoppers: int, rank: int) -> Evidence:
    if shoppers:
        detail = f"one of the most bought items here ({shoppers} shoppers)"
        return Evidence("popular", float(shoppers), rank, detail, count=shoppers)
    if item.rating is not None:
        return Evidence("popular", item.rating, rank, f"among the best rated here ({item.rating:g} of 5)")
    return Evidence("popular", 0.0, rank, "a fitting pick from the catalog")
