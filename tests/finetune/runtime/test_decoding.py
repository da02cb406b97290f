"""The n-gram ban covers the answer only; the nucleus sampler draws like transformers' own sampler."""

from __future__ import annotations

import torch
from transformers import TemperatureLogitsWarper, TopPLogitsWarper

from finetune.runtime.decoding import AnswerNoRepeatNGram, NucleusSampler


def library_nucleus(scores: torch.Tensor, temperature: float, top_p: float) -> torch.Tensor:
    warped = TopPLogitsWarper(top_p)(None, TemperatureLogitsWarper(temperature)(None, scores.clone()))
    probs: torch.Tensor = warped.softmax(dim=-1)
    return probs


def test_the_nucleus_matches_transformers_warpers() -> None:
    torch.manual_seed(0)
    # Peaked rows (a finetuned model's) and a flat one whose nucleus is wider than the top 50.
    scores = torch.cat([torch.randn(6, 300) * 6, torch.randn(1, 300) * 0.1])
    sampler = NucleusSampler(temperature=0.7, top_p=0.9)
    probs, indices = sampler.nucleus(scores)
    ours = torch.zeros_like(scores).scatter_(1, indices, probs)
    expected = library_nucleus(scores, 0.7, 0.9)
    assert torch.allclose(ours[:6], expected[:6], atol=1e-6)
    # The flat row looks for its nucleus among the 50 most likely tokens only.
    assert 0 < int((ours[6] > 0).sum()) <= 50 < int((expected[6] > 0).sum())


def test_draws_follow_the_nucleus_weights_and_leave_one_token() -> None:
    # Probabilities 0.5 / 0.3 / 0.15 / 0.05 at temperature 1: the 0.9 nucleus holds the first three.
    row = torch.tensor([0.5, 0.3, 0.15, 0.05]).log()
    scores = row.repeat(20_000, 1)
    torch.manual_seed(1)
    out = NucleusSampler(temperature=1.0, top_p=0.9)(None, scores)
    assert torch.equal((out == 0).sum(dim=-1), torch.ones(20_000, dtype=torch.long))
    assert bool(torch.isinf(out).sum(dim=-1).eq(3).all())
    share = torch.bincount(out.argmax(dim=-1), minlength=4).float() / 20_000
    assert torch.allclose(share, torch.tensor([0.5, 0.3, 0.15, 0.0]) / 0.95, atol=0.015)


def test_banned_tokens_are_never_drawn() -> None:
    scores = torch.zeros(500, 8)
    scores[:, :3] = float("-inf")  # e.g. the answer's n-gram ban
    out = NucleusSampler(temperature=0.7, top_p=0.99)(None, scores)
    assert int(out.argmax(dim=-1).min()) >= 3


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
