"""Turn reading scored on the blind test turns (eval/data/turns/test): intent, items referred to, and
constraint changes, for the rules alone, the MiniLM classifier and the model reader.

Changes are scored by what they do: each side's changes are applied to the turn's constraints in force,
and the two resulting searches are compared field by field (values lower-cased, a kind's plural "s"
and need words' order ignored). So "add budget_max" and "replace budget_max" on a search without a
budget are the same change, as they are to the shop.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.intents.parse import Parsed
from agent.turns.action import LIST_FIELDS, NUMBER_FIELDS, Changes, TurnContext, TurnLine

TEST_FOLDER = Path(__file__).resolve().parent / "data" / "turns" / "test"
_LIMIT_FIELDS = {"budget": ("budget_max", "budget_min"), "colours": ("colours",), "gender": ("for",)}
_LIMIT_FIELDS |= {"brands": ("brands",), "sizes": ("sizes",)}
# Intents whose message points at a card when it says "it" or "this".
_POINTING = frozenset({"why", "why_not", "item_question", "more_like", "cheaper", "compare", "ack"})


@dataclass(frozen=True)
class Guess:
    """One reader's answer for a turn; `source` says who decided it (model, rules, classifier, fallback)."""

    intent: str
    items: tuple[int, ...] = ()
    changes: Changes = field(default_factory=Changes)
    source: str = "rules"


def test_files(folder: Path = TEST_FOLDER) -> list[Path]:
    """The blind test files."""
    return sorted(folder.glob("*.jsonl"))


# ---- what the rules make of a turn ---------------------------------------------------------------


def rules_guess(parsed: Parsed, context: TurnContext) -> Guess:
    """The chat's rules as an action: their intent, the cards they point at, the changes they read."""
    return Guess(parsed.intent, rules_items(parsed, context), rules_changes(parsed, context), "rules")


def rules_items(parsed: Parsed, context: TurnContext) -> tuple[int, ...]:
    """The cards the rules resolve: positions, "the cheaper one", else "it" as the first card."""
    numbers = sorted(context.numbers())
    if not numbers:
        return ()
    if parsed.refs:
        picked = {numbers[-1] if r == -1 else r for r in parsed.refs}
        return tuple(sorted(n for n in picked if n in numbers))
    priced = sorted((c.price, c.n) for c in context.cards if c.price is not None)
    if parsed.by_price and priced:
        return (priced[0][1] if parsed.by_price == "low" else priced[-1][1],)
    if parsed.points_at_this and parsed.intent in _POINTING:
        return (numbers[0],)
    return ()


def rules_changes(parsed: Parsed, context: TurnContext) -> Changes:
    """The constraint changes the rules read; a new search lifts what it does not restate."""
    said: dict[str, Any] = {
        "kind": parsed.kinds[0].lower() if parsed.kinds else None,
        "colours": list(parsed.colours),
        "brands": list(parsed.brands),
        "materials": list(parsed.materials),
        "sizes": list(parsed.sizes),
        "budget_max": parsed.budget_max,
        "budget_min": parsed.budget_min,
        "for": parsed.gender,
    }
    said = {k: v for k, v in said.items() if v not in (None, [], "")}
    in_force = context.constraints
    add = {k: v for k, v in said.items() if k not in in_force}
    replace = {k: v for k, v in said.items() if k in in_force}
    lift = [f for limit in parsed.drops for f in _LIMIT_FIELDS.get(limit, ()) if f in in_force]
    if parsed.intent == "search" and "kind" in said:
        lift += [f for f in in_force if f not in said and f not in ("budget_max", "budget_min", "for")]
    return Changes(add=add, replace=replace, lift=sorted(set(lift)))


# ---- scoring -------------------------------------------------------------------------------------


