from __future__ import annotations

from pathlib import Path

import pytest

from agent.compose import explainer
from agent.config import AgentConfig
from retrieval.catalog import demo_catalog_path
from retrieval.shoppers import PastPurchase, Shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator
from whythis.errors import DataError


def test_the_python_entry_point_explains_a_shops_own_picks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    explain = explainer(
        AgentConfig(), demo_catalog_path(), generator=ScriptedGenerator(), embedder=KeywordEmbedder()
    )
    shopper = Shopper("s1", purchases=(PastPurchase("Trail Running Shoes"),))
    top = explain.top(shopper, 3)
    assert len(top) == 3 and all(c["shopper_id"] == "s1" for c in top)
    picked = [top[2]["item_id"], top[0]["item_id"]]
    cards = explain.items(shopper, picked)
    assert [c["item_id"] for c in cards] == picked
    model = [c for c in cards if c["written_by"] == "model"]
    assert all(c["plan"] and c["slots"] and "[" not in c["text"] for c in model)
    with pytest.raises(DataError, match="not in the catalog: nope"):
        explain.items(shopper, ["nope"])
