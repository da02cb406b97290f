"""`whythis eval grounding`: the labelled claims, and precision of generated vs shown reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.config import AgentConfig, ReasonConfig
from agent.recommender import load_agent
from eval.audit import audit_scores
from eval.grounding import generation_scores, grounding_markdown, labelled_scores, load_labelled
from retrieval.catalog import demo_catalog_path
from retrieval.shopper_loaders import demo_shopper_paths, load_shopper
from tests.fakes import KeywordEmbedder, ScriptedGenerator
from whythis.errors import DataError


def test_the_labelled_set_is_big_enough_and_balanced() -> None:
    data = load_labelled()
    assert len(data.cases) >= 60
    supported = sum(c.supported for c in data.cases)
    assert 0.3 < supported / len(data.cases) < 0.7
    assert sum(c.blind for c in data.cases) >= 20


def test_the_checker_agrees_with_the_labels() -> None:
    scores = labelled_scores(load_labelled())
    assert scores["accept_precision"] >= 0.9 and scores["accept_recall"] >= 0.9
    assert scores["reject_precision"] >= 0.9 and scores["reject_recall"] >= 0.9
    # The blind batch was labelled before the checker ever saw it: a lower bar, still well above chance.
    assert scores["blind"]["accept_precision"] >= 0.75 and scores["blind"]["accept_recall"] >= 0.9


def test_a_checker_that_accepts_everything_fails_the_labelled_set() -> None:
    class Gullible:
        def check(self, *args: object, **kwargs: object) -> object:
            from agent.grounding.check import GroundingResult

            return GroundingResult(())

    scores = labelled_scores(load_labelled(), Gullible())  # type: ignore[arg-type]
    assert scores["accept_recall"] == 1.0 and scores["accept_precision"] < 0.6


def test_a_labelled_case_naming_an_unknown_item_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "claims.yaml"
    bad.write_text(
        "version: 1\nitems: {a: {item_id: a, title: A}}\nshoppers: {cold: {id: cold}}\n"
        "cases: [{id: x, claim: it is blue, item: b, supported: false}]\n"
    )
    with pytest.raises(DataError, match="unknown item"):
        load_labelled(bad)
    bad.write_text(
        "version: 1\nitems: {}\nshoppers: {}\ncases: [{id: x, claim: c, item: a, supported: maybe}]\n"
    )
    with pytest.raises(DataError, match="supported"):
        load_labelled(bad)


def test_shown_reasons_are_fully_grounded_while_generated_ones_are_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
    lies = [
        "Recommended because everyone loves its friendly staff.",
        "Recommended because it is 50% off with free shipping.",
        "Recommended because it is perfect for your trip to Mars.",
    ] * 20
    agent = load_agent(
        AgentConfig(reasons=ReasonConfig(mode="free")),  # the free-text check is what this measures
        demo_catalog_path(),
        generator=ScriptedGenerator(answers=lies),
        embedder=KeywordEmbedder(),
    )
    shoppers = [load_shopper(p) for p in demo_shopper_paths() if "cold" not in p.stem]
    scores = generation_scores(agent, shoppers, pairs=6, per_shopper=3)
    texts = 6 * AgentConfig().reasons.candidates
    assert scores["pairs"] == 6 and scores["texts_generated"] == texts and scores["texts_rejected"] == texts
    assert scores["generated"]["texts"] == texts and scores["voice"]["model_written"] == 0.0
    assert scores["generated"]["precision"] < 0.5
    assert scores["shown"]["precision"] == 1.0 and scores["shown_sources"] == {"fallback": 6}
    assert {"opinion", "promise"} <= set(scores["generated"]["per_kind"])
    assert scores["rejected_claim_kinds"]
    audit = audit_scores([], {}, {})
    markdown = grounding_markdown(
        {"generation": scores, "labelled": labelled_scores(load_labelled()), "audit": audit}
    )
    assert "| shown |" in markdown and "blind batch" in markdown and "## Blind audit" in markdown
    assert "Voice of the shown reasons" in markdown
