"""The CTranslate2 engine: build keys and manifests, decoding options, (slow) a real build that answers."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from finetune.runtime.ct2_backend import CT2Generator, shared_prefix
from finetune.runtime.engine_build import MANIFEST, engine_key, read_manifest
from finetune.runtime.generator import GeneratorConfig
from prompts.render import Rendered
from whythis.errors import ModelError

PROMPT = Rendered(messages=(HumanMessage(content="Name a fruit."),), response_prefix="A fruit:")


def _folder(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


def test_a_changed_adapter_or_setting_is_a_new_engine_and_the_same_inputs_the_same_one(
    tmp_path: Path,
) -> None:
    base = _folder(tmp_path / "base", {"config.json": b"{}", "model.safetensors": b"w" * 10})
    adapter = _folder(tmp_path / "a", {"adapter_model.safetensors": b"lora-1", "adapter_config.json": b"{}"})
    first = engine_key(str(base), adapter, "int8_float32")[0]
    assert engine_key(str(base), adapter, "int8_float32")[0] == first
    assert engine_key(str(base), adapter, "int8")[0] != first
    assert engine_key(str(base), None, "int8_float32")[0] != first
    (adapter / "adapter_model.safetensors").write_bytes(b"lora-2")  # retrained
    assert engine_key(str(base), adapter, "int8_float32")[0] != first


def test_a_folder_without_a_readable_manifest_is_no_finished_engine(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text("{not json", encoding="utf-8")
    assert read_manifest(tmp_path) is None
    (tmp_path / MANIFEST).write_text(json.dumps({"format": "x"}), encoding="utf-8")
    assert read_manifest(tmp_path) is None


@dataclass
class _Result:
    sequences_ids: list[list[int]]


@dataclass
class _Step:
    token_id: int
    batch_id: int = 0
    is_last: bool = False
    hypothesis_id: int = 0


@dataclass
class _Async:
    value: _Result

    def done(self) -> bool:
        return True

    def result(self) -> _Result:
        return self.value


@dataclass
class FakeEngine:
    """The part of ctranslate2.Generator the backend uses; answers token ids 1, 2, 3 per hypothesis."""

    calls: list[dict[str, Any]] = field(default_factory=list)

    def generate_batch(self, tokens: Sequence[Sequence[str]], **options: Any) -> list[Any]:
        self.calls.append({"prompts": len(tokens), "tokens": [list(t) for t in tokens], **options})
        draws = options.get("num_hypotheses", 1)
        if options.get("asynchronous"):  # the last prompt finishes first; a True from the callback stops one
            for index in reversed(range(len(tokens))):
                for hypothesis in range(draws):  # hypothesis h answers 1, 2, 3 + h
                    for token in (1, 2, 3 + hypothesis):
                        if options["callback"](_Step(token, index, token == 3 + hypothesis, hypothesis)):
                            break
            return [_Async(_Result([[1, 2, 3 + h] for h in range(draws)])) for _ in tokens]
        return [_Result([[1, 2, 3]] * draws) for _ in tokens]

    def generate_tokens(self, tokens: Sequence[str], **options: Any) -> Iterator[_Step]:
        self.calls.append({"prompts": 1, **options})
        yield from (_Step(i) for i in (1, 2, 3))


class FakeTokenizer:
    """Token id n is the word `wn`; the chat template joins the messages."""

    def apply_chat_template(self, messages: list[dict[str, str]], **_: Any) -> str:
        return " ".join(m["content"] for m in messages)

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return list(range(len(text.split())))

    def convert_ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [f"t{i}" for i in ids]

    def decode(self, ids: list[int], skip_special_tokens: bool = True) -> str:
        return "".join(f" w{i}" for i in ids)


def test_greedy_sampled_and_streamed_answers_start_with_the_prefix_and_use_the_nucleus() -> None:
    engine = FakeEngine()
    gen = CT2Generator(engine, FakeTokenizer(), GeneratorConfig(batch_size=8, workers=2, max_new_tokens=20))
    assert gen.generate([PROMPT] * 5) == ["A fruit: w1 w2 w3"] * 5
    greedy = engine.calls[-1]
    assert (
        greedy["sampling_topk"] == 1 and greedy["max_length"] == 20 and not greedy["include_prompt_in_result"]
    )
    assert greedy["max_batch_size"] == 3  # a batch of 5 as 3 + 2 on two workers
    assert "no_repeat_ngram_size" not in greedy  # the engine's ban counts the prompt: names came out garbled
    gen.generate([PROMPT], max_new_tokens=7, temperature=0.7)
    sampled = engine.calls[-1]
    assert (sampled["sampling_topk"], sampled["sampling_topp"], sampled["sampling_temperature"]) == (
        50,
        0.9,
        0.7,
    )
    assert sampled["max_length"] == 7
    _, samples = gen.generate_samples([PROMPT], 2)
    assert samples == [["A fruit: w1 w2 w3"] * 2] and engine.calls[-1]["num_hypotheses"] == 2
    assert "".join(gen.stream(PROMPT)) == "A fruit: w1 w2 w3"
    assert gen.generate([]) == []


def test_answers_come_as_each_sequence_ends_and_a_cancelled_one_is_left_out() -> None:
    engine = FakeEngine()
    gen = CT2Generator(engine, FakeTokenizer(), GeneratorConfig(workers=2))
    assert list(gen.generate_each([PROMPT] * 3)) == [
        (2, "A fruit: w1 w2 w3"),
        (1, "A fruit: w1 w2 w3"),
        (0, "A fruit: w1 w2 w3"),
    ]
    assert [i for i, _ in gen.generate_each([PROMPT] * 3, cancelled=lambda i: i == 1)] == [2, 0]
    assert engine.calls[-1]["asynchronous"] and list(gen.generate_each([])) == []


def test_several_drawn_answers_per_prompt_come_together_when_its_last_one_ends() -> None:
    engine = FakeEngine()
    gen = CT2Generator(engine, FakeTokenizer(), GeneratorConfig(workers=2))
    drawn = list(gen.generate_drawn([PROMPT] * 2, 3, temperature=0.8))
    assert drawn == [(1, [f"A fruit: w1 w2 w{3 + h}" for h in range(3)]), (0, drawn[0][1])]
    call = engine.calls[-1]
    assert call["num_hypotheses"] == 3 and call["sampling_temperature"] == 0.8 and call["prompts"] == 2
    assert [i for i, _ in gen.generate_drawn([PROMPT] * 2, 2, cancelled=lambda i: i == 1)] == [0]
    with pytest.raises(ModelError, match="temperature"):
        list(gen.generate_drawn([PROMPT], 2, temperature=0.0))


def test_the_shared_beginning_of_a_batch_is_read_once_only_when_asked() -> None:
    long = Rendered(messages=(HumanMessage(content=" ".join(["word"] * 30)),), response_prefix="A:")
    engine = FakeEngine()
    CT2Generator(engine, FakeTokenizer(), GeneratorConfig()).generate([long, long])
    assert "static_prompt" not in engine.calls[-1]  # the reference path reads every prompt whole
    CT2Generator(engine, FakeTokenizer(), GeneratorConfig(reuse_prefix=True)).generate([long, long])
    call = engine.calls[-1]
    assert call["static_prompt"] == [f"t{i}" for i in range(29)] and not call["cache_static_prompt"]
    assert call["tokens"] == [["t29"], ["t29"]]  # each keeps a token of its own
    CT2Generator(engine, FakeTokenizer(), GeneratorConfig(reuse_prefix=True)).generate([PROMPT, PROMPT])
    assert "static_prompt" not in engine.calls[-1]  # too short to be worth a separate pass
    assert shared_prefix([["a", "b", "c"], ["a", "b", "d"]]) == 2 and shared_prefix([]) == 0


@pytest.mark.slow
def test_a_real_engine_is_built_once_and_answers_like_its_stream(tmp_path: Path) -> None:
    from finetune.runtime.backends import load_generator

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
        config = GeneratorConfig(backend="ctranslate2", max_new_tokens=12, workers=1)
        generator = load_generator(config)
        built = sorted((tmp_path / "engines").iterdir())
        again = load_generator(config)  # cached: the same folder, no second build
    assert len(built) == 1 and sorted((tmp_path / "engines").iterdir()) == built
    manifest = read_manifest(built[0])
    assert manifest is not None and manifest.adapter_digest and (built[0] / "run.json").is_file()
    answer = generator.generate([PROMPT])[0]
    assert answer.startswith("A fruit:") and len(answer) > len("A fruit:")
    assert "".join(again.stream(PROMPT, max_new_tokens=12)) == answer


def test_the_engine_command_names_a_bad_quantisation_before_building_anything(tmp_path: Path) -> None:
    import typer
    from typer.testing import CliRunner

    from finetune.cli import register
    from whythis.errors import ConfigError

    app = typer.Typer()
    register(app)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WHYTHIS_CACHE_DIR", str(tmp_path))
        result = CliRunner().invoke(app, ["adapter", "engine", "none", "--quantization", "int4"])
    assert isinstance(result.exception, ConfigError) and "quantization" in str(result.exception)
    assert not (tmp_path / "engines").exists()
