"""Decoding settings: the no-repeat-n-gram ban covers the answer only, never the prompt's wording."""

from __future__ import annotations

import torch

from finetune.generator import AnswerNoRepeatNGram


def banned(processor: AnswerNoRepeatNGram, ids: list[int], vocab: int = 10) -> set[int]:
    scores = processor(torch.tensor([ids]), torch.zeros(1, vocab))
    return {i for i in range(vocab) if scores[0, i] == float("-inf")}


def test_the_prompt_may_be_echoed_but_the_answer_may_not_repeat_itself() -> None:
    # Prompt 1 2 3 (e.g. "user would enjoy the"), answer so far 1 2: writing 3 echoes the prompt, allowed.
    assert banned(AnswerNoRepeatNGram(size=3, prompt_len=3), [1, 2, 3, 1, 2]) == set()
    # Answer 1 2 3 ... 1 2: writing 3 would repeat the answer's own 3-gram.
    assert banned(AnswerNoRepeatNGram(size=3, prompt_len=1), [7, 1, 2, 3, 4, 1, 2]) == {3}
    # The stock ban over prompt + answer would have forbidden the echo.
    from transformers import NoRepeatNGramLogitsProcessor

    stock = NoRepeatNGramLogitsProcessor(3)(torch.tensor([[1, 2, 3, 1, 2]]), torch.zeros(1, 10))
    assert stock[0, 3] == float("-inf")


def test_a_short_answer_bans_nothing() -> None:
    assert banned(AnswerNoRepeatNGram(size=4, prompt_len=5), [1, 2, 3, 1, 2, 3]) == set()


def test_the_ban_equals_the_stock_processor_on_the_answer_part() -> None:
    from transformers import NoRepeatNGramLogitsProcessor

    generator = torch.Generator().manual_seed(0)
    for size in (1, 2, 3, 4):
        ids = torch.randint(0, 3, (5, 40), generator=generator)  # a tiny vocabulary: many repeats
        scores = torch.randn(5, 3, generator=generator)
        ours = AnswerNoRepeatNGram(size=size, prompt_len=7)(ids, scores.clone())
        stock = NoRepeatNGramLogitsProcessor(size)(ids[:, 7:], scores.clone())
        assert torch.equal(ours, stock)
        assert (ours == float("-inf")).any()
