"""Everything a claim may rest on: the item's and the shopper's data, named by source, and the
retrieval evidence. Catalog text is neutralised first: an instruction in a description backs nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.grounding.judges.purchase import bought_records
from agent.grounding.textnorm import canon, number_readings, size_key, stem, tokens
from agent.grounding.vocab import WORD_GROUPS
from agent.untrusted import neutralise
from retrieval.colours import colour_contested
from retrieval.items import Item
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper

_ANY_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")

Pairs = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Pool:
    """Words a vague claim may find backing in: canonical text plus folded single words."""

    text: str
    stems: frozenset[str]

    @classmethod
    def of(cls, texts: Iterable[str]) -> Pool:
        """A pool over some texts."""
        joined = canon(" . ".join(texts))
        return cls(joined, frozenset(stem(w) for w in joined.split()))

    def has(self, word: str) -> bool:
        """True when the word, or a word of its group, is in the pool."""
        wanted = {word} | {w for g in WORD_GROUPS if word in g for w in g}
        for w in wanted:
            phrase = canon(w).strip()
            if " " in phrase and f" {phrase} " in self.text:
                return True
            if " " not in phrase and stem(phrase) in self.stems:
                return True
        return False


@dataclass(frozen=True)
class Support:
    """Everything a claim may rest on, each piece named by the attribute it came from."""

    item: Item
    shopper: Shopper
    texts: tuple[tuple[str, str], ...]  # (source, canonical text)
    values: Pairs  # numeric attributes: prices, budgets, ratings, discounts
    numbers: Pairs  # every number anywhere in the data, attributes included
    sizes: tuple[tuple[str, tuple[str | None, str]], ...]
    bought: tuple[tuple[str, frozenset[str]], ...]
    liked: tuple[tuple[str, frozenset[str]], ...]
    item_pool: Pool
    shopper_pool: Pool
    evidence: tuple[Evidence, ...] = ()
    said: str = ""  # what the shopper asked for in this chat
    colour_contested: bool = False  # the item's colour field contradicts its own title

    def find(self, phrases: Iterable[str], prefix: str = "") -> str | None:
        """The first source (starting with `prefix`) holding one of the canonical phrases."""
        wanted = [f" {p.strip()} " for p in phrases]
        hits = (s for s, t in self.texts if s.startswith(prefix) for w in wanted if w in t)
        return next(hits, None)

    def value(self, suffixes: tuple[str, ...], values: Iterable[float], slack: float) -> str | None:
        """The first numeric attribute ending in one of `suffixes` within `slack` of a value."""
        found = (s for v in values for s, k in self.values if s.endswith(suffixes) and abs(v - k) < slack)
        return next(found, None)

    def signal(self, names: frozenset[str]) -> str | None:
        """The first retrieval signal among `names` that put the item forward, as a source."""
        return next((f"evidence.{e.signal}" for e in self.evidence if e.signal in names), None)


def collect(
    item: Item,
    shopper: Shopper,
    context: Sequence[Item],
    evidence: Sequence[Evidence] = (),
    said: str = "",
) -> Support:
    """Gather the item's, the context items' and the shopper's data for one check."""
    texts: list[tuple[str, str]] = []
    values: list[tuple[str, float | None]] = []
    for prefix, one in [("item", item)] + [(f"context[{i}]", c) for i, c in enumerate(context)]:
        for name in ("title", "category", "brand", "colour", "material", "gender", "description"):
            raw = str(getattr(one, name) or "")
            texts.append((f"{prefix}.{name}", neutralise(raw) if name in ("title", "description") else raw))
        texts.append((f"{prefix}.sizes", " ".join(f"size {s}" for s in one.sizes)))
        texts += [(f"{prefix}.extra.{k}", f"{k} {v}") for k, v in one.extra]
        values += [(f"{prefix}.{n}", getattr(one, n)) for n in ("price", "rating", "discount_pct")]
    shopper_start = len(texts)
    names = _context_names(context)
    _shopper_texts(shopper, names, texts, values)
    known = tuple((s, v) for s, v in values if v is not None)
    numbers = [(s, v) for s, t in texts for m in _ANY_NUMBER.finditer(t) for v in number_readings(m[0])]
    numbers += [("shopper.purchases", len(shopper.purchases))]
    numbers += [("shopper.history", len(shopper.history))]
    numbers += [(f"evidence.{e.signal}.count", e.count) for e in evidence if e.count]
    p = shopper.preferences
    sizes = [("item.sizes", size_key(s)) for s in item.sizes]
    sizes += [("shopper.preferences.sizes", size_key(s)) for s in p.sizes]
    sizes += [(f"context[{i}].sizes", size_key(s)) for i, c in enumerate(context) for s in c.sizes]
    prefs = " ".join(p.colours + p.brands + p.categories)
    liked = (("shopper.profile", tokens(shopper.profile)), ("shopper.preferences", tokens(prefs)))
    item_pool = Pool.of(t for s, t in texts if s.startswith("item.")) if texts else Pool.of([])
    wants = ["budget price"] * (p.budget_max is not None or p.budget_min is not None)
    shopper_pool = Pool.of([t for _, t in texts[shopper_start:]] + wants)
    canonical = tuple((s, canon(t)) for s, t in texts if t)
    everything = known + tuple((s, float(v)) for s, v in numbers)
    return Support(
        item, shopper, canonical, known, everything, tuple(sizes), bought_records(shopper, names, evidence),
        liked, item_pool, shopper_pool, tuple(evidence), said, colour_contested(item),
    )  # fmt: skip


def _context_names(context: Sequence[Item]) -> dict[str, str]:
    """Each context item's title, brand and category by id: how a history entry reads."""
    return {c.item_id: f"{c.title} {c.brand or ''} {c.category or ''}" for c in context}


def _shopper_texts(
    shopper: Shopper,
    names: dict[str, str],
    texts: list[tuple[str, str]],
    values: list[tuple[str, float | None]],
) -> None:
    """Add the shopper's texts and values (what they bought, as words: judges/purchase.py)."""
    p = shopper.preferences
    texts += [("shopper.profile", shopper.profile), ("shopper.preferences.gender", p.gender or "")]
    # avoid_brands is left out on purpose: a brand the shopper avoids never backs a claim.
    for name in ("colours", "brands", "sizes", "categories"):
        texts.append((f"shopper.preferences.{name}", " , ".join(getattr(p, name))))
    values += [("shopper.preferences.budget_max", p.budget_max)]
    values += [("shopper.preferences.budget_min", p.budget_min)]
    # A history entry that is a catalog item reads as that item's title, brand and category.
    for i, h in enumerate(shopper.history):
        texts.append((f"shopper.history[{i}]", names.get(h, h)))
    for i, b in enumerate(shopper.purchases):
        src = f"shopper.purchases[{i}]"
        texts += [(f"{src}.{f}", getattr(b, f) or "") for f in ("title", "category", "review")]
        values += [(f"{src}.price", b.price), (f"{src}.rating", b.rating)]
