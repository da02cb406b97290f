"""The transformers backend: the base model plus an optional peft adapter, generating in batches; the
reference for quality and the backend training shares its prompt format with."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from finetune.runtime.adapters import resolve_adapter
from finetune.runtime.added_tokens import fit_embeddings, tied_token_notices_quiet, tokenizer_source
from finetune.runtime.base import resolve_base_model
from finetune.runtime.decoding import AnswerNoRepeatNGram, NucleusSampler
from finetune.runtime.generator import (
    GeneratorConfig,
    check_samples,
    format_prompt,
    load_tokenizer,
    pick_device,
)
from prompts.render import Rendered
from whythis.errors import ModelError

log = logging.getLogger(__name__)


@dataclass
class TransformersGenerator:
    """A causal LM from transformers, optionally with a peft adapter, generating greedily in batches."""

    model: Any
    tokenizer: Any
    config: GeneratorConfig
    name: str = "transformers"

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """Answers in batches of `config.batch_size`; greedy at temperature 0, sampled above."""
        with self._seeded(temperature):
            return self._generate_all(prompts, max_new_tokens, temperature)

    def generate_samples(
        self,
        prompts: Sequence[Rendered],
        samples: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
    ) -> tuple[list[str], list[list[str]]]:
        """The greedy answer and `samples` sampled ones per prompt, each prompt read by the model once."""
        check_samples(samples, temperature)
        greedy: list[str] = []
        sampled: list[list[str]] = []
        size = self.config.batch_size
        with self._seeded(temperature):
            for start in range(0, len(prompts), size):
                batch = prompts[start : start + size]
                first, rest = self._greedy_then_samples(batch, samples, max_new_tokens, temperature)
                greedy.extend(first)
                sampled.extend(rest)
        return greedy, sampled

    def generate_guided(
        self,
        prompts: Sequence[Rendered],
        contrasts: Sequence[Rendered],
        scale: float,
        max_new_tokens: int | None = None,
    ) -> list[str]:
        """Greedy answers under transformers' classifier-free guidance, each against its contrast prompt."""
        if len(contrasts) != len(prompts):
            raise ModelError(
                f"{len(contrasts)} contrast prompts given for {len(prompts)} prompts; give one each"
            )
        return self._batched(
            len(prompts), lambda s: self._guided_batch(prompts[s], contrasts[s], scale, max_new_tokens)
        )

    def _guided_batch(
        self,
        prompts: Sequence[Rendered],
        contrasts: Sequence[Rendered],
        scale: float,
        max_new_tokens: int | None,
    ) -> list[str]:
        import torch

        enc, neg = self._encode(prompts), self._encode(contrasts)
        prompt_len = enc["input_ids"].shape[1]
        kwargs = self._gen_kwargs(max_new_tokens, prompt_len)
        # Left padding shifts the contrast prompts' positions by their padding alone, which rotary
        # attention, seeing only distances, does not notice.
        guide = {
            "negative_prompt_ids": neg["input_ids"],
            "negative_prompt_attention_mask": neg["attention_mask"],
        }
        with torch.inference_mode():
            ids = self.model.generate(**enc, **kwargs, guidance_scale=scale, **guide)
        return self._decode(prompts, ids, prompt_len)

    @contextmanager
    def _seeded(self, temperature: float) -> Iterator[None]:
        # A private RNG stream per sampled call: reruns sample the same answers, other torch users are
        # untouched.
        import torch

        if temperature <= 0 or self.config.seed is None:
            yield
            return
        device = torch.device(self.model.device)
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            torch.manual_seed(self.config.seed)
            yield

    def _generate_all(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None, temperature: float
    ) -> list[str]:
        return self._batched(
            len(prompts), lambda s: self._generate_batch(prompts[s], max_new_tokens, temperature)
        )

    def _batched(self, count: int, run: Callable[[slice], list[str]]) -> list[str]:
        """`run` on each `config.batch_size` slice of `count` prompts, its answers joined in order."""
        size = self.config.batch_size
        return [text for start in range(0, count, size) for text in run(slice(start, start + size))]

    def _generate_batch(
        self, prompts: Sequence[Rendered], max_new_tokens: int | None, temperature: float
    ) -> list[str]:
        import torch

        enc = self._encode(prompts)
        prompt_len = enc["input_ids"].shape[1]
        with torch.inference_mode():
            ids = self.model.generate(**enc, **self._gen_kwargs(max_new_tokens, prompt_len, temperature))
        return self._decode(prompts, ids, prompt_len)

    def _greedy_then_samples(
        self, prompts: Sequence[Rendered], samples: int, max_new_tokens: int | None, temperature: float
    ) -> tuple[list[str], list[list[str]]]:
        import torch

        enc = self._encode(prompts)
        prompt_len = enc["input_ids"].shape[1]
        repeated = [p for p in prompts for _ in range(samples)]
        with torch.inference_mode():
            kwargs = self._gen_kwargs(max_new_tokens, prompt_len)
            out = self.model.generate(**enc, **kwargs, return_dict_in_generate=True)
            greedy = self._decode(prompts, out.sequences, prompt_len)
            cache = out.cache
            if prompt_len < 2 or not getattr(cache, "is_croppable", False):
                return greedy, _chunks(self._generate_batch(repeated, max_new_tokens, temperature), samples)
            # The greedy pass already holds every prompt's keys and values: cut them back to the prompt
            # (less its last token, which generate feeds to start) and copy them once per sample.
            cache.crop(-(cache.get_seq_length() - (prompt_len - 1)))
            cache.batch_repeat_interleave(samples)
            again = {k: v.repeat_interleave(samples, dim=0) for k, v in enc.items()}
            kwargs = self._gen_kwargs(max_new_tokens, prompt_len, temperature)
            ids = self.model.generate(**again, cache=cache, **kwargs)
        return greedy, _chunks(self._decode(repeated, ids, prompt_len), samples)

    def _encode(self, prompts: Sequence[Rendered]) -> dict[str, Any]:
        texts = [format_prompt(self.tokenizer, p) for p in prompts]
        enc = self.tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return {k: v.to(self.model.device) for k, v in enc.items()}

    def _decode(self, prompts: Sequence[Rendered], ids: Any, prompt_len: int) -> list[str]:
        answers = self.tokenizer.batch_decode(ids[:, prompt_len:], skip_special_tokens=True)
        return [p.response_prefix + a for p, a in zip(prompts, answers, strict=True)]

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Yield the prefix, then decoded pieces as the model produces them."""
        import torch
        from transformers import TextIteratorStreamer

        enc = self._encode([prompt])
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True)
        prompt_len = enc["input_ids"].shape[1]
        kwargs = {**enc, **self._gen_kwargs(max_new_tokens, prompt_len), "streamer": streamer}

        def run() -> None:
            with torch.inference_mode():
                self.model.generate(**kwargs)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        if prompt.response_prefix:
            yield prompt.response_prefix
        yield from streamer
        worker.join()

    def _gen_kwargs(
        self, max_new_tokens: int | None, prompt_len: int, temperature: float = 0.0
    ) -> dict[str, Any]:
        from transformers import LogitsProcessorList

        n = self.config.no_repeat_ngram_size
        processors: list[Any] = [AnswerNoRepeatNGram(n, prompt_len)] if n else []
        if temperature:
            processors.append(NucleusSampler(temperature))
        return {
            "max_new_tokens": max_new_tokens or self.config.max_new_tokens,
            "do_sample": False,
            "repetition_penalty": self.config.repetition_penalty,
            "logits_processor": LogitsProcessorList(processors),
            "pad_token_id": self.tokenizer.pad_token_id,
        }


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def load_transformers(config: GeneratorConfig) -> TransformersGenerator:
    """The base model (GGUF converted once) plus the adapter, in process."""
    import torch
    from transformers import AutoModelForCausalLM

    if config.threads:
        torch.set_num_threads(config.threads)
    path = resolve_base_model(config.base_model)
    device = pick_device(config.device)
    adapter = resolve_adapter(config.adapter)
    try:
        tokenizer = load_tokenizer(tokenizer_source(adapter, path))
        model: Any = AutoModelForCausalLM.from_pretrained(path)
        fit_embeddings(model, tokenizer)
        model = model.to(device)
    except OSError as exc:
        raise ModelError(f"cannot load base model {config.base_model!r} ({path}): {exc}") from exc
    if adapter is not None:
        from peft import PeftModel

        try:
            with tied_token_notices_quiet():
                model = PeftModel.from_pretrained(model, str(adapter))
        except (OSError, ValueError) as exc:
            raise ModelError(f"cannot load adapter {config.adapter!r}: {exc}") from exc
        if config.merge_adapter:
            model = model.merge_and_unload()
    # Cast after the merge, so the LoRA delta is added at full precision before rounding.
    model = model.to(getattr(torch, config.dtype)).eval()
    log.info("loaded %s on %s (%s)", config.base_model, device, config.dtype)
    return TransformersGenerator(model=model, tokenizer=tokenizer, config=config)
