"""The fact check of an XRec-style explanation: only its two profiles and the title can back a fact."""

from __future__ import annotations

from collections.abc import Sequence

from agent.grounding.check import GroundingChecker
from eval.xrec.batch import Repair, clean_prediction
from finetune.training.data import Audience, XrecRow
from retrieval.items import Item
from retrieval.shoppers import Shopper

# The facts a reason must never invent. XRec explanations are opinions drawn from real reviews
# ("delicious", "captivating"), which two short profiles cannot back, and its references are full of
# them: counting those would reject the references themselves, so the benchmark checks facts only.
FACT_KINDS = frozenset(
    {"price", "budget", "brand", "colour", "size", "material", "rating", "discount", "coupon", "promise",
     "purchase", "number"}
)  # fmt: skip


def xrec_checker() -> GroundingChecker:
    """A checker for XRec rows, which have no structured items or brands: the profiles are the evidence."""
    return GroundingChecker(known_brands=frozenset())


def facts_grounded(checker: GroundingChecker, text: str, row: XrecRow) -> bool:
    """Whether every fact `text` states (price, rating, a purchase, ...) is backed by its row."""
    item = Item(item_id=str(row.item_id), title=row.title, description=row.item_profile)
    shopper = Shopper(shopper_id=str(row.user_id), profile=row.user_profile)
    claims = checker.check(text, item, shopper).claims
    return all(c.supported for c in claims if c.kind in FACT_KINDS)


def grounded_rows(texts: Sequence[str], rows: Sequence[XrecRow]) -> list[bool]:
    """`facts_grounded` for each text and the row it explains (as many texts as rows)."""
    checker = xrec_checker()
    return [facts_grounded(checker, text, row) for text, row in zip(texts, rows, strict=True)]


def profile_fallback(row: XrecRow, audience: Audience = "support") -> str:
    """An answer built from the row alone: the item's own profile, which backs every fact it states."""
    who = "You may" if audience == "shopper" else "The user may"
    answer = clean_prediction(f"{who} enjoy {row.title.strip()}: {row.item_profile.strip()}")
    if facts_grounded(xrec_checker(), answer, row):
        return answer
    # The check may read the profile's wording as a claim about the user (a purchase) that nothing backs.
    return f"{who} enjoy {row.title.strip()}."


def fact_repair(audience: Audience = "support") -> Repair:
    """Explain-batch's repair: answers stating unbacked facts are drawn again, else the profile fallback."""
    return Repair(check=grounded_rows, fallback=lambda row: profile_fallback(row, audience))
