"""The splitter: a text becomes atomic claims, each typed and carrying the cues to check.

Sentences split into clauses at ";", ", and", "because", "and" between predicates and the like; each
clause is one atomic claim. Its kind comes from its wording (markup, promise, evidence, opinion,
shopper, filler); verdicts.py refines "filler" to "fact" when stated facts are found in it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from agent.grounding import vocab
from agent.grounding.reading import claim_words as words
from agent.grounding.reading import patterns
from agent.grounding.textnorm import canon

KINDS = ("fact", "shopper", "evidence", "opinion", "promise", "markup", "filler")

_ABBREVIATIONS = frozenset(
    {"rs", "mr", "mrs", "ms", "dr", "st", "vs", "etc", "eg", "ie", "approx", "no", "inc"}
)  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?]+(?=\s+|$)")
_CLAUSE_START = (
    r"it|it['’]s|its|this|that|they|you|you['’]re|your|the user|the shopper|he|she|we|there|is|has|"
    r"comes|offers|features|fits|matches|goes|pairs|costs|suits|stays|was|will|would|can|makes|gives|"
    r"adds|keeps|provides|looks|works|feels|delivers|brings|boasts|includes"
)
_SEPARATOR = re.compile(
    r"\s*;\s*|\s*:\s+(?=\S)|,\s+(?:and|but|so|while|which|whereas|yet|making|plus|thanks to)\b\s*"
    r"|,\s+|\s+(?:because|since|whereas|while|although|though|thanks to|so that)\s+"
    rf"|\s+and\s+(?=(?:{_CLAUSE_START})\b)|\s+but\s+|\s+[—–]\s+|\s+-\s+",
    re.IGNORECASE,
)
_POSSESSIVE = re.compile(r"(?:your|their|his|her|my|our|shopper['’]?s|user['’]?s)\s*$", re.IGNORECASE)
_GLUE = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


@dataclass(frozen=True)
class Cue:
    """Something in a claim that needs backing: a vague word, a liked thing, a promise, markup.

    `scope` names where the backing must come from: item, shopper, any (item or shopper), social,
    history, query, facts (structured attributes only), never.
    """

    kind: str
    text: str
    targets: tuple[str, ...]
    scope: str


@dataclass(frozen=True)
class AtomicClaim:
    """One clause of a text: its span, its kind and the cues to check."""

    text: str
    kind: str
    start: int
    end: int
    cues: tuple[Cue, ...] = ()


def split_claims(text: str) -> tuple[AtomicClaim, ...]:
    """The atomic claims of a text, in order, each with its kind and cues."""
    out: list[AtomicClaim] = []
    for start, end in _sentences(text):
        for s, e in _clauses(text, start, end):
            atom = text[s:e].strip(" \t\n,;:.!?-—–\"“”'()")
            if not atom:
                continue
            s = text.index(atom, s)
            cues = tuple(find_cues(atom))
            out.append(AtomicClaim(atom, _kind(atom, cues), s, s + len(atom), cues))
    return tuple(out)


def _sentences(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = re.findall(r"[\w.]+$", text[start : m.start()])
        word = before[0].replace(".", "").lower() if before else ""
        after = text[m.end() :].lstrip()[:1]
        dotted = bool(before) and re.fullmatch(r"(?:\w\.){2,}", before[0] + ".") is not None
        if m.group() == "." and (word in _ABBREVIATIONS or dotted or (after and not after.isupper())):
            continue
        yield start, m.end()
        start = m.end()
    if text[start:].strip():
        yield start, len(text)


def _clauses(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    sentence = text[start:end]
    protected = _protected(sentence)
    at = 0
    frame = next((m for f in words.FRAMES if (m := f.match(sentence)) and m.end() > 0), None)
    if frame is not None and frame.end() < len(sentence):
        yield start, start + frame.end()
        at = frame.end()
    for m in _SEPARATOR.finditer(sentence, at):
        if any(a < m.end() and m.start() < b for a, b in protected) or m.start() <= at:
            continue
        yield start + at, start + m.start()
        at = m.end()
    yield start + at, end


def _protected(sentence: str) -> list[tuple[int, int]]:
    # Separators inside a size list, a price or markup do not end a clause ("sizes S, M and L").
    spans = [m.span() for p in patterns.SIZES for m in p.finditer(sentence)]
    spans += [m.span() for m in patterns.PRICE.finditer(sentence)]
    spans += [m.span() for m in words.MARKUP.finditer(sentence)]
    return spans


def find_cues(atom: str) -> Iterator[Cue]:
    """Every cue in one atomic claim, markup and promises first."""
    for m in words.MARKUP.finditer(atom):
        yield Cue("markup", m.group(), (), "never")
    for m in words.PROMISE_CODE.finditer(atom):
        yield Cue("coupon", m.group(), (), "facts")
    for m in words.PROMISE_EXTRA.finditer(atom):
        yield Cue("promise", m.group(), (canon(m.group()).strip(),), "item")
    for m in words.BUDGET_FIT.finditer(atom):
        yield Cue("budget", m.group(), (), "shopper")
    evidence = ((words.COLLABORATIVE, "social"), (words.HISTORY, "history"), (words.QUERY, "query"))
    for pattern, kind in evidence:
        for m in pattern.finditer(atom):
            yield Cue("evidence", m.group(), (), kind)
    yield from _lexicon_cues(atom)
    for m in words.SUITABLE.finditer(atom):
        owner = m["x"].lstrip().lower().startswith(("your ", "their ", "the user", "the shopper"))
        found = targets(m["x"])
        if found:
            yield Cue("suitability", m.group().strip(), found, "shopper" if owner else "any")
    for pattern in words.SHOPPER_FIT:
        for m in pattern.finditer(atom):
            found = targets(m["x"])
            if found:
                yield Cue("shopper_fit", m.group().strip(), found, "shopper")


def _lexicon_cues(atom: str) -> Iterator[Cue]:
    canonical = canon(atom)
    for m in _lexicon_re().finditer(canonical):
        word = m.group()
        if word == "taste" and _POSSESSIVE.search(canonical[: m.start()]):
            continue  # "your taste" is the shopper's, and says nothing checkable
        kind = _lexicon()[word]
        yield Cue(kind, word, (word,), "social" if kind == "popularity" else "item")


@cache
def _lexicon() -> dict[str, str]:
    table: dict[str, str] = {}
    groups = (("popularity", words.POPULARITY), ("quality", words.QUALITY), ("experience", words.EXPERIENCE))
    for kind, group in groups:
        for phrase in group:
            table.setdefault(canon(phrase).strip(), kind)
    return table


@cache
def _lexicon_re() -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(_lexicon(), key=len, reverse=True))
    return re.compile(rf"(?<= )(?:{alternatives})(?= )")


def targets(phrase: str) -> tuple[str, ...]:
    """The content words a suitability or liking claim is about, up to the first cut word."""
    out: list[str] = []
    for word in canon(phrase).split()[:6]:
        if word in words.TARGET_CUT:
            break
        # Gender words are judged as phrase words ("made for men" on a unisex item holds).
        generic = word in words.GENERIC_TARGETS or word in vocab.STOPWORDS or word in vocab.GENDER_FITS
        if not generic and not word.isdigit():
            out.append(word)
    return tuple(out[:3])


def _kind(atom: str, cues: tuple[Cue, ...]) -> str:
    kinds = {c.kind for c in cues}
    canonical = canon(atom)
    if "markup" in kinds:
        return "markup"
    if kinds & {"coupon", "promise"} or any(f" {w} " in canonical for w in _promise_words()):
        return "promise"
    if "evidence" in kinds:
        return "evidence"
    if kinds & {"experience", "popularity", "quality", "suitability"}:
        return "opinion"
    if kinds & {"shopper_fit", "budget"}:
        return "shopper"
    return "filler"


@cache
def _promise_words() -> frozenset[str]:
    return frozenset(canon(p).strip() for p in vocab.PROMISES | vocab.DISCOUNTS)


def canon_spans(text: str) -> tuple[str, dict[int, int], dict[int, int]]:
    """canon(text) plus where each canonical word starts and ends in `text` (for locating claims)."""
    pieces: list[tuple[str, int, int]] = []
    for m in re.finditer(r"[^\W_]+(?:['’][^\W_]+)*", text):
        cuts = [0] + [g.start() for g in _GLUE.finditer(m.group())] + [len(m.group())]
        for a, b in itertools.pairwise(cuts):
            chunk = m.group()[a:b].lower().replace("'", "").replace("’", "")
            for sub in re.finditer(r"[a-z0-9]+", chunk):
                pieces.append((sub.group(), m.start() + a, m.start() + b))
    out, starts, ends = " ", {}, {}
    for word, a, b in pieces:
        for part in vocab.TOKEN_SYNONYMS.get(word, word).split():
            starts[len(out)] = a
            out += part
            ends[len(out)] = b
            out += " "
    return (out if pieces else "  "), starts, ends
