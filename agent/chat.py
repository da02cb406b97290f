"""The chat loop's brain: route each message, update the state, answer with grounded text."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from agent.explain import about_me, compare, explain_why, explain_why_not, help_text, item_line
from agent.guard import screen
from agent.intents import Parsed, Vocabulary, route
from agent.recommender import Agent, Recommendation
from agent.state import ChatState, Conversation
from retrieval.filters import Constraints
from retrieval.shoppers import Shopper
from whythis.errors import WhythisError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    """What the agent says back: text, the items it shows, and whether the chat is over."""

    text: str
    intent: str
    items: tuple[Recommendation, ...] = ()
    done: bool = False


@dataclass
class ChatAgent:
    """Turns messages into replies over an agent; holds no per-shopper state itself."""

    agent: Agent
    vocab: Vocabulary

    @classmethod
    def over(cls, agent: Agent) -> ChatAgent:
        """A chat agent over a loaded agent, with the catalog's vocabulary."""
        return cls(agent, Vocabulary.from_items(agent.items))

    def start(self, shopper: Shopper) -> tuple[Conversation, Reply]:
        """Open a conversation: recommendations for a known shopper, a question for a cold one."""
        conv = Conversation(ChatState(shopper))
        if shopper.is_cold:
            reply = Reply("Hi! What are you looking for today? (type 'help' for what I can do)", "greet")
        else:
            reply = self._recommend(conv, "Here are my picks for you:")
        conv.add_ai(reply.text)
        return conv, reply

    def respond(self, conv: Conversation, message: str) -> Reply:
        """Answer one message; a failure becomes an apology, never an exception."""
        screened = screen(message, self.agent.config.chat.max_message_chars)
        conv.add_user(screened.text or "[refused message]")
        if screened.refusal:
            reply = Reply(screened.refusal, "refused")
        else:
            try:
                reply = self._dispatch(conv, route(screened.text, self.vocab))
            except WhythisError as exc:
                reply = Reply(f"Sorry, I couldn't do that: {exc}", "error")
            except Exception:  # a bad turn must never end the chat
                log.exception("turn failed: %r", screened.text)
                reply = Reply("Sorry, something went wrong on my side. Please try again.", "error")
        conv.add_ai(reply.text)
        return reply

    def _dispatch(self, conv: Conversation, parsed: Parsed) -> Reply:
        handlers: dict[str, Callable[[Conversation, Parsed], Reply]] = {
            "quit": lambda c, p: Reply("Bye! Thanks for shopping with us.", "quit", done=True),
            "help": lambda c, p: Reply(help_text(), "help"),
            "about_me": lambda c, p: Reply(about_me(c.state, self._bought(c)), "about_me"),
            "why": self._why,
            "why_not": self._why_not,
            "compare": self._compare,
            "cheaper": self._cheaper,
            "more_like": self._more_like,
            "others": self._others,
            "search": self._search,
        }
        handler = handlers.get(parsed.intent)
        if handler is None:
            return Reply("I'm not sure I can help with that here. " + help_text(), "unknown")
        return handler(conv, parsed)

    def _bought(self, conv: Conversation) -> list[str]:
        found = (self.agent.item(i) for i in conv.state.shopper.history)
        return [item.title for item in found if item is not None]

    def _target(self, conv: Conversation, parsed: Parsed, nth: int = 0) -> Recommendation | None:
        shown = conv.shown_recommendations()
        if not shown:
            return None
        if len(parsed.refs) > nth:
            pos = parsed.refs[nth]
            index = len(shown) - 1 if pos == -1 else pos - 1
            return shown[index] if 0 <= index < len(shown) else None
        by_title = [r for r in shown if parsed.title_words & set(r.item.title.lower().split())]
        if by_title and not parsed.points_at_this:
            return by_title[0]
        focus = conv.recommendations.get(conv.state.focus or "")
        return focus or shown[0]

    def _no_target(self, conv: Conversation, parsed: Parsed) -> Reply:
        n = len(conv.state.shown)
        if not n:
            return Reply("I haven't shown you anything yet. What are you looking for?", parsed.intent)
        return Reply(f"I'm showing {n} items; pick one of #1 to #{n}.", parsed.intent)

    def _why(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        if target is None:
            return self._no_target(conv, parsed)
        conv.state = replace(conv.state, focus=target.item.item_id)
        return Reply(explain_why(target, conv.state), "why", (target,))

    def _why_not(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        shown = conv.shown_recommendations()
        if target is None or not shown:
            return self._no_target(conv, parsed)
        best = None if target.item.item_id == shown[0].item.item_id else shown[0]
        return Reply(explain_why_not(target, best, conv.state), "why_not", (target,))

    def _compare(self, conv: Conversation, parsed: Parsed) -> Reply:
        picks = [self._target(conv, parsed, n) for n in range(max(2, len(parsed.refs)))]
        chosen = {p.item.item_id: p for p in picks if p is not None}
        for extra in conv.shown_recommendations():
            if len(chosen) >= 2:
                break
            chosen.setdefault(extra.item.item_id, extra)
        if len(chosen) < 2:
            return self._no_target(conv, parsed)
        items = list(chosen.values())
        return Reply(compare(items, conv.state), "compare", tuple(items))

    def _cheaper(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        limit = parsed.budget_max
        if limit is None and target is not None and target.item.price is not None:
            limit = target.item.price * 0.999
        extra = Constraints(budget_max=limit) if limit else Constraints()
        conv.state = replace(conv.state, constraints=conv.state.constraints.merged(extra))
        return self._recommend(conv, "Here are cheaper options:")

    def _more_like(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        if target is None:
            return self._search(conv, parsed)
        colours = Constraints(colours=parsed.colours) if parsed.colours else Constraints()
        conv.state = replace(
            conv.state,
            like_item_id=target.item.item_id,
            constraints=replace(conv.state.constraints.merged(colours), colours=parsed.colours),
        )
        return self._recommend(conv, f"More like #{conv.state.shown.index(target.item.item_id) + 1}:")

    def _others(self, conv: Conversation, parsed: Parsed) -> Reply:
        excluded = Constraints(exclude_ids=frozenset(conv.state.seen))
        conv.state = replace(conv.state, constraints=conv.state.constraints.merged(excluded))
        return self._recommend(conv, "Here are some others:")

    def _search(self, conv: Conversation, parsed: Parsed) -> Reply:
        stated = Constraints(
            budget_max=parsed.budget_max,
            budget_min=parsed.budget_min,
            gender=parsed.gender,
            colours=parsed.colours,
            avoid_brands=parsed.avoid_brands,
        )
        wants = conv.last_user_text() if parsed.title_words else conv.state.wants
        conv.state = replace(
            conv.state,
            wants=str(wants),
            like_item_id=None,
            constraints=conv.state.constraints.merged(stated),
        )
        return self._recommend(conv, "Here is what I found:")

    def _recommend(self, conv: Conversation, header: str) -> Reply:
        state = conv.state
        k = self.agent.config.chat.k
        recs = self.agent.recommend(state.shopper, k, state.wants, state.constraints, state.like_item_id)
        if not recs:
            return Reply("Nothing in the catalog fits all of that. Try loosening a constraint.", "empty")
        conv.recommendations.update({r.item.item_id: r for r in recs})
        conv.state = state.showing(tuple(r.item.item_id for r in recs))
        lines = [header] + [item_line(n, r) for n, r in enumerate(recs, start=1)]
        return Reply("\n".join(lines), "recommend", tuple(recs))
