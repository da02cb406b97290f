"""Reading, splitting and tokenising XRec rows; the training prompt is the inference prompt."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import finetune.training.data as data
from finetune.runtime.generator import GeneratorConfig, format_prompt
from finetune.runtime.transformers_backend import TransformersGenerator
from finetune.training.config import DataSource, TrainingConfig
from finetune.training.data import (
    IGNORE,
    XrecRow,
    build_dataset,
    build_example,
    clip_words,
    clipped_rows,
    load_splits,
    read_xrec,
    reference_audience,
    split_rows,
    tokenize_example,
    xrec_contrast_prompt,
    xrec_file,
    xrec_prompt,
    xrec_prompt_row,
)
from prompts.render import load_prompt
from whythis.errors import DataError, ModelError, RowError

EOS = 0


class CharTokenizer:
    """One id per character and a ChatML template: exact, fast, and enough to check masking."""

    eos_token_id = EOS
    pad_token_id = EOS
    padding_side = "left"

    def apply_chat_template(
        self, messages: list[dict[str, str]], tokenize: bool, add_generation_prompt: bool
    ) -> str:
        text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
        return text + ("<|im_start|>assistant\n" if add_generation_prompt else "")

    def __call__(self, text: str | list[str], add_special_tokens: bool = True, **kwargs: Any) -> Any:
        if isinstance(text, str):
            return {"input_ids": [ord(c) for c in text]}
        import torch

        ids = [[ord(c) for c in t] for t in text]
        width = max(len(i) for i in ids)
        padded = [[EOS] * (width - len(i)) + i for i in ids]
        mask = [[0] * (width - len(i)) + [1] * len(i) for i in ids]
        return {"input_ids": torch.tensor(padded), "attention_mask": torch.tensor(mask)}

    def batch_decode(self, ids: Any, skip_special_tokens: bool = True) -> list[str]:
        return ["".join(chr(i) for i in row.tolist() if i != EOS) for row in ids]


class RecordingModel:
    """Records the ids generate() is given and answers with two fixed characters."""

    device = "cpu"

    def __init__(self) -> None:
        self.seen: list[list[int]] = []
        self.kwargs: list[dict[str, Any]] = []

    def generate(self, input_ids: Any, attention_mask: Any, **kwargs: Any) -> Any:
        import torch

        self.kwargs.append(kwargs)
        self.seen.extend(
            row[mask.bool()].tolist() for row, mask in zip(input_ids, attention_mask, strict=True)
        )
        return torch.cat([input_ids, torch.tensor([[ord("o"), ord("k")]] * len(input_ids))], dim=1)


def row(n: int = 0, explanation: str = "The user would enjoy the cosy rooms.") -> dict[str, Any]:
    return {
        "user_id": n,
        "item_id": 100 + n,
        "title": f"Hotel {n}",
        "user_profile": "Likes quiet places.",
        "item_profile": "A calm hotel.",
        "explanation": explanation,
    }


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_rows_up_to_a_limit(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [row(i) for i in range(5)])
    assert [r.user_id for r in read_xrec(path)] == [0, 1, 2, 3, 4]
    assert len(read_xrec(path, limit=2)) == 2


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({k: v for k, v in row().items() if k != "explanation"}, "explanation"),
        ({**row(), "title": ""}, "title"),
        ("{not json", "(json)"),
        ("[1, 2]", "(row)"),
    ],
)
def test_bad_row_names_file_line_and_field(tmp_path: Path, bad: Any, field: str) -> None:
    path = write_jsonl(tmp_path / "t.jsonl", [row(0), bad])
    with pytest.raises(RowError) as info:
        read_xrec(path)
    assert (info.value.line, info.value.field) == (2, field)
    assert "t.jsonl, line 2" in str(info.value)


def test_split_is_seeded_disjoint_and_complete() -> None:
    rows = [XrecRow.model_validate(row(i)) for i in range(40)]
    train, val = split_rows(rows, 0.1, seed=1)
    assert split_rows(rows, 0.1, seed=1) == (train, val)
    assert split_rows(rows, 0.1, seed=2)[1] != val
    assert len(val) == 4 and len(train) == 36
    assert sorted(r.user_id for r in train + val) == list(range(40))
    assert len(split_rows(rows[:3], 0.05, seed=0)[1]) == 1  # a tiny set still gets a val row
    assert split_rows(rows, 0.0, seed=0)[1] == []


def test_load_splits_reads_each_domain_from_the_data_dir(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "xrec" / "yelp" / "train.jsonl", [row(i) for i in range(20)])
    write_jsonl(tmp_path / "xrec" / "google" / "train.jsonl", [row(i) for i in range(20, 30)])
    cfg = TrainingConfig(
        data_dir=str(tmp_path),
        data=[DataSource(domain="yelp", rows=10), DataSource(domain="google")],
        val_fraction=0.1,
    )
    splits = load_splits(cfg)
    assert (len(splits.train), len(splits.val)) == (18, 2)
    val_users = {int(r.key.split(":")[1]) for r in splits.val}
    assert val_users & set(range(10)) and val_users & set(range(20, 30))
    assert {r.source for r in splits.train} == {"xrec/yelp", "xrec/google"}
    with pytest.raises(DataError, match="amazon"):
        load_splits(cfg.model_copy(update={"data": [DataSource(domain="amazon")]}))


def test_audience_follows_the_reference_and_the_prompt_speaks_to_it() -> None:
    assert reference_audience("You would enjoy the pool.") == "shopper"
    assert reference_audience("The user would enjoy it.") == "support"
    r = XrecRow.model_validate(row())
    assert '"you"' in str(xrec_prompt(r, "shopper").messages[0].content)
    assert "the user" in str(xrec_prompt(r, "support").messages[0].content)
    assert "Hotel 0" in str(xrec_prompt(r, "support").messages[-1].content)


def test_labels_mask_the_prompt_and_keep_the_answer_and_eos() -> None:
    tok = CharTokenizer()
    example = build_example(tok, xrec_prompt_row(XrecRow.model_validate(row()), "yelp", "support"))
    encoded = tokenize_example(tok, example, max_length=2000)
    assert encoded is not None
    n_prompt = len(example.prompt_text)
    assert encoded["labels"][:n_prompt] == [IGNORE] * n_prompt
    assert encoded["labels"][n_prompt:] == [*(ord(c) for c in example.answer), EOS]
    assert encoded["input_ids"][n_prompt:] == encoded["labels"][n_prompt:]
    assert len(encoded["attention_mask"]) == len(encoded["input_ids"])


def test_truncation_keeps_max_length_and_drops_rows_without_answer_tokens() -> None:
    tok = CharTokenizer()
    example = build_example(tok, xrec_prompt_row(XrecRow.model_validate(row()), "yelp", "support"))
    cut = tokenize_example(tok, example, max_length=len(example.prompt_text) + 5)
    assert cut is not None and len(cut["input_ids"]) == len(example.prompt_text) + 5
    assert EOS not in cut["labels"]
    assert tokenize_example(tok, example, max_length=len(example.prompt_text)) is None
    rows = [xrec_prompt_row(XrecRow.model_validate(row(i)), "yelp") for i in range(3)]
    assert build_dataset(tok, rows, TrainingConfig(max_length=32)) == []


def test_response_prefix_is_not_repeated_in_the_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    prefixed = load_prompt("xrec").model_copy(update={"response_prefix": "The user would"})
    monkeypatch.setattr(data, "_prompt", lambda name: prefixed)
    tok = CharTokenizer()
    example = build_example(tok, xrec_prompt_row(XrecRow.model_validate(row()), "yelp", "support"))
    assert example.prompt_text.endswith("<|im_start|>assistant\nThe user would")
    assert example.answer == " enjoy the cosy rooms."
    other = build_example(
        tok, xrec_prompt_row(XrecRow.model_validate(row(explanation="Great rooms.")), "yelp", "support")
    )
    assert other.answer == "Great rooms."
    assert other.prompt_text.endswith("<|im_start|>assistant\n")  # taught with its own opening


@pytest.mark.parametrize(("blank_share", "domain"), [(0.0, "yelp"), (1.0, "")])
def test_training_prompt_is_exactly_what_the_generator_feeds_the_model(
    blank_share: float, domain: str
) -> None:
    tok = CharTokenizer()
    xrow = XrecRow.model_validate(row())
    train_row = xrec_prompt_row(xrow, "yelp", "support", blank_share)
    encoded = tokenize_example(tok, build_example(tok, train_row), max_length=2000)
    assert encoded is not None
    prompt_ids = [
        i for i, label in zip(encoded["input_ids"], encoded["labels"], strict=True) if label == IGNORE
    ]
    model = RecordingModel()
    generator = TransformersGenerator(model=model, tokenizer=tok, config=GeneratorConfig())
    assert generator.generate([xrec_prompt(xrow, "support", domain)]) == ["ok"]
    assert model.seen == [prompt_ids]
    assert ("Domain: yelp" in "".join(chr(i) for i in prompt_ids)) == bool(domain)


def test_a_stable_share_of_rows_trains_without_its_domain() -> None:
    keys = [f"xrec/google:{u}:{u + 7}" for u in range(2000)]
    blank = [data.blank_row(k, 0.1) for k in keys]
    assert 150 < sum(blank) < 250  # about the share asked for (0 or all would fail)
    assert blank == [data.blank_row(k, 0.1) for k in keys]
    # A larger share keeps every row a smaller one blanked and adds others: configs stay comparable.
    wider = [data.blank_row(k, 0.3) for k in keys]
    assert all(w for b, w in zip(blank, wider, strict=True) if b) and 500 < sum(wider) < 700
    assert not any(data.blank_row(k, 0.0) for k in keys) and all(data.blank_row(k, 1.0) for k in keys)


@pytest.mark.slow
@pytest.mark.parametrize(("domain", "shares_it"), [("amazon", True), ("google", True), ("yelp", False)])
def test_the_xrec_opening_is_the_one_most_training_references_share(domain: str, shares_it: bool) -> None:
    rows = read_xrec(xrec_file(domain))
    opening = xrec_prompt(rows[0], "support", domain).response_prefix
    openings = Counter(" ".join(r.explanation.split()[:6]) for r in rows)
    top, count = openings.most_common(1)[0]
    assert (count / len(rows) >= 0.5) == shares_it
    if shares_it:
        assert top.startswith(opening)
        assert sum(r.explanation.startswith(opening) for r in rows) >= len(rows) / 2
    else:
        assert opening == ""


def test_guided_generation_contrasts_each_prompt_with_itself_without_the_profiles() -> None:
    tok = CharTokenizer()
    xrow = XrecRow.model_validate(row())
    prompt, contrast = xrec_prompt(xrow, "support", "google"), xrec_contrast_prompt(xrow, "support", "google")
    assert contrast.messages[0] == prompt.messages[0] and contrast.response_prefix == prompt.response_prefix
    shown = str(contrast.messages[-1].content)
    assert "Hotel 0" in shown and "Domain: google" in shown
    assert "quiet" not in shown and "calm" not in shown
    model = RecordingModel()
    generator = TransformersGenerator(model=model, tokenizer=tok, config=GeneratorConfig())
    assert generator.generate_guided([prompt], [contrast], 2.5) == [prompt.response_prefix + "ok"]
    sent = model.kwargs[-1]
    assert sent["guidance_scale"] == 2.5
    negative = sent["negative_prompt_ids"][sent["negative_prompt_attention_mask"].bool()].tolist()
    assert negative == [ord(c) for c in format_prompt(tok, contrast)]
    with pytest.raises(ModelError, match="1 contrast prompts given for 2 prompts"):
        generator.generate_guided([prompt, prompt], [contrast], 2.0)


def test_fields_keep_their_words_up_to_the_limit_and_are_cut_beyond() -> None:
    assert clip_words("a  calm\nhotel", 3) == "a  calm\nhotel"  # within the limit: untouched
    assert clip_words("one two three four", 3) == "one two three ..."
    short, long = (
        XrecRow.model_validate(row()),
        XrecRow.model_validate(row() | {"item_profile": "calm " * 301}),
    )
    assert clipped_rows([short, long]) == 1 and clipped_rows([short, long], limit=400) == 0
    shown = str(xrec_prompt(long, "support").messages[-1].content)
    assert shown.count("calm") == 300 and "calm ..." in shown
