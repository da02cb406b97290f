from __future__ import annotations

from pathlib import Path

import pytest

import retrieval
from retrieval.datasets import ENV_VAR, data_dir, dataset_path
from whythis.errors import DataError

REPO_FALLBACK = (Path(retrieval.__file__).resolve().parent.parent / ".." / "shared" / "data").resolve()


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert data_dir() == tmp_path.resolve()


def test_default_is_shared_data_beside_the_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "shared" / "data").mkdir(parents=True)
    (tmp_path / "checkout").mkdir()
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path / "checkout")
    assert data_dir() == (tmp_path / "shared" / "data").resolve()


def test_falls_back_to_beside_the_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.chdir(tmp_path)  # no ../shared/data from here
    if (tmp_path / ".." / "shared" / "data").exists():
        pytest.fail("the temporary dir unexpectedly has a ../shared/data")
    # Where no ../shared/data lies beside the checkout either, the cwd default is named (and missing).
    expected = REPO_FALLBACK if REPO_FALLBACK.is_dir() else (tmp_path / ".." / "shared" / "data").resolve()
    assert data_dir() == expected


def test_dataset_path_finds_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "myntra").mkdir()
    (tmp_path / "myntra" / "products.csv").write_text("x\n", encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert dataset_path("myntra", "products.csv") == tmp_path.resolve() / "myntra" / "products.csv"


def test_missing_dataset_names_the_path_and_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    with pytest.raises(DataError) as info:
        dataset_path("xrec", "nope.jsonl")
    message = str(info.value)
    assert str(tmp_path.resolve() / "xrec" / "nope.jsonl") in message
    assert ENV_VAR in message


def test_missing_data_dir_lists_what_was_tried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "absent"))
    with pytest.raises(DataError, match=r"none of .*absent"):
        dataset_path("giftcards")
