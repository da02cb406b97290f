"""The coherence gate: a true text can still read as garbled, and garbled is never shown.

The grounding check says whether each fact holds; this says whether the text reads as one plain
thought. Each rule names a failure the hand audit found in the model's texts: loops ("blue blue"),
the prompt's own layout copied ("Why it fits: ... ->"), templates mashed together in the wrong voice
("as your search for men also included this shopper"), a clause cut off, nothing said at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from agent.reasons.choose import words

MIN_WORDS = 6
MAX_WORDS = 45
# The prompt's own labels where a line or sentence starts ("Bought before:", "Why it fits: colour -> blue"),
# not the same words inside a sentence ("close to what you bought before: ...").
_LAYOUT = re.compile(
    r"->|(?:^|[.!?]\s+|\n|because\s+)(?:why it fits|found because|bought before|shopper|wants|product)\s*:"
    r"|(?:^|\s)- \w+:",
    re.IGNORECASE,
)
_OTHER_VOICE = {
    "shopper": re.compile(r"\b(?:the|this|that) (?:shopper|user|customer)\b", re.IGNORECASE),
    "support": re.compile(r"\b(?:you|your|yours)\b", re.IGNORECASE),
}
_DANGLING = frozenset(
    "a an the and or of to for with from in on at by as but your their its is are this that".split()
)
_COMMON = frozenset("recommended because the a an and of to for with in on it is you your this".split())


def incoherent(
    text: str,
    voice: str = "shopper",
    prefix: str = "Recommended because",
    names: Sequence[str] = (),
    planned: bool = False,
) -> str | None:
    """Why the text does not read as one plain thought, or None when it does; `names` (the item's and
    the purchases' titles) may repeat their own words."""
    said = words(text)
    own = said[len(words(prefix)) :] if text.lower().startswith(prefix.lower()) else said
    if len(own) < MIN_WORDS:
        return f"says too little ({len(own)} words)"
    if len(said) > MAX_WORDS:
        return f"runs on ({len(said)} words)"
    if _LAYOUT.search(text):
        return "copies the prompt's layout"
    other = _OTHER_VOICE.get(voice)
    if other is not None and other.search(text):
        return f"speaks in the wrong voice for the {voice}"
    named = {w for name in names for w in words(name)}
    if planned:  # its last words are the bank's ("a colour you go for."): cut off only if unfinished
        return _repeats(said, named, 1) or (None if text.rstrip().endswith((".", "!", "?")) else "is cut off")
    return _repeats(said, named) or _cut_off(said)


def _repeats(said: list[str], named: set[str], slack: int = 0) -> str | None:
    """A loop: the same three words twice, or a word of the writer's own (not of a name) thrice. A
    planned text (`slack` 1) says two or three facts in the bank's connective words, which may share
    "it comes in" once: a loop there is a third time."""
    triples = Counter(zip(said, said[1:], said[2:], strict=False))
    looped = [" ".join(t) for t, n in triples.items() if n > 1 + slack and not set(t) <= _COMMON]
    if looped:
        return f"repeats {looped[0]!r}"
    counts = Counter(w for w in said if w not in _COMMON and w not in named and len(w) > 2)
    loud = [w for w, n in counts.items() if n > 2 + slack]
    return f"repeats {loud[0]!r}" if loud else None


def _cut_off(said: list[str]) -> str | None:
    return f"ends on {said[-1]!r}" if said and said[-1] in _DANGLING else None
