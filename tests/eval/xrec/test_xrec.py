from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.xrec.compare import Variant, compare, comparison_markdown
from finetune.runtime.generator import GeneratorConfig
from finetune.training.config import TrainingConfig
from tests.fakes import KeywordEmbedder, ScriptedGenerator


def test_compare_scores_each_variant_on_held_out_rows_only(tmp_path: Path) -> None:
    config = TrainingConfig.model_validate({"data": [{"domain": "yelp", "rows": 40}], "val_fraction": 0.1})
    loaded: list[str | None] = []

    def load(gen: GeneratorConfig) -> ScriptedGenerator:
        loaded.append(gen.adapter)
        word = "great food" if gen.adapter else "nothing"
        return ScriptedGenerator(answers=[f"The user would enjoy the {word} here."] * 10)

    variants = [Variant("base", None), Variant("tuned", "some/adapter")]
    metrics = compare(config, variants, GeneratorConfig(), KeywordEmbedder(), tmp_path, load=load)
    assert loaded == [None, "some/adapter"]
    assert metrics["rows_per_domain"] == {"yelp": 4}
    assert metrics["base"]["yelp"]["rows"] == 4.0
    assert metrics["base"]["yelp"]["usr"] == 0.25
    assert (tmp_path / "preds-tuned-yelp.jsonl").read_text().count("\n") == 4
    table = comparison_markdown(metrics, ["base", "tuned"])
    assert "## yelp (4 rows)" in table and "| usr | 0.2500 | 0.2500 |" in table


@pytest.mark.slow
def test_shipped_adapter_writes_xrec_style_explanations(tmp_path: Path) -> None:
    """One small evaluation of the shipped adapter against the base model (CI does not retrain it)."""
    from finetune.runtime.adapters import DEFAULT, resolve_adapter
    from retrieval.embedder import load_embedder

    shipped = resolve_adapter(DEFAULT)
    assert shipped is not None, "the shipped adapter is missing from finetune/adapters/"
    config = TrainingConfig.model_validate({"data": [{"domain": "google"}]})
    gen = GeneratorConfig(max_new_tokens=40, batch_size=4, threads=2)
    variants = [Variant("base", None), Variant("shipped", str(shipped))]
    metrics = compare(config, variants, gen, load_embedder(), tmp_path, limit=4)
    preds = [json.loads(line)["prediction"] for line in (tmp_path / "preds-shipped-google.jsonl").open()]
    assert len(preds) == 4 and all(p.lower().startswith(("the user", "you")) for p in preds)
    assert metrics["shipped"]["google"]["rougeL"] > metrics["base"]["google"]["rougeL"]
