from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.config import ReasonConfig
from agent.grounding.check import GroundingChecker
from agent.reasons.training_rows import amazon2023_rows, giftcards_rows
from agent.reasons.writer import ReasonWriter
from finetune.training.config import DataSource
from finetune.training.sources import plugin_rows
from prompts.render import load_prompt, render
from retrieval.items import Item
from retrieval.shopper_loaders import amazon2023_heldout, load_amazon2023_users
from tests.fakes import ScriptedGenerator


def review(asin: str, title: str, rating: float = 5.0) -> dict[str, Any]:
    product = {"title": title, "brand": None, "price": 12.5, "main_category": "All Beauty"}
    return {"parent_asin": asin, "rating": rating, "review_excerpt": "Soft and lovely.", "product": product}


def amazon_file(root: Path) -> Path:
    users = [
        {
            "user_id": f"U{n}",
            "category": "All_Beauty",
            "history": [review(f"A{n}{k}", f"Lavender hand cream {k}") for k in range(4)],
            "heldout": review(f"H{n}", "Lavender night cream"),
        }
        for n in range(4)
    ]
    path = root / "amazon2023" / "train.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text("".join(json.dumps(u) + "\n" for u in users), encoding="utf-8")
    return path


def test_amazon2023_rows_render_exactly_the_prompt_the_agent_renders(tmp_path: Path) -> None:
    path = amazon_file(tmp_path)
    rows = amazon2023_rows(str(tmp_path), None, "auto")
    assert len(rows) == 4 and [r["variables"]["audience"] for r in rows[:2]] == ["shopper", "support"]
    assert all(r["answer"].startswith("Recommended because") for r in rows)
    shopper = load_amazon2023_users(path)[0]
    bought = amazon2023_heldout(path)[shopper.shopper_id]
    item = Item(bought.item_id or "", bought.title, category=bought.category, price=bought.price)
    checker = GroundingChecker(known_brands=frozenset())
    writer = ReasonWriter(ScriptedGenerator(answers=[]), checker, load_prompt("reason"), ReasonConfig())
    assert render(load_prompt("reason"), rows[0]["variables"]) == writer.render_for(shopper, item, "shopper")


def test_registered_source_is_read_through_finetune_with_a_limit_and_forced_audience(tmp_path: Path) -> None:
    amazon_file(tmp_path)
    rows = plugin_rows(DataSource(source="amazon2023", rows=2), str(tmp_path), "support")
    assert len(rows) == 2 and {r.variables["audience"] for r in rows} == {"support"}
    assert rows[0].source == "amazon2023" and rows[0].key.startswith("amazon2023:U0:")


@pytest.mark.slow
def test_real_shop_sources_give_grounded_rows() -> None:
    amazon = amazon2023_rows(None, None, "auto")
    gift = giftcards_rows(None, None, "auto")
    assert len(amazon) > 300 and len(gift) > 300
    keys = [r["key"] for r in amazon + gift]
    assert len(set(keys)) == len(keys)
    assert all(r["answer"].startswith("Recommended because") for r in amazon + gift)
