"""Attributes read off a product's own text: a category noun from the name, a material word."""

from __future__ import annotations

import re
from functools import cache

# (phrase as written in product names, canonical category). Longer phrases win over the
# nouns they end with ("Trolley Bag" over "Bag"); plural endings -s/-es are matched too.
_CATEGORIES: tuple[tuple[str, str], ...] = (
    ("t-shirt", "T-shirt"),
    ("tshirt", "T-shirt"),
    ("t-shirt bra", "Bra"),
    ("polo", "T-shirt"),
    ("shirt", "Shirt"),
    ("shirt dress", "Dress"),
    ("sweatshirt", "Sweatshirt"),
    ("hoodie", "Sweatshirt"),
    ("kurta", "Kurta"),
    ("kurta set", "Kurta Set"),
    ("kurti", "Kurta"),
    ("tunic", "Tunic"),
    ("jeans", "Jeans"),
    ("jeggings", "Jeggings"),
    ("treggings", "Jeggings"),
    ("top", "Top"),
    ("crop top", "Top"),
    ("dress", "Dress"),
    ("gown", "Dress"),
    ("jumpsuit", "Jumpsuit"),
    ("playsuit", "Jumpsuit"),
    ("dungarees", "Jumpsuit"),
    ("trousers", "Trousers"),
    ("pants", "Trousers"),
    ("pant", "Trousers"),
    ("chinos", "Trousers"),
    ("cargos", "Trousers"),
    ("culottes", "Trousers"),
    ("palazzos", "Trousers"),
    ("capris", "Trousers"),
    ("joggers", "Track Pants"),
    ("track pants", "Track Pants"),
    ("trackpants", "Track Pants"),
    ("tracksuit", "Tracksuit"),
    ("shorts", "Shorts"),
    ("skirt", "Skirt"),
    ("leggings", "Leggings"),
    ("legging", "Leggings"),
    ("tights", "Leggings"),
    ("jacket", "Jacket"),
    ("bomber", "Jacket"),
    ("windcheater", "Jacket"),
    ("coat", "Coat"),
    ("overcoat", "Coat"),
    ("blazer", "Blazer"),
    ("waistcoat", "Waistcoat"),
    ("suit", "Suit"),
    ("sweater", "Sweater"),
    ("pullover", "Sweater"),
    ("cardigan", "Sweater"),
    ("shrug", "Shrug"),
    ("saree", "Saree"),
    ("lehenga", "Lehenga"),
    ("dupatta", "Dupatta"),
    ("shawl", "Shawl"),
    ("stole", "Scarf"),
    ("scarf", "Scarf"),
    ("bra", "Bra"),
    ("briefs", "Briefs"),
    ("trunks", "Briefs"),
    ("boxers", "Briefs"),
    ("socks", "Socks"),
    ("beanie", "Cap"),
    ("cap", "Cap"),
    ("sneakers", "Sneakers"),
    ("shoes", "Shoes"),
    ("running shoes", "Running Shoes"),
    ("sports shoes", "Sports Shoes"),
    ("flats", "Flats"),
    ("ballerinas", "Flats"),
    ("heels", "Heels"),
    ("pumps", "Heels"),
    ("wedges", "Heels"),
    ("sandals", "Sandals"),
    ("flip-flops", "Flip-Flops"),
    ("sliders", "Flip-Flops"),
    ("slippers", "Flip-Flops"),
    ("boots", "Boots"),
    ("loafers", "Loafers"),
    ("slip-ons", "Loafers"),
    ("mules", "Mules"),
    ("derbys", "Formal Shoes"),
    ("brogues", "Formal Shoes"),
    ("oxfords", "Formal Shoes"),
    ("monks", "Formal Shoes"),
    ("bag", "Bag"),
    ("trolley bag", "Trolley Bag"),
    ("laptop bag", "Laptop Bag"),
    ("sling bag", "Sling Bag"),
    ("tote bag", "Tote Bag"),
    ("duffel bag", "Duffel Bag"),
    ("suitcase", "Trolley Bag"),
    ("backpack", "Backpack"),
    ("clutch", "Clutch"),
    ("wallet", "Wallet"),
    ("pouch", "Pouch"),
    ("belt", "Belt"),
    ("watch", "Watch"),
    ("sunglasses", "Sunglasses"),
    ("cufflinks", "Cufflinks"),
    ("earrings", "Earrings"),
    ("jhumkas", "Earrings"),
    ("studs", "Earrings"),
    ("chandbalis", "Earrings"),
    ("necklace", "Necklace"),
    ("pendant", "Necklace"),
    ("mangalsutra", "Necklace"),
    ("bracelet", "Bracelet"),
    ("bangles", "Bangles"),
    ("bangle", "Bangles"),
    ("ring", "Ring"),
    ("maang tikka", "Maang Tikka"),
    ("eau de toilette", "Perfume"),
    ("eau de parfum", "Perfume"),
    ("edt", "Perfume"),
    ("edp", "Perfume"),
    ("perfume", "Perfume"),
    ("deodorant", "Deodorant"),
    ("lipstick", "Lipstick"),
    ("kajal", "Kajal"),
    ("curtain", "Curtains"),
    ("curtains", "Curtains"),
    ("bedsheet", "Bedsheet"),
    ("cushion covers", "Cushion Covers"),
    ("dohar", "Dohar"),
    ("comforter", "Comforter"),
    ("table runner", "Table Runner"),
    ("placemats", "Placemats"),
    ("carpet", "Carpet"),
    ("rug", "Carpet"),
    ("bath mat", "Bath Mat"),
    ("bathmat", "Bath Mat"),
    ("towel", "Towel"),
    ("lamp", "Lamp"),
    ("table lamp", "Table Lamp"),
    ("floor lamp", "Floor Lamp"),
    ("mug", "Mug"),
    ("cup", "Cups"),
    ("bowl", "Bowls"),
    ("planter", "Planter"),
    ("vase", "Vase"),
    ("clock", "Clock"),
    ("showpiece", "Showpiece"),
    ("photo frame", "Photo Frame"),
    ("trunk", "Briefs"),
    ("boxer", "Briefs"),
    ("smartwatch", "Smartwatch"),
    ("smart watch", "Smartwatch"),
    ("pillow covers", "Pillow Covers"),
    ("pocket square", "Pocket Square"),
    ("choker", "Necklace"),
    ("rakhi", "Rakhi"),
    ("brooch", "Brooch"),
    ("anklet", "Anklet"),
    ("nosepin", "Nose Pin"),
    ("nose pin", "Nose Pin"),
    ("jewellery set", "Jewellery Set"),
    ("lingerie set", "Lingerie Set"),
    ("robe", "Robe"),
    ("night suit", "Nightwear"),
    ("nightsuit", "Nightwear"),
    ("pyjamas", "Nightwear"),
    ("bodysuit", "Bodysuit"),
    ("blouse", "Blouse"),
    ("churidar", "Churidar"),
    ("salwar", "Salwar"),
    ("sharara", "Sharara"),
    ("flatforms", "Flatforms"),
    ("puffer", "Jacket"),
    ("gloves", "Gloves"),
    ("umbrella", "Umbrella"),
    ("earphones", "Earphones"),
    ("headphones", "Headphones"),
    ("hair dryer", "Hair Dryer"),
    ("trimmer", "Trimmer"),
    ("lip gloss", "Lip Gloss"),
    ("lip color", "Lip Colour"),
    ("lip colour", "Lip Colour"),
    ("lip balm", "Lip Balm"),
    ("eyeshadow", "Eyeshadow"),
    ("highlighter", "Highlighter"),
    ("nail polish", "Nail Polish"),
    ("face wash", "Face Wash"),
    ("scrub", "Scrub"),
    ("soap", "Soap"),
    ("shampoo", "Shampoo"),
    ("beard oil", "Beard Oil"),
    ("glasses", "Glassware"),
    ("jar", "Jar"),
    ("tray", "Tray"),
    ("shelf", "Shelf"),
    ("shelves", "Shelf"),
    ("organiser", "Organiser"),
    ("organizer", "Organiser"),
    ("figurine", "Showpiece"),
    ("statue", "Showpiece"),
    ("bottle", "Bottle"),
)

