"""The server's settings, from the environment (and `.env`: `config.load_env_file`)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from loaders import config

DEFAULT_RATE_LIMIT = 120  # requests a minute per API key (or per session), bursts up to the same


@dataclass(frozen=True)
class Settings:
    target: str  # duckdb | postgres
    host: str
    port: int
    keys_file: Path
    rate_limit_per_minute: int
    local_mode: bool  # no key needed: only when bound to loopback
    pool_size: int  # PostgreSQL connections


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def keys_file() -> Path:
    return config.project_path("SERVE_KEYS_FILE", "data/api_keys.json")


def from_env() -> Settings:
    settings = Settings(
        target=config.target(),
        host=config.text_setting("SERVE_HOST", "127.0.0.1"),
        port=config.port_number("SERVE_PORT", 8000),
        keys_file=keys_file(),
        rate_limit_per_minute=config.whole_number(
            "SERVE_RATE_LIMIT", DEFAULT_RATE_LIMIT, 1, 10**9, "requests a minute"
        ),
        local_mode=os.environ.get("SERVE_LOCAL_MODE", "").strip() == "1",
        pool_size=config.whole_number("SERVE_PG_POOL_SIZE", 8, 1, 1000, "connections"),
    )
    if settings.local_mode and not is_loopback(settings.host):
        raise config.ConfigError(
            f"SERVE_LOCAL_MODE=1 (no API key) is allowed only on a loopback address, not SERVE_HOST={settings.host}"
        )
    return settings
