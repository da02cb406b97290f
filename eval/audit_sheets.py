"""`whythis eval audit-sheets`: the audit's pairs as sheets a person labels, with no verdict on them.

A sheet shows, per pair, the item's fields, the shopper's own data, what they said in the chat and the
retrieval evidence, then each text with its atomic claims numbered. Which text the shop showed and
who wrote it are left out, so that a label rests on the data alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path

from eval.audit_data import AuditLabel, AuditPair, ClauseLabel, texts_of
from whythis.errors import DataError
from whythis.validation import read_jsonl

INSTRUCTIONS = """\
# Audit sheet {n}

Label every TEXT below from the DATA above it alone. For each numbered claim: `supported` (every fact
it states about the item or the shopper is in the data: the item's fields and description, the
shopper's profile, preferences and purchases, what they said, the evidence), `unsupported` (it states
something the data does not back, or something false, or a link that is a coincidence of words), or
`not_a_claim` (no fact: "Recommended because", "a great pick"). Then the whole text: `coherent` (plain
English that means something), `personal` (states a fact of this shopper that met the item), `useful`
(tells the shopper something that helps them decide). Write one JSON line per text, with one entry
per numbered claim in the sheet's order (a short `note` says what is wrong with an unsupported one):
{example}
"""


def sheets(pairs: Sequence[AuditPair], chunks: int, folder: Path) -> list[Path]:
    """Write `chunks` sheets into `folder`, pairs dealt round-robin; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    example = AuditLabel(
        text_id="<id>", claims=[ClauseLabel(claim="<claim text>", label="supported")],
        coherent=True, personal=False, useful=True, labeller="<your name>",
    ).model_dump_json()  # fmt: skip
    paths = []
    for n in range(chunks):
        body = [INSTRUCTIONS.format(n=n + 1, example=example)]
        body += [block for pair in pairs[n::chunks] for block in _pair(pair)]
        path = folder / f"sheet-{n + 1}.md"
        path.write_text("\n".join(body), encoding="utf-8")
        paths.append(path)
    return paths


def _pair(pair: AuditPair) -> Iterator[str]:
    yield f"\n---\n## DATA for pair {pair.id}\n"
    item = pair.item.model_dump(exclude_defaults=True, exclude={"item_id"})
    yield "**Item**: " + "; ".join(f"{k}: {v}" for k, v in item.items())
    shopper = pair.shopper
    if shopper.profile:
        yield f"**Shopper's profile**: {shopper.profile}"
    prefs = shopper.preferences.model_dump(exclude_defaults=True)
    if prefs:
        yield "**Shopper's preferences**: " + "; ".join(f"{k}: {v}" for k, v in prefs.items())
    for bought in shopper.purchases:
        yield "**Bought**: " + "; ".join(
            f"{k}: {v}" for k, v in bought.model_dump(exclude_defaults=True).items()
        )
    for item_row in pair.context:
        yield f"**Bought from this shop**: {item_row.title}"
    yield f"**Said in the chat**: {pair.said!r}" if pair.said else "**Said in the chat**: nothing (no chat)"
    for e in pair.evidence:
        extra = [f"shoppers: {e.count}"] if e.count else []
        shared = "words shared with the message" if e.from_request else "words shared"
        extra += [f"{shared}: {', '.join(e.terms)}"] if e.terms else []
        yield f"**Evidence** ({e.signal}): {e.detail}" + (f" ({'; '.join(extra)})" if extra else "")
    for text in sorted(pair.texts, key=lambda t: hashlib.sha1(t.id.encode()).hexdigest()):
        yield f"\n### TEXT {text.id.rsplit('#', 1)[0]}#{_blind(text.id)}\n\n> {text.text}\n"
        yield from (f"{i}. {claim}" for i, claim in enumerate(text.claims, start=1))


def _blind(text_id: str) -> str:
    # Hides which text is the model's and which the template's; `unblind` maps it back.
    return hashlib.sha1(text_id.encode()).hexdigest()[:8]


def unblind(pairs: Sequence[AuditPair]) -> dict[str, str]:
    """Blind text id -> real text id."""
    return {f"{t.id.rsplit('#', 1)[0]}#{_blind(t.id)}": t.id for p in pairs for t in p.texts}


def merge_labels(pairs: Sequence[AuditPair], files: Sequence[Path]) -> list[AuditLabel]:
    """Labels written on sheets (blind ids), back on real ids; each must label a known text's claims."""
    real, texts = unblind(pairs), texts_of(pairs)
    out = []
    for path in files:
        for n, label in enumerate(read_jsonl(path, AuditLabel), start=1):
            text_id = real.get(label.text_id)
            if text_id is None:
                raise DataError(f"{path}, line {n}: no text {label.text_id!r} on any sheet")
            _, text = texts[text_id]
            if len(label.claims) != len(text.claims):
                have, want = len(label.claims), len(text.claims)
                raise DataError(
                    f"{path}, line {n}: {have} claims labelled for {label.text_id}, its sheet lists {want}"
                )
            # Claims are labelled in the sheet's order; the sheet's own wording is kept, not a retyped one.
            claims = [
                c.model_copy(update={"claim": t}) for c, t in zip(label.claims, text.claims, strict=True)
            ]
            out.append(label.model_copy(update={"text_id": text_id, "claims": claims}))
    return out
