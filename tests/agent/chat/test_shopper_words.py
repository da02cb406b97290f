"""What a shopper reads says nothing internal: no "fallback", no scores, ranks or signal names.

Every client turn of every MG-ShopDial dialogue goes through the chat over its own product cards; the
replies, the reasons, "why #1?" and the evidence a widget shows (cards and evidence events, the fields
whythis.js puts on screen) are scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.chat.agent import ChatAgent, Reply
from agent.chat.state import anonymous_shopper
from agent.config import AgentConfig
from agent.recommender import load_agent
from agent.sessions.events import evidence_event, item_card
from eval.dialogues import catalog_for, load_dialogues
from eval.silent import SilentGenerator
from retrieval.datasets import dataset_path
from retrieval.embedder import load_embedder

INTERNAL = re.compile(
    r"\bfallback\b|\bsimilarity\b|\bscores?\b|\brank(?:ed)? \d|\bfor that signal\b|\btaste score\b|"
    r"\breciprocal\b|\brrf\b|\bk=\d|\b\d\.\d{3,}\b|\bcollab(?:orative)?\b|"
    r"\b(?:content|keyword|history|popular|bought_together|like_item) signal\b",
    re.I,
)


def widget_strings(reply: Reply) -> list[str]:
    """The strings whythis.js shows for a reply: the text, each card, each card's evidence."""
    out = [reply.lead, reply.text]
    for n, rec in enumerate(reply.items, start=1):
        card = item_card(rec.item, n, rec)
        out += [card.title, card.brand or "", card.reason or ""]
    for rec in reply.explained:
        ev = evidence_event(rec, None, lambda _: None)
        out += [s.detail for s in ev.signals]
        out += [f"your {m.shopper_fact} -> its {m.item_attribute}: {m.value}" for m in ev.matched]
        out += [c.title for c in ev.collaborative]
    return out


def _leaks(texts: list[str]) -> list[str]:
    found = (INTERNAL.search(t) for t in texts if t)
    return [f"{m.group()!r} in {m.string[max(0, m.start() - 60) : m.end() + 20]!r}" for m in found if m]


@pytest.mark.slow
def test_no_shopper_visible_text_says_anything_internal() -> None:
    folder = dataset_path("mg_shopdial")
    config = AgentConfig()
    embedder = load_embedder()
    chats: dict[Path, ChatAgent] = {}
    leaks: list[str] = []
    turns = 0
    for dialogue in load_dialogues(folder):
        path = catalog_for(dialogue.id, folder)
        if path not in chats:
            agent = load_agent(config, path, "mg_shopdial", generator=SilentGenerator(), embedder=embedder)
            chats[path] = ChatAgent.over(agent)
        chat = chats[path]
        conv, reply = chat.start(anonymous_shopper())
        for said in [*dialogue.client_turns(), "why #1?", "why not #2?", "how do you choose?"]:
            reply = chat.respond(conv, said)
            turns += 1
            leaks += _leaks(widget_strings(reply))
    assert turns > 500
    assert leaks == [], leaks[:5]


def test_the_pattern_finds_internal_words() -> None:
    assert _leaks(["similar to X (similarity 0.38)", "rank 11 for that signal", "a checked fallback"])
    assert _leaks(["(reciprocal rank fusion, k=60)", "its match score is 0.0325 against 0.0331"])
    assert not _leaks(
        ["matches 'warm' and 'hiking' from your message", "bought together with X by 6 shoppers"]
    )