# (word or phrase, material). Qualified phrases come first so "Synthetic Leather" is not leather.
_MATERIALS: tuple[tuple[str, str], ...] = (
    ("faux leather", "faux leather"),
    ("synthetic leather", "faux leather"),
    ("pu leather", "faux leather"),
    ("vegan leather", "faux leather"),
    ("leatherette", "faux leather"),
    ("faux suede", "faux suede"),
    ("art silk", "art silk"),
    ("cotton blend", "cotton blend"),
    ("silk blend", "silk blend"),
    ("wool blend", "wool blend"),
    ("linen blend", "linen blend"),
    ("leather", "leather"),
    ("suede", "suede"),
    ("cotton", "cotton"),
    ("denim", "denim"),
    ("silk", "silk"),
    ("wool", "wool"),
    ("woollen", "wool"),
    ("merino", "merino wool"),
    ("cashmere", "cashmere"),
    ("linen", "linen"),
    ("polyester", "polyester"),
    ("nylon", "nylon"),
    ("viscose", "viscose"),
    ("rayon", "rayon"),
    ("modal", "modal"),
    ("fleece", "fleece"),
    ("velvet", "velvet"),
    ("satin", "satin"),
    ("chiffon", "chiffon"),
    ("georgette", "georgette"),
    ("crepe", "crepe"),
    ("khadi", "khadi"),
    ("jute", "jute"),
    ("canvas", "canvas"),
)

