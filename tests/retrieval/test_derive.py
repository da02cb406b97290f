from __future__ import annotations

import pytest

from retrieval.derive import derive_gender, derive_material


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


@pytest.mark.parametrize(
    ("name", "gender"),
    [
        ("Nike Men's Revolution 5 Wide Running Shoe", "Men"),
        ("PUMA Women's Better Foam Adore Running Shoe", "Women"),
        ("U.S. Polo Assn. Kids Boys Navy Printed T-shirt", "Boys"),
        ("Pencil Case for School Teen Girl Boy", "Unisex Kids"),
        ("Backpack for men and women", "Unisex"),
        ("YONEX Nanoray Light 18i Graphite Badminton Racquet", None),
    ],
)
def test_derive_gender_reads_who_a_name_is_for(name: str, gender: str | None) -> None:
    assert derive_gender(name) == gender
