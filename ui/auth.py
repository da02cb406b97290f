"""Who may do what: staff passwords (scrypt), the staff login check, and shopper session tokens.

A session token is HMAC-SHA256(server secret, session id) in urlsafe base64: it grants that session
only and survives a restart, because the secret is configured or kept (mode 0600) in the data dir.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ui.serve_config import ServeConfig
from whythis.errors import ConfigError

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
_DKLEN = 32
_MAXMEM = 256 * 1024 * 1024
SECRET_FILE = "serve-secret.key"
DEV_STAFF_USER = "staff"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """An encoded scrypt hash with a random salt: 'scrypt$n$r$p$salt$hash'."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=_DKLEN, maxmem=_MAXMEM)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(digest)}"


def parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    """(n, r, p, salt, hash) of an encoded hash; ConfigError saying what is wrong with it."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        raise ConfigError(
            "a password hash must look like 'scrypt$n$r$p$salt$hash' (whythis serve hash-password)"
        )
    try:
        n, r, p = (int(x) for x in parts[1:4])
        salt, digest = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error) as exc:
        raise ConfigError(f"a password hash has a malformed number or base64 part: {exc}") from exc
    if n < 2 or n & (n - 1) or not (1 <= r <= 64 and 1 <= p <= 16) or 128 * n * r > _MAXMEM:
        raise ConfigError(f"a password hash has unusable scrypt parameters n={n} r={r} p={p}")
    return n, r, p, salt, digest


def verify_password(password: str, encoded: str) -> bool:
    """True when the password matches the encoded hash (constant-time comparison)."""
    n, r, p, salt, digest = parse_hash(encoded)
    given = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(digest), maxmem=_MAXMEM
    )
    return hmac.compare_digest(given, digest)


@dataclass(frozen=True)
class StaffAuth:
    """The staff logins; `check` is usable as gradio's `auth=` callable."""

    users: Mapping[str, str] = field(repr=False)  # user name -> encoded hash
    # SHA-256 of the server-to-server API keys (`api_key_hashes`): long random keys, so no slow hash.
    key_hashes: frozenset[str] = field(default=frozenset(), repr=False)
    # Checked for unknown names too, so a wrong name takes as long as a wrong password.
    _decoy: str = field(default_factory=lambda: hash_password(secrets.token_hex(8)), repr=False)

    def __post_init__(self) -> None:
        for encoded in self.users.values():
            parse_hash(encoded)

    def check(self, username: str, password: str) -> bool:
        """True for a configured user with the right password."""
        encoded = self.users.get(username)
        ok = verify_password(password, encoded if encoded is not None else self._decoy)
        return ok and encoded is not None

    def check_key(self, key: str) -> bool:
        """True for a configured API key (compared in constant time)."""
        digest = key_hash(key)
        return any(hmac.compare_digest(digest, known) for known in self.key_hashes)

    @classmethod
    def from_config(cls, config: ServeConfig) -> StaffAuth:
        """The configured logins; in dev mode without any, user 'staff' with a random password (logged)."""
        users = {u.username: u.password_hash for u in config.staff_users}
        keys = frozenset(config.api_key_hashes)
        if users:
            return cls(users, key_hashes=keys)
        if config.mode == "production":
            raise ConfigError(
                "production mode needs at least one staff user: add [[staff_users]] with a hash from "
                "`whythis serve hash-password` to the serve config, or run with --dev for a local demo"
            )
        password = secrets.token_urlsafe(12)
        log.warning(
            "dev mode: staff login for /console, /studio and /staff is %s / %s", DEV_STAFF_USER, password
        )
        return cls({DEV_STAFF_USER: hash_password(password)}, key_hashes=keys)


def key_hash(key: str) -> str:
    """The SHA-256 hex digest of an API key, as `api_key_hashes` holds it."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SessionTokens:
    """Signs and checks shopper session tokens with the server secret."""

    secret: bytes = field(repr=False)

    def token(self, session_id: str) -> str:
        """The token that grants this session (and no other)."""
        mac = hmac.new(self.secret, session_id.encode("utf-8"), hashlib.sha256).digest()
        return _b64(mac)

    def verify(self, session_id: str, token: str) -> bool:
        """True when the token is this session's (constant-time comparison)."""
        return hmac.compare_digest(self.token(session_id).encode("ascii"), token.encode("utf-8"))

    @staticmethod
    def well_formed(token: str) -> bool:
        """True when the text has the shape of a token (43 urlsafe base64 characters)."""
        return bool(_TOKEN.match(token))


def load_secret(config: ServeConfig) -> bytes:
    """The configured secret, else the one kept in the data dir (created once, mode 0600)."""
    if config.secret is not None:
        return config.secret.get_secret_value().encode("utf-8")
    folder = config.resolved_data_dir()
    path = folder / SECRET_FILE
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return _create_secret(path)
    except FileExistsError:
        return _read_secret(path)
    except OSError as exc:
        raise ConfigError(f"cannot keep the server secret in {path}: {exc}") from exc


def _create_secret(path: Path) -> bytes:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    value = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
    return value.encode("ascii")


def _read_secret(path: Path) -> bytes:
    try:
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)  # the key to every session: readable by its owner only
        value = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the server secret {path}: {exc}") from exc
    if len(value) < 32:
        raise ConfigError(
            f"the server secret {path} is too short (under 32 characters); delete it to make a new one"
        )
    return value.encode("ascii")
