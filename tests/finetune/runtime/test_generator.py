"""Sample checks; (slow) samples share the prompt's cache, guidance, and bfloat16 weights still answer."""

from __future__ import annotations

import pytest
import torch
from langchain_core.messages import HumanMessage

from finetune.runtime.generator import SampleGenerator, check_samples
from whythis.errors import ModelError


def test_samples_need_a_count_and_a_temperature_that_samples() -> None:
    check_samples(1, 0.1)
    with pytest.raises(ModelError, match=r"got 0 and 0\.7"):
        check_samples(0, 0.7)
    with pytest.raises(ModelError, match="temperature > 0"):
        check_samples(3, 0.0)


@pytest.mark.slow
def test_samples_reuse_the_greedy_pass_cache_and_near_zero_temperature_gives_the_greedy_answer() -> None:
    from finetune.runtime.backends import load_generator
    from finetune.runtime.generator import GeneratorConfig
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
    from finetune.runtime.backends import load_generator
    from finetune.runtime.generator import GeneratorConfig
    from prompts.render import Rendered

    prompt = Rendered(messages=(HumanMessage(content="Name a fruit."),), response_prefix="A fruit:")
    generator = load_generator(GeneratorConfig(dtype="bfloat16", threads=1))
    assert {p.dtype for p in generator.model.parameters()} == {torch.bfloat16}  # type: ignore[attr-defined]
    answer = generator.generate([prompt], 6)[0]
    assert answer.startswith("A fruit:") and len(answer.split()) > 2


@pytest.mark.slow
def test_guided_answers_differ_from_greedy_and_padding_of_the_contrasts_changes_none() -> None:
    from finetune.runtime.backends import load_generator
    from finetune.runtime.generator import GeneratorConfig, GuidedGenerator
    from prompts.render import Rendered

    torch.set_num_threads(1)
    generator = load_generator(GeneratorConfig(adapter="none", threads=1, batch_size=2))
    assert isinstance(generator, GuidedGenerator)

    def ask(text: str) -> Rendered:
        return Rendered(messages=(HumanMessage(content=text),), response_prefix="Answer:")

    prompts = [ask("A shopper loves spicy food and jazz. Suggest a dinner plan."), ask("Name a red fruit.")]
    # Contrasts of different lengths, so the batch pads one of them.
    contrasts = [ask("Suggest a dinner plan."), ask("Name a fruit that grows in cold northern climates.")]
    guided = generator.generate_guided(prompts, contrasts, 2.0, 12)
    assert all(answer.startswith("Answer:") and answer[len("Answer:") :].strip() for answer in guided)
    assert guided != generator.generate(prompts, 12)
    alone = [generator.generate_guided([p], [c], 2.0, 12)[0] for p, c in zip(prompts, contrasts, strict=True)]
    assert guided == alone
