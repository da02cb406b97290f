"""Voice figures: shares of shown reasons, personal only over known shoppers, variety per shopper and item."""

from __future__ import annotations

from agent.reasons.figures import Shown, figures_markdown, knows, voice_figures
from retrieval.shoppers import Preferences, Shopper


def _shown(shopper: str, item: str, text: str, model: bool = True, personal: bool | None = True) -> Shown:
    return Shown(shopper, item, text, model, True, model, personal, model, False, len(text.split()))


def test_shares_are_of_shown_reasons_and_personal_is_of_known_shoppers() -> None:
    shown = [
        _shown("a", "i1", "the blue tee you like"),
        _shown("a", "i2", "the blue tee you like again", personal=False),
        _shown("b", "i1", "a red tee for the cold", model=False, personal=None),
    ]
    f = voice_figures(shown)
    assert (f["shown"], f["model_written"], f["true"], f["coherent"]) == (3, 0.6667, 1.0, 0.6667)
    assert (f["model_true_and_coherent"], f["personal"], f["personal_of"]) == (0.6667, 0.5, 2)
    assert f["distinct_2_per_shopper"] == round(5 / 9, 4)  # four of shopper a's nine word pairs repeat
    assert f["distinct_2_per_item"] == 1.0 and f["mean_words"] == 5.7
    assert len(figures_markdown(f)) == 3 and voice_figures([])["shown"] == 0


def test_a_shopper_is_known_by_profile_purchases_preferences_or_request() -> None:
    assert not knows(Shopper("x"))
    assert knows(Shopper("x"), said="a raincoat")
    assert knows(Shopper("x", preferences=Preferences(colours=("Blue",))))
    assert knows(Shopper("x", "likes hiking"))


def test_distinct_2_per_shopper_can_mask_slot_values() -> None:
    from agent.reasons.figures import Shown, voice_figures

    def shown(text: str, masked: str) -> Shown:
        return Shown("s", text, text, True, True, True, None, True, False, len(text.split()), masked)

    same = "Like the [PURCHASE] you bought, this one is the same kind."
    rows = [shown(f"Like the {p} you bought, this one is the same kind.", same) for p in ("jacket", "cap")]
    figures = voice_figures(rows)
    assert figures["distinct_2_per_shopper_masked"] < figures["distinct_2_per_shopper"]
