"""Conversation state as explicit data: what was shown, what the shopper asked for, the messages."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage

from agent.recommender import Recommendation
from retrieval.filters import Constraints
from retrieval.shoppers import Shopper

ANONYMOUS_PREFIX = "anon-"


def anonymous_shopper() -> Shopper:
    """A new cold shopper with an unguessable id: someone who has only said what they want."""
    return Shopper(ANONYMOUS_PREFIX + secrets.token_urlsafe(12))


@dataclass(frozen=True)
class ChatState:
    """Everything a follow-up can refer to; replaced, never mutated, on each turn."""

    shopper: Shopper
    shown: tuple[str, ...] = ()
    seen: frozenset[str] = frozenset()
    constraints: Constraints = field(default_factory=Constraints)
    focus: str | None = None
    wants: str = ""
    like_item_id: str | None = None
    avoid_categories: tuple[str, ...] = ()
    avoid_colours: tuple[str, ...] = ()
    pending: str | None = None  # a question awaiting a yes/no, e.g. "forget_me"

    @property
    def budget_max(self) -> float | None:
        """The budget in force: the tighter of the shopper's preference and this chat's limit."""
        stated = (self.shopper.preferences.budget_max, self.constraints.budget_max)
        return min((b for b in stated if b), default=None)

    def showing(self, item_ids: tuple[str, ...]) -> ChatState:
        """The state after a new list was shown: #1 becomes the focus."""
        return replace(
            self,
            shown=item_ids,
            seen=self.seen | set(item_ids),
            focus=item_ids[0] if item_ids else None,
        )


@dataclass
class Conversation:
    """One chat: its state, its messages (langchain-core), and the recommendations on screen."""

    state: ChatState
    messages: list[BaseMessage] = field(default_factory=list)
    recommendations: dict[str, Recommendation] = field(default_factory=dict)

    def add_user(self, text: str) -> None:
        """Record what the shopper said."""
        self.messages.append(HumanMessage(content=text))

    def add_ai(self, text: str) -> None:
        """Record what the agent answered."""
        self.messages.append(AIMessage(content=text))

    def reset(self, state: ChatState) -> None:
        """Start over with a new state: no messages and nothing on screen."""
        self.state = state
        self.messages.clear()
        self.recommendations.clear()

    def last_user_text(self) -> str:
        """The shopper's latest message."""
        return next((str(m.content) for m in reversed(self.messages) if m.type == "human"), "")

    def shown_recommendations(self) -> list[Recommendation]:
        """The recommendations currently shown, in order."""
        return [self.recommendations[i] for i in self.state.shown if i in self.recommendations]
