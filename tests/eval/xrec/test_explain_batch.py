from pathlib import Path

from eval.xrec.batch import ANSWER_TOKENS
from eval.xrec.explain_batch import consensus_candidates, generator_config
from finetune.runtime.generator import GeneratorConfig
from finetune.training.data import XrecRow
from tests.fakes import KeywordEmbedder


def test_a_batch_run_has_room_for_a_whole_answer_unless_told_otherwise(tmp_path: Path) -> None:
    cfg = generator_config("none", 16, None, [], tmp_path)
    assert cfg.max_new_tokens == ANSWER_TOKENS > GeneratorConfig().max_new_tokens
    assert (cfg.batch_size, cfg.seed, cfg.adapter) == (16, 0, "none")


def test_set_overrides_and_the_named_option_win_over_the_batch_defaults(tmp_path: Path) -> None:
    assert generator_config("none", 8, None, ["max_new_tokens=30"], tmp_path).max_new_tokens == 30
    assert generator_config("none", 8, 40, ["max_new_tokens=30"], tmp_path).max_new_tokens == 40
    assert generator_config("none", 8, None, ["seed=7"], tmp_path).seed == 7


def test_best_of_n_never_keeps_an_answer_whose_facts_its_row_does_not_back() -> None:
    row = XrecRow(
        user_id=1,
        item_id=2,
        title="Harbour Noodle Bar",
        user_profile="Loves spicy ramen and quick lunches.",
        item_profile="A ramen shop with spicy broths and fast service.",
        explanation="ref",
    )
    candidates = consensus_candidates(3, KeywordEmbedder())
    assert candidates is not None and consensus_candidates(1, KeywordEmbedder()) is None
    invented = "The user would enjoy the spicy ramen broths, now 40% off, at $5 a bowl."
    plain = "The user would enjoy the fast service."
    texts = [plain, invented, "The user would enjoy the spicy ramen broths and fast service."]
    # The invented discount and price echo the others most closely, yet the check rules that one out.
    assert candidates.pick([[invented, texts[2], invented]], [row]) == [1]
    assert candidates.pick([texts], [row]) != [1]


def test_best_of_n_weighs_wording_as_well_as_meaning() -> None:
    row = XrecRow(user_id=1, item_id=2, title="Scarf", user_profile="Cold hands.", item_profile="Wool.",
                  explanation="ref")  # fmt: skip
    candidates = consensus_candidates(4, KeywordEmbedder())
    assert candidates is not None
    # By meaning alone (a bag of words here) the first is central; the next two agree word for word.
    group = ["a warm wool scarf and hat", "scarf wool warm", "scarf wool warm", "a warm wool hat"]
    assert candidates.pick([group], [row]) == [1]
