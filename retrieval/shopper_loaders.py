"""Loading shoppers: our shopper JSON files, and Amazon Reviews 2023 users as shoppers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from retrieval.presets import clean_text
from retrieval.records import RawRecord, read_records, read_text
from retrieval.shoppers import PastPurchase, Shopper, ShopperFile
from whythis.errors import DataError, RowError
from whythis.validation import first_problem

PROFILE_MAX_CHARS = 600
_PROFILE_LEAD = "Bought and reviewed: "
_TITLE_MAX_CHARS = 48


def demo_shopper_paths() -> tuple[Path, ...]:
    """The packaged demo shopper files, sorted by name."""
    folder = Path(str(resources.files("retrieval").joinpath("demo", "shoppers")))
    return tuple(sorted(folder.glob("*.json")))


def load_shopper(path: str | Path) -> Shopper:
    """A shopper from a ShopperFile JSON file; DataError naming the path and the bad field."""
    path = Path(path)
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise RowError(str(path), exc.lineno, "<json>", f"invalid JSON: {exc.msg}") from exc
    try:
        return ShopperFile.model_validate(data).to_shopper()
    except ValidationError as exc:
        field, problem = first_problem(exc, top="<file>", model=ShopperFile)
        raise DataError(f"{path}: shopper field {field!r}: {problem}") from exc


# The Amazon Reviews 2023 rows are a third-party format: unknown keys are ignored rather than
# refused, since they carry nothing these loaders use.
class _AmazonProduct(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str | None = None
    brand: str | None = None
    price: float | None = Field(default=None, ge=0)
    main_category: str | None = None


class _AmazonReview(BaseModel):
    model_config = ConfigDict(extra="ignore")

    parent_asin: str = Field(min_length=1)
    rating: float = Field(ge=0, le=5)
    review_excerpt: str | None = None
    review_full: str | None = None
    product: _AmazonProduct


class _AmazonShopper(BaseModel):
    model_config = ConfigDict(extra="ignore")

    user_id: str = Field(min_length=1)
    category: str = Field(min_length=1)
    history: list[_AmazonReview] = Field(min_length=1)


class _AmazonUser(_AmazonShopper):
    heldout: _AmazonReview  # the evaluation's 5th reviewed item


Row = TypeVar("Row", bound=_AmazonShopper)


def amazon2023_shopper_id(user_id: str, category: str) -> str:
    """The shopper id of one Amazon 2023 row: a user appears once per category, so both."""
    return f"{user_id}:{category}"


def load_amazon2023_users(path: str | Path) -> list[Shopper]:
    """One shopper per row of an Amazon Reviews 2023 users file, from its 4 reviewed items."""
    shoppers = []
    for _, user in _amazon_rows(Path(path)):
        purchases = tuple(_purchase(review) for review in user.history)
        shoppers.append(
            Shopper(
                shopper_id=amazon2023_shopper_id(user.user_id, user.category),
                profile=purchase_profile(purchases),
                purchases=purchases,
            )
        )
    return shoppers


def load_shoppers_file(path: str | Path) -> list[Shopper]:
    """Shoppers from a JSON-lines file, one per line: our shopper format, or Amazon Reviews 2023 user rows
    (a `user_id` and a `history`); a malformed line names the file, the line and the field."""
    path = Path(path)
    shoppers = []
    for record in read_records(path):
        if isinstance(record, RowError):
            raise record
        if "user_id" in record.fields and "history" in record.fields:
            user = _amazon_user(path, record, _AmazonShopper)
            purchases = tuple(_purchase(review) for review in user.history)
            shopper_id = amazon2023_shopper_id(user.user_id, user.category)
            shoppers.append(Shopper(shopper_id, purchase_profile(purchases), purchases=purchases))
            continue
        try:
            shoppers.append(ShopperFile.model_validate(record.fields).to_shopper())
        except ValidationError as exc:
            field, problem = first_problem(exc, top="<row>", model=ShopperFile)
            raise RowError(str(path), record.line, field, problem) from exc
    return shoppers


def amazon2023_heldout(path: str | Path) -> dict[str, PastPurchase]:
    """The held-out 5th reviewed item of every row, keyed by the shopper id."""
    return {
        amazon2023_shopper_id(user.user_id, user.category): _purchase(user.heldout)
        for _, user in _amazon_rows(Path(path))
    }


def _amazon_rows(path: Path) -> Iterator[tuple[int, _AmazonUser]]:
    first_line: dict[str, int] = {}
    for record in read_records(path):
        if isinstance(record, RowError):
            raise record
        user = _amazon_user(path, record, _AmazonUser)
        key = amazon2023_shopper_id(user.user_id, user.category)
        if key in first_line:
            problem = f"user {user.user_id!r} in category {user.category!r} again"
            raise RowError(str(path), record.line, "user_id", f"{problem} (first on line {first_line[key]})")
        first_line[key] = record.line
        yield record.line, user


def _amazon_user(path: Path, record: RawRecord, model: type[Row]) -> Row:
    try:
        return model.model_validate(record.fields)
    except ValidationError as exc:
        field, problem = first_problem(exc, top="<row>")
        raise RowError(str(path), record.line, field, problem) from exc


def _purchase(review: _AmazonReview) -> PastPurchase:
    product = review.product
    title = clean_text(product.title) or f"untitled product {review.parent_asin}"
    return PastPurchase(
        title=title,
        item_id=review.parent_asin,
        category=clean_text(product.main_category) or None,
        rating=review.rating,
        review=clean_text(review.review_excerpt) or clean_text(review.review_full),
        price=product.price,
    )


def purchase_profile(purchases: tuple[PastPurchase, ...]) -> str:
    """A short free-text profile from reviewed purchases, at most PROFILE_MAX_CHARS long."""
    if not purchases:
        return ""
    share = (PROFILE_MAX_CHARS - len(_PROFILE_LEAD) - 1) // len(purchases) - 2  # "; " between
    parts = []
    for purchase in purchases:
        title = shorten(_first_clause(purchase.title), _TITLE_MAX_CHARS)
        rated = "" if purchase.rating is None else f"rated {purchase.rating:g}/5"
        room = share - len(title) - len(rated) - 9  # " (", ": '", "')"
        quote = shorten(purchase.review, room) if purchase.review and room >= 12 else ""
        if rated and quote:
            parts.append(f"{title} ({rated}: '{quote}')")
        elif rated:
            parts.append(f"{title} ({rated})")
        else:
            parts.append(title)
    return shorten(_PROFILE_LEAD + "; ".join(parts) + ".", PROFILE_MAX_CHARS)


def profile_is_purchases(profile: str) -> bool:
    """True for a profile `purchase_profile` wrote: it lists purchases, not words of the shopper."""
    return profile.startswith(_PROFILE_LEAD)


def _first_clause(title: str) -> str:
    # Amazon titles pile features after the name ("Hair Clip, Double-Layered, ... (Holographic)").
    for mark in (" | ", ", ", " - ", " (", ": "):
        head = title.split(mark, 1)[0]
        if len(head) >= 12:
            title = head
    return title


def shorten(text: str, limit: int) -> str:
    """The text cut at a word boundary to at most `limit` characters, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
