"""The server config: checked-in defaults equal the code, overrides, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.cli import cli_overrides
from ui.serve_config import ServeConfig, load_serve_config
from whythis.errors import ConfigError

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_checked_in_defaults_equal_the_code_defaults() -> None:
    assert load_serve_config(CONFIGS / "serve.toml") == ServeConfig()


def test_overrides_and_cli_options_are_validated_and_applied(tmp_path: Path) -> None:
    sets = cli_overrides(["workers=4", 'cors_origins=["https://shop.example:8443"]'], "0.0.0.0", 9000, "dev")
    cfg = load_serve_config(CONFIGS / "serve.toml", [*sets, f"data_dir={tmp_path}"])
    assert (cfg.workers, cfg.host, cfg.port, cfg.mode) == (4, "0.0.0.0", 9000, "dev")
    assert cfg.cors_origins == ["https://shop.example:8443"]
    assert cfg.resolved_data_dir() == tmp_path and cfg.resolved_db() == tmp_path / "whythis.db"
    assert load_serve_config(None, [f"db={tmp_path / 'x.db'}"]).resolved_db() == tmp_path / "x.db"


@pytest.mark.parametrize(
    ("override", "match"),
    [
        ('cors_origins=["*"]', "is not an origin"),
        ('cors_origins=["https://shop.example/"]', "is not an origin"),
        ("workers=0", "workers"),
        ("mode=staging", "mode"),
        ("colour=red", "valid keys"),
        ('staff_users=[{"username": "a", "password_hash": "plain"}]', "password_hash"),
        ("secret=short", "secret"),
    ],
)
def test_bad_settings_name_the_key(override: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_serve_config(None, [override])


def test_staff_user_names_are_unique() -> None:
    user = '{"username": "a", "password_hash": "scrypt$1024$8$1$c2FsdA$aGFzaA"}'
    with pytest.raises(ConfigError, match="given twice: a"):
        load_serve_config(None, [f"staff_users=[{user}, {user}]"])
