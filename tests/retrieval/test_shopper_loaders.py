from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from retrieval.datasets import dataset_path
from retrieval.shopper_loaders import (
    PROFILE_MAX_CHARS,
    amazon2023_heldout,
    amazon2023_shopper_id,
    load_amazon2023_users,
    load_shopper,
    purchase_profile,
    shorten,
)
from retrieval.shoppers import PastPurchase, Preferences, Shopper
from whythis.errors import DataError, RowError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- shopper files ---------------------------------------------------------------------------


def test_load_shopper_reads_every_part(tmp_path: Path) -> None:
    data = {
        "id": "maya",
        "profile": "Runs a lot.",
        "preferences": {"budget_max": 80, "colours": ["Blue"]},
        "history": ["NW-001"],
        "purchases": [{"title": "Old shoe", "rating": 4}],
    }
    shopper = load_shopper(write(tmp_path, "maya.json", json.dumps(data)))
    assert shopper == Shopper(
        "maya",
        "Runs a lot.",
        Preferences(budget_max=80.0, colours=("Blue",)),
        ("NW-001",),
        (PastPurchase("Old shoe", rating=4.0),),
    )


def test_cold_shopper_needs_only_an_id(tmp_path: Path) -> None:
    shopper = load_shopper(write(tmp_path, "cold.json", '{"id": "guest"}'))
    assert shopper.is_cold
    assert shopper.shopper_id == "guest"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"id": "x", "histroy": []}', "shopper field 'histroy': unknown field; valid fields: id, profile"),
        (
            '{"id": "x", "history": ["a", 3]}',
            "shopper field 'history.1': Input should be a valid string",
        ),
        ('{"profile": "no id"}', "shopper field 'id'"),
        ('{"id": "x", "preferences": {"budget_max": -5}}', "'preferences.budget_max'"),
    ],
)
def test_bad_shopper_file_names_path_and_field(tmp_path: Path, text: str, words: str) -> None:
    path = write(tmp_path, "bad.json", text)
    with pytest.raises(DataError) as info:
        load_shopper(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_shopper_file_with_broken_json_or_missing(tmp_path: Path) -> None:
    with pytest.raises(RowError) as info:
        load_shopper(write(tmp_path, "bad.json", '{\n  "id": "x",\n  oops\n}'))
    assert (info.value.line, info.value.field) == (3, "<json>")
    with pytest.raises(DataError, match=r"not found: .*gone.json"):
        load_shopper(tmp_path / "gone.json")


# --- Amazon Reviews 2023 users ----------------------------------------------------------------


def review(
    asin: str, title: str | None, rating: float = 4.0, text: str = "Nice.", price: Any = None
) -> dict[str, Any]:
    product = {"title": title, "brand": None, "price": price, "main_category": "All Beauty"}
    return {
        "parent_asin": asin,
        "rating": rating,
        "timestamp_ms": 1,
        "review_excerpt": text,
        "review_full": text,
        "review_title": "t",
        "product": product,
    }


def user(user_id: str = "U1", category: str = "All_Beauty", **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "user_id": user_id,
        "category": category,
        "history": [
            review(
                "A1",
                "Summer Crystal Hair Clip, Double-Layered Bow (Holographic)",
                4.0,
                "Pretty bow.<br /><br />But $7 for one bow is a lot.",
                6.99,
            ),
            review("A2", None, 5.0, "Love it"),
            review("A3", "Shampoo Bar | EWG Verified", 3.0, "Decent ingredients."),
            review("A4", "Glow Serum", 4.5, ""),
        ],
        "heldout": review("H1", "Purple Crown Tiara", 4.0, "Beautiful crown."),
    }
    row.update(changes)
    return row


def jsonl(*rows: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows)


def test_amazon_users_become_shoppers_with_purchases_and_profile(tmp_path: Path) -> None:
    path = write(tmp_path, "train.jsonl", jsonl(user(), user(category="Toys_and_Games")))
    first, second = load_amazon2023_users(path)
    assert first.shopper_id == "U1:All_Beauty" == amazon2023_shopper_id("U1", "All_Beauty")
    assert second.shopper_id == "U1:Toys_and_Games"  # one user, two categories: two rows
    clip, untitled, bar, serum = first.purchases
    assert (bar.title, bar.price, serum.review) == ("Shampoo Bar | EWG Verified", None, "")
    assert clip == PastPurchase(
        "Summer Crystal Hair Clip, Double-Layered Bow (Holographic)",
        item_id="A1",
        category="All Beauty",
        rating=4.0,
        review="Pretty bow. But $7 for one bow is a lot.",
        price=6.99,
    )
    assert untitled.title == "untitled product A2"
    assert first.profile == (
        "Bought and reviewed: Summer Crystal Hair Clip (rated 4/5: 'Pretty bow. But $7 for one bow "
        "is a lot.'); untitled product A2 (rated 5/5: 'Love it'); Shampoo Bar | EWG Verified "
        "(rated 3/5: 'Decent ingredients.'); Glow Serum (rated 4.5/5)."
    )
    assert first.history == ()
    assert not first.is_cold


def test_heldout_is_keyed_by_shopper_id(tmp_path: Path) -> None:
    path = write(tmp_path, "validation.jsonl", jsonl(user(), user("U2")))
    heldout = amazon2023_heldout(path)
    assert set(heldout) == {"U1:All_Beauty", "U2:All_Beauty"}
    assert heldout["U2:All_Beauty"] == PastPurchase(
        "Purple Crown Tiara", "H1", "All Beauty", 4.0, "Beautiful crown.", None
    )


def bad_history_rating() -> dict[str, Any]:
    row = user("U3")
    row["history"][2]["rating"] = 9
    return row


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ("{broken", "<json>", "invalid JSON"),
        (user("U1"), "user_id", "again (first on line 1)"),
        ({k: v for k, v in user("U3").items() if k != "heldout"}, "heldout", "missing"),
        (bad_history_rating(), "history.2.rating", "less than or equal to 5"),
        (user("U3", history=[]), "history", "at least 1"),
        (user(""), "user_id", "at least 1"),
    ],
)
def test_bad_amazon_row_names_line_and_field(tmp_path: Path, bad: object, field: str, words: str) -> None:
    path = write(tmp_path, "train.jsonl", jsonl(user(), "", bad, user("U9")))
    with pytest.raises(RowError) as info:
        load_amazon2023_users(path)
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 3, field)
    assert words in info.value.problem


