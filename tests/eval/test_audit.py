from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.audit import audit_scores, checkers, confusion, shown_text
from eval.audit_data import AuditLabel, AuditPair, AuditText, ClauseLabel, load_pairs, write_jsonl
from eval.audit_sheets import merge_labels, sheets, unblind
from retrieval.items import CatalogRow
from retrieval.shoppers import ShopperFile
from whythis.errors import DataError, RowError

ITEM = CatalogRow(
    item_id="k1", title="Anouk Women Red Cotton Kurta", brand="Anouk", price=999.0, colour="Red",
    material="Cotton", gender="Women", extra={"currency": "INR"},
)  # fmt: skip
FALSE = "Recommended because it is a blue silk kurta you bought before."
TRUE = "A red cotton kurta for women, as you asked: Anouk Women Red Cotton Kurta at 999 INR."


def _text(kind: str, text: str, shown: bool) -> AuditText:
    return AuditText(id=f"p1#{kind}", kind=kind, text=text, shown=shown, claims=[text])


PAIR = AuditPair(
    id="p1", source="test", catalog="shop", said="a red cotton kurta for women",
    item=ITEM, shopper=ShopperFile(id="anon"),
    texts=[_text("model", FALSE, False), _text("template", TRUE, True)],
)  # fmt: skip


def _label(text_id: str, supported: bool, claim: str) -> AuditLabel:
    verdict = "supported" if supported else "unsupported"
    return AuditLabel(
        text_id=text_id, claims=[ClauseLabel(claim=claim, label=verdict)], coherent=True, personal=supported,
        useful=supported,
    )  # fmt: skip


def test_the_checker_is_scored_against_the_labels_and_the_template_is_shown() -> None:
    labels = {"p1#model": _label("p1#model", False, FALSE), "p1#template": _label("p1#template", True, TRUE)}
    scores = audit_scores([PAIR], labels, {"shop": ["Anouk"]})
    assert scores["texts"]["n"] == 1 and scores["texts"]["reject_recall"] == 1.0
    assert scores["claims"]["accept_precision"] == 1.0 and scores["claims"]["n"] == 2
    assert scores["shown"]["true"] == 1.0 and scores["shown"]["model_share"] == 0.0
    assert shown_text(checkers({"shop": ["Anouk"]})["shop"], PAIR).kind == "template"


def test_confusion_counts_accepts_of_false_texts() -> None:
    rows = [(True, True), (False, True), (False, False), (True, False)]
    scores = confusion(rows)
    assert scores["accept_precision"] == 0.5 and scores["reject_recall"] == 0.5 and scores["accepted"] == 2


def test_sheets_hide_the_writer_and_labels_come_back_on_real_ids(tmp_path: Path) -> None:
    (path,) = sheets([PAIR], 1, tmp_path)
    sheet = path.read_text(encoding="utf-8")
    assert FALSE in sheet and TRUE in sheet
    assert "#model" not in sheet and "#template" not in sheet and "shown" not in sheet.lower()
    blind = {real: b for b, real in unblind([PAIR]).items()}
    written = tmp_path / "labels.jsonl"
    # Claims are labelled in the sheet's order; a retyped claim keeps the sheet's wording.
    rows = [_label(blind["p1#model"], False, "retyped"), _label(blind["p1#template"], True, TRUE)]
    write_jsonl(written, rows)
    merged = merge_labels([PAIR], [written])
    assert {m.text_id for m in merged} == {"p1#model", "p1#template"}
    assert merged[0].claims[0].claim == FALSE
    write_jsonl(written, [_label("p1#nope", True, TRUE)])
    with pytest.raises(DataError, match="no text"):
        merge_labels([PAIR], [written])


def test_a_malformed_pair_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "pairs.jsonl"
    row = json.loads(PAIR.model_dump_json())
    del row["item"]["title"]
    path.write_text(PAIR.model_dump_json() + "\n" + json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(RowError, match=r"line 2, field 'item.title'"):
        load_pairs(path)


def test_the_checked_in_audit_holds_its_figures() -> None:
    # The blind labels of eval/data/audit: a checker change that lets a labelled-false text through, or
    # shows a false reason, fails here before any model runs.
    from eval.audit_data import load_brands, load_labels

    scores = audit_scores(load_pairs(), load_labels(), load_brands())
    assert scores["texts_labelled"] >= 500 and scores["claims_labelled"] >= 1200
    assert scores["texts"]["accept_precision"] >= 0.98
    assert scores["claims"]["accept_precision"] >= 0.95
    assert scores["shown"]["true"] >= 0.98 and scores["shown"]["coherent"] >= 0.98
