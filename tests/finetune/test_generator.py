"""Decoding settings: the n-gram ban covers the answer only; (slow) samples share the prompt's cache."""

from __future__ import annotations

import pytest
import torch
from langchain_core.messages import HumanMessage

from finetune.generator import AnswerNoRepeatNGram, SampleGenerator, check_samples
from whythis.errors import ModelError


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


def test_samples_need_a_count_and_a_temperature_that_samples() -> None:
    check_samples(1, 0.1)
    with pytest.raises(ModelError, match=r"got 0 and 0\.7"):
        check_samples(0, 0.7)
    with pytest.raises(ModelError, match="temperature > 0"):
        check_samples(3, 0.0)


@pytest.mark.slow
def test_samples_reuse_the_greedy_pass_cache_and_near_zero_temperature_gives_the_greedy_answer() -> None:
    from finetune.generator import GeneratorConfig, load_generator
    from prompts.render import Rendered

    torch.set_num_threads(1)
    generator = load_generator(GeneratorConfig(adapter="none", seed=0, threads=1, batch_size=2))
    assert isinstance(generator, SampleGenerator)
    # Prompts of different lengths, so the shared cache also carries left padding.
    prompts = [
        Rendered(messages=(HumanMessage(content="Name a fruit."),), response_prefix="A fruit:"),
        Rendered(
            messages=(HumanMessage(content="In one sentence, why do people like reading mystery novels?"),),
            response_prefix="Because",
        ),
    ]
    greedy = generator.generate(prompts, 10)
    fed: list[tuple[int, int]] = []  # (sequences, tokens) of every forward pass
    model = generator.model  # type: ignore[attr-defined]
    hook = model.register_forward_pre_hook(
        lambda _m, _a, kw: fed.append(tuple(kw["input_ids"].shape)), with_kwargs=True
    )
    try:
        first, sampled = generator.generate_samples(prompts, 2, 10, temperature=1e-4)
    finally:
        hook.remove()
    assert first == greedy
    assert fed[0][0] == 2 and fed[0][1] > 10  # the greedy pass reads the prompts once ...
    assert {tokens for rows, tokens in fed if rows == 4} == {1}  # ... the samples never again
    assert sampled == [[greedy[0]] * 2, [greedy[1]] * 2]  # a broken cache (positions, padding) changes them
    warm = generator.generate_samples(prompts, 3, 10, temperature=1.5)
    assert warm == generator.generate_samples(prompts, 3, 10, temperature=1.5)  # seeded: reruns agree
    assert [len(group) for group in warm[1]] == [3, 3]


@pytest.mark.slow
def test_bfloat16_casts_every_weight_and_still_answers() -> None:
    from finetune.generator import GeneratorConfig, load_generator
    from prompts.render import Rendered

    prompt = Rendered(messages=(HumanMessage(content="Name a fruit."),), response_prefix="A fruit:")
    generator = load_generator(GeneratorConfig(dtype="bfloat16", threads=1))
    assert {p.dtype for p in generator.model.parameters()} == {torch.bfloat16}  # type: ignore[attr-defined]
    answer = generator.generate([prompt], 6)[0]
    assert answer.startswith("A fruit:") and len(answer.split()) > 2
