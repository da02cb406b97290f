"""The check made for plans: a realized text passes when it says the plan and nothing else.

- every slot it uses is one of the plan's, once; the plan's personal fact (else its lead) is said (its
  slots are all there); a further fact may be left out, never half said (a slot of a fact is only
  accepted in that fact's place);
- each slot stands where the phrasing bank puts that fact's slot: the two words before it and the one
  after are ones the bank uses around it ("like the [PURCHASE]" for a same-kind link; "it costs
  [FEATURE]" or "this is the [PURCHASE]" use plan slots and still state something false, so they fail);
- every word outside a slot is in the connective vocabulary (vocabulary.yaml: relations and function
  words, reviewed by hand, never a product or property word), so the text states no content of its own;
  no digits: numbers only come in slots.

The coherence gate runs on the filled text after this (agent/reasons/coherence.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field

from agent.plans.bank import Bank, load_bank
from agent.plans.facts import KINDS
from agent.plans.planner import TONES, Plan

_TOKEN = re.compile(r"\[[A-Z][A-Z_0-9]*\]|[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+|[.!?]|[:;—–]|\S")
_END = frozenset(".!?")
_IGNORED = frozenset(",\"'()")
START = "<s>"
Context = tuple[str, str, str]


class _VocabularyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    words: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class Vocabulary:
    """The connective words, and where each kind's slots may stand (two tokens before, one after)."""

    words: frozenset[str]
    contexts: Mapping[tuple[str, str], frozenset[Context]]


@dataclass(frozen=True)
class Verdict:
    """Whether a realized text says its plan and nothing else, and what is wrong when not."""

    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def tokens(text: str) -> list[str]:
    """Lower-case words, slot tokens and the punctuation that matters for where a slot stands."""
    out = []
    for t in _TOKEN.findall(text):
        if t in _IGNORED:
            continue
        out.append(t if t.startswith("[") else t.lower())
    return out


def slot_contexts(text: str) -> list[tuple[str, Context]]:
    """Each slot of a text with the two tokens before it in its sentence (START where there are none)
    and the one after it ("." at a sentence's end): "[GAP] less than" is not "[GAP] more than"."""
    found = tokens(text)
    out: list[tuple[str, Context]] = []
    for i, t in enumerate(found):
        if not t.startswith("["):
            continue
        before: list[str] = []
        j = i - 1
        while j >= 0 and len(before) < 2 and found[j] not in _END:
            before.insert(0, found[j])
            j -= 1
        before = [START] * (2 - len(before)) + before
        after = found[i + 1] if i + 1 < len(found) else "."
        out.append((t[1:-1], (before[0], before[1], "." if after in _END else after)))
    return out


def check_realized(text: str, plan: Plan, vocabulary: Vocabulary | None = None) -> Verdict:
    """The verdict on a delexicalised text for its plan."""
    vocabulary = vocabulary or shipped_vocabulary()
    problems: list[str] = []
    owner = {slot: f.kind for f in plan.facts for slot, _ in f.values}
    used = slot_contexts(text)
    seen = [slot for slot, _ in used]
    for slot, ctx in used:
        if slot not in owner:
            problems.append(f"[{slot}] is not a slot of the plan")
        elif ctx not in vocabulary.contexts.get((owner[slot], slot), frozenset()):
            problems.append(f"[{slot}] in {' '.join(ctx[:2])!r} _ {ctx[2]!r} does not state {owner[slot]}")
    problems += [f"[{s}] is used {seen.count(s)} times" for s in sorted(set(seen)) if seen.count(s) > 1]
    said = [f for f in plan.facts if all(s in seen for s, _ in f.values)]
    lead = plan.personal or plan.facts[0]
    if lead not in said:
        problems.append(f"{lead.kind} is not said")  # the personal fact (or the lead) always is
    for t in tokens(text):
        if t.isdigit():
            problems.append(f"{t!r}: numbers come in slots only")
        elif t[0].isalpha() and t not in vocabulary.words:
            problems.append(f"{t!r} is not a connective word")
    problems += [f"{a!r} is a word to avoid" for a in plan.avoid if a.lower() in tokens(text)]
    return Verdict(tuple(dict.fromkeys(problems)))


def build_vocabulary(bank: Bank, words: frozenset[str]) -> Vocabulary:
    """The vocabulary: the reviewed words, and every slot context the bank's compositions hold."""
    contexts: defaultdict[tuple[str, str], set[Context]] = defaultdict(set)
    for kind in KINDS:
        for tone in TONES:
            p = bank.facts[kind][tone]
            openers = [*bank.joins[tone], "and"]
            texts = [*p.lead, *(f"{o} {vp} {end}" for o in openers for vp in p.vp for end in (".", "and"))]
            for text in texts:
                for slot, ctx in slot_contexts(text):
                    contexts[(kind, slot)].add(ctx)
    return Vocabulary(words, {k: frozenset(v) for k, v in contexts.items()})


def bank_words(bank: Bank) -> set[str]:
    """Every word the bank writes outside its slots (the vocabulary must hold them all)."""
    texts = [s for tones in bank.facts.values() for p in tones.values() for s in (*p.lead, *p.vp)]
    texts += [j for joins in bank.joins.values() for j in joins]
    return {t for text in texts for t in tokens(text) if t[0].isalpha()} | {"and"}


@cache
def shipped_vocabulary() -> Vocabulary:
    """The vocabulary of the shipped bank and word list."""
    text = resources.files("agent.plans").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    words = _VocabularyFile.model_validate(yaml.safe_load(text)).words
    return build_vocabulary(load_bank(), frozenset(w.lower() for w in words))
