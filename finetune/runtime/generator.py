"""The generator interface every backend implements, its config, and the prompt format training and
inference share. The backends: transformers_backend.py, ct2_backend.py, remote.py; the factory:
backends.py."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Literal, Protocol, Self, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from finetune.runtime.adapters import DEFAULT
from finetune.runtime.base import EMBEDDED_SMOLLM2
from prompts.render import Rendered
from whythis.errors import ModelError

log = logging.getLogger(__name__)


class GeneratorConfig(BaseModel):
    """How reasons and answers are generated."""

    model_config = ConfigDict(extra="forbid")

    backend: Literal["transformers", "ctranslate2", "openai"] = "transformers"
    base_model: str = EMBEDDED_SMOLLM2
    adapter: str | None = Field(
        default=DEFAULT, description="'default': the shipped adapter; 'none': the base model; or a path/name"
    )
    device: Literal["auto", "cpu", "cuda"] = "auto"
    dtype: Literal["float32", "bfloat16"] = Field(
        default="float32",
        description="weights and activations at inference; bfloat16 is faster on CPUs with AMX/AVX-512 bf16",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads: torch's (None keeps torch's); per ctranslate2 worker (None: 1)",
    )
    workers: int = Field(
        default=2, ge=1, le=16, description="ctranslate2: replicas, each taking its own batch"
    )
    quantization: Literal["int8_float32", "int8", "float32"] = Field(
        default="int8_float32",
        description="ctranslate2: weights int8, activations float32 (or all int8/float32)",
    )
    reuse_prefix: bool = Field(
        default=False,
        description="ctranslate2: read the beginning a batch's prompts share once (a shopper's cards share "
        "the instructions and the shopper part); faster, but on near-ties a greedy answer may differ from "
        "the one-prompt-at-a-time answer, so the reference runs leave it off",
    )
    max_new_tokens: int = Field(default=48, ge=1, le=512)
    batch_size: int = Field(default=8, ge=1, le=128)
    # No penalty on repeated tokens: it punishes copying the item's own words, which true reasons do;
    # a ban on 4-grams repeated within the answer stops loops instead (AnswerNoRepeatNGram).
    repetition_penalty: float = Field(default=1.0, ge=1.0, le=2.0)
    no_repeat_ngram_size: int = Field(default=4, ge=0, le=10, description="0: off")
    seed: int | None = Field(
        default=None,
        description="transformers: seed each sampled generate call (reproducible); None: unseeded",
    )
    merge_adapter: bool = Field(
        default=True,
        description="fold the LoRA weights into the base at load: same outputs, no per-token adapter cost",
    )
    endpoint: str = Field(default="", description="openai backend: base URL, e.g. http://127.0.0.1:8001/v1")
    served_model: str = Field(default="", description="openai backend: model name sent (a LoRA module's)")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="environment variable holding the key")
    timeout_s: float = Field(default=60, gt=0, le=3600)
    max_concurrency: int = Field(default=8, ge=1, le=128)
    continue_prefix: bool = Field(
        default=True, description="let the server continue the response prefix (vLLM continue_final_message)"
    )

    @model_validator(mode="after")
    def _server_is_named(self) -> Self:
        if self.backend != "openai":
            return self
        missing = [key for key in ("endpoint", "served_model") if not getattr(self, key).strip()]
        if missing:
            raise ValueError(
                f"backend 'openai' needs generator.endpoint and generator.served_model; missing: "
                f"{', '.join(missing)} (e.g. endpoint=http://127.0.0.1:8001/v1, served_model=whythis)"
            )
        if not self.endpoint.startswith(("http://", "https://")):
            raise ValueError(f"generator.endpoint must be an http(s) URL, got {self.endpoint!r}")
        return self


class Generator(Protocol):
    """Anything that turns rendered prompts into answers (each starting with the response prefix)."""

    name: str

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """Answer every prompt (greedy at temperature 0); batching is the backend's business."""
        ...

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Yield the answer to one prompt in pieces as they are produced."""
        ...


# Whether the answer to the prompt at an index is no longer wanted (its turn was cancelled).
Cancelled = Callable[[int], bool]


@runtime_checkable
class EachGenerator(Protocol):
    """A backend that hands out each answer as soon as it is finished, and stops the cancelled ones."""

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, str]]:
        """(index, answer) per prompt in the order they finish; a cancelled prompt may be left out."""
        ...


def answers_as_done(
    generator: Generator,
    prompts: Sequence[Rendered],
    max_new_tokens: int | None = None,
    temperature: float = 0.0,
    cancelled: Cancelled | None = None,
) -> Iterator[tuple[int, str]]:
    """(index, answer) as each is finished when the backend can tell, else all at once in order."""
    if isinstance(generator, EachGenerator):
        yield from generator.generate_each(prompts, max_new_tokens, temperature, cancelled)
        return
    wanted = [i for i in range(len(prompts)) if cancelled is None or not cancelled(i)]
    answers = generator.generate([prompts[i] for i in wanted], max_new_tokens, temperature) if wanted else []
    if len(answers) != len(wanted):
        raise ModelError(f"{generator.name} gave {len(answers)} answers to {len(wanted)} prompts")
    yield from zip(wanted, answers, strict=True)


def first_answers(drawn: Iterable[tuple[int, list[str]]]) -> Iterator[tuple[int, str]]:
    """(index, answer) from (index, draws) of one draw each: `generate_each` over a `generate_drawn`."""
    for index, answers in drawn:
        yield index, answers[0]


@runtime_checkable
class DrawGenerator(Protocol):
    """A backend that samples several answers to each prompt in one batch, reading each prompt once."""

    def generate_drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, list[str]]]:
        """(index, its `draws` sampled answers) per prompt as the last of them ends."""
        ...


def drawn_as_done(
    generator: Generator,
    prompts: Sequence[Rendered],
    draws: int,
    max_new_tokens: int | None = None,
    temperature: float = 0.7,
    cancelled: Cancelled | None = None,
) -> Iterator[tuple[int, list[str]]]:
    """(index, answers) per prompt as its answers are all in: one greedy answer when `draws` is 1, else
    `draws` sampled ones (the backend's own way when it has one, else each prompt asked `draws` times)."""
    if draws == 1:
        for index, answer in answers_as_done(generator, prompts, max_new_tokens, temperature, cancelled):
            yield index, [answer]
        return
    check_samples(draws, temperature)
    if isinstance(generator, DrawGenerator):
        yield from generator.generate_drawn(prompts, draws, max_new_tokens, temperature, cancelled)
        return
    copies = [p for p in prompts for _ in range(draws)]
    got: dict[int, list[str]] = {}
    owner_cancelled = None if cancelled is None else (lambda j: cancelled(j // draws))
    for j, answer in answers_as_done(generator, copies, max_new_tokens, temperature, owner_cancelled):
        answers = got.setdefault(j // draws, [])
        answers.append(answer)
        if len(answers) == draws:
            yield j // draws, answers


def format_prompt(tokenizer: Any, rendered: Rendered) -> str:
    """The exact text the LM sees for a rendered prompt; training and inference both use this."""
    text: str = tokenizer.apply_chat_template(rendered.as_dicts(), tokenize=False, add_generation_prompt=True)
    if rendered.response_prefix:
        text += rendered.response_prefix
    return text


@runtime_checkable
class SampleGenerator(Protocol):
    """A backend that answers each prompt greedily and several times sampled, reading the prompt once."""

    def generate_samples(
        self,
        prompts: Sequence[Rendered],
        samples: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
    ) -> tuple[list[str], list[list[str]]]:
        """Per prompt, the greedy answer and `samples` sampled answers."""
        ...


@runtime_checkable
class GuidedGenerator(Protocol):
    """A backend that steers greedy answers away from what a contrast prompt alone would make it say."""

    def generate_guided(
        self,
        prompts: Sequence[Rendered],
        contrasts: Sequence[Rendered],
        scale: float,
        max_new_tokens: int | None = None,
    ) -> list[str]:
        """Greedy answers on `scale * (prompt - contrast) + contrast` log-probabilities, one per prompt."""
        ...


def check_samples(samples: int, temperature: float) -> None:
    """Refuse a sample count below one or a temperature that would not sample."""
    if samples < 1 or temperature <= 0:
        raise ModelError(f"samples must be >= 1 and temperature > 0, got {samples} and {temperature}")


def pick_device(setting: str) -> str:
    """The device to run on: a GPU when present and allowed, else the CPU."""
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting == "cuda" and not torch.cuda.is_available():
        raise ModelError("device 'cuda' was asked for but no GPU is visible; use 'auto' or 'cpu'")
    return setting


def load_tokenizer(path: str) -> Any:
    """A tokenizer padded on the left, as batched generation needs."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
