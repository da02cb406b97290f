from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from agent.plans.bank import load_bank
from agent.plans.check import bank_words, check_realized, shipped_vocabulary
from agent.plans.facts import KINDS, PlanError, fact
from agent.plans.planner import TONES, VARIANTS, Plan
from agent.plans.slots import SLOT_TOKENS
from agent.plans.targets import as_row, held_out, pairs, placeholder_plan, signatures

ROOT = Path(__file__).resolve().parents[3]
SAME = fact("same_kind", "purchase", PURCHASE="running shoes")
FEATURE = fact("feature", "item.description", FEATURE="breathable mesh upper")
PRICE = fact("price", "item.price", PRICE="79 EUR")
CHEAPER = fact("cheaper", "prices", GAP="10 EUR", OTHER="trail shoes")
PLAN = Plan((SAME, FEATURE, PRICE), "warm", 1)

# Words a realized reason must never state on its own: they describe an item, they are not relations.
PROPERTY_WORDS = {
    "waterproof", "warm", "soft", "comfortable", "comfy", "durable", "quality", "premium", "stylish",
    "perfect", "ideal", "great", "amazing", "best", "love", "cheap", "affordable", "bargain", "deal",
    "popular", "trendy", "free", "shipping", "delivery", "guaranteed", "stock", "sale", "limited", "dry",
    "jacket", "shoes", "dress", "fabric", "leather", "cotton", "not", "never",
}  # fmt: skip


def test_the_banks_own_composition_passes() -> None:
    text = load_bank().compose(PLAN.kinds, "warm", 1)
    assert check_realized(text, PLAN).ok, check_realized(text, PLAN).problems


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("It costs [FEATURE].", "does not state feature"),  # a plan slot, a false statement
        (
            "This is the [PURCHASE] you bought. It costs [PRICE] and has [FEATURE].",
            "does not state same_kind",
        ),
        ("Like the [PURCHASE] you bought, it keeps you dry at [PRICE].", "not a connective word"),
        ("The listing mentions [FEATURE]. It costs [PRICE].", "same_kind is not said"),
        ("It costs [PRICE] and [BRAND].", "not a slot of the plan"),
        ("It costs 79 EUR.", "numbers come in slots only"),
    ],
)
def test_texts_that_say_more_or_other_than_the_plan_fail(text: str, problem: str) -> None:
    verdict = check_realized(text, PLAN)
    assert not verdict.ok
    assert any(problem in p for p in verdict.problems), verdict.problems


def test_a_further_fact_may_be_left_out_but_the_personal_one_never() -> None:
    bank = load_bank()
    two = bank.compose(("same_kind", "price"), "warm", 1)
    assert check_realized(two, PLAN).ok, check_realized(two, PLAN).problems


def test_the_word_after_a_slot_counts_cheaper_is_not_more() -> None:
    plan = Plan((CHEAPER,), "brief", 1)
    good = load_bank().compose(plan.kinds, "brief", 1)
    assert check_realized(good, plan).ok
    assert not check_realized("It costs [GAP] more than the [OTHER].", plan).ok


def test_words_to_avoid_fail_the_check() -> None:
    plan = Plan((PRICE,), "brief", 1, ("costs",))
    assert any("avoid" in p for p in check_realized("It costs [PRICE].", plan).problems)


def test_the_vocabulary_holds_every_bank_word_and_no_property_word() -> None:
    words = shipped_vocabulary().words
    assert bank_words(load_bank()) <= words
    assert not words & PROPERTY_WORDS


def test_every_kind_has_every_tone_and_enough_leads_for_the_variants() -> None:
    bank = load_bank()
    for kind in KINDS:
        for tone in TONES:
            assert len(bank.facts[kind][tone].lead) >= VARIANTS


def test_a_bank_phrasing_with_a_foreign_slot_is_refused() -> None:
    text = (ROOT / "agent" / "plans" / "phrasings.yaml").read_text(encoding="utf-8")
    broken = text.replace("It has what you asked for: [WISH].", "It has what you asked for: [PRICE].", 1)
    assert broken != text
    with pytest.raises(PlanError, match="must use exactly"):
        load_bank(broken)


def test_training_pairs_are_checked_deterministic_and_keep_held_out_combinations_out() -> None:
    first = list(pairs(300, seed=1))
    assert first == list(pairs(300, seed=1))
    assert not any(held_out(p.plan.kinds) for p in first)
    assert all(check_realized(p.target, p.plan).ok for p in first)
    unseen = list(pairs(50, seed=1, split="held_out"))
    assert all(held_out(p.plan.kinds) for p in unseen)
    row = as_row(first[0], "plans:0")
    assert row["prompt"] == "realize" and row["variables"]["plan"] == first[0].plan.linear()


def test_every_combination_composes_to_a_passing_target() -> None:
    bank = load_bank()
    for kinds in [*signatures(1), *signatures(2)]:
        for tone in TONES:
            for variant in range(1, VARIANTS + 1):
                plan = placeholder_plan(kinds, tone, variant)
                text = bank.compose(kinds, tone, variant)
                assert check_realized(text, plan).ok, (text, check_realized(text, plan).problems)


def test_the_training_config_adds_exactly_the_slot_tokens() -> None:
    config = tomllib.loads((ROOT / "configs" / "finetune" / "plans-smollm2.toml").read_text())
    assert tuple(config["added_tokens"]) == SLOT_TOKENS
