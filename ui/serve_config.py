"""The server's validated config (`configs/serve.toml` plus `--set`): listening, staff logins, limits."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from agent.store.database import StoreConfig, sqlite_url
from ui.rate_limits import RateLimitConfig
from whythis.config import load_config
from whythis.paths import cache_root

HASH_PATTERN = r"^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9_-]+={0,2}\$[A-Za-z0-9_-]+={0,2}$"
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class StaffUser(BaseModel):
    """One staff login: a user name and a scrypt hash made by `whythis serve hash-password`."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")
    password_hash: str = Field(pattern=HASH_PATTERN, description="scrypt$n$r$p$salt$hash")


class ServeConfig(BaseModel):
    """Everything `whythis serve` needs besides the agent config."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field(default="127.0.0.1", min_length=1)
    port: int = Field(default=8000, ge=1, le=65535)
    mode: Literal["dev", "production"] = Field(
        default="production", description="production refuses to start without staff users"
    )
    data_dir: Path | None = Field(default=None, description="secret and store; default: <cache>/serve")
    db: Path | None = Field(default=None, description="the SQLite store; default: <data_dir>/whythis.db")
    store: StoreConfig = Field(default_factory=StoreConfig, description="store.url for PostgreSQL, timeouts")
    secret: SecretStr | None = Field(
        default=None, min_length=32, description="token key; default: generated once into data_dir"
    )
    cors_origins: list[str] = Field(default_factory=list, description="shop origins allowed to call the API")
    rate_limits: RateLimitConfig = Field(default_factory=RateLimitConfig, description="per client address")
    forwarded_allow_ips: list[str] = Field(
        default_factory=list,
        description="reverse proxies whose X-Forwarded-For names the client (e.g. ['127.0.0.1'])",
    )
    staff_users: list[StaffUser] = Field(default_factory=list)
    api_key_hashes: list[str] = Field(
        default_factory=list,
        description="SHA-256 hex of API keys for server-to-server calls (POST /api/explain with an "
        "X-API-Key header); `whythis serve hash-key` makes one",
    )
    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    workers: int = Field(
        default=24,
        ge=1,
        le=64,
        description="chat turns at once; mostly waiting on the batched engine, so enough for each shopper "
        "to get cards at once",
    )
    queue_size: int = Field(default=32, ge=0, le=10000, description="turns waiting beyond the workers")
    retry_after_seconds: int = Field(default=2, ge=1, le=3600)
    batch_window_ms: float = Field(default=10.0, ge=0.0, le=1000.0, description="0: no micro-batching")
    max_batch: int = Field(default=16, ge=1, le=256, description="prompts per batched LM call")
    shoppers: list[Path] | None = Field(default=None, description="shopper JSON files; default: the demo")
    catalog: Path | None = Field(default=None, description="catalog file; default: the demo shop")
    agent_config: Path | None = Field(default=None, description="agent TOML; default: the code defaults")
    agent_overrides: list[str] = Field(default_factory=list, description="agent --set key=value items")

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not _ORIGIN.match(origin):
                raise ValueError(
                    f"{origin!r} is not an origin; give scheme://host[:port] with no path or trailing "
                    "slash, e.g. 'https://shop.example.com' ('*' is not allowed)"
                )
        return value

    @field_validator("api_key_hashes")
    @classmethod
    def _hex_digests(cls, value: list[str]) -> list[str]:
        bad = [h[:12] for h in value if not re.fullmatch(r"[0-9a-f]{64}", h)]
        if bad:
            raise ValueError(f"each api key hash is 64 lower-case hex digits (sha256); not {bad}")
        return value

    @field_validator("staff_users")
    @classmethod
    def _unique_users(cls, value: list[StaffUser]) -> list[StaffUser]:
        names = [u.username for u in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"staff user names must be unique; given twice: {', '.join(twice)}")
        return value

    @model_validator(mode="after")
    def _one_store(self) -> ServeConfig:
        if self.db is not None and self.store.url:
            raise ValueError("give either db (a SQLite file) or store.url, not both")
        return self

    def resolved_data_dir(self) -> Path:
        """The data dir: the setting, else <cache>/serve."""
        return (self.data_dir or cache_root() / "serve").expanduser()

    def resolved_db(self) -> Path:
        """The SQLite store file: the setting, else whythis.db in the data dir."""
        return (self.db or self.resolved_data_dir() / "whythis.db").expanduser()

    def store_url(self) -> str:
        """The store's database: store.url, else the SQLite file."""
        return self.store.url or sqlite_url(self.resolved_db())


def load_serve_config(path: Path | None = None, overrides: list[str] | None = None) -> ServeConfig:
    """The server config from a TOML file (or the defaults) plus `--set` overrides."""
    return load_config(ServeConfig, path, overrides)
