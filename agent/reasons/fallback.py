"""Template reasons a person would write: the strongest true link between this shopper and this item,
then the item by name and price ("Within your budget of 150 and in black, a colour you like: Nordvik
Fjord Rain Jacket at 149 EUR."). Built from matched facts, what the shopper asked for and the
retrieval evidence only, and checked like every reason before it is shown."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache

from agent.grounding.check import GroundingChecker
from agent.grounding.matches import matched_facts, money
from agent.grounding.textnorm import canon
from agent.grounding.types import MatchedFact
from agent.untrusted import neutralise
from retrieval.colours import colour_contested, colours_in, item_colours
from retrieval.filters import Constraints, made_of
from retrieval.items import Item
from retrieval.kinds import kind_table
from retrieval.retriever import Evidence
from retrieval.shoppers import Shopper

Titles = Callable[[str], str | None]

__all__ = ["Asked", "MatchedFact", "grounded_fallback", "matched_facts", "money"]


@dataclass(frozen=True)
class Asked:
    """What the shopper asked for in this chat: their words and the constraints read from them."""

    said: str = ""
    constraints: Constraints = field(default_factory=Constraints)


@dataclass(frozen=True)
class _Voice:
    """How a reason speaks of the shopper: to them, or about them for a support agent."""

    your: str
    you: str
    likes: str
    asked: str
    message: str


_VOICES = {
    "shopper": _Voice("your", "you", "you like", "as you asked", "your message"),
    "support": _Voice(
        "the shopper's", "the shopper", "the shopper likes", "as the shopper asked", "the shopper's message"
    ),
}
_GENDER_WORDS = {"men": "men", "women": "women", "boys": "boys", "girls": "girls", "kids": "kids"}


def grounded_fallback(
    item: Item,
    shopper: Shopper,
    audience: str = "shopper",
    context_items: Sequence[Item] = (),
    evidence: Sequence[Evidence] = (),
    asked: Asked | None = None,
    titles: Titles | None = None,
    style: str = "name",
) -> str:
    """One sentence stating only true links between the shopper and the item, then the item's name.

    `titles` names the items the retrieval evidence points at (a catalog lookup). Style "because"
    writes the links the way the reason prompt's answers start ("Recommended because it comes in ..."),
    for training rows; it is empty when nothing links them.
    """
    if audience not in _VOICES:
        raise ValueError(f"audience must be one of {sorted(_VOICES)}, not {audience!r}")
    voice = _VOICES[audience]
    asked = asked or Asked()
    request = _request(item, asked, voice)
    found = _evidence(item, evidence, voice, request, asked.said, titles or _no_title)
    if request and found and found[0].startswith("that "):
        request, found = [f"{request[0]}, {found[0]}"], []
    matches = _matches(item, shopper, context_items, voice)
    if matches and found and found[0].startswith(_WEAK):
        found = []
    clauses = request + matches + found
    name = _name(item)
    if style == "because":
        candidates = [f"Recommended because {_join([_because(c) for c in clauses[:3]])}."] if clauses else []
    else:
        candidates = [f"{_capital(_join(clauses[:3]))}: {name}."] if clauses else []
        candidates += [f"{name}.", f"{neutralise(item.short_title())}."]
    checker = _checker()
    said = asked.said
    for text in candidates:
        if checker.check(text, item, shopper, context_items, evidence, said, audience).ok:
            return text
    return "" if style == "because" else "One of the closest matches in the catalog."


@cache
def _checker() -> GroundingChecker:
    # Every brand a template names comes from the item or the shopper, so no catalog is needed.
    return GroundingChecker(frozenset())


def _name(item: Item) -> str:
    name = neutralise(item.short_title()) or item.item_id
    return f"{name} at {money(item.price, item)}" if item.price is not None else name


def _request(item: Item, asked: Asked, voice: _Voice) -> list[str]:
    """ "A red cotton kurta for women under 1500, as you asked": the asked constraints the item meets."""
    c = asked.constraints
    if not asked.said.strip() or not (c.kinds or c.colours or c.materials or c.gender or c.budget_max):
        return []
    words: list[str] = []
    if c.colours and not colour_contested(item):
        have = item_colours(item)
        words += [w for want in c.colours for w in colours_in(want) if any(w in h for h in have)][:1]
    words += [m.lower() for m in made_of(item, c.materials)][:1]
    kind = next((k for k in c.kinds if kind_table().fits(item.kind, [k])), None)
    noun = (kind or item.kind or "item").lower()
    phrase = " ".join([*words, noun])
    if c.gender and (item.gender or "").lower() != "unisex" and c.gender.lower() in _GENDER_WORDS:
        phrase += f" for {_GENDER_WORDS[c.gender.lower()]}"
    if c.budget_max is not None and item.price is not None and item.price <= c.budget_max:
        phrase += f" under {money(c.budget_max, item)}"
    if phrase == noun and not kind:
        return []  # nothing asked that this item shows
    article = (
        "" if noun.endswith("s") and not noun.endswith("ss") else ("an " if noun[0] in "aeiou" else "a ")
    )
    return [f"{article}{phrase}, {voice.asked}"]


def _matches(item: Item, shopper: Shopper, context: Sequence[Item], voice: _Voice) -> list[str]:
    out: list[str] = []
    purchases = 0
    for fact in matched_facts(item, shopper, context):
        clause = _clause(fact, item, voice)
        bought = fact.shopper_fact.startswith("past purchase")
        # One past purchase is reason enough; a brand already named is not named twice.
        if bought and (purchases or any(c.startswith(f"from {fact.value},") for c in out)):
            continue
        if clause and clause not in out:
            out.append(clause)
            purchases += bought
    return out


def _clause(fact: MatchedFact, item: Item, voice: _Voice) -> str:
    kind = fact.item_attribute
    if kind == "colour":
        return f"in {fact.value}, a colour {voice.likes}"
    if kind == "price":
        limit = fact.shopper_fact.removeprefix("budget ").removeprefix("up to ")
        return f"within {voice.your} budget of {limit}"
    if kind == "brand" and fact.shopper_fact.startswith("preferred brand"):
        return f"from {fact.value}, a brand {voice.likes}"
    if kind == "sizes":
        return f"in {voice.your} size {fact.value}"
    if fact.shopper_fact.startswith("past purchase"):
        return _purchase(fact, voice)
    if kind == "title":
        return f"{voice.you} mentioned {_join(fact.value.split(', '))} in {voice.your} profile"
    return ""


def _purchase(fact: MatchedFact, voice: _Voice) -> str:
    title = Item("p", fact.shopper_fact.removeprefix("past purchase ")).short_title(8)
    bought = "you bought" if voice.you == "you" else "the shopper bought"
    if fact.item_attribute == "brand":
        return f"from {fact.value}, like {_the(title)} {bought}"
    return f"{_article(fact.value.lower())} like {_the(title)} {bought}"


def _no_title(item_id: str) -> str | None:
    return None


def _evidence(
    item: Item, evidence: Sequence[Evidence], voice: _Voice, request: list[str], said: str, titles: Titles
) -> list[str]:
    """The retrieval evidence in words; when the shopper asked for something, only what the request
    itself found counts, and words the request clause already says are not repeated."""
    stated = set(" ".join(request).lower().replace(",", " ").split())
    found: dict[str, str] = {}
    for e in sorted(evidence, key=lambda e: e.rank):
        near = neutralise(titles(e.near[0]) or "") if e.near else ""
        near = Item("n", near).short_title(8) if near else ""
        if e.signal == "bought_together" and e.count and near:
            shoppers = "shopper" if e.count == 1 else "shoppers"
            found.setdefault(e.signal, f"bought together with {_the(near)} by {e.count} {shoppers}")
        elif e.signal == "keyword" and e.from_request and said.strip() and e.terms:
            new = [t for t in e.terms if _written_in(t, item) and not set(t.lower().split()) <= stated]
            if new:
                quoted = _join([f"'{t}'" for t in new[:3]])
                found.setdefault(
                    e.signal, f"{'that ' if request else 'it '}matches {quoted} from {voice.message}"
                )
        elif request or said.strip():
            continue  # what the shopper asked for is the reason; their past is not
        # Closeness in embedding or collaborative space ranks an item; it is no fact a shopper could
        # check ("close to what you bought before"), so it is never said.
        elif e.signal == "popular" and item.rating is not None:
            found.setdefault(e.signal, f"rated {item.rating:g} of 5")
    best = next((found[k] for k in _EVIDENCE_ORDER if k in found), None)
    return [best] if best else []


_EVIDENCE_ORDER = ("bought_together", "keyword", "popular")
# Evidence that says little beside a matched fact: kept only when nothing else links the two.
_WEAK = ("rated ",)


def _the(name: str) -> str:
    return name if name.lower().startswith("the ") else f"the {name}"


def _written_in(term: str, item: Item) -> bool:
    # A word is quoted only as the item writes it: the index matched "comfortable" to "comfort".
    have = " " + canon(" ".join([item.title, item.kind or "", item.description])) + " "
    return len(term) > 1 and f" {canon(term).strip()} " in have


def _because(clause: str) -> str:
    """A clause as it reads after "Recommended because": "in blue, ..." -> "it comes in blue, ..."."""
    if clause.startswith(("it ", "you ", "the shopper ")):
        return clause
    if clause.startswith("bought together"):
        return f"it was {clause}"
    return f"it comes {clause}" if clause.startswith("in ") else f"it is {clause}"


def _article(noun: str) -> str:
    if noun.endswith("s") and not noun.endswith("ss"):
        return noun
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
