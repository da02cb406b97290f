"""The baseline the reader is measured against: a softmax head over MiniLM embeddings of the message and
of the assistant's last message, trained on the same labelled turns. It reads the intent only; the
items and changes of its readings come from the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agent.intents.parse import normalise
from agent.intents.router import IntentHead
from agent.turns.action import TurnContext, TurnLine
from retrieval.embedder import Embedder


@dataclass(frozen=True, eq=False)
class TurnClassifier:
    """Intent from [message vector, assistant vector]: the context the shopper answered, in one vector."""

    embedder: Embedder
    head: IntentHead

    @classmethod
    def fit(cls, embedder: Embedder, turns: Sequence[TurnLine]) -> TurnClassifier:
        """Train the head on labelled turns."""
        vectors = _vectors(embedder, [(t.context, t.message) for t in turns])
        return cls(embedder, IntentHead.fit(vectors, [t.action.intent for t in turns]))

    def intents(self, turns: Sequence[tuple[TurnContext, str]]) -> list[str]:
        """The most likely intent of each turn."""
        if not turns:
            return []
        probs = self.head.probabilities(_vectors(self.embedder, turns))
        return [self.head.intents[int(i)] for i in np.argmax(probs, axis=1)]


def _vectors(embedder: Embedder, turns: Sequence[tuple[TurnContext, str]]) -> np.ndarray:
    messages = embedder.encode([normalise(m) for _, m in turns])
    assistants = embedder.encode([normalise(c.assistant) or "-" for c, _ in turns])
    return np.hstack([messages, assistants])
