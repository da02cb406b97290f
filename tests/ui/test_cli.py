"""The serve commands: `serve hash-password` prints a hash that verifies; `serve` refuses a bad config."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ui.auth import verify_password
from whythis.cli import build_app, main


def test_hash_password_prints_a_verifiable_hash() -> None:
    result = CliRunner().invoke(
        build_app(), ["serve", "hash-password"], input="a long secret\na long secret\n"
    )
    assert result.exit_code == 0, result.output
    encoded = result.output.strip().splitlines()[-1]
    assert encoded.startswith("scrypt$") and verify_password("a long secret", encoded)
    assert "a long secret" not in result.output  # read without echo


def test_short_passwords_are_refused() -> None:
    result = CliRunner().invoke(build_app(), ["serve", "hash-password", "--no-confirm"], input="short\n")
    assert result.exit_code != 0 and "at least 8" in result.output


def test_serve_refuses_a_bad_config_before_loading_anything(tmp_path: Path) -> None:
    bad = tmp_path / "serve.toml"
    bad.write_text('cors_origins = ["*"]\n')
    assert main(["serve", "--config", str(bad)]) == 2


def test_production_without_staff_users_stops_before_loading_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--production", "--set", f"data_dir={tmp_path}"]) == 2
    assert "production mode needs at least one staff user" in capsys.readouterr().err
