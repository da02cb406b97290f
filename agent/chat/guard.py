"""The output check of the chat: what a reply or a card's reason may show beside the items it is about,
with the active prompt's secrets read once per prompt version (agent.safety.output does the checking)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agent.chat.state import Conversation
from agent.safety.output import ReplyContext, SafeReply, check_reply, prompt_secrets
from prompts.render import PromptFile
from retrieval.items import Item


@dataclass
class OutputGuard:
    """Checks texts against the shopper's conversation: markup, leaks, other shoppers, unbacked offers."""

    current_prompt: Callable[[], PromptFile]
    # Other shoppers' ids, profiles and reviews a reply must never contain, by current shopper id.
    others: Callable[[str], Sequence[str]] | None = None
    allowed_domains: tuple[str, ...] = ()
    _secrets: tuple[tuple[str, int], tuple[str, ...]] | None = field(default=None, init=False, repr=False)

    def check(self, conv: Conversation, text: str, items: Sequence[Item]) -> SafeReply:
        """The text as it may be rendered beside these items and those on screen."""
        shown = [r.item for r in conv.shown_recommendations()]
        return check_reply(text, self._context(conv, [*shown, *items]))

    def _context(self, conv: Conversation, items: Sequence[Item]) -> ReplyContext:
        prompt = self.current_prompt()
        # Cached per prompt version: a newly activated studio version brings its own secrets.
        if self._secrets is None or self._secrets[0] != (prompt.name, prompt.version):
            self._secrets = ((prompt.name, prompt.version), prompt_secrets(prompt))
        shopper = conv.state.shopper
        return ReplyContext(
            items=tuple({i.item_id: i for i in items}.values()),
            shopper=shopper,
            other_shoppers=tuple(self.others(shopper.shopper_id)) if self.others else (),
            secrets=self._secrets[1],
            allowed_domains=self.allowed_domains,
        )
