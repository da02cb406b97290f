"""The claim splitter of grounding v2: sentences, clauses, kinds and cues."""

from __future__ import annotations

import pytest

from agent.grounding.reading.claims import canon_spans, find_cues, split_claims, targets
from agent.grounding.textnorm import canon


def texts(text: str) -> list[str]:
    return [c.text for c in split_claims(text)]


def kinds(text: str) -> list[str]:
    return [c.kind for c in split_claims(text)]


def test_the_frame_is_its_own_filler_claim_and_commas_split_clauses() -> None:
    text = "Recommended because it's a navy Levi's cotton shirt at €59.90, within your €80 budget."
    assert texts(text) == [
        "Recommended because",
        "it's a navy Levi's cotton shirt at €59.90",
        "within your €80 budget",
    ]
    assert kinds(text) == ["filler", "filler", "shopper"]  # facts are found later, by grounding v1


def test_lists_of_experiences_become_one_claim_each() -> None:
    text = (
        "The user would enjoy Sabrin's for its delicious food, friendly staff, and convenient location, "
        "making it a great spot for brunch."
    )
    assert texts(text) == [
        "The user would enjoy Sabrin's for",
        "its delicious food",
        "friendly staff",
        "convenient location",
        "it a great spot for brunch",
    ]
    assert kinds(text)[1:] == ["opinion"] * 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Comes in sizes S, M and L, and fits you.", ["Comes in sizes S, M and L", "fits you"]),
        ("Yours for Rs. 1,299. Made for women.", ["Yours for Rs. 1,299", "Made for women"]),
        ("Made for men and women alike.", ["Made for men and women alike"]),
        ("You like navy and it is highly rated.", ["You like navy", "it is highly rated"]),
        ("Rated 4.4/5; a solid pick because it is cotton.", ["Rated 4.4/5", "a solid pick", "it is cotton"]),
        ("From U.S. Polo Assn. in blue.", ["From U.S. Polo Assn. in blue"]),
    ],
)
def test_clause_boundaries(text: str, expected: list[str]) -> None:
    assert texts(text) == expected


def test_spans_point_into_the_text() -> None:
    text = "Recommended because it is blue; you love hiking."
    for claim in split_claims(text):
        assert text[claim.start : claim.end] == claim.text


@pytest.mark.parametrize(
    ("text", "kind", "cue"),
    [
        ("<b>bold</b> claim", "markup", "markup"),
        ("see https://evil.example/x", "markup", "markup"),
        ("use coupon SAVE50 today", "promise", "coupon"),
        ("it ships free tomorrow", "promise", "promise"),
        ("shoppers like you also bought it", "evidence", "evidence"),
        ("it is similar to things you bought", "evidence", "evidence"),
        ("customers rave about its friendly staff", "opinion", "experience"),
        ("it is a fan favourite", "opinion", "popularity"),
        ("it is waterproof", "opinion", "quality"),
        ("perfect for your trip", "opinion", "suitability"),
        ("you love hiking", "shopper", "shopper_fit"),
        ("it fits your budget", "shopper", "budget"),
        ("a great pick for you", "filler", None),
    ],
)
def test_kinds_and_cues(text: str, kind: str, cue: str | None) -> None:
    [claim] = split_claims(text)
    assert claim.kind == kind
    assert (claim.cues[0].kind if claim.cues else None) == cue


def test_your_taste_is_not_an_experience_claim() -> None:
    assert not list(find_cues("it suits your taste"))
    assert [c.kind for c in find_cues("it has a good taste")] == ["experience"]


def test_suitability_targets_skip_generic_words_and_know_whose_plans_they_are() -> None:
    assert targets("your daily commute to work") == ("commute", "work")
    assert targets("everyone") == ()
    [cue] = [c for c in find_cues("perfect for your hiking trip") if c.kind == "suitability"]
    assert cue.scope == "shopper" and cue.targets == ("hiking", "trip")
    [cue] = [c for c in find_cues("ideal for long runs") if c.kind == "suitability"]
    assert cue.scope == "any"


def test_empty_and_punctuation_only_texts_have_no_claims() -> None:
    assert split_claims("") == ()
    assert split_claims(" ... !") == ()


@pytest.mark.parametrize(
    "text",
    [
        "Levi's men's shirt, navy-blue: €59.90!",
        "stylingLeather 126IVORY 20Dresses",
        "A gray T-shirt for kids\x1f\x1f and MEN",
        "Café crème, naïve İstanbul",
        "",
        "   ",
        "multi-coloured offwhite tshirt",
    ],
)
def test_canon_spans_agrees_with_canon_and_locates_words(text: str) -> None:
    canonical, starts, ends = canon_spans(text)
    assert canonical == canon(text)
    for a, b in zip(sorted(starts), sorted(ends), strict=True):
        assert text[starts[a] : ends[b]].strip()
