from __future__ import annotations

from agent.grounding.textnorm import canon, number_readings, size_key, sizes_meet


def test_normal_forms() -> None:
    assert canon("Off-White Men's T-shirt") == " off white men t shirt "
    assert number_readings("1,299") == {1299.0, 1.299}
    assert number_readings("59,90") == {59.9}
    assert number_readings("1,29,999") == {129999.0}
    assert size_key("EU42") == ("EU", "42") and size_key("Medium") == (None, "M")
    assert sizes_meet(("EU", "42"), (None, "42")) and not sizes_meet(("EU", "42"), ("UK", "42"))


def test_tokens_fold_plurals_and_drop_stopwords() -> None:
    from agent.grounding.textnorm import stem, tokens

    assert stem("dresses") == "dress" and stem("shoes") == "shoe" and stem("glass") == "glass"
    assert stem("babies") == "baby" and stem("accessories") == "accessory" and stem("ties") == "tie"
    assert "shoe" in tokens("The running shoes")