_MAX_WORDS = max(len(phrase.split()) for phrase, _ in _CATEGORIES)

# A word starts after a non-letter, or where a lower-case letter runs into a capital: descriptions
# in scraped catalogs often glue sentences together ("stylingLeather upper").
_START = r"(?:(?<![A-Za-z0-9-])|(?<=[a-z])(?=[A-Z]))"
_END = r"(?:(?![A-Za-z0-9-])|(?=[A-Z][a-z]))"


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@cache
def _labels(table: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return {_key(phrase): label for phrase, label in table}


@cache
def _material_regex() -> re.Pattern[str]:
    # Longest phrases first, so at one position "Synthetic Leather" wins over "Leather".
    phrases = sorted({phrase for phrase, _ in _MATERIALS}, key=len, reverse=True)
    bodies = [r"[\s-]+".join(re.escape(part) for part in p.split()) for p in phrases]
    return re.compile(f"{_START}(?i:{'|'.join(bodies)}){_END}")


def derive_category(name: str) -> str | None:
    """The product noun in a name ("... Kurta Set with Jacket" -> "Kurta Set"), or None."""
    # What follows "with" is an accessory ("Kurta with Palazzos" is a kurta); look there only
    # when the part before it names nothing.
    head = re.split(r"\s+with\s+", name, maxsplit=1, flags=re.IGNORECASE)[0]
    for text in (head, name):
        found = _last_phrase(_key(text).split(), _labels(_CATEGORIES))
        if found is not None:
            return found
    return None


def _last_phrase(words: list[str], labels: dict[str, str]) -> str | None:
    # Names put the noun last ("Slim Fit Checked Casual Shirt"), so scan from the end, and at
    # each end prefer the longest phrase ("Trolley Bag" over "Bag", "T shirt" over "shirt").
    for end in range(len(words), 0, -1):
        for size in range(min(_MAX_WORDS, end), 0, -1):
            *lead, last = words[end - size : end]
            for form in (last, last.removesuffix("s"), last.removesuffix("es")):
                label = labels.get(" ".join([*lead, form]))
                if label is not None:
                    return label
    return None


def derive_material(*texts: str) -> str | None:
    """The first well-known material word in the first text naming one (name before description)."""
    regex = _material_regex()
    for text in texts:
        match = regex.search(text)
        if match is not None:
            return _labels(_MATERIALS)[_key(match.group(0))]
    return None
