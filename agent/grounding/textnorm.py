"""Normal forms the grounding check compares: canonical words, number readings, sizes, stems."""

from __future__ import annotations

import re

from agent.grounding import vocab

# Word breaks scraped text lost: "stylingLeather", "126IVORY", "20Dresses".
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NON_WORD = re.compile(r"[^a-z0-9]+")
# The sizing system a size is written in: "EU 42", "UK10".
_SIZE_SYSTEM = re.compile(r"(?<![A-Z])(EU|UK|US|IN)(?![A-Z])")


def canon(text: str) -> str:
    """Lower-case words joined and padded by single spaces, spelling variants folded."""
    text = _GLUED.sub(" ", text).lower().replace("'", "").replace("’", "")
    words = (vocab.TOKEN_SYNONYMS.get(w, w) for w in _NON_WORD.sub(" ", text).split())
    return f" {' '.join(words)} "


def number_readings(text: str) -> frozenset[float]:
    """Every value a written number can mean: "1,299" is 1299 (or 1.299), "59,90" is 59.9."""
    groups = re.split(r"[,.]", text)
    if len(groups) == 1:
        return frozenset({float(text)})
    out: set[float] = set()
    if all(len(g) in (2, 3) for g in groups[1:]) and len(groups[-1]) == 3:
        out.add(float("".join(groups)))  # thousands separators, Indian 1,29,999 included
    if len(groups[-1]) <= 2 or len(groups) == 2:
        out.add(float("".join(groups[:-1]) + "." + groups[-1]))
    return frozenset(out)


def size_key(text: str) -> tuple[str | None, str]:
    """A size as (system or None, value): "EU42" -> ("EU", "42"), "Medium" -> (None, "M")."""
    upper = re.sub(r"\bSIZES?\b", " ", text.upper().replace("-", " "))
    system = _SIZE_SYSTEM.search(upper)
    value = " ".join(_SIZE_SYSTEM.sub(" ", upper).split())
    return (system.group(1) if system else None), vocab.SIZE_WORDS.get(value, value)


def sizes_meet(a: tuple[str | None, str], b: tuple[str | None, str]) -> bool:
    """True when two sizes are the same; a size without a system meets any system."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def stem(word: str) -> str:
    """A canonical word with its plural folded: "shoes" -> "shoe", "dresses" -> "dress"."""
    if word.endswith("sses"):
        return word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"  # "babies" -> "baby", "accessories" -> "accessory"
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def tokens(text: str) -> frozenset[str]:
    """The content words of a text, plurals folded, for fuzzy product-name comparison."""
    return frozenset(w for w in map(stem, canon(text).split()) if w not in vocab.STOPWORDS)


def phrase_in(phrase: str, pool: str) -> bool:
    """The phrase's words, stemmed, stand together and in order in `pool` (a canonical text)."""
    wanted = [stem(w) for w in canon(phrase).split()]
    have = [stem(w) for w in pool.split()]
    n = len(wanted)
    return n > 0 and any(have[i : i + n] == wanted for i in range(len(have) - n + 1))
