from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from retrieval.catalog import ColumnMapping, demo_catalog_path, load_catalog, load_mapping
from retrieval.datasets import dataset_path
from retrieval.items import Item
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from whythis.errors import ConfigError, DataError, RowError


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def jsonl(*rows: object) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)


GOOD = {
    "item_id": "A1",
    "title": "Trail shoe",
    "price": 99.5,
    "sizes": ["40", "41"],
    "colour": "Blue",
}


def row_error(path: Path, mapping: str | ColumnMapping | None = None) -> RowError:
    with pytest.raises(RowError) as info:
        load_catalog(path, mapping)
    return info.value


# --- native JSON Lines -----------------------------------------------------------------------


def test_native_rows_load_with_types_and_currency(tmp_path: Path) -> None:
    path = write(tmp_path, "c.jsonl", jsonl(GOOD, {"item_id": 7, "title": "Cap", "sizes": "S, M"}))
    load = load_catalog(path)
    assert load.source == "demo"
    assert load.skipped == ()
    first, second = load.items
    assert first == Item(
        "A1",
        "Trail shoe",
        kind="Shoes",  # read off the name
        price=99.5,
        sizes=("40", "41"),
        colour="Blue",
        extra=(("currency", "EUR"),),
    )
    assert second.item_id == "7"
    assert second.sizes == ("S", "M")
    assert second.extra == ()  # no price, so no currency


@pytest.mark.parametrize(
    ("bad", "field", "words"),
    [
        ("{not json", "<json>", "invalid JSON"),
        ('["a list"]', "<row>", "JSON object"),
        ({"item_id": "B", "price": 3}, "title", "missing"),
        ({"title": "No id"}, "item_id", "missing"),
        ({"item_id": "B", "title": ""}, "title", "at least 1"),
        ({"item_id": "B", "title": "T", "price": "cheap"}, "price", "not a number: 'cheap'"),
        ({"item_id": "B", "title": "T", "price": -1}, "price", "greater than or equal"),
        ({"item_id": "B", "title": "T", "rating": 7}, "rating", "less than or equal"),
        ({"item_id": "B", "title": "T", "color": "red"}, "color", "unknown field"),
        (
            {"item_id": "A1", "title": "Again"},
            "item_id",
            "duplicate item_id 'A1' (first on line 1)",
        ),
    ],
)
def test_each_bad_row_names_its_line_and_field(tmp_path: Path, bad: object, field: str, words: str) -> None:
    path = write(tmp_path, "c.jsonl", jsonl(GOOD, "", bad, {"item_id": "Z", "title": "Fine"}))
    error = row_error(path, "demo")
    assert (error.path, error.line, error.field) == (str(path), 3, field)
    assert words in error.problem
    assert f"line 3, field {field!r}" in str(error)


def test_skip_bad_collects_errors_and_loads_the_rest(tmp_path: Path) -> None:
    rows = jsonl(
        GOOD,
        "{oops",
        {"item_id": "A1", "title": "dup"},
        {"title": "no id"},
        {"item_id": "C", "title": "ok"},
    )
    load = load_catalog(write(tmp_path, "c.jsonl", rows), "demo", skip_bad=True)
    assert [item.item_id for item in load.items] == ["A1", "C"]
    assert [(e.line, e.field) for e in load.skipped] == [
        (2, "<json>"),
        (3, "item_id"),
        (4, "item_id"),
    ]


def test_missing_file_and_empty_catalog_are_data_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"not found: .*nowhere.jsonl"):
        load_catalog(tmp_path / "nowhere.jsonl", "demo")
    with pytest.raises(DataError, match=r"no catalog items"):
        load_catalog(write(tmp_path, "e.jsonl", "\n"), "demo")
    with pytest.raises(DataError, match=r"'\.txt'; valid: \.csv"):
        load_catalog(write(tmp_path, "c.txt", "x"), "demo")


def test_unknown_preset_and_undetectable_file_say_what_is_valid(tmp_path: Path) -> None:
    path = write(tmp_path, "c.jsonl", jsonl({"sku": "1", "name": "x"}))
    with pytest.raises(ConfigError, match=r"'shopify'.*myntra.*giftcards.*mg_shopdial.*demo"):
        load_catalog(path, "shopify")
    with pytest.raises(DataError, match=r"cannot tell.*sku, name.*xrec.*yaml"):
        load_catalog(path)


# --- CSV ---------------------------------------------------------------------------------------

MYNTRA_HEADER = "Product_ID,Product_Name,Product_Brand,Gender,Price,Num_Images,Description,Primary_Color,\r\n"


