from pathlib import Path

from agent.explain_batch import generator_config
from finetune.batch import ANSWER_TOKENS
from finetune.generator import GeneratorConfig


def test_a_batch_run_has_room_for_a_whole_answer_unless_told_otherwise(tmp_path: Path) -> None:
    cfg = generator_config("none", 16, None, [], tmp_path)
    assert cfg.max_new_tokens == ANSWER_TOKENS > GeneratorConfig().max_new_tokens
    assert (cfg.batch_size, cfg.seed, cfg.adapter) == (16, 0, "none")


def test_set_overrides_and_the_named_option_win_over_the_batch_defaults(tmp_path: Path) -> None:
    assert generator_config("none", 8, None, ["max_new_tokens=30"], tmp_path).max_new_tokens == 30
    assert generator_config("none", 8, 40, ["max_new_tokens=30"], tmp_path).max_new_tokens == 40
    assert generator_config("none", 8, None, ["seed=7"], tmp_path).seed == 7
