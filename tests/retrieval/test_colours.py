from __future__ import annotations

from retrieval.colours import colour_contested, colours_in, item_colours, title_colours
from retrieval.items import Item


def test_colours_in_takes_the_longest_name_and_folds_spellings() -> None:
    assert colours_in("Navy Blue & Gray checked shirt") == ("navy blue", "grey")
    assert colours_in("Bottle 500, Green") == ("green",)


def test_a_brand_names_no_colour_and_a_contradicted_field_is_contested() -> None:
    brogues = Item("b", "Red Tape Men Tan Brogues", brand="Red Tape", colour="Red")
    assert title_colours(brogues) == ("tan",)
    assert colour_contested(brogues)
    assert item_colours(brogues) == ("tan",)
    shirt = Item("s", "Men Navy Blue Shirt", colour="Blue")
    assert not colour_contested(shirt)
    plain = Item("p", "Classic Shirt", colour="Blue")
    assert not colour_contested(plain) and item_colours(plain) == ("blue",)
