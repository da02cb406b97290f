"""Built-in catalog presets: the column mapping and clean-up for each known catalog format."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.derive import derive_gender, derive_material
from retrieval.items import CatalogRow
from retrieval.kinds import kind_in_name
from retrieval.mapping import ColumnMapping, is_blank


@dataclass(frozen=True)
class RowContext:
    """Where a row came from, for presets that build ids or categories from the file."""

    path: Path
    index: int
    raw: Mapping[str, Any]


Normaliser = Callable[[dict[str, Any], RowContext], dict[str, Any]]


@dataclass(frozen=True)
class Preset:
    """A known catalog format: how to recognise it, map its columns and clean its rows."""

    name: str
    summary: str
    mapping: ColumnMapping
    signature: frozenset[str]
    native: bool = False
    normalise: Normaliser | None = None


_TAG = re.compile(r"<[^>]*>")
# Scraped descriptions glue sentences together ("secured with a TSA lockOne handle on the top").
_GLUED = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
_BOILERPLATE = ("Statements regarding dietary supplements",)
# Invisible format characters (zero-width space, direction marks, BOM) scraped with the text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\ufeff"))


def clean_text(value: object) -> str:
    """Text without HTML tags or entities, whitespace collapsed; non-text gives ""."""
    if not isinstance(value, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", value)).translate(_INVISIBLE).split())


def _with_currency(row: dict[str, Any], currency: str) -> dict[str, Any]:
    if row.get("price") is not None:
        extra = dict(row.get("extra") or {})
        extra.setdefault("currency", currency)
        row["extra"] = extra
    return row


def _demo(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    return _with_currency(row, "EUR")


def _myntra(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    title = str(row.get("title") or "")
    brand = str(row.get("brand") or "").strip()
    description = _GLUED.sub(". ", str(row.get("description") or ""))
    row["description"] = description
    if is_blank(row.get("category")):
        row["category"] = kind_in_name(title, brand=brand)
    if is_blank(row.get("material")):
        # A brand's words are no material ("Varkala Silk Sarees Cotton Blend Saree" is cotton blend).
        named = (
            re.sub(rf"(?<!\w){re.escape(brand)}(?!\w)", " ", title, flags=re.IGNORECASE) if brand else title
        )
        row["material"] = derive_material(named, description)
    return _with_currency(row, "INR")


def _xrec(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    row["title"] = clean_text(row.get("title"))
    row["description"] = clean_text(row.get("description"))
    if ctx.path.parent.name == "amazon":
        row.setdefault("category", "Books")  # the XRec Amazon domain is Amazon-books
    return row


def _giftcards(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    row["title"] = clean_text(row.get("title"))
    row["brand"] = clean_text(row.get("brand")) or None
    row["category"] = _category_path(ctx.raw.get("category"), ctx.raw.get("main_cat"))
    description = _text_list(row.get("description")) or _text_list(ctx.raw.get("feature"))
    row["description"] = description
    price, price_range = _loose_price(row.get("price"))
    row["price"] = price
    if price_range:
        row["extra"] = {**(row.get("extra") or {}), "price_range": price_range}
    return _with_currency(row, "USD")


def _text_list(value: object) -> str:
    parts = value if isinstance(value, list) else [value]
    texts = (clean_text(part) for part in parts)
    return " ".join(t for t in texts if t and not t.startswith(_BOILERPLATE))


def _category_path(value: object, fallback: object) -> str | None:
    # Amazon category lists start with the real path and then trail off into feature text
    # and markup; the last entry of the clean prefix is the most specific category.
    path: list[str] = []
    for entry in value if isinstance(value, list) else []:
        text = clean_text(entry)
        if not text or len(text) > 40 or text.endswith(".") or "<" in str(entry):
            break
        path.append(text)
    if path:
        return path[-1]
    text = clean_text(fallback)
    return text if text and len(text) <= 40 and "<" not in str(fallback) else None


def _loose_price(value: object) -> tuple[object, str | None]:
    """(price for the strict parser, price range text) from a scraped price field."""
    if not isinstance(value, str):
        return value, None
    text = value.strip()
    if not text or len(text) > 40 or "<" in text or "{" in text:
        return None, None  # empty, or page markup scraped in place of a price
    low_high = re.fullmatch(r"(\S+)\s*[-–]\s*(\S+)", text)
    if low_high:
        return low_high.group(1), f"{low_high.group(1)} - {low_high.group(2)}"
    return text, None


_MG_CATEGORIES = {
    "Books": "Books",
    "Cellphones_Accessories": "Cell Phones & Accessories",
    "Officeproducts": "Office Products",
    "SportsandOutdoors": "Sports & Outdoors",
}


def _mg_shopdial(row: dict[str, Any], ctx: RowContext) -> dict[str, Any]:
    # The product cards have no ids; the file and position name each one stably.
    prefix = ctx.path.stem.removesuffix("_items")
    row["item_id"] = f"{prefix}-{ctx.index + 1:02d}"
    row["category"] = _MG_CATEGORIES.get(prefix, prefix.replace("_", " "))
    if prefix != "Books" and is_blank(row.get("gender")):
        row["gender"] = derive_gender(
            str(row.get("title") or "")
        )  # "Nike Men's ..." is for men    row["title"] = clean_text(row.get("title"))
    row["description"] = clean_text(row.get("description"))
    details = clean_text(ctx.raw.get("product_description"))
    if details:
        row["extra"] = {**(row.get("extra") or {}), "details": details}
    return _with_currency(row, "USD")


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            "myntra",
            "Myntra products.csv (Product_ID, Product_Name, ..., prices in INR)",
            ColumnMapping(
                item_id="Product_ID",
                title="Product_Name",
                brand="Product_Brand",
                gender="Gender",
                price="Price",
                description="Description",
                colour="Primary_Color",
            ),
            frozenset({"Product_ID", "Product_Name", "Product_Brand", "Price"}),
            normalise=_myntra,
        ),
        Preset(
            "xrec",
            "XRec items.jsonl (item_id, title, item_profile)",
            ColumnMapping(description="item_profile"),
            frozenset({"item_id", "title", "item_profile"}),
            normalise=_xrec,
        ),
        Preset(
            "giftcards",
            "Amazon 2018 metadata such as meta_Gift_Cards.jsonl (asin, title, brand, price, ...)",
            ColumnMapping(item_id="asin"),
            frozenset({"asin", "title"}),
            normalise=_giftcards,
        ),
        Preset(
            "mg_shopdial",
            "MG-ShopDial *_items.json product cards (name, price, short_description, rating)",
            ColumnMapping(title="name", description="short_description"),
            frozenset({"name", "short_description"}),
            normalise=_mg_shopdial,
        ),
        Preset(
            "demo",
            "catalog rows already in our field names (item_id, title, ...; prices in EUR)",
            ColumnMapping(),
            frozenset({"item_id", "title"}),
            native=True,
            normalise=_demo,
        ),
    )
}


def detect_preset(keys: tuple[str, ...]) -> Preset | None:
    """The preset whose columns the header or first record has, or None."""
    found = set(keys)
    for preset in PRESETS.values():
        if preset.signature <= found and (not preset.native or found <= set(CatalogRow.model_fields)):
            return preset
    return None
