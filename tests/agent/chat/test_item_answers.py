"""Answers about one item come from its listing, quoted, or say that the listing does not say."""

from __future__ import annotations

import pytest

from agent.chat.item_answers import asked_fields, item_answer, question_words, shop_answer, shop_topic
from retrieval.items import Item

LAMP = Item(
    "lamp",
    "Glow Desk Lamp",
    brand="Lumo",
    price=39.0,
    colour="White",
    description="A dimmable LED desk lamp. Runs on 3 AAA batteries or USB. Wipe clean with a dry cloth.",
)
TEE = Item("tee", "Trail Tee", price=25.0, sizes=("S", "M", "L"), description="Soft cotton tee.")


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("does it need batteries?", 'the listing says: "Runs on 3 AAA batteries or USB."'),
        ("how much is it", "price: 39"),
        ("who makes it", "brand: Lumo"),
        ("can i wash it", 'the listing says: "Wipe clean with a dry cloth."'),
    ],
)
def test_the_answer_is_the_listing_s_own_field_or_words(question: str, said: str) -> None:
    assert said in item_answer(LAMP, question, "#1")


def test_what_the_listing_does_not_hold_is_said_plainly() -> None:
    answer = item_answer(LAMP, "is it waterproof?", "#1")
    assert "The listing does not say." in answer
    assert "waterproof" not in answer.split("\n", 1)[1].lower().replace("does not say", "")
    assert "The listing does not give its sizes." in item_answer(LAMP, "what size is it?", "#1")
    assert "sizes: S, M, L" in item_answer(TEE, "what sizes does it come in", "#2")


def test_no_yes_or_no_of_its_own() -> None:
    for question in ("does it need batteries?", "is it dimmable?", "is it machine washable?"):
        answer = item_answer(LAMP, question, "#1").lower()
        assert not answer.startswith(("yes", "no")) and "\nyes" not in answer and "\nno" not in answer


def test_question_words_are_what_is_asked_about() -> None:
    assert question_words("does it need batteries?") == ["batte", "charg", "usb", "power"]
    assert asked_fields("what colours and sizes does it come in") == ["sizes", "colour"]


def test_shop_questions_get_the_shop_s_answer_or_its_page() -> None:
    answers = {"returns": "Free returns within 30 days."}
    assert shop_topic("can i send it back if it doesnt fit") == "returns"
    assert shop_answer("whats your refund policy", answers, "") == "Free returns within 30 days."
    page = shop_answer("where is my order", answers, "https://shop.example/help")
    assert "can't see orders" in page and "https://shop.example/help" in page


def test_fit_is_not_the_size_list() -> None:
    answer = item_answer(TEE, "is it true to size?", "#2")
    assert "sizes:" not in answer and "The listing does not say." in answer
    assert "price: 25 EUR" in item_answer(
        Item("x", "X", price=25.0, extra=(("currency", "EUR"),)), "how much", "#1"
    )


def test_tell_me_more_gives_the_whole_listing() -> None:
    answer = item_answer(LAMP, "tell me more about it", "#1")
    assert "price: 39" in answer and "brand: Lumo" in answer and "Runs on 3 AAA batteries" in answer
