"""A keyword vector space over item texts: TF-IDF of words and short phrases, cosine similarity."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval.items import Item

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

MAX_NGRAM = 3
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


def item_keyword_text(item: Item) -> str:
    """Everything written about an item: title, attributes, the whole description, extra values."""
    parts = [item.title, item.brand, item.category, item.colour, item.material, item.gender, item.description]
    parts += [value for _, value in item.extra]
    return ". ".join(p for p in parts if p)


def terms(text: str) -> list[str]:
    """Lower-cased words without stop words, plus the phrases of up to MAX_NGRAM of them."""
    words = [w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS]
    out = list(words)
    for n in range(2, MAX_NGRAM + 1):
        out += [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]
    return out


@dataclass(frozen=True)
class KeywordMatch:
    """One item a keyword query matched: its row and cosine score."""

    row: int
    score: float


@dataclass
class KeywordIndex:
    """Rows are items (L2-normalised TF-IDF); a query is weighted the same way and scored by cosine."""

    vocabulary: dict[str, int]
    idf: np.ndarray
    matrix: csr_matrix
    names: tuple[str, ...] = ()  # term of each column

    def __post_init__(self) -> None:
        if not self.names:
            self.names = tuple(self.vocabulary)

    def query_vector(self, text: str) -> csr_matrix:
        """The normalised TF-IDF row of a query text (terms the catalog never uses are dropped)."""
        counts = Counter(t for t in terms(text) if t in self.vocabulary)
        return _weighted_rows([counts], self.vocabulary, self.idf)

    def search(self, text: str, k: int) -> list[KeywordMatch]:
        """The k best-matching rows with a positive score, best first."""
        query = self.query_vector(text)
        if not query.nnz:
            return []
        scores = np.asarray((self.matrix @ query.T).todense()).ravel()
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [KeywordMatch(int(r), float(scores[r])) for r in top]

    def shared_terms(self, text: str, row: int, limit: int = 3) -> tuple[str, ...]:
        """The terms a query text and an item row share, the most telling first."""
        wanted = {self.vocabulary[t] for t in terms(text) if t in self.vocabulary}
        start, end = self.matrix.indptr[row], self.matrix.indptr[row + 1]
        shared = [int(c) for c in self.matrix.indices[start:end] if int(c) in wanted]
        # Rarest first; of equally rare terms the longer phrase says more.
        shared.sort(key=lambda c: (-round(float(self.idf[c]), 6), -self.names[c].count(" ")))
        return _without_parts([self.names[c] for c in shared])[:limit]


def build_keyword_index(texts: Sequence[str]) -> KeywordIndex:
    """A TF-IDF keyword index over item texts (row i is texts[i])."""
    counts = [Counter(terms(text)) for text in texts]
    vocabulary: dict[str, int] = {}
    for row in counts:
        for term in row:
            vocabulary.setdefault(term, len(vocabulary))
    df = np.zeros(len(vocabulary), dtype=np.float64)
    for row in counts:
        for term in row:
            df[vocabulary[term]] += 1
    # Smoothed idf: a term in every item still counts a little, a unique phrase counts most.
    idf = np.log((1 + len(texts)) / (1 + df)) + 1.0
    return KeywordIndex(vocabulary, idf, _weighted_rows(counts, vocabulary, idf))


def _weighted_rows(counts: Sequence[Counter[str]], vocabulary: dict[str, int], idf: np.ndarray) -> csr_matrix:
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for row in counts:
        cols = [vocabulary[t] for t in row]
        # Sublinear term frequency: a word said five times is not five times the evidence.
        values = [(1.0 + math.log(n)) * float(idf[c]) for c, n in zip(cols, row.values(), strict=True)]
        norm = math.sqrt(sum(v * v for v in values)) or 1.0
        indices += cols
        data += [v / norm for v in values]
        indptr.append(len(indices))
    shape = (len(counts), len(vocabulary))
    return csr_matrix((np.asarray(data, np.float32), indices, indptr), shape=shape)


def _without_parts(names: list[str]) -> tuple[str, ...]:
    # "thin crust pizzas" already says "crust"; show each matched phrase once.
    kept: list[str] = []
    for name in names:
        if not any(f" {name} " in f" {k} " for k in kept):
            kept.append(name)
    return tuple(kept)
