from __future__ import annotations

import pytest

from retrieval.kinds import CatalogKinds, kind_in_name, kind_table, plural_forms, product_kind


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("EthnoVogue Women Beige & Grey Made to Measure Kurta Set with Jacket", "Kurta Set"),
        ("Vishudh Women Maroon Printed Kurta with Palazzos", "Kurta"),
        ("DKNY Unisex Black & Grey Printed Medium Trolley Bag", "Trolley Bag"),
        ("Parx Men Green Printed Polo Collar T-shirt", "Polo T-shirt"),
        ("Roadster Men White Sneakers", "Sneakers"),
        ("Levis Men Black Synthetic Leather Mid-Top Sneakers", "Sneakers"),
        ("Parx Men Blue Slim Fit Checked Casual Shirt", "Shirt"),
        ("Nike Men Grey Sweatshirt", "Sweatshirt"),
        ("U.S. Polo Assn. Kids Boys Navy Hooded Sweatshirt", "Hoodie"),
        ("PARFAIT Black Non-Wired Padded T-shirt Bra P5252", "Bra"),
        ("Tokyo Talkies Women Blue Checked Shirt Dress", "Dress"),
        ("Aurelia Women Dresses", "Dress"),
        ("Police Men To Be The King Eau De Toilette 125 ml", "Perfume"),
        ("Story@home Cotton 1 King Bedsheet with 2 Pillow Covers", "Bedsheet"),
        ("Kestrel Stride 3 Running Shoe, Black", "Running Shoes"),
        ("Sensyne 10'' Ring Light with 50'' Extendable Tripod Stand", "Ring Light"),
        ("Botas - Attack - Men's Ice Hockey Skates | Made in Europe", "Skates"),
        ("Lakme Absolute Matte Melt Liquid Lip Color - 22 Pink Heels 6 ml", "Lip Colour"),
        ("Dynamocks Unisex Pack Of 3 Solid Shoe Liners", "Socks"),
        ("Parx Men Laptop Case", "Laptop Sleeve"),
        ("Parx Men Carrying Case", None),
        ("Superman", None),
    ],
)
def test_kind_in_name_reads_the_product_noun(name: str, kind: str | None) -> None:
    assert kind_in_name(name) == kind


def test_a_category_that_names_a_kind_wins_else_the_name_else_the_category_itself() -> None:
    assert product_kind("Kestrel Tempo Racer, White", "Running Shoes") == "Running Shoes"
    assert product_kind("Nike Men's Revolution 5 Running Shoe", "Sports & Outdoors") == "Running Shoes"
    assert product_kind("1984 by George Orwell", "Books") == "Book"
    assert product_kind("Wide brim thing", "Hats and Headwear") == "Hats and Headwear"
    assert product_kind("Superman", None) is None


def test_plural_forms() -> None:
    assert plural_forms("kurta") == {"kurta", "kurtas"}
    assert plural_forms("dress") == {"dress", "dresses"}
    assert plural_forms("accessory") == {"accessory", "accessories"}
    assert plural_forms("running shoe") == {"running shoe", "running shoes"}


def test_a_request_names_the_catalogs_kinds_in_any_inflection() -> None:
    kinds = CatalogKinds.of(["Kurta", "Polo T-shirt", "T-shirt", "Running Shoes", "Hats and Headwear"])
    assert kinds.named("show me womens kurtas") == ("Kurta",)
    assert kinds.named("polo t-shirt in navy for men") == ("Polo T-shirt",)
    assert kinds.named("any t-shirts?") == ("T-shirt",)
    assert kinds.named("shoes for running") == ("Shoes",)  # a broader kind of what the shop has
    assert kinds.named("hats and headwear please") == ("Hats and Headwear",)
    assert kinds.named("a red saree") == ()  # the shop has no sarees


def test_broader_kinds_fit_but_narrower_do_not() -> None:
    table = kind_table()
    assert table.fits("Running Shoes", ["Shoes"])
    assert table.fits("Kurta Set", ["kurta"])
    assert not table.fits("Shoes", ["Running Shoes"])
    assert not table.fits(None, ["Shoes"])


def test_a_one_word_kind_that_is_also_a_colour_yields_to_another_kind() -> None:
    kinds = CatalogKinds.of(["Kurta", "Cream", "Sweater"])
    colours = frozenset({"cream"})
    assert kinds.named("a cream kurta", colours=colours) == ("Kurta",)
    assert kinds.named("night cream", colours=colours) == ("Cream",)
    assert kinds.named("a cream kurta") == ("Cream", "Kurta")  # without the colours it reads both


def test_need_words_bring_the_words_listings_use_for_them() -> None:
    from retrieval.kinds import need_terms

    assert {"padded", "fleece", "insulated"} <= set(need_terms("a warm jaket for men"))
    assert "formal" in need_terms("shoes for the office")
    assert need_terms("a blue kurta") == ()
