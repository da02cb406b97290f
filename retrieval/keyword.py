"""Lexical search over item texts: BM25 (bm25s) on stemmed words and two-word phrases."""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from retrieval.items import Item

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"[a-z0-9]+")
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves""".split()
)
# BM25's usual constants: term frequency saturates at about k1, length normalisation b.
K1 = 1.2
B = 0.75


@cache
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def _stem(words: list[str]) -> list[str]:
    return list(_stemmer().stemWords(words))  # type: ignore[attr-defined]


def item_keyword_text(item: Item) -> str:
    """Everything written about an item: title, attributes, the whole description, extra values."""
    parts = [item.title, item.brand, item.category, item.colour, item.material, item.gender, item.description]
    parts += [value for _, value in item.extra]
    return ". ".join(p for p in parts if p)


# Spellings of one word that tokenising would split or keep apart: "t-shirt", "t shirt", "tshirt".
_JOINED = re.compile(r"\bt[\s-]?shirt", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


def surface_words(text: str) -> list[str]:
    """Lower-case words of a text without stop words, as written."""
    text = _POSSESSIVE.sub("", _JOINED.sub("tshirt", text))
    # A lone letter ("s" of "mom's", "x" of "2 x 3") says nothing; a lone digit may ("size 8").
    return [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]


def terms(text: str) -> list[str]:
    """The indexed terms of a text: stemmed words, then each pair of neighbouring stems as a phrase."""
    stems = _stem(surface_words(text))
    return stems + [f"{a}_{b}" for a, b in itertools.pairwise(stems)]


@dataclass(frozen=True)
class KeywordMatch:
    """One item a keyword query matched: its row and BM25 score."""

    row: int
    score: float


@dataclass(frozen=True)
class KeywordIndex:
    """A BM25 index over item texts (row i is texts[i]) and each row's terms, for the evidence."""

    model: bm25s.BM25
    rows: tuple[frozenset[str], ...]
    idf: dict[str, float]

    def search(self, text: str, k: int) -> list[KeywordMatch]:
        """The k best-matching rows with a positive score, best first."""
        wanted = [t for t in terms(text) if t in self.idf]
        if not wanted or k <= 0:
            return []
        scores = np.asarray(self.model.get_scores(wanted), dtype=np.float64)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [KeywordMatch(int(r), float(scores[r])) for r in top]

    def shared_terms(self, text: str, row: int, limit: int = 3) -> tuple[str, ...]:
        """The words and phrases of a query text that an item row holds, as the query wrote them,
        the most telling (rarest, then longer) first."""
        said = surface_words(text)
        stems = _stem(said)
        found: dict[str, tuple[float, int]] = {}
        have = self.rows[row]
        for i, stem in enumerate(stems):
            if stem in have:
                found.setdefault(said[i], (self.idf.get(stem, 0.0), 1))
            pair = f"{stem}_{stems[i + 1]}" if i + 1 < len(stems) else ""
            if pair in have:
                found.setdefault(f"{said[i]} {said[i + 1]}", (self.idf.get(pair, 0.0), 2))
        ranked = sorted(found, key=lambda t: (-round(found[t][0], 6), -found[t][1]))
        return _without_parts(ranked)[:limit]


def build_keyword_index(texts: Sequence[str]) -> KeywordIndex:
    """A BM25 index over item texts (row i is texts[i])."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every build at DEBUG level
    tokens = [terms(text) for text in texts]
    model = bm25s.BM25(k1=K1, b=B)
    model.index(tokens, show_progress=False)
    df = Counter(t for row in tokens for t in set(row))
    n = len(texts)
    idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    return KeywordIndex(model, tuple(frozenset(row) for row in tokens), idf)


def _without_parts(names: list[str]) -> tuple[str, ...]:
    # "thin crust" already says "crust"; show each matched phrase once.
    kept: list[str] = []
    for name in names:
        if not any(f" {name} " in f" {k} " for k in kept):
            kept.append(name)
    return tuple(kept)
