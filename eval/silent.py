"""A generator that writes nothing: every reason is the grounded template, so a chat runs fast and
without an LM (search quality, intent coverage and the audit's templates need no model)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prompts.render import Rendered


@dataclass
class SilentGenerator:
    """An empty answer for every prompt."""

    name: str = "template"

    def generate(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None = None, temperature: float = 0.0
    ) -> list[str]:
        """An empty answer per prompt."""
        return ["" for _ in prompts]

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Nothing."""
        yield from ()
