"""The shopper-as-reader audit of shown reasons (`../shared/audit-brief.md`): build the blind sheet, score
the labels.

`build` turns the card lines of `whythis recommend --shoppers` into a sheet holding only what the shopper
sees and knows: the text as shown, the other titles of the same list, their own purchases and the
item's listing. No plan, no evidence, no verdict and no word of who wrote the text. `score` reads two
labellers' files (one JSON line per sheet row: `id`, `link_exists`, `true`, `coherent`, `personal`,
`useful`, `duplicate`) and reports each label's share, personal over the rows where a link exists, the
model's share of the shown texts (from the card lines, which the labellers never saw) and Cohen's kappa
per label.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from retrieval.catalog import load_catalog
from retrieval.shoppers import Shopper
from whythis.errors import DataError

LABELS = ("link_exists", "true", "coherent", "personal", "useful", "duplicate")


class SheetLabel(BaseModel):
    """One labeller's verdict on one sheet row."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    link_exists: bool
    true: bool
    coherent: bool
    personal: bool
    useful: bool
    duplicate: bool
    note: str = ""


def build_sheet(
    cards: Sequence[Mapping[str, Any]], shoppers: Mapping[str, Shopper], catalog: Path
) -> list[dict[str, Any]]:
    """One row per shown card with what its shopper sees and knows."""
    items = {i.item_id: i for i in load_catalog(catalog, skip_bad=True).items}
    titles: defaultdict[str, list[str]] = defaultdict(list)
    for card in cards:
        titles[card["shopper_id"]].append(items[card["item_id"]].title)
    rows = []
    for n, card in enumerate(cards):
        item, who = items[card["item_id"]], shoppers[card["shopper_id"]]
        rows.append({
            "id": f"{card['shopper_id']}#{n}",
            "text": card["text"],
            "list_titles": titles[card["shopper_id"]],
            "purchases": [p.title for p in who.purchases],
            "listing": {
                "title": item.title, "brand": item.brand, "price": item.price, "colour": item.colour,
                "material": item.material, "description": item.description[:400], "rating": item.rating,
                "discount_pct": item.discount_pct, "sizes": list(item.sizes),
                "currency": dict(item.extra).get("currency"),
            },
        })  # fmt: skip
    return rows


def read_labels(path: Path) -> dict[str, SheetLabel]:
    """A labeller's file; DataError naming the line of a malformed row."""
    out: dict[str, SheetLabel] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                label = SheetLabel.model_validate_json(line)
            except ValueError as exc:
                raise DataError(f"{path}, line {n}: {exc}") from exc
            out[label.id] = label
    return out


def kappa(a: Sequence[bool], b: Sequence[bool]) -> float | None:
    """Cohen's kappa of two labellers' yes/no labels (None when chance agreement is total)."""
    n = len(a)
    if n == 0:
        return None
    seen = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    chance = pa * pb + (1 - pa) * (1 - pb)
    return None if chance == 1 else round((seen - chance) / (1 - chance), 3)


def score(
    first: Mapping[str, SheetLabel], second: Mapping[str, SheetLabel], by_model: Mapping[str, bool]
) -> dict[str, Any]:
    """Each label's share per labeller, personal where a link exists, kappa, and the model's share."""
    ids = sorted(set(first) & set(second))
    out: dict[str, Any] = {"rows": len(ids), "model_share": _share([by_model.get(i, False) for i in ids])}
    for name, labels in (("A", first), ("B", second)):
        rows = [labels[i] for i in ids]
        figures = {label: _share([getattr(r, label) for r in rows]) for label in LABELS}
        figures["true_and_coherent"] = _share([r.true and r.coherent for r in rows])
        linked = [r for r in rows if r.link_exists]
        figures["personal_where_link"] = _share([r.personal for r in linked])
        figures["rows_with_link"] = len(linked)
        out[name] = figures
    out["kappa"] = {
        label: kappa([getattr(first[i], label) for i in ids], [getattr(second[i], label) for i in ids])
        for label in LABELS
    }
    return out


def _share(values: Sequence[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def write_sheet(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    """The sheet as JSON lines."""
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
