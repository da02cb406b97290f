from __future__ import annotations

from pathlib import Path

import pytest

from eval.audit_plans import SheetLabel, kappa, read_labels, score
from whythis.errors import DataError


def label(i: str, **given: bool) -> SheetLabel:
    base = dict(link_exists=True, true=True, coherent=True, personal=True, useful=True, duplicate=False)
    return SheetLabel(id=i, **{**base, **given})


def test_kappa_is_one_for_agreement_and_zero_for_chance() -> None:
    assert kappa([True, False, True, False], [True, False, True, False]) == 1.0
    assert kappa([True, True, False, False], [True, False, True, False]) == 0.0
    assert kappa([True, True], [True, True]) is None


def test_personal_is_counted_where_a_link_exists_and_the_model_share_comes_from_the_cards() -> None:
    first = {"a": label("a"), "b": label("b", link_exists=False, personal=False), "c": label("c", true=False)}
    second = {"a": label("a"), "b": label("b", link_exists=False, personal=False), "c": label("c")}
    out = score(first, second, {"a": True, "b": True, "c": False})
    assert out["rows"] == 3 and out["model_share"] == 0.667
    assert out["A"]["personal_where_link"] == 1.0 and out["A"]["rows_with_link"] == 2
    assert out["A"]["true_and_coherent"] == 0.667 and out["B"]["true_and_coherent"] == 1.0


def test_a_malformed_label_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text('{"id": "a", "true": "maybe"}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"labels\.jsonl, line 1"):
        read_labels(path)
