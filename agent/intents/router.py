"""An intent router you can test: high-precision rules first, then a small head over labelled examples."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, field_validator

from agent.intents.parse import (
    FALLBACK,
    INTENTS,
    CatalogWords,
    Parsed,
    fallback_intent,
    normalise,
    read_constraints,
)
from agent.intents.rules import rule_intent
from retrieval.embedder import Embedder
from whythis.errors import DataError

# With all-MiniLM-L6-v2, a message whose nearest example is less similar than this (nonsense, a bare
# place name) is unlike anything labelled, whatever the head says; it falls back instead.
MIN_SIMILARITY = 0.4
# Below this head probability no intent is clear enough; the message falls back to its constraints.
MIN_PROBABILITY = 0.4
# Inverse L2 strength of the softmax head; its 5-fold accuracy on the examples is flat from 10 to 100.
HEAD_C = 30.0
EXAMPLES_FILE = "intent_examples.yaml"


class IntentEntry(BaseModel):
    """One intent of the examples file: what it means and how shoppers say it."""

    model_config = ConfigDict(extra="forbid")

    description: StrictStr
    examples: list[StrictStr] = Field(min_length=1)


class ExamplesFile(BaseModel):
    """The labelled examples file (agent/data/intent_examples.yaml)."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    intents: dict[str, IntentEntry]

    @field_validator("intents")
    @classmethod
    def _known_intents(cls, value: dict[str, IntentEntry]) -> dict[str, IntentEntry]:
        # `unknown` is what the threshold leaves, so it has no examples of its own.
        wrong = sorted(set(value) - set(INTENTS) | ({FALLBACK} & set(value)))
        if wrong:
            raise ValueError(f"unknown or reserved intents: {', '.join(wrong)}")
        return value


@dataclass(frozen=True)
class Example:
    """A labelled shopper message."""

    text: str
    intent: str


@dataclass(frozen=True)
class Match:
    """The intent the head gives a message, its probability, and the nearest example and its similarity."""

    intent: str
    probability: float
    similarity: float
    example: str


@dataclass(frozen=True, eq=False)
class IntentHead:
    """A softmax regression over example embeddings: the small trained part of the router."""

    intents: tuple[str, ...]
    weights: np.ndarray
    bias: np.ndarray

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: Sequence[str], c: float = HEAD_C) -> IntentHead:
        """Fit the head on labelled vectors (L2-regularised, deterministic L-BFGS from zero)."""
        from scipy.optimize import minimize

        intents = tuple(dict.fromkeys(labels))
        x = np.asarray(vectors, dtype=np.float64)
        onehot = np.eye(len(intents))[[intents.index(label) for label in labels]]
        n, d = x.shape
        k = len(intents)

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            weights, bias = w[: d * k].reshape(d, k), w[d * k :]
            logp = _log_softmax(x @ weights + bias)
            grad = (np.exp(logp) - onehot) / n
            value = -float((onehot * logp).sum()) / n + float((weights**2).sum()) / (2 * c * n)
            return value, np.concatenate([(x.T @ grad + weights / (c * n)).ravel(), grad.sum(axis=0)])

        result = minimize(loss, np.zeros(d * k + k), jac=True, method="L-BFGS-B", options={"maxiter": 500})
        return cls(intents, result.x[: d * k].reshape(d, k), result.x[d * k :])

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """One row of intent probabilities per vector, in the order of `intents`."""
        logits = np.asarray(vectors, dtype=np.float64) @ self.weights + self.bias
        return np.asarray(np.exp(_log_softmax(logits)))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return np.asarray(z - np.log(np.exp(z).sum(axis=1, keepdims=True)))


def default_examples_path() -> Path:
    """The examples file shipped with the package."""
    return Path(str(resources.files("agent.intents").joinpath(EXAMPLES_FILE)))


def parse_examples(text: str, source: str) -> tuple[Example, ...]:
    """Validate an examples file's text; errors name the file."""
    try:
        data = ExamplesFile.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DataError(f"{source}: {exc}") from exc
    return tuple(
        Example(normalise(sample), intent)
        for intent, entry in data.intents.items()
        for sample in entry.examples
    )


