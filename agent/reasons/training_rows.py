"""Shop training rows for `whythis finetune`: real shoppers and items, rendered with the agent's own prompt.

Each row holds the variables the reason prompt renders from (built by the same `reason_variables` the
agent uses) and an answer that states only facts the grounding check accepts. The shoppers' reviews of the
item they chose describe experiences the model cannot know when it recommends, so the answers are built
from the facts that met (purchases, categories, profile words), not copied from those reviews.
Registered as `whythis.training_sources` entry points: finetune reads them without importing the agent.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent.reasons.fallback import grounded_fallback
from agent.reasons.variables import reason_variables
from retrieval.catalog import load_catalog
from retrieval.items import Item
from retrieval.shopper_loaders import amazon2023_heldout, load_amazon2023_users, purchase_profile, shorten
from retrieval.shoppers import PastPurchase, Shopper
from whythis.errors import RowError
from whythis.paths import data_dir as shared_data_dir

PROMPT = "reason"
AUDIENCES = ("shopper", "support")


def amazon2023_rows(data_dir: str | None, limit: int | None, audience: str) -> list[dict[str, Any]]:
    """Amazon Reviews 2023 users: the 4 reviewed items are the shopper, the 5th is the item to explain."""
    path = shared_data_dir(data_dir) / "amazon2023" / "train.jsonl"
    heldout = amazon2023_heldout(path)
    pairs = []
    for shopper in load_amazon2023_users(path):
        bought = heldout[shopper.shopper_id]
        item = Item(
            item_id=bought.item_id or f"{shopper.shopper_id}:heldout",
            title=bought.title,
            category=bought.category,
            price=bought.price,
        )
        pairs.append((shopper, item))
    return list(_rows(pairs, audience, limit, "amazon2023"))


def giftcards_rows(data_dir: str | None, limit: int | None, audience: str) -> list[dict[str, Any]]:
    """Gift Cards reviewers: their earlier reviewed cards are the shopper, the last one is the item."""
    return list(_rows(giftcards_pairs(data_dir), audience, limit, "giftcards"))


def giftcards_pairs(data_dir: str | None) -> list[tuple[Shopper, Item]]:
    """Every Gift Cards reviewer with two known cards, in id order: earlier cards, and the last one."""
    root = shared_data_dir(data_dir) / "giftcards"
    catalog = {
        i.item_id: i for i in load_catalog(root / "meta_Gift_Cards.jsonl", "giftcards", skip_bad=True).items
    }
    pairs = []
    for reviewer, reviews in sorted(_reviews_by_reviewer(root / "Gift_Cards_5.jsonl").items()):
        known = [r for r in reviews if r["asin"] in catalog]
        if len(known) < 2:
            continue
        *earlier, last = sorted(known, key=lambda r: (r.get("unixReviewTime", 0), r["asin"]))
        purchases = tuple(_giftcard_purchase(r, catalog[r["asin"]]) for r in earlier[-4:])
        shopper = Shopper(shopper_id=reviewer, profile=purchase_profile(purchases), purchases=purchases)
        pairs.append((shopper, catalog[last["asin"]]))
    return pairs


def _rows(
    pairs: list[tuple[Shopper, Item]], audience: str, limit: int | None, source: str
) -> Iterator[dict[str, Any]]:
    made = 0
    for n, (shopper, item) in enumerate(pairs):
        if limit is not None and made >= limit:
            return
        who = AUDIENCES[n % 2] if audience == "auto" else audience
        answer = grounded_fallback(item, shopper, who, style="because")
        if not answer:
            continue  # nothing about this shopper met the item: no reason worth learning
        made += 1
        yield {
            "prompt": PROMPT,
            "variables": reason_variables(shopper, item, who),
            "answer": answer,
            "key": f"{source}:{shopper.shopper_id}:{item.item_id}",
        }


def _reviews_by_reviewer(path: Path) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                review = json.loads(line)
                out[str(review["reviewerID"])].append(review)
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise RowError(str(path), line_no, "reviewerID", f"unreadable review: {exc}") from exc
    return out


def _giftcard_purchase(review: dict[str, Any], item: Item) -> PastPurchase:
    text = str(review.get("reviewText") or review.get("summary") or "")
    rating = review.get("overall")
    return PastPurchase(
        title=item.title,
        item_id=item.item_id,
        category=item.category,
        rating=float(rating) if isinstance(rating, int | float) else None,
        review=shorten(text, 160),
        price=item.price,
    )
