"""The agent on real data: the fast tier with fakes, the slow tier with the real embedder and LM."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.config import AgentConfig
from agent.reasons import mentions_item
from agent.recommender import Agent, load_agent
from retrieval.catalog import demo_catalog_path
from retrieval.datasets import dataset_path
from retrieval.filters import Constraints
from retrieval.shopper_loaders import load_amazon2023_users
from retrieval.shoppers import Preferences, Shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator


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
            assert mentions_item(rec.reason.text, rec.item), rec.reason.text


@pytest.mark.slow
def test_real_filters_hold_on_myntra(myntra_agent: Agent) -> None:
    shopper = Shopper("f", "smart casual office wear", Preferences(budget_max=1500, gender="Women"))
    found = myntra_agent.candidates(shopper, 20, "blue kurta", Constraints(colours=("blue",)))
    assert len(found) == 20
    for cand in found:
        assert cand.item.price is not None and cand.item.price <= 1500
        assert cand.item.gender in ("Women", "Unisex", "Girls")
        assert re.search("blue", cand.item.colour or "", re.I)
