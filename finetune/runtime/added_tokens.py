"""Tokens an adapter adds to its base's vocabulary (a realizer's slots), kept with the adapter.

A trained adapter with added tokens saves its tokenizer beside its weights; whoever loads it (training
further, merging for an engine, the transformers backend) takes that tokenizer and grows the base
model's embeddings to it first, so the added rows the adapter trained have a place.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TOKENIZER_FILE = "tokenizer.json"


def tokenizer_source(adapter: Path | None, base_path: str) -> str:
    """Where to read the tokenizer: the adapter's own when it saved one, else the base model's."""
    if adapter is not None and (adapter / TOKENIZER_FILE).is_file():
        return str(adapter)
    return base_path


def add_tokens(tokenizer: Any, tokens: list[str]) -> list[int]:
    """Add each token once as a normal (not special) token, kept whole; its ids in the tokenizer.

    Each takes the space before it (" [PRICE]" is one token, not two), so decoded text has none
    there: whoever reads the text puts it back (agent/plans/slots.py `spaced`).
    """
    from tokenizers import AddedToken

    tokenizer.add_tokens([AddedToken(t, lstrip=True, normalized=False) for t in tokens])
    ids: list[int] = tokenizer.convert_tokens_to_ids(tokens)
    return ids


def init_added_rows(model: Any, tokenizer: Any, tokens: list[str]) -> None:
    """Start each added token's embedding at the mean of its name's word pieces ("[PRICE]" at " price"),
    so slots differ from the start and training has less to learn than from one shared mean."""
    import torch

    weights = model.get_input_embeddings().weight
    with torch.no_grad():
        for token in tokens:
            name = " " + token.strip("[]").replace("_", " ").lower()
            pieces = tokenizer(name, add_special_tokens=False)["input_ids"]
            weights[tokenizer.convert_tokens_to_ids(token)] = weights[pieces].mean(dim=0)


def fit_embeddings(model: Any, tokenizer: Any) -> None:
    """Grow the model's embeddings to the tokenizer when it holds added tokens."""
    if len(tokenizer) > model.get_input_embeddings().num_embeddings:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=True)


@contextmanager
def tied_token_notices_quiet() -> Iterator[None]:
    """Silence peft's notices about trained token rows on a model with tied embeddings: the embedding
    layers are saved with the adapter on purpose, and the output layer's copy of the rows is tied to the
    input's, so its saved key is rightly unused on load."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*save_embedding_layers.*", category=UserWarning)
        warnings.filterwarnings("ignore", message=r".*token_adapter.*", category=UserWarning)
        yield
