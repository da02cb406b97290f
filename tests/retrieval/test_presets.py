"""The built-in presets, on small invented files in the shapes of the real ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.catalog import load_catalog
from retrieval.items import Item
from whythis.errors import RowError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(*rows: object) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)


def row_error(path: Path, mapping: str | None = None) -> RowError:
    with pytest.raises(RowError) as info:
        load_catalog(path, mapping)
    return info.value


def test_giftcards_preset_normalises_messy_metadata(tmp_path: Path) -> None:
    base = {"also_buy": [], "feature": [], "main_cat": "Gift Cards", "brand": ""}
    rows = [
        {
            **base,
            "asin": "G1",
            "title": " Caf&#39;e $25 Card",
            "price": "$25.00",
            "category": ["Gift Cards", "Gift Cards", "No fees.", "Gift Cards"],
            "description": [
                "<b>Use</b> it&nbsp;anywhere.",
                "Statements regarding dietary supplements x",
            ],
        },
        {
            **base,
            "asin": "G2",
            "title": "Range card",
            "price": "$10.00 - $50.00",
            "brand": "Acme",
            "category": ["Gift Cards", "Gift Card Accessories"],
            "description": [],
            "feature": ["Holds two cards"],
        },
        {**base, "asin": "G3", "title": "Scraped", "price": "\n <div class='a'>", "category": []},
    ]
    load = load_catalog(write(tmp_path, "meta_Gift_Cards.jsonl", jsonl(*rows)))
    first, second, third = load.items
    assert load.source == "giftcards"
    assert (first.title, first.brand, first.price, first.category) == (
        "Caf'e $25 Card",
        None,
        25.0,
        "Gift Cards",
    )
    assert first.description == "Use it anywhere."
    assert (second.price, second.category, second.description) == (
        10.0,
        "Gift Card Accessories",
        "Holds two cards",
    )
    assert dict(second.extra) == {"currency": "USD", "price_range": "$10.00 - $50.00"}
    assert (third.price, third.category) == (None, "Gift Cards")


def test_mg_shopdial_array_gets_ids_category_and_object_lines(tmp_path: Path) -> None:
    cards: list[dict[str, object]] = [
        {
            "name": "Trail Shoe",
            "price": "$59.99",
            "short_description": "Light.",
            "rating": "4.6/5",
            "images": "x",
            "product_description": "Mesh upper\u200e",
        },
        {
            "name": "Bottle",
            "price": "47.99",
            "short_description": "Steel.",
            "rating": None,
            "images": "x",
            "product_description": None,
        },
    ]
    path = write(tmp_path, "SportsandOutdoors_items.json", json.dumps(cards, indent=4))
    load = load_catalog(path)
    shoe, bottle = load.items
    assert load.source == "mg_shopdial"
    assert (shoe.item_id, shoe.category, shoe.price, shoe.rating) == (
        "SportsandOutdoors-01",
        "Sports & Outdoors",
        59.99,
        4.6,
    )
    assert dict(shoe.extra) == {"currency": "USD", "details": "Mesh upper"}
    assert (bottle.item_id, bottle.rating) == ("SportsandOutdoors-02", None)
    cards[1]["rating"] = "great"
    error = row_error(write(tmp_path, "Books_items.json", json.dumps(cards, indent=4)))
    assert (error.line, error.field) == (10, "rating")  # the second object opens on line 10


def test_broken_json_array_is_a_row_error_with_line(tmp_path: Path) -> None:
    path = write(tmp_path, "Books_items.json", '[\n  {"name": "a", "short_description": "b"},\n  {oops}\n]')
    error = row_error(path, "mg_shopdial")
    assert (error.line, error.field) == (3, "<json>")


def test_xrec_preset_unescapes_titles(tmp_path: Path) -> None:
    folder = tmp_path / "amazon"
    folder.mkdir()
    row = {
        "item_id": 8,
        "title": "Othello: Complete &amp; Unabridged",
        "item_profile": "Fans of plays.",
    }
    load = load_catalog(write(folder, "items.jsonl", jsonl(row)))
    assert load.source == "xrec"
    assert load.items[0] == Item(
        "8", "Othello: Complete & Unabridged", category="Books", kind="Book", description="Fans of plays."
    )
