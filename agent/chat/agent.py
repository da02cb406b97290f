"""The chat loop's brain: route each message, update the state, answer with grounded text."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from agent.chat import answers, follow_ups, refine
from agent.chat.explain import explain_why, explain_why_not, help_text, item_line
from agent.chat.guard import OutputGuard
from agent.chat.item_answers import item_answer, shop_answer
from agent.chat.reading import read_turn
from agent.chat.state import ChatState, Conversation, anonymous_shopper
from agent.intents.parse import CatalogWords, Parsed, focus_text, search_text
from agent.intents.router import IntentRouter, build_router
from agent.intents.rules import route
from agent.reasons.fallback import Asked
from agent.reasons.writer import Reason
from agent.recommender import Agent, Recommendation
from agent.safety.guard import screen
from agent.turns.reader import TurnReader
from prompts.render import PromptFile
from retrieval.filters import Constraints
from retrieval.items import Item
from retrieval.kinds import need_terms
from retrieval.retriever import Candidate
from retrieval.shoppers import Shopper
from whythis.errors import WhythisError

log = logging.getLogger(__name__)

# Deletes everything kept about the conversation's shopper; returns counts per store, or None if none.
Forgetter = Callable[[Conversation], Mapping[str, int] | None]
Handler = Callable[[Conversation, Parsed], "Reply"]

_YES = re.compile(r"^\s*(yes|y|yeah|yep|sure|ok|okay|confirm|please do|do it|go ahead|forget me)\b", re.I)
# On opening, a message the router cannot place is still what an anonymous shopper is looking for, and
# so is a question about items when none is on screen yet ("anything made of recycled materials?").
_OPENING_SEARCH = frozenset(
    {"unknown", "search", "refine", "item_question", "more_like", "cheaper", "others"}
)


@dataclass(frozen=True)
class Reply:
    """What the agent says back: text, the items it shows, the items it explains, whether the chat is over.

    `lead` is the text before the list when `items` is a new list (a UI shows it above the cards);
    `error` is a short code when the turn failed; `reset` means the conversation started over; `cards`
    is a new list whose reasons are still to be written (see `ChatAgent.begin`).
    """

    text: str
    intent: str
    items: tuple[Recommendation, ...] = ()
    done: bool = False
    explained: tuple[Recommendation, ...] = ()
    lead: str = ""
    error: str | None = None
    reset: bool = False
    cards: Cards | None = None
    by_model: bool = False  # a follow-up answer the realizer wrote (and the plan check passed)


@dataclass(frozen=True)
class Cards:
    """A new list on screen whose reasons are still being written: the candidates and what was asked."""

    candidates: tuple[Candidate, ...]
    asked: Asked


@dataclass
class ChatAgent:
    """Turns messages into replies over an agent; holds no per-shopper state itself."""

    agent: Agent
    vocab: CatalogWords
    forgetter: Forgetter | None = None
    router: IntentRouter | None = None
    # Other shoppers' ids, profiles and reviews a reply must never contain, by current shopper id.
    others: Callable[[str], Sequence[str]] | None = None
    allowed_domains: tuple[str, ...] = ()
    output_checks: bool = True  # off only to measure what the checks stop
    reader: TurnReader | None = None  # the model reading each turn in context; None: the router alone
    _guard: OutputGuard = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._guard = OutputGuard(self.agent.current_prompt, self.others, self.allowed_domains)

    @classmethod
    def over(
        cls,
        agent: Agent,
        forgetter: Forgetter | None = None,
        others: Callable[[str], Sequence[str]] | None = None,
        reader: TurnReader | None = None,
    ) -> ChatAgent:
        """A chat agent over a loaded agent, with the catalog's vocabulary; `others`, `reader`: see the
        fields."""
        vocab = CatalogWords.from_items(agent.items)
        router = build_router(vocab, agent.retriever.embedder)
        return cls(agent, vocab, forgetter, router, others, reader=reader)

    def using(self, prompts: Mapping[str, PromptFile]) -> ChatAgent:
        """This chat agent for a turn written with these prompt versions by name (a trial's; Agent.using)."""
        return replace(self, agent=self.agent.using(prompts)) if prompts else self

    def start(self, shopper: Shopper, first_message: str | None = None) -> tuple[Conversation, Reply]:
        """Open a conversation: the first message's answer, else picks (known) or a question (cold)."""
        conv = Conversation(ChatState(shopper, wants=(first_message or "").strip()))
        return conv, self.finish(conv, self.opening(conv, first_message))

    def opening(self, conv: Conversation, first_message: str | None = None) -> Reply:
        """The first reply of a new conversation (a list comes as cards: see `begin`)."""
        if first_message and first_message.strip():
            return self.begin(conv, first_message, opening=True)
        if conv.state.shopper.is_cold:
            reply = Reply("Hi! What are you looking for today? (type 'help' for what I can do)", "greet")
        else:
            reply = self._safely(lambda: self._recommend(conv, "Here are my picks for you:"), "opening")
        return self._said(conv, reply)

    def respond(
        self, conv: Conversation, message: str, parsed: Parsed | None = None, opening: bool = False
    ) -> Reply:
        """Answer one message whole, reasons included (routed unless `parsed` is given)."""
        return self.finish(conv, self.begin(conv, message, parsed, opening))

    def begin(
        self, conv: Conversation, message: str, parsed: Parsed | None = None, opening: bool = False
    ) -> Reply:
        """Answer one message; a new list comes back as `cards` at once, before any reason is written
        (then `reasons` writes them and `finish` completes the reply). A failure becomes an apology."""
        screened = screen(message, self.agent.config.chat.max_message_chars)
        conv.add_user(screened.text or "[refused message]")
        if screened.refusal:
            reply = Reply(screened.refusal, "refused")
        else:
            reply = self._safely(lambda: self._turn(conv, screened.text, parsed, opening), screened.text)
        return self._said(conv, reply)

    def reasons(
        self, conv: Conversation, reply: Reply, cancelled: Callable[[], bool] | None = None
    ) -> Iterator[Recommendation]:
        """Each card's reason as soon as it is written and checked (grounded, then safe to show), in the
        order they are ready; after a failure or `cancelled()`, the rest get the grounded template."""
        if reply.cards is None:
            return
        shopper, cards = conv.state.shopper, reply.cards
        left = {c.item.item_id: c for c in cards.candidates}
        try:
            for index, reason in self.agent.reasons(shopper, cards.candidates, cards.asked, cancelled):
                candidate = cards.candidates[index]
                del left[candidate.item.item_id]
                yield self._shown(conv, candidate, reason, cards)
        except Exception:  # the LM failing must not cost the shopper the list: templates fill in
            log.exception("writing reasons failed; %d cards get the grounded template", len(left))
        for candidate in list(left.values()):
            del left[candidate.item.item_id]
            yield self._shown(conv, candidate, self.agent.fallback(shopper, candidate, cards.asked), cards)

    def finish(self, conv: Conversation, reply: Reply) -> Reply:
        """The whole reply: for a list, its lines with the reasons (written now if not yet), checked and
        recorded in the conversation; any other reply as it is."""
        if reply.cards is None:
            return reply
        ids = [c.item.item_id for c in reply.cards.candidates]
        if any(i not in conv.recommendations for i in ids):
            for _ in self.reasons(conv, reply):
                pass
        recs = tuple(conv.recommendations[i] for i in ids)
        lines = [reply.lead] + [item_line(n, r) for n, r in enumerate(recs, start=1)]
        done = Reply("\n".join(lines), reply.intent, recs, lead=reply.lead)
        return self._said(conv, done)

    def _said(self, conv: Conversation, reply: Reply) -> Reply:
        """A finished reply made safe and recorded; cards wait for `finish`."""
        if reply.cards is not None:
            return reply
        reply = self._safe(conv, reply)
        conv.add_ai(reply.text)
        return reply

    def _shown(
        self, conv: Conversation, candidate: Candidate, reason: Reason, cards: Cards
    ) -> Recommendation:
        """The recommendation of a card with a reason safe to render (else the grounded template's)."""
        items = [c.item for c in cards.candidates]
        if self._safe_text(conv, reason.text, items) != reason.text:
            reason = self.agent.fallback(conv.state.shopper, candidate, cards.asked)
            if self._safe_text(conv, reason.text, items) != reason.text:
                reason = replace(reason, text="")  # nothing safe to say about it: the card stands alone
        rec = Recommendation(candidate, reason)
        conv.recommendations[candidate.item.item_id] = rec
        return rec

    def _safe(self, conv: Conversation, reply: Reply) -> Reply:
        """The reply as the widget may render it: no markup, leaks or unbacked offers (else replaced)."""
        if not self.output_checks:
            return reply
        safe = self._guard.check(conv, reply.text, [r.item for r in (*reply.items, *reply.explained)])
        if safe.blocked:
            return Reply(safe.text, "blocked")
        return replace(reply, text=safe.text)

    def _safe_text(self, conv: Conversation, text: str, items: Sequence[Item]) -> str | None:
        """The text as it may be rendered beside these items, or None when it must not be shown."""
        if not self.output_checks:
            return text
        safe = self._guard.check(conv, text, items)
        return None if safe.blocked else safe.text

    def _safely(self, turn: Callable[[], Reply], what: str) -> Reply:
        try:
            return turn()
        except WhythisError as exc:
            return Reply(f"Sorry, I couldn't do that: {exc}", "error", error="invalid")
        except Exception:  # a bad turn must never end the chat
            log.exception("turn failed: %r", what)
            return Reply(
                "Sorry, something went wrong on my side. Please try again.", "error", error="internal"
            )

    def _turn(self, conv: Conversation, text: str, parsed: Parsed | None, opening: bool) -> Reply:
        if conv.state.pending == "forget_me":
            conv.state = replace(conv.state, pending=None)
            if _YES.search(text):
                return self._forget(conv)
            if parsed is None and re.match(r"^\s*(no|nope|cancel|keep|don'?t)\b", text, re.I):
                return Reply(answers.FORGET_KEPT, "forget_me")
        if parsed is None:
            rules = self.router.route(text) if self.router else route(text, self.vocab)
            parsed = read_turn(self.reader, conv, text, rules, self.vocab) if self.reader else rules
        if opening and parsed.intent in _OPENING_SEARCH:
            parsed = replace(parsed, intent="search")
        return self._dispatch(conv, parsed)

    def _dispatch(self, conv: Conversation, parsed: Parsed) -> Reply:
        handler = self._handlers().get(parsed.intent)
        if handler is None:
            return Reply(answers.unknown_text(), "unknown")
        return handler(conv, parsed)

    def _handlers(self) -> dict[str, Handler]:
        def say(text: str, intent: str) -> Handler:
            return lambda c, p: Reply(text, intent)

        return {
            "greet": say(answers.GREET, "greet"),
            "thanks": say(answers.THANKS, "thanks"),
            "ack": say(answers.ACK, "ack"),
            "shop_info": lambda c, p: Reply(self._shop_answer(c), "shop_info"),
            "item_question": self._item_question,
            "off_topic": say(answers.OFF_TOPIC, "off_topic"),
            "quit": lambda c, p: Reply("Bye! Thanks for shopping with us.", "quit", done=True),
            "help": say(help_text(), "help"),
            "about_me": lambda c, p: Reply(answers.about_me_text(c.state, self._bought(c)), "about_me"),
            "how_choose": lambda c, p: Reply(
                answers.how_choose_text(self.agent.config, len(self.agent.items)), "how_choose"
            ),
            "forget_me": self._forget_me,
            "why": self._why,
            "why_not": self._why_not,
            "compare": self._compare,
            "cheaper": self._cheaper,
            "refine": self._refine,
            "more_like": self._more_like,
            "different": self._different,
            "others": self._others,
            "search": self._search,
        }

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
        priced = [r for r in shown if r.item.price is not None]
        if nth == 0 and parsed.by_price and priced:
            ordered = sorted(priced, key=lambda r: r.item.price or 0.0)
            return ordered[0] if parsed.by_price == "low" else ordered[-1]
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

    def _forget_me(self, conv: Conversation, parsed: Parsed) -> Reply:
        conv.state = replace(conv.state, pending="forget_me")
        return Reply(answers.FORGET_ASK, "forget_me")

    def _forget(self, conv: Conversation) -> Reply:
        counts = self.forgetter(conv) if self.forgetter is not None else None
        conv.reset(ChatState(anonymous_shopper()))
        return Reply(answers.forgotten_text(counts), "forgotten", reset=True)

    def _why(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        if target is None:
            return self._no_target(conv, parsed)
        conv.state = replace(conv.state, focus=target.item.item_id)
        written = follow_ups.why_text(self.agent, conv.state, target)
        text = written or explain_why(target, conv.state)
        return Reply(text, "why", explained=(target,), by_model=written is not None)

    def _item_question(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        if target is None:
            return self._no_target(conv, parsed)
        conv.state = replace(conv.state, focus=target.item.item_id)
        position = answers.position_of(conv.state, target)
        return Reply(item_answer(target.item, conv.last_user_text(), position), "item_question")

    def _shop_answer(self, conv: Conversation) -> str:
        chat = self.agent.config.chat
        return shop_answer(conv.last_user_text(), chat.shop_answers, chat.help_url)

    def _why_not(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        shown = conv.shown_recommendations()
        if target is None or not shown:
            return self._no_target(conv, parsed)
        best = None if target.item.item_id == shown[0].item.item_id else shown[0]
        explained = (target,) if best is None else (target, best)
        written = follow_ups.why_not_text(self.agent, conv.state, target, best) if best else None
        text = written or explain_why_not(target, best, conv.state)
        return Reply(text, "why_not", explained=explained, by_model=written is not None)

    def _compare(self, conv: Conversation, parsed: Parsed) -> Reply:
        wanted = min(3, max(2, len(parsed.refs)))
        picks = [self._target(conv, parsed, n) for n in range(wanted)]
        chosen = {p.item.item_id: p for p in picks if p is not None}
        for extra in conv.shown_recommendations():
            if len(chosen) >= wanted:
                break
            chosen.setdefault(extra.item.item_id, extra)
        if len(chosen) < 2:
            return self._no_target(conv, parsed)
        items = list(chosen.values())
        table = answers.compare_text(items, conv.state)  # side by side on what this shopper cares about
        written = follow_ups.compare_text(self.agent, conv.state, items)
        return Reply(f"{written}\n{table}" if written else table, "compare", by_model=written is not None)

    def _cheaper(self, conv: Conversation, parsed: Parsed) -> Reply:
        conv.state, header = refine.cheaper(conv.state, parsed, self._target(conv, parsed))
        return self._recommend(conv, header)

    def _refine(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed) if conv.state.shown else None
        changed = refine.refine(conv.state, parsed, target, conv.last_user_text())
        if changed is None:
            return self._search(conv, parsed)
        conv.state, header = changed
        return self._recommend(conv, header, fill=True)

    def _more_like(self, conv: Conversation, parsed: Parsed) -> Reply:
        target = self._target(conv, parsed)
        if target is None:
            return self._search(conv, parsed)
        conv.state, header = refine.more_like(conv.state, parsed, target)
        return self._recommend(conv, header)

    def _different(self, conv: Conversation, parsed: Parsed) -> Reply:
        before = conv.state
        conv.state, header = refine.different(before, conv.shown_recommendations())
        reply = self._recommend(conv, header)
        if reply.cards is not None:
            return reply
        # Every other category is exhausted: anything not seen yet is still different.
        conv.state, header = refine.others(replace(before, like_item_id=None, wants=""))
        return self._recommend(conv, header)

    def _others(self, conv: Conversation, parsed: Parsed) -> Reply:
        conv.state, header = refine.others(conv.state)
        return self._recommend(conv, header)

    def _search(self, conv: Conversation, parsed: Parsed) -> Reply:
        conv.state, header = refine.search(conv.state, parsed, conv.last_user_text())
        return self._recommend(conv, header, fill=True)

    def _recommend(self, conv: Conversation, header: str, fill: bool = False) -> Reply:
        state = conv.state
        k = self.agent.config.chat.k
        avoided = refine.avoided_ids(self.agent.items, state)
        constraints = (
            state.constraints.merged(Constraints(exclude_ids=avoided)) if avoided else state.constraints
        )
        wanted = search_text(state.wants)
        # Needs no field states ("warm", "for the office") rank by the words listings use for them.
        focus = " ".join([focus_text(state.wants, self.vocab, constraints), *need_terms(state.wants)]).strip()
        asked = Asked(state.wants, state.constraints)
        constraints, missing, found = refine.loosened(
            constraints,
            lambda c: self.agent.candidates(state.shopper, k, wanted, c, state.like_item_id, focus),
        )
        if missing:
            header = f"Nothing here is listed as {missing}, so these come closest:"
        # Saved preferences never empty a list on their own: set them aside one at a time until the list
        # is full, and say so. A request's thin list is filled the same way; a follow-up's few items
        # that fit stay alone ("more like #1" in her colours).
        fitting = len(found)
        short = not fitting or (fill and fitting < k)
        for words, looser in refine.set_aside(state.shopper, state.constraints) if short else []:
            more = self.agent.candidates(looser, k, wanted, constraints, state.like_item_id, focus)
            have = {c.item.item_id for c in found}
            extra = [c for c in more if c.item.item_id not in have][: k - len(found)]
            if extra:
                header = refine.set_aside_header(fitting, words)
                found = [*found, *extra]
            if len(found) >= k:
                break
        if not found:
            return Reply("Nothing in the catalog fits all of that. Try loosening a constraint.", "empty")
        conv.state = state.showing(tuple(c.item.item_id for c in found))
        return Reply(header, "recommend", lead=header, cards=Cards(tuple(found), asked))