def after(constraints: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """The search after the changes, normalised for comparison."""
    return {k: _norm(k, v) for k, v in applied(constraints, changes).items()}


def applied(constraints: dict[str, Any], changes: Changes) -> dict[str, Any]:
    """The search after the changes, as written."""
    out = dict(constraints)
    for name in changes.lift:
        out.pop(name, None)
    for name, value in changes.replace.items():
        out[name] = value
    for name, value in changes.add.items():
        if name in LIST_FIELDS and isinstance(value, list):
            out[name] = [*(out.get(name) or []), *value]
        else:
            out[name] = value
    return {k: v for k, v in out.items() if v not in (None, "", [])}


def _norm(name: str, value: Any) -> Any:
    if name in NUMBER_FIELDS:
        return round(float(value), 2)
    if name in LIST_FIELDS:
        words = (_stem(v) for v in value) if name != "sizes" else (str(v).strip().upper() for v in value)
        return tuple(sorted(set(words)))
    return _stem(str(value))


def _stem(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words)


def without_words(state: dict[str, Any]) -> dict[str, Any]:
    """A search without its need words (the free-text field two labellers word most differently)."""
    return {k: v for k, v in state.items() if k != "words"}


@dataclass
class _Tally:
    n: int = 0
    intent: int = 0
    with_cards: int = 0
    items: int = 0
    changes: int = 0
    changes_fields: int = 0
    changing: int = 0
    changing_right: int = 0

    def share(self, part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    def report(self) -> dict[str, Any]:
        return {
            "turns": self.n,
            "intent": self.share(self.intent, self.n),
            "items": self.share(self.items, self.with_cards),
            "turns_with_cards": self.with_cards,
            "changes": self.share(self.changes, self.n),
            "changes_without_words": self.share(self.changes_fields, self.n),
            "changes_where_label_changes": self.share(self.changing_right, self.changing),
            "turns_label_changes": self.changing,
        }


def score(turns: Sequence[TurnLine], guesses: Sequence[Guess]) -> dict[str, Any]:
    """Accuracy of guesses against the labels: overall, per setting, on the labellers' sure turns, per
    intent; the confusions and who decided."""
    groups: dict[str, _Tally] = {}
    support: Counter[str] = Counter()
    right: Counter[str] = Counter()
    confusions: Counter[str] = Counter()
    for turn, guess in zip(turns, guesses, strict=True):
        hits = _hits(turn, guess)
        for name in ("all", turn.setting, *(["sure"] if turn.sure else [])):
            _count(groups.setdefault(name, _Tally()), turn, hits)
        support[turn.action.intent] += 1
        right[turn.action.intent] += hits["intent"]
        if not hits["intent"]:
            confusions[f"{turn.action.intent} -> {guess.intent}"] += 1
    return {
        **{name: tally.report() for name, tally in groups.items()},
        "per_intent": {
            i: {"n": support[i], "intent": round(right[i] / support[i], 4)} for i in sorted(support)
        },
        "confusions": dict(confusions.most_common(25)),
        "decided_by": dict(Counter(g.source for g in guesses).most_common()),
    }


def _hits(turn: TurnLine, guess: Guess) -> dict[str, bool]:
    gold, got = (
        after(turn.context.constraints, turn.action.changes),
        after(turn.context.constraints, guess.changes),
    )
    return {
        "intent": guess.intent == turn.action.intent,
        "items": tuple(sorted(guess.items)) == tuple(sorted(turn.action.items)),
        "changes": gold == got,
        "fields": without_words(gold) == without_words(got),
        "changing": not turn.action.changes.is_empty(),
    }


def _count(tally: _Tally, turn: TurnLine, hits: dict[str, bool]) -> None:
    tally.n += 1
    tally.intent += hits["intent"]
    if turn.context.cards:
        tally.with_cards += 1
        tally.items += hits["items"]
    tally.changes += hits["changes"]
    tally.changes_fields += hits["fields"]
    if hits["changing"]:
        tally.changing += 1
        tally.changing_right += hits["changes"]


def misread(turns: Sequence[TurnLine], guesses: Sequence[Guess], limit: int = 40) -> list[str]:
    """The first turns a reader got wrong, each with what it said and what the label says."""
    out = []
    for turn, guess in zip(turns, guesses, strict=True):
        hits = _hits(turn, guess)
        wrong = [
            k for k in ("intent", "items", "changes") if not hits[k] and (k != "items" or turn.context.cards)
        ]
        if wrong:
            out.append(
                f"{turn.id} {turn.message!r}: {guess.intent} {list(guess.items)} "
                f"{guess.changes.model_dump(exclude_defaults=True)} ({guess.source}); "
                f"label {turn.action.intent} {turn.action.items} "
                f"{turn.action.changes.model_dump(exclude_defaults=True)}"
            )
    return out[:limit]
