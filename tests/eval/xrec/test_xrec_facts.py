"""The XRec fact check, and what explain-batch writes when an answer states a fact its row does not back."""

from __future__ import annotations

from pathlib import Path

from eval.xrec.batch import explain_rows
from eval.xrec.facts import fact_repair, facts_grounded, profile_fallback, xrec_checker
from finetune.training.data import XrecRow
from tests.fakes import ScriptedGenerator


def row(item_profile: str = "A cosy cafe known for its pastries and quiet corners.") -> XrecRow:
    user = "Enjoys quiet cafes and baked goods."
    return XrecRow(user_id=1, item_id=2, title="Cafe Rosa", user_profile=user, item_profile=item_profile,
                   explanation="e")  # fmt: skip


def test_an_invented_price_fails_and_an_opinion_passes() -> None:
    checker = xrec_checker()
    assert not facts_grounded(checker, "The user would enjoy the business for its $5 pastries.", row())
    assert facts_grounded(checker, "The user would enjoy the business for its delicious pastries.", row())


def test_the_fallback_speaks_to_the_audience_and_states_only_backed_facts() -> None:
    support, shopper = profile_fallback(row()), profile_fallback(row(), "shopper")
    assert support.startswith("The user may enjoy Cafe Rosa: A cosy cafe") and shopper.startswith("You may")
    assert facts_grounded(xrec_checker(), support, row())


def test_explain_batch_never_writes_an_answer_with_an_invented_price(tmp_path: Path) -> None:
    rows = [row()]
    invented = ["Enjoy pastries for $3.", "Only $2 today.", "Rated 4.9 stars.", "$1 coffee.", "$4 tea."]
    out = tmp_path / "p.jsonl"
    explain_rows(ScriptedGenerator(answers=invented), rows, out, progress=False, repair=fact_repair())
    assert '"prediction": "The user may enjoy Cafe Rosa: A cosy cafe known for' in out.read_text()
