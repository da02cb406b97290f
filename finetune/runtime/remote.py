"""A generator served by an OpenAI-compatible chat server, e.g. vLLM with the adapter as a LoRA module."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

import httpx
import openai

from finetune.runtime.decoding import TOP_K, TOP_P
from finetune.runtime.generator import Cancelled, GeneratorConfig, check_samples, first_answers
from prompts.render import Rendered
from whythis.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from openai import Stream
    from openai.types.chat import ChatCompletion, ChatCompletionChunk

T = TypeVar("T")


def api_key(config: GeneratorConfig) -> str:
    """The key from the configured environment variable; servers that need none accept "EMPTY"."""
    return os.environ.get(config.api_key_env, "").strip() or "EMPTY"


def join_prefix(prefix: str, text: str, continued: bool) -> str:
    """The answer starting with the prefix exactly once: a continuation is appended to it as it is."""
    if not prefix:
        return text
    if continued:
        return prefix + text
    stripped = text.lstrip()
    if stripped.lower().startswith(prefix.lower()):
        return prefix + stripped[len(prefix) :]
    return f"{prefix} {stripped}" if stripped else prefix


def after_prefix(pieces: Iterator[str], prefix: str) -> Iterator[str]:
    """Streamed pieces of an answer whose prefix was already shown, without a repeat of the prefix."""
    head = ""
    for piece in pieces:
        head += piece
        seen = head.lstrip().lower()
        if len(seen) >= len(prefix) or not prefix.lower().startswith(seen):
            break
    rest = join_prefix(prefix, head, continued=False)[len(prefix) :]
    if rest.strip():
        yield rest
    yield from pieces


def _transport_errors() -> tuple[type[Exception], ...]:
    errors: list[type[Exception]] = [openai.OpenAIError, httpx.HTTPError]
    try:
        # Recent openai clients talk through httpx2; its errors can surface while a stream is read.
        import httpx2

        errors.append(httpx2.HTTPError)
    except ImportError:
        pass
    return tuple(errors)


class OpenAIGenerator:
    """Answers from an OpenAI-compatible chat completions endpoint; prompts of a call go concurrently."""

    def __init__(
        self, config: GeneratorConfig, http_client: httpx.Client | None = None, max_retries: int = 2
    ) -> None:
        if not config.endpoint or not config.served_model:
            raise ConfigError(
                "the openai generator needs generator.endpoint and generator.served_model, "
                f"got endpoint={config.endpoint!r}, served_model={config.served_model!r}"
            )
        self.config = config
        self.name = f"openai:{config.served_model}"
        self.where = f"OpenAI-compatible server {config.endpoint} (model {config.served_model!r})"
        self._errors = _transport_errors()
        self._client = openai.OpenAI(
            base_url=config.endpoint,
            api_key=api_key(config),
            timeout=config.timeout_s,
            max_retries=max_retries,
            # openai>=3 annotates httpx2.Client but accepts an httpx.Client as well.
            http_client=cast(Any, http_client),
        )

    def generate(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
    ) -> list[str]:
        """One answer per prompt, in order; the server batches the concurrent requests."""
        return self._each(prompts, lambda p: self._answers(p, max_new_tokens, temperature)[0])

    def generate_each(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None = None,
        temperature: float = 0.0,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, str]]:
        """(index, answer) as each request returns; a prompt cancelled before its request is not sent."""
        yield from first_answers(self._as_returned(prompts, max_new_tokens, temperature, 1, cancelled))

    def generate_drawn(
        self,
        prompts: Sequence[Rendered],
        draws: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
        cancelled: Cancelled | None = None,
    ) -> Iterator[tuple[int, list[str]]]:
        """(index, `draws` sampled answers) as each request (one per prompt, `n` answers) returns."""
        check_samples(draws, temperature)
        yield from self._as_returned(prompts, max_new_tokens, temperature, draws, cancelled)

    def _as_returned(
        self,
        prompts: Sequence[Rendered],
        max_new_tokens: int | None,
        temperature: float,
        n: int,
        cancelled: Cancelled | None,
    ) -> Iterator[tuple[int, list[str]]]:
        def ask(index: int) -> tuple[int, list[str] | None]:
            if cancelled is not None and cancelled(index):
                return index, None
            return index, self._answers(prompts[index], max_new_tokens, temperature, n)

        if not prompts:
            return
        workers = min(len(prompts), self.config.max_concurrency)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whythis-openai")
        try:
            for future in as_completed([pool.submit(ask, i) for i in range(len(prompts))]):
                index, answers = future.result()
                if answers is not None:
                    yield index, answers
        finally:
            # A reader that stopped early does not wait for the requests already sent.
            pool.shutdown(wait=False, cancel_futures=True)

    def generate_samples(
        self,
        prompts: Sequence[Rendered],
        samples: int,
        max_new_tokens: int | None = None,
        temperature: float = 0.7,
    ) -> tuple[list[str], list[list[str]]]:
        """Per prompt, the greedy answer and `samples` sampled ones, asked for in one request (`n`)."""
        check_samples(samples, temperature)
        greedy = self.generate(prompts, max_new_tokens)
        return greedy, self._each(prompts, lambda p: self._answers(p, max_new_tokens, temperature, samples))

    def _each(self, prompts: Sequence[Rendered], ask: Callable[[Rendered], T]) -> list[T]:
        if len(prompts) <= 1:
            return [ask(p) for p in prompts]
        workers = min(len(prompts), self.config.max_concurrency)
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="whythis-openai")
        try:
            return list(pool.map(ask, prompts))
        finally:
            # After a failure the answers still queued are not worth waiting for.
            pool.shutdown(wait=True, cancel_futures=True)

    def stream(self, prompt: Rendered, max_new_tokens: int | None = None) -> Iterator[str]:
        """Yield the prefix, then the answer's pieces as the server sends them."""
        with self._failures("streaming a chat completion"):
            chunks: Stream[ChatCompletionChunk] = self._client.chat.completions.create(
                **self._request(prompt, max_new_tokens, 0.0), stream=True
            )
            with chunks:
                if prompt.response_prefix:
                    yield prompt.response_prefix
                pieces = _deltas(chunks)
                if prompt.response_prefix and not self._continues(prompt):
                    pieces = after_prefix(pieces, prompt.response_prefix)
                yield from pieces

    def _answers(
        self, prompt: Rendered, max_new_tokens: int | None, temperature: float, n: int = 1
    ) -> list[str]:
        request = self._request(prompt, max_new_tokens, temperature)
        if n > 1:
            request["n"] = n  # the server reads the prompt once for all of them
        with self._failures("a chat completion"):
            reply: ChatCompletion = self._client.chat.completions.create(**request)
        if len(reply.choices) < n:
            got = len(reply.choices) or "no"
            raise ModelError(f"{self.where}: asked for {n} answer(s), the reply has {got} choices")
        prefix, continued = prompt.response_prefix, self._continues(prompt)
        return [join_prefix(prefix, c.message.content or "", continued) for c in reply.choices[:n]]

    def _continues(self, prompt: Rendered) -> bool:
        return self.config.continue_prefix and bool(prompt.response_prefix)

    def _request(self, prompt: Rendered, max_new_tokens: int | None, temperature: float) -> dict[str, Any]:
        messages: list[dict[str, str]] = prompt.as_dicts()
        extra: dict[str, Any] = {}
        if self.config.continue_prefix:
            # vLLM's own parameters; a server that continues the prefix is taken to be vLLM.
            extra["repetition_penalty"] = self.config.repetition_penalty
            if temperature:
                extra["top_k"] = TOP_K  # the nucleus is looked for where the transformers backend looks
        if self._continues(prompt):
            messages.append({"role": "assistant", "content": prompt.response_prefix})
            extra.update(continue_final_message=True, add_generation_prompt=False)
        request: dict[str, Any] = {
            "model": self.config.served_model,
            "messages": messages,
            "max_tokens": max_new_tokens or self.config.max_new_tokens,
            "temperature": temperature,
        }
        if temperature:
            request["top_p"] = TOP_P
        if extra:
            request["extra_body"] = extra
        return request

    @contextmanager
    def _failures(self, what: str) -> Iterator[None]:
        """Turn the client's and the transport's errors into a ModelError naming the server."""
        try:
            yield
        except openai.APITimeoutError as exc:
            raise ModelError(f"{self.where}: {what} timed out after {self.config.timeout_s:g} s") from exc
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            raise ModelError(f"{self.where}: cannot connect for {what} ({cause}); is it running?") from exc
        except openai.APIStatusError as exc:
            raise ModelError(f"{self.where}: {what} failed: {_status_text(exc, self.config)}") from exc
        except self._errors as exc:
            raise ModelError(f"{self.where}: {what} failed: {exc}") from exc


def _deltas(chunks: Iterator[ChatCompletionChunk]) -> Iterator[str]:
    for chunk in chunks:
        for choice in chunk.choices[:1]:
            if choice.delta.content:
                yield choice.delta.content


def _status_text(exc: openai.APIStatusError, config: GeneratorConfig) -> str:
    status = exc.status_code
    detail = exc.message[:300]
    hints = {
        401: f"; set the key in ${config.api_key_env}",
        404: f"; is {config.served_model!r} among the server's models (GET {config.endpoint}/models)?",
    }
    return f"HTTP {status}: {detail}{hints.get(status, '')}"
