"""The agent on real data: the fast tier with fakes, the slow tier with the real embedder and LM."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.reasons.texts import mentions_item
from agent.recommender import Agent, load_agent
from retrieval.catalog import demo_catalog_path
from retrieval.datasets import dataset_path
from retrieval.filters import Constraints
from retrieval.shopper_loaders import load_amazon2023_users
from retrieval.shoppers import Preferences, Shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator
from whythis.errors import DataError


def test_json_shape_carries_reason_grounding_and_evidence(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    agent = load_agent(
        AgentConfig(), demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder()
    )
    shopper = Shopper("s", "trail runner", Preferences(budget_max=100))
    [rec] = agent.recommend(shopper, 1)
    data = rec.to_json()
    assert set(data) >= {"item_id", "title", "price", "score", "reason", "grounded", "evidence"}
    assert data["grounded"] is True and data["price"] <= 100
    assert data["evidence"]["retrieval"][0]["signal"] == "content"


def test_configured_interactions_add_collaborative_evidence_to_the_prompt(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    rows = [f"u{n},NW-001\nu{n},NW-010" for n in range(6)] + ["u9,NW-001\nu9,NW-006"]
    csv = tmp_path / "bought.csv"
    csv.write_text("user_id,item_id\n" + "\n".join(rows) + "\n", encoding="utf-8")
    generator = ScriptedGenerator()
    config = AgentConfig.model_validate(
        {"collab": {"interactions": str(csv), "model": {"factors": 4}}, "reasons": {"mode": "free"}}
    )
    agent = load_agent(config, demo_catalog_path(), generator=generator, embedder=KeywordEmbedder())
    shopper = Shopper("new", "", history=("NW-001",))
    recs = agent.recommend(shopper, 3)
    court = next(r for r in recs if r.item.item_id == "NW-010")
    assert any(e.signal == "bought_together" and e.count == 6 for e in court.candidate.evidence)
    prompt = next(
        str(p.messages[-1].content)
        for p in generator.seen
        if "Urbanfield Court" in str(p.messages[-1].content).split("Product: ")[1][:40]
    )
    found = prompt.split("Found because: ", 1)[1]
    assert "shoppers who bought Kestrel Stride 3 Running Shoe, Black also bought it" in found


def test_interactions_for_another_catalog_are_a_clear_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    csv = tmp_path / "other.csv"
    csv.write_text("user_id,item_id\nu1,B00X\n", encoding="utf-8")
    config = AgentConfig.model_validate({"collab": {"interactions": str(csv)}})
    with pytest.raises(DataError, match="none of the 90 catalog items"):
        load_agent(config, demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder())


def test_the_index_kind_follows_the_agent_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    config = AgentConfig.model_validate({"index": {"kind": "hnsw", "ef_search": 64}})
    agent = load_agent(config, demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder())
    assert agent.retriever.index.kind == "hnsw"
    assert agent.recommend(Shopper("s", "trail runner"), 2)


@pytest.fixture(scope="module")
def myntra_agent(tmp_path_factory: pytest.TempPathFactory) -> Agent:
    mp = pytest.MonkeyPatch()
    mp.setenv("WHYTHIS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    config = AgentConfig.model_validate({"generator": {"threads": 2}})
    agent = load_agent(config, dataset_path("myntra", "products.csv"))
    mp.undo()
    return agent


@pytest.mark.slow
def test_real_models_give_grounded_reasons_about_the_item(myntra_agent: Agent) -> None:
    assert len(myntra_agent.items) == 12491
    shoppers = load_amazon2023_users(dataset_path("amazon2023", "validation.jsonl"))[:3]
    for shopper in shoppers:
        recs = myntra_agent.recommend(shopper, 3)
        assert len(recs) == 3
        for rec in recs:
            assert rec.reason.text.strip()
            assert all(c.supported for c in rec.reason.claims)
            # A planned reason sits under the item's title and says its facts; a free one names the item.
            planned = rec.reason.plan is not None and "[" not in rec.reason.text
            assert planned or mentions_item(rec.reason.text, rec.item), rec.reason.text


@pytest.mark.slow
def test_real_filters_hold_on_myntra(myntra_agent: Agent) -> None:
    shopper = Shopper("f", "smart casual office wear", Preferences(budget_max=1500, gender="Women"))
    found = myntra_agent.candidates(shopper, 20, "blue kurta", Constraints(colours=("blue",)))
    assert len(found) == 20
    for cand in found:
        assert cand.item.price is not None and cand.item.price <= 1500
        assert cand.item.gender in ("Women", "Unisex", "Girls")
        assert re.search("blue", cand.item.colour or "", re.I)
