"""`whythis eval search`: labelled first messages, relevance rules, and the three systems compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import AgentConfig
from eval.search import ndcg, precision, run_search, search_markdown
from eval.search_data import Relevance, load_requests, relevant_ids
from retrieval.items import Item
from tests.fakes import KeywordEmbedder


def test_the_labelled_requests_cover_every_catalog_and_are_enough() -> None:
    requests = load_requests()
    assert len(requests) >= 150
    assert {r.catalog for r in requests} >= {"myntra", "demo", "giftcards", "mg_books", "mg_sports"}
    assert len({r.id for r in requests}) == len(requests)


def test_a_rule_reads_the_title_without_the_brand() -> None:
    red = Relevance(title=r"\bred\b")
    assert not red.holds(Item("1", "Red Tape Men Tan Brogues", brand="Red Tape"))
    assert red.holds(Item("2", "Men Red Shirt", brand="W"))
    assert Relevance(title="shirt", gender=["Men"], price_max=10).holds(
        Item("3", "Shirt", gender="Men", price=9)
    )
    assert not Relevance(price_max=10).holds(Item("4", "Shirt"))  # no price, no budget met


def test_precision_cuts_at_the_relevant_count_and_ndcg_rewards_order() -> None:
    assert precision(["a", "b", "c", "d", "e"], frozenset({"a", "x"})) == 0.5
    assert precision(["a", "b"], frozenset({"a", "b", "c", "d", "e", "f"})) == 0.4
    assert ndcg(["a", "b"], frozenset({"a"})) == 1.0
    assert ndcg(["b", "a"], frozenset({"a"})) < 1.0


def test_the_chat_beats_the_baselines_on_kind_and_gender_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    requests = tmp_path / "requests.yaml"
    requests.write_text(
        "version: 1\nrequests:\n"
        "  - {id: d1, catalog: demo, text: 'show me hoodies for men',\n"
        "     relevant: {title: hoodie, gender: [Men, Unisex]}}\n"
        "  - {id: d2, catalog: demo, text: 'running shoes for women',\n"
        "     relevant: {text: 'run|racer|jog', gender: [Women, Unisex]}}\n",
        encoding="utf-8",
    )
    metrics, outcomes, _ = run_search(AgentConfig(), requests, KeywordEmbedder())
    assert metrics["requests"] == 2
    whythis, bm25 = metrics["overall"]["whythis"], metrics["overall"]["bm25"]
    assert whythis["precision@5"] >= 0.9 and whythis["precision@5"] > bm25["precision@5"]
    assert all(len(o.shown["whythis"]) >= 1 for o in outcomes)
    assert "| demo | 2 |" in search_markdown(metrics, outcomes)
    assert relevant_ids(outcomes[0].request, [i for o in outcomes for i in o.shown["dense"]]) is not None
