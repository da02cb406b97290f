from __future__ import annotations

from agent.config import AgentConfig
from eval.follow_ups import run_follow_ups
from tests.fakes import KeywordEmbedder, ScriptedGenerator


def test_the_blind_sheet_holds_each_model_answer_with_what_the_shopper_sees() -> None:
    metrics, _, sheet = run_follow_ups(AgentConfig(), 0, ScriptedGenerator(), KeywordEmbedder())
    demo = metrics["demo_shop"]
    assert demo["by_model"] > 0 and len(sheet) == demo["by_model"]
    row = sheet[0]
    assert row["id"] == "demo:0" and row["question"] == "why #1?" and row["answer"]
    assert len(row["cards"]) >= 4 and all(c["title"] and c["n"] for c in row["cards"])
    # Blind: nothing of the plan, the evidence or who wrote it.
    assert not {"plan", "facts", "written_by", "evidence"} & set(row)