def test_myntra_csv_is_detected_and_derives_category_and_material(tmp_path: Path) -> None:
    text = MYNTRA_HEADER + (
        '1,Roadster Men Blue Slim Fit Denim Jacket,Roadster,Men,2499,5,"Blue jacketHas two\n'
        'pockets", Blue,\r\n'
        "2,DKNY Unisex Black Large Trolley Bag,DKNY,Unisex,11745,7,Trolley with wheels,,\r\n"
    )
    load = load_catalog(write(tmp_path, "products.csv", text))
    assert load.source == "myntra"
    jacket, bag = load.items
    assert (jacket.category, jacket.material, jacket.colour, jacket.price) == (
        "Jacket",
        "denim",
        "Blue",
        2499.0,
    )
    assert jacket.description == "Blue jacket. Has two\npockets"
    assert dict(jacket.extra) == {"currency": "INR"}
    assert (bag.category, bag.material, bag.colour) == ("Trolley Bag", None, None)


def test_csv_lines_count_physical_lines_of_multiline_records(tmp_path: Path) -> None:
    text = MYNTRA_HEADER + (
        '1,A Kurta,Brand,Women,100,1,"line one\nline two\nline three",Red,\r\n'
        "\r\n"
        "2,B Shirt,Brand,Men,ten rupees,1,desc,Blue,\r\n"
    )
    error = row_error(write(tmp_path, "products.csv", text))
    assert (error.line, error.field) == (6, "price")
    assert "'ten rupees'" in error.problem


def test_csv_row_with_wrong_field_count_or_stray_value(tmp_path: Path) -> None:
    rows = "1,A Kurta,Brand,Women,100\r\n2,B Shirt,Brand,Men,10,1,d,Blue,oops\r\n"
    good = "3,C Top,Brand,Women,10,1,d,Blue,\r\n"
    path = write(tmp_path, "products.csv", MYNTRA_HEADER + rows + good)
    load = load_catalog(path, "myntra", skip_bad=True)
    assert [item.item_id for item in load.items] == ["3"]
    assert [(e.line, e.field) for e in load.skipped] == [(2, "<row>"), (3, "<row>")]
    assert "5 fields but the header has 9" in load.skipped[0].problem
    assert "'oops' in a column with no name" in load.skipped[1].problem
    only_bad = write(tmp_path, "bad.csv", MYNTRA_HEADER + rows)
    with pytest.raises(DataError, match=r"all 2 rows were malformed, the first: .*line 2"):
        load_catalog(only_bad, "myntra", skip_bad=True)


# --- column mappings -------------------------------------------------------------------------


def test_mapping_yaml_maps_columns_defaults_and_extra(tmp_path: Path) -> None:
    mapping = write(
        tmp_path,
        "shop.yaml",
        "item_id: SKU\ntitle: Name\nprice: Cost\nrating: Stars\n"
        "defaults:\n  category: Mugs\nextra: [Origin]\n",
    )
    csv_text = 'SKU,Name,Cost,Stars,Origin\nm1,Blue mug,"€1,250.00",4.5/5,Portugal\nm2,Plain mug,,,\n'
    load = load_catalog(write(tmp_path, "shop.csv", csv_text), mapping)
    first, second = load.items
    assert load.source == "mapping"
    assert (first.price, first.rating, first.category) == (1250.0, 4.5, "Mugs")
    assert dict(first.extra) == {"Origin": "Portugal"}
    assert (second.price, second.rating, second.extra) == (None, None, ())
    assert load_mapping(mapping) == ColumnMapping(
        item_id="SKU",
        title="Name",
        price="Cost",
        rating="Stars",
        defaults={"category": "Mugs"},
        extra=["Origin"],
    )


@pytest.mark.parametrize(
    ("yaml_text", "words"),
    [
        ("item_id: SKU\ncolor: Colour\n", "unknown key 'color'; valid keys: item_id"),
        ("defaults:\n  item_id: x\n", "no catalog field 'item_id' to default"),
        ("title: [a, b]\n", "key 'title'"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        ("title: 'unclosed\n", "cannot read the mapping as YAML"),
    ],
)
def test_bad_mapping_yaml_names_file_and_key(tmp_path: Path, yaml_text: str, words: str) -> None:
    path = write(tmp_path, "bad.yaml", yaml_text)
    with pytest.raises(ConfigError) as info:
        load_mapping(path)
    assert str(path) in str(info.value)
    assert words in str(info.value)


def test_mapping_column_missing_from_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "shop.csv", "SKU,Name\n1,Mug\n")
    with pytest.raises(ConfigError, match=r"price from column 'Cost'.*columns: SKU, Name"):
        load_catalog(path, ColumnMapping(item_id="SKU", title="Name", price="Cost"))


