"""Each row's review source: given, the row's own, the path's, the item catalog's, else unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.xrec.domain_guess import DomainGuesser, item_text
from eval.xrec.domains import DOMAINS, ItemDomains, domain_from_path, load_item_domains, resolve_domains
from finetune.training.data import XrecRow
from whythis.errors import ConfigError


def xrow(item_id: int, title: str, domain: str | None = None, profile: str = "i") -> XrecRow:
    return XrecRow(user_id=1, item_id=item_id, title=title, user_profile="u", item_profile=profile,
                   explanation="e", domain=domain)  # fmt: skip


def write_items(root: Path, domain: str, items: list[tuple[int, str]], profile: str = "p") -> None:
    folder = root / "xrec" / domain
    folder.mkdir(parents=True)
    lines = [json.dumps({"item_id": i, "title": t, "item_profile": profile}) for i, t in items]
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_items_are_found_by_id_and_title_because_ids_repeat_across_domains(tmp_path: Path) -> None:
    write_items(tmp_path, "google", [(7, "Best Buy"), (8, "FoodMaxx")])
    write_items(tmp_path, "yelp", [(7, "Geno's Steaks")])
    items = load_item_domains(str(tmp_path))
    rows = [xrow(7, "Best Buy"), xrow(7, "Geno's Steaks "), xrow(7, "Nowhere"), xrow(99, "FoodMaxx")]
    assert resolve_domains(rows, items=items) == ["google", "yelp", "", ""]


def test_given_domain_wins_then_the_rows_own_then_the_path() -> None:
    items = ItemDomains({("7", "Best Buy"): "google"})
    rows = [xrow(7, "Best Buy", domain="yelp"), xrow(7, "Best Buy"), xrow(5, "x", domain="books")]
    assert resolve_domains(rows, "amazon", items=items) == ["amazon"] * 3
    assert resolve_domains(rows, items=items) == ["yelp", "google", ""]
    path = Path("/data/xrec/amazon/test.jsonl")
    assert resolve_domains(rows, path=path, items=items) == ["yelp", "amazon", "amazon"]


def test_path_names_a_domain_only_under_an_xrec_folder() -> None:
    assert domain_from_path(Path("/d/xrec/yelp/val.jsonl")) == "yelp"
    assert domain_from_path(Path("/d/xrec/other/val.jsonl")) is None
    assert domain_from_path(Path("/d/yelp/val.jsonl")) is None


def test_an_unknown_domain_option_names_the_valid_ones() -> None:
    with pytest.raises(ConfigError, match=r"amazon, google, yelp, auto.*'books'"):
        resolve_domains([xrow(1, "t")], "books")


def test_a_missing_catalog_folder_gives_an_empty_lookup(tmp_path: Path) -> None:
    assert load_item_domains(str(tmp_path)).by_item == {}


def test_an_item_no_catalog_lists_gets_the_domain_its_words_suggest(tmp_path: Path) -> None:
    books = [(i, f"Novel {i}") for i in range(6)]
    shops = [(10 + i, f"Shop {i}") for i in range(6)]
    write_items(tmp_path, "amazon", books, "readers who love a gripping novel and its characters")
    write_items(tmp_path, "google", shops, "shoppers who want friendly staff and easy parking")
    items = load_item_domains(str(tmp_path))
    rows = [
        xrow(99, "Unlisted", profile="readers of a gripping novel with vivid characters"),
        xrow(98, "Elsewhere", profile="friendly staff, easy parking for shoppers"),
        xrow(97, "Odd", profile="zzz qqq"),
    ]
    assert resolve_domains(rows, items=items) == ["amazon", "google", ""]


def test_no_guess_without_two_domains_to_tell_apart(tmp_path: Path) -> None:
    write_items(tmp_path, "amazon", [(1, "Novel"), (2, "Saga")], "readers who love a gripping novel")
    rows = [xrow(99, "Unlisted", profile="readers who love a gripping novel")]
    assert resolve_domains(rows, items=load_item_domains(str(tmp_path))) == [""]


@pytest.mark.slow
def test_the_real_catalogs_tell_the_domain_of_items_they_were_not_fitted_on() -> None:
    from finetune.training.data import read_xrec, xrec_file

    held = {d: read_xrec(xrec_file(d))[-40:] for d in DOMAINS}
    texts = {item_text(r.title, r.item_profile) for rows in held.values() for r in rows}
    catalog = load_item_domains().guesser
    assert catalog is not None
    kept = tuple(e for e in catalog.examples if e[0] not in texts)
    # Every held-out item is in the catalog and left out of the fit, so each guess is of an unseen item.
    assert len(catalog.examples) - len(kept) >= len(texts)
    guesser = DomainGuesser(kept)
    rows = [r for rows in held.values() for r in rows]
    truth = [d for d, rows in held.items() for _ in rows]
    guessed = guesser.guess([item_text(r.title, r.item_profile) for r in rows])
    assert sum(g == t for g, t in zip(guessed, truth, strict=True)) / len(rows) >= 0.95
