"""A turn's clock: cards, first and last reason, done; a card that came with its reason counts as one."""

from __future__ import annotations

from eval.turn_times import TurnClock, stream_summary


def test_the_clock_notes_cards_reasons_and_their_sources_in_order() -> None:
    clock = TurnClock()
    events: list[tuple[str, dict[str, object]]] = [
        ("text", {}),
        ("item_card", {"reason": None}),
        ("item_card", {"reason": "Known already.", "reason_source": "fallback"}),
        ("reason", {"reason_source": "model"}),
        ("done", {}),
    ]
    for kind, data in events:
        clock.saw(kind, data)
    times = clock.as_json()
    assert times["sources"] == ["fallback", "model"]
    assert times["cards_ms"] <= times["first_reason_ms"] <= times["all_reasons_ms"] <= times["done_ms"]
    summary = stream_summary([clock, TurnClock()])  # a turn without cards is not counted
    assert summary["turns_with_cards"] == 1 and summary["reasons_shown"] == 2
    assert (summary["reasons_by_model"], summary["model_share"]) == (1, 0.5)
