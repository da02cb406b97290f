from __future__ import annotations

import pytest

from retrieval.derive import derive_category, derive_material


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("EthnoVogue Women Beige & Grey Made to Measure Kurta Set with Jacket", "Kurta Set"),
        ("Vishudh Women Maroon Printed Kurta with Palazzos", "Kurta"),
        ("DKNY Unisex Black & Grey Printed Medium Trolley Bag", "Trolley Bag"),
        ("Parx Men Green Printed Polo Collar T-shirt", "T-shirt"),
        ("Roadster Men White Sneakers", "Sneakers"),
        ("Levis Men Black Synthetic Leather Mid-Top Sneakers", "Sneakers"),
        ("Parx Men Blue Slim Fit Checked Casual Shirt", "Shirt"),
        ("Nike Men Grey Sweatshirt", "Sweatshirt"),
        ("PARFAIT Black Non-Wired Padded T-shirt Bra P5252", "Bra"),
        ("Tokyo Talkies Women Blue Checked Shirt Dress", "Dress"),
        ("Aurelia Women Dresses", "Dress"),
        ("Police Men To Be The King Eau De Toilette 125 ml", "Perfume"),
        ("Story@home Cotton 1 King Bedsheet with 2 Pillow Covers", "Bedsheet"),
        ("Parx Men Laptop Case", None),
        ("Superman", None),
    ],
)
def test_derive_category_reads_the_product_noun(name: str, category: str | None) -> None:
    assert derive_category(name) == category


@pytest.mark.parametrize(
    ("texts", "material"),
    [
        (("Geox Women Grey Solid Leather Ballerinas", ""), "leather"),
        (("Levis Men Black Synthetic Leather Sneakers", ""), "faux leather"),
        (("Mitera Pink Silk Blend Saree", ""), "silk blend"),
        (("Roadster Men Blue Jacket", "A pair of shoesCotton upperCushioned"), "cotton"),
        (("Indian Terrain Linen Shirt", "polyester lining"), "linen"),  # the name comes first
        (("Parx Men Blue Shirt", "Blue shirt, has a collar"), None),
        (("Cottonwood Tee", "Woolworths exclusive"), None),  # only whole words count
    ],
)
def test_derive_material_only_from_literal_words(texts: tuple[str, str], material: str | None) -> None:
    assert derive_material(*texts) == material
