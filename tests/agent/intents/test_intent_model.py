from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from agent.intents.parse import FALLBACK, INTENTS, CatalogWords
from agent.intents.router import (
    MIN_PROBABILITY,
    MIN_SIMILARITY,
    Example,
    IntentHead,
    IntentRouter,
    build_router,
    load_examples,
    parse_examples,
)
from agent.intents.rules import route
from retrieval.items import Item
from tests.fakes import KeywordEmbedder
from whythis.errors import DataError

VOCAB = CatalogWords.from_items(
    [
        Item("1", "Trail Running Shoe", brand="Fleet", colour="Navy", category="running shoes"),
        Item("2", "Rain Jacket", brand="Nimbus", colour="Red", category="jackets"),
    ]
)
# Wordings no rule knows, so only the examples can route them.
EXAMPLES = (
    Example("contrast these two products", "compare"),
    Example("put them next to each other", "compare"),
    Example("tell me the postage fee", "shop_info"),
    Example("when does the parcel come", "shop_info"),
    Example("who writes these little texts", "how_choose"),
    Example("which engine picks the products", "how_choose"),
    Example("compare #1 and #2", "greet"),
)


def router(min_similarity: float = MIN_SIMILARITY, min_probability: float = MIN_PROBABILITY) -> IntentRouter:
    return IntentRouter(VOCAB, KeywordEmbedder(), EXAMPLES, min_similarity, min_probability)


def test_a_paraphrase_is_routed_by_its_examples() -> None:
    parsed = router().route("please contrast the products")
    assert (parsed.intent, parsed.source) == ("compare", "similarity")
    assert 0.4 <= parsed.score <= 1.0
    assert router().route("who writes those texts?").intent == "how_choose"


def test_nonsense_stays_below_the_threshold() -> None:
    parsed = router().route("zxqv blorp")
    assert (parsed.intent, parsed.source) == (FALLBACK, "fallback")


def test_the_similarity_threshold_decides() -> None:
    strict = router(min_similarity=0.99)
    assert strict.route("please contrast the products").intent == FALLBACK
    assert router(min_probability=0.99).route("please contrast the products").intent == FALLBACK


def test_rules_win_over_similarity() -> None:
    # The examples label this exact text "greet"; the compare rule is surer.
    parsed = router().route("compare #1 and #2")
    assert (parsed.intent, parsed.source) == ("compare", "rule")


def test_constraints_are_read_whatever_routes() -> None:
    parsed = router().route("contrast #1 and #3, the navy products")
    assert parsed.intent == "compare"
    assert parsed.refs == (1, 3)
    assert parsed.colours == ("navy",)


def test_no_catalog_product_is_called_off_topic() -> None:
    examples = (Example("tell me about the moon", "off_topic"), Example("how are the stars", "greet"))
    sure = IntentRouter(VOCAB, KeywordEmbedder(), examples)
    assert sure.route("moon jacket").intent == "search"
    assert sure.route("moon please").intent == "off_topic"


def test_examples_are_embedded_once_and_lazily() -> None:
    embedder = KeywordEmbedder()
    lazy = build_router(VOCAB, embedder, EXAMPLES)
    assert embedder.calls == 0
    lazy.route("why #2?")
    assert embedder.calls == 0, "a rule decided; nothing to embed"
    lazy.route_many(["please contrast the products", "zxqv"])
    lazy.route("who writes those texts?")
    assert embedder.calls == 3, "examples once, then one call per batch"
    other = lazy.for_vocabulary(CatalogWords.from_items([Item("9", "Desk Calendar")]))
    other.route("contrast the calendars")
    assert embedder.calls == 4


def test_without_an_embedder_the_router_is_the_rules() -> None:
    rules = build_router(VOCAB)
    for text in ("why not #3", "please contrast the products", "jackets under 50", "hi"):
        assert rules.route(text) == route(text, VOCAB)


def test_the_head_learns_separable_labels() -> None:
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    head = IntentHead.fit(vectors, ["a", "a", "b", "b"])
    probs = head.probabilities(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert head.intents == ("a", "b")
    assert probs.argmax(axis=1).tolist() == [0, 1]
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_packaged_examples_cover_every_intent_but_the_fallback() -> None:
    counts = Counter(e.intent for e in load_examples())
    assert set(counts) == set(INTENTS) - {FALLBACK}
    assert min(counts.values()) >= 10
    texts = [e.text for e in load_examples()]
    assert len(texts) == len(set(texts)), "duplicate examples"


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nintents:\n  unknown: {description: x, examples: [a]}\n",
        "version: 1\nintents:\n  dance: {description: x, examples: [a]}\n",
        "version: 1\nintents:\n  ack: {description: x, examples: [no]}\n",
        "version: 1\nintents:\n  ack: {description: x, examples: [ok], extra: 1}\n",
        "version: 2\nintents: {}\n",
        "version: [1\n",
    ],
)
def test_bad_example_files_are_refused(text: str) -> None:
    with pytest.raises(DataError, match=r"x\.yaml"):
        parse_examples(text, "x.yaml")
