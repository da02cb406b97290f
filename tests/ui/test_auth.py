"""Staff passwords, the login check, session tokens and the persisted server secret."""

from __future__ import annotations

import logging
import re
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from ui.auth import (
    DEV_STAFF_USER,
    SECRET_FILE,
    SessionTokens,
    StaffAuth,
    hash_password,
    load_secret,
    parse_hash,
    verify_password,
)
from ui.serve_config import ServeConfig
from whythis.errors import ConfigError


def test_hash_has_the_documented_shape_a_random_salt_and_verifies() -> None:
    encoded = hash_password("open sesame", n=2**10)
    assert re.fullmatch(r"scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+", encoded)
    assert encoded != hash_password("open sesame", n=2**10)
    assert verify_password("open sesame", encoded) and not verify_password("open sesame!", encoded)
    n, r, p, salt, digest = parse_hash(hash_password("x"))
    assert (n, r, p, len(salt), len(digest)) == (2**14, 8, 1, 16, 32)


@pytest.mark.parametrize(
    "bad", ["plain", "bcrypt$1$2$3$abc$def", "scrypt$1000$8$1$abc$def", "scrypt$x$8$1$abc$def"]
)
def test_malformed_hashes_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError, match="hash"):
        parse_hash(bad)
    with pytest.raises(ConfigError):
        StaffAuth({"bob": bad})


def test_staff_check_accepts_only_the_right_user_and_password(staff_hash: str) -> None:
    auth = StaffAuth({"alice": staff_hash})
    assert auth.check("alice", "correct horse battery")
    assert not auth.check("alice", "wrong") and not auth.check("mallory", "correct horse battery")
    assert "scrypt" not in repr(auth)


def test_production_needs_staff_users_and_dev_makes_one(
    make_config: Callable[..., ServeConfig], caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ConfigError, match="production mode needs at least one staff user"):
        StaffAuth.from_config(make_config(staff_users=[], mode="production"))
    with caplog.at_level(logging.WARNING, logger="ui.auth"):
        auth = StaffAuth.from_config(make_config(staff_users=[], mode="dev"))
    [record] = [r for r in caplog.records if "dev mode" in r.getMessage()]
    password = record.getMessage().rsplit(" / ", 1)[1]
    assert auth.check(DEV_STAFF_USER, password) and not auth.check(DEV_STAFF_USER, password + "x")
    configured = StaffAuth.from_config(make_config(mode="dev"))
    assert set(configured.users) == {"alice"}


def test_tokens_grant_one_session_and_depend_on_the_secret() -> None:
    tokens = SessionTokens(b"k" * 32)
    token = tokens.token("session-a")
    assert tokens.well_formed(token) and tokens.verify("session-a", token)
    assert not tokens.verify("session-b", token)
    assert not SessionTokens(b"j" * 32).verify("session-a", token)
    assert not tokens.well_formed("short") and not tokens.well_formed(token[:-1] + "+")
    assert not tokens.verify("session-a", "é" * 43)


def test_the_secret_is_created_once_with_mode_0600_and_reused(tmp_path: Path) -> None:
    config = ServeConfig(mode="dev", data_dir=tmp_path / "data")
    first = load_secret(config)
    path = tmp_path / "data" / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) == 64
    assert load_secret(config) == first
    path.chmod(0o644)
    assert load_secret(config) == first and stat.S_IMODE(path.stat().st_mode) == 0o600
    configured = ServeConfig(mode="dev", data_dir=tmp_path / "other", secret="s" * 40)
    assert load_secret(configured) == b"s" * 40 and not (tmp_path / "other").exists()
    path.write_text("short\n")
    with pytest.raises(ConfigError, match="too short"):
        load_secret(config)