@pytest.mark.parametrize(
    ("price", "expected"),
    [("$25.00", 25.0), ("1,250", 1250.0), ("₹ 899", 899.0), ("12 EUR", 12.0), (" ", None)],
)
def test_price_text_is_parsed(tmp_path: Path, price: str, expected: float | None) -> None:
    path = write(tmp_path, "c.jsonl", jsonl({"item_id": "1", "title": "T", "price": price}))
    assert load_catalog(path, "demo").items[0].price == expected


@pytest.mark.parametrize("price", ["12,50", "free", "$", "10-20"])
def test_ambiguous_price_text_is_a_row_error(tmp_path: Path, price: str) -> None:
    path = write(tmp_path, "c.jsonl", jsonl({"item_id": "1", "title": "T", "price": price}))
    assert row_error(path, "demo").field == "price"


# --- the demo catalog and shoppers -----------------------------------------------------------


def test_demo_catalog_has_90_consistent_items() -> None:
    load = load_catalog(demo_catalog_path())
    items = load.items
    assert (len(items), load.skipped, load.source) == (90, (), "demo")
    assert len({item.item_id for item in items}) == 90
    assert len({item.category for item in items}) == 12
    assert 10 <= len({item.brand for item in items}) <= 14
    assert {item.gender for item in items} == {"Men", "Women", "Unisex", "Kids"}
    for item in items:
        text = item.description.lower()
        assert item.colour and item.colour.lower() in text, item.item_id
        assert item.material and item.material.lower() in text, item.item_id
        assert item.price is not None and item.rating is not None
        assert round(item.rating, 1) == item.rating and 1 <= item.rating <= 5


def test_demo_catalog_supports_cheaper_and_other_colour_follow_ups() -> None:
    items = load_catalog(demo_catalog_path()).items
    prices: defaultdict[str | None, set[float | None]] = defaultdict(set)
    for item in items:
        prices[item.category].add(item.price)
    assert all(len(p) >= 3 for p in prices.values()), prices
    models = Counter(item.title.rsplit(", ", 1)[0] for item in items)
    by_model = {m: {i.colour for i in items if i.title.startswith(m + ", ")} for m in models}
    families = [m for m, colours in by_model.items() if {"Black", "Blue", "Red"} <= colours]
    assert len(families) >= 4, families
    assert 10 <= sum(item.discount_pct is not None for item in items) < 45


def test_demo_shoppers_cover_cold_budget_and_history_cases() -> None:
    ids = {item.item_id for item in load_catalog(demo_catalog_path()).items}
    shoppers = [load_shopper(path) for path in demo_shopper_paths()]
    assert len(shoppers) == 4
    for shopper in shoppers:
        assert set(shopper.history) <= ids, shopper.shopper_id
    assert sum(s.is_cold for s in shoppers) == 1
    assert any(s.preferences.budget_max and s.preferences.colours for s in shoppers)
    assert any(s.history and not s.profile and s.preferences.budget_max is None for s in shoppers)


# --- real data (slow) ------------------------------------------------------------------------


@pytest.mark.slow
def test_all_of_myntra_loads() -> None:
    load = load_catalog(dataset_path("myntra", "products.csv"), skip_bad=True)
    assert [str(e) for e in load.skipped] == []
    assert len(load.items) == 12_491
    assert load.source == "myntra"
    assert sum(item.category is not None for item in load.items) / len(load.items) > 0.95
    assert all(dict(item.extra).get("currency") == "INR" for item in load.items)


@pytest.mark.slow
@pytest.mark.parametrize("domain", ["amazon", "google", "yelp"])
def test_each_xrec_domain_loads(domain: str) -> None:
    path = dataset_path("xrec", domain, "items.jsonl")
    rows = sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    load = load_catalog(path, skip_bad=True)
    assert [str(e) for e in load.skipped] == []
    assert (load.source, len(load.items)) == ("xrec", rows)
    assert all(item.description for item in load.items)


@pytest.mark.slow
def test_giftcards_metadata_loads() -> None:
    load = load_catalog(dataset_path("giftcards", "meta_Gift_Cards.jsonl"), skip_bad=True)
    assert [str(e) for e in load.skipped] == []
    assert (load.source, len(load.items)) == ("giftcards", 1547)
    assert all("<" not in item.title and "&#" not in item.title for item in load.items)
    assert 300 < sum(item.price is not None for item in load.items) < 1547


@pytest.mark.slow
def test_mg_shopdial_items_load() -> None:
    paths = sorted(dataset_path("mg_shopdial").glob("*_items.json"))
    loads = [load_catalog(path, skip_bad=True) for path in paths]
    assert [str(e) for load in loads for e in load.skipped] == []
    items = [item for load in loads for item in load.items]
    assert (len(paths), len(items)) == (4, 57)
    assert all(item.price is not None for item in items)