def load_examples(path: Path | None = None) -> tuple[Example, ...]:
    """The labelled examples from a file (default: the packaged one)."""
    path = path or default_examples_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot read intent examples {path}: {exc}") from exc
    return parse_examples(text, str(path))


@dataclass(frozen=True, eq=False)
class _Fitted:
    vectors: np.ndarray
    head: IntentHead


@dataclass
class IntentRouter:
    """Rules decide when they are sure; otherwise a head trained on labelled examples, if close enough."""

    vocab: CatalogWords
    embedder: Embedder | None = None
    examples: tuple[Example, ...] = ()
    min_similarity: float = MIN_SIMILARITY
    min_probability: float = MIN_PROBABILITY
    _fitted: _Fitted | None = field(default=None, repr=False)

    def for_vocabulary(self, vocab: CatalogWords) -> IntentRouter:
        """The same router over another catalog, sharing the fitted examples."""
        return replace(self, vocab=vocab, _fitted=self._fit())

    def route(self, message: str) -> Parsed:
        """Route one message to an intent and read its references and constraints."""
        return self.route_many([message])[0]

    def route_many(self, messages: Sequence[str]) -> list[Parsed]:
        """Route messages in one batch (one embedder call for those the rules leave open)."""
        texts = [normalise(m) for m in messages]
        parsed = [read_constraints(t, self.vocab) for t in texts]
        ruled = [rule_intent(t, p) for t, p in zip(texts, parsed, strict=True)]
        open_rows = [i for i, intent in enumerate(ruled) if intent is None and texts[i]]
        matches = dict(zip(open_rows, self.match([texts[i] for i in open_rows]), strict=False))
        return [self._decide(p, ruled[i], matches.get(i)) for i, p in enumerate(parsed)]

    def match(self, texts: Sequence[str]) -> list[Match]:
        """What the examples say of each text; empty without an embedder or examples."""
        fitted = self._fit() if texts else None
        if self.embedder is None or fitted is None:
            return []
        vectors = self.embedder.encode([normalise(t) for t in texts])
        sims = vectors @ fitted.vectors.T
        probs = fitted.head.probabilities(vectors)
        out = []
        for sim_row, prob_row in zip(sims, probs, strict=True):
            best, nearest = int(np.argmax(prob_row)), int(np.argmax(sim_row))
            intent = fitted.head.intents[best]
            out.append(
                Match(intent, float(prob_row[best]), float(sim_row[nearest]), self.examples[nearest].text)
            )
        return out

    def _fit(self) -> _Fitted | None:
        if self.embedder is None or len({e.intent for e in self.examples}) < 2:
            return None
        if self._fitted is None:
            vectors = self.embedder.encode([e.text for e in self.examples])
            self._fitted = _Fitted(vectors, IntentHead.fit(vectors, [e.intent for e in self.examples]))
        return self._fitted

    def _decide(self, parsed: Parsed, ruled: str | None, match: Match | None) -> Parsed:
        if ruled:
            return replace(parsed, intent=ruled)
        score = match.probability if match else 0.0
        # A message naming catalog products is about shopping, whatever it resembles.
        off = match is not None and match.intent == "off_topic" and bool(parsed.product_words)
        close = match is not None and match.similarity >= self.min_similarity
        if match is not None and close and score >= self.min_probability and not off:
            return replace(parsed, intent=match.intent, source="similarity", score=score)
        intent = fallback_intent(parsed)
        return replace(
            parsed, intent=intent, source="constraints" if intent != FALLBACK else "fallback", score=score
        )


def build_router(
    vocab: CatalogWords,
    embedder: Embedder | None = None,
    examples: Sequence[Example] | None = None,
) -> IntentRouter:
    """A router over a catalog's vocabulary; without an embedder it uses the rules alone."""
    chosen = tuple(examples) if examples is not None else (load_examples() if embedder else ())
    return IntentRouter(vocab, embedder, chosen)