def test_profile_stays_short_with_long_titles_and_reviews() -> None:
    long = PastPurchase("Word " * 80, rating=2.0, review="A very long review sentence. " * 60)
    profile = purchase_profile((long,) * 4)
    assert len(profile) <= PROFILE_MAX_CHARS
    assert profile.count("rated 2/5: '") == 4
    assert purchase_profile(()) == ""


def test_shorten_cuts_at_a_word_and_marks_it() -> None:
    assert shorten("one two three", 20) == "one two three"
    assert shorten("one two three", 9) == "one two…"
    assert len(shorten("x" * 50, 10)) == 10


@pytest.mark.slow
@pytest.mark.parametrize(("split", "count"), [("train", 598), ("validation", 70)])
def test_real_amazon2023_users_load(split: str, count: int) -> None:
    path = dataset_path("amazon2023", f"{split}.jsonl")
    shoppers = load_amazon2023_users(path)
    heldout = amazon2023_heldout(path)
    assert len(shoppers) == count
    assert len({s.shopper_id for s in shoppers}) == count
    assert set(heldout) == {s.shopper_id for s in shoppers}
    assert all(len(s.purchases) == 4 for s in shoppers)
    assert all(0 < len(s.profile) <= PROFILE_MAX_CHARS for s in shoppers)
    assert all(s.profile.startswith("Bought and reviewed: ") for s in shoppers)
    assert all("<br" not in p.review for s in shoppers for p in s.purchases)
