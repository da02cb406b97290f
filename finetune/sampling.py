"""Nucleus sampling as a logits processor: transformers' draw, at a fraction of its cost on a CPU."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The nucleus both backends sample from above temperature 0.
TOP_P = 0.9
# Where the nucleus is looked for: at temperature 0.7 a finetuned model's 0.9 nucleus is a handful of
# tokens, so the 50 most likely hold it at nearly every step.
TOP_K = 50


@dataclass(frozen=True)
class NucleusSampler:
    """Draw each next token from the top-p nucleus of the temperature-scaled top-k, then leave only it.

    Run with greedy decoding (`do_sample=False`): the argmax of what this returns is the drawn token.
    transformers' own sampler sorts and draws over the whole 49k-token vocabulary for every sequence; on
    two cores that was 60% of sampled decoding at 80 sequences (34 s -> 22 s per 16 rows, best of 6).
    """

    temperature: float
    top_p: float = TOP_P
    top_k: int = TOP_K

    def nucleus(self, scores: Any) -> tuple[Any, Any]:
        """Per row, the top-k token ids (most likely first) and their probabilities, 0 outside the nucleus."""
        values, indices = (scores.float() / self.temperature).topk(min(self.top_k, scores.shape[-1]), dim=-1)
        probs = values.softmax(dim=-1)
        # Keep a token while the tokens ranked above it hold less than top_p (transformers' rule, seen
        # from the top); the most likely token always stays.
        kept = probs.masked_fill(probs.cumsum(dim=-1) - probs >= self.top_p, 0.0)
        return kept / kept.sum(dim=-1, keepdim=True), indices

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        """Scores that are -inf everywhere except at each row's drawn token."""
        import torch

        probs, indices = self.nucleus(scores)
        drawn = indices.gather(-1, torch.multinomial(probs, 1))
        return torch.full_like(scores, float("-inf")).scatter_(1, drawn, 0.0)
