"""The serve commands: `serve hash-password` prints a hash that verifies; `serve` refuses a bad config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.store.versioning import head_revision
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


def test_store_status_and_upgrade_commands_print_the_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    before = CliRunner().invoke(build_app(), ["store", "status", "--set", f"store.url={url}"])
    assert '"status": "fresh"' in before.output and not (tmp_path / "cli.db").exists()
    done = CliRunner().invoke(build_app(), ["store", "upgrade", "--set", f"store.url={url}"])
    assert done.exit_code == 0, done.output
    assert '"status": "fresh"' in done.output and '"status": "current"' in done.output
    shown = CliRunner().invoke(build_app(), ["store", "status", "--set", f"store.url={url}"])
    assert shown.exit_code == 0 and f'"needed": "{head_revision()}"' in shown.output


def test_a_store_that_is_not_ours_stops_the_cli_with_its_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "notes.db"
    other.write_text("not a database\n" * 10)
    assert main(["store", "status", "--set", f"db={json.dumps(str(other))}"]) == 2
    assert f"error: {other} is not a SQLite database" in capsys.readouterr().err
