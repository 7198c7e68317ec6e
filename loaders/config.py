"""Where the loaders find accounts, databases and their own working files.

Everything comes from the environment (or `.env`, which the Makefile exports);
nothing secret is ever written back anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """Configuration is missing or malformed; the message says which variable to set."""


@dataclass(frozen=True)
class OzonAccount:
    name: str
    client_id: str
    api_key: str
    base_url: str  # empty: the real Ozon API

    def __repr__(self) -> str:  # keeps the key out of tracebacks and debug output
        return f"OzonAccount(name={self.name!r}, client_id={self.client_id!r}, base_url={self.base_url!r})"


def ozon_accounts() -> list[OzonAccount]:
    """The Ozon account configured by OZON_CLIENT_ID / OZON_API_KEY (+ optional name and base URL)."""
    client_id = os.environ.get("OZON_CLIENT_ID", "").strip()
    api_key = os.environ.get("OZON_API_KEY", "").strip()
    if not client_id or not api_key:
        raise ConfigError("Ozon credentials are not set: export OZON_CLIENT_ID and OZON_API_KEY (see README).")
    return [
        OzonAccount(
            name=os.environ.get("OZON_ACCOUNT_NAME", "").strip() or client_id,
            client_id=client_id,
            api_key=api_key,
            base_url=os.environ.get("OZON_API_BASE_URL", "").strip(),
        )
    ]


def duckdb_path() -> Path:
    path = Path(os.environ.get("DUCKDB_PATH", "data/warehouse.duckdb"))
    return path if path.is_absolute() else PROJECT_DIR / path


def pipelines_dir() -> Path:
    """dlt keeps pipeline state here, inside the project, never in ~/.dlt."""
    path = Path(os.environ.get("DLT_PIPELINES_DIR", "data/dlt"))
    return path if path.is_absolute() else PROJECT_DIR / path


def postgres_credentials() -> dict[str, str | int]:
    """PostgreSQL connection from the libpq-style PG* variables, defaulting to the local server."""
    return {
        "drivername": "postgresql",
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "username": os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
        "database": os.environ.get("PGDATABASE", "postgres"),
    }
