"""Where the loaders find accounts, databases and their own working files.

Everything comes from the environment (or `.env`, which the Makefile exports);
nothing secret is ever written back anywhere.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class WildberriesAccount:
    name: str
    token: str
    base_url: str  # empty: the real WB hosts; set: one server (the sandbox) for every WB host

    def __repr__(self) -> str:  # keeps the token out of tracebacks and debug output
        return f"WildberriesAccount(name={self.name!r}, base_url={self.base_url!r})"


def _account_settings(prefix: str, fields: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """(name, {field: value}) per configured account of one marketplace.

    One account: `<PREFIX>_<FIELD>` (name from `<PREFIX>_ACCOUNT_NAME`, default ""). Several:
    `<PREFIX>_ACCOUNTS=shop,outlet` and `<PREFIX>_SHOP_<FIELD>`, `<PREFIX>_OUTLET_<FIELD>`, ...
    `<PREFIX>_API_BASE_URL` (or `<PREFIX>_<NAME>_API_BASE_URL`) points accounts at another host.
    """
    names = [name.strip() for name in os.environ.get(f"{prefix}_ACCOUNTS", "").split(",") if name.strip()]
    if not names:
        values = {field: os.environ.get(f"{prefix}_{field}", "").strip() for field in (*fields, "API_BASE_URL")}
        return [(os.environ.get(f"{prefix}_ACCOUNT_NAME", "").strip(), values)]
    accounts = []
    for name in names:
        if not name.replace("_", "").isalnum():
            raise ConfigError(f"{prefix}_ACCOUNTS: account name {name!r} may hold only letters, digits and _")
        scoped = f"{prefix}_{name.upper()}"
        values = {field: os.environ.get(f"{scoped}_{field}", "").strip() for field in fields}
        values["API_BASE_URL"] = (
            os.environ.get(f"{scoped}_API_BASE_URL", "") or os.environ.get(f"{prefix}_API_BASE_URL", "")
        ).strip()
        missing = [f"{scoped}_{field}" for field in fields if not values[field]]
        if missing:
            raise ConfigError(f"account {name!r} is listed in {prefix}_ACCOUNTS but {', '.join(missing)} is not set")
        accounts.append((name, values))
    return accounts


def ozon_accounts() -> list[OzonAccount]:
    """Every configured Ozon account (see `_account_settings`); the name defaults to the Client-Id."""
    accounts = []
    for name, values in _account_settings("OZON", ("CLIENT_ID", "API_KEY")):
        if not values["CLIENT_ID"] or not values["API_KEY"]:
            raise ConfigError("Ozon credentials are not set: export OZON_CLIENT_ID and OZON_API_KEY (see README).")
        accounts.append(
            OzonAccount(name or values["CLIENT_ID"], values["CLIENT_ID"], values["API_KEY"], values["API_BASE_URL"])
        )
    return accounts


def wildberries_accounts() -> list[WildberriesAccount]:
    """Every configured WB account (see `_account_settings`): `WB_API_TOKEN` (name from
    WB_ACCOUNT_NAME, default "default"), or `WB_ACCOUNTS=a,b` with `WB_A_API_TOKEN`, ...;
    `WB_API_BASE_URL` points every WB host at one server (the sandbox)."""
    accounts = []
    for name, values in _account_settings("WB", ("API_TOKEN",)):
        if not values["API_TOKEN"]:
            raise ConfigError("Wildberries credentials are not set: export WB_API_TOKEN (see README).")
        accounts.append(WildberriesAccount(name or "default", values["API_TOKEN"], values["API_BASE_URL"]))
    return accounts


def select_accounts(accounts: list, names: list[str] | None) -> list:
    """The accounts named in `names` (all when empty); an unknown name is a ConfigError."""
    if not names:
        return accounts
    known = {account.name: account for account in accounts}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"no configured account named {', '.join(unknown)}; configured: {', '.join(known)}")
    return [known[name] for name in names]


def now() -> datetime:
    """The time the loaders treat as now: the wall clock, or LOADER_NOW (an ISO time with offset)
    when a run must see the sandbox's simulated time or replay a past moment."""
    text = os.environ.get("LOADER_NOW", "").strip()
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"LOADER_NOW must be an ISO time such as 2026-01-31T12:00:00+00:00, not {text!r}") from None
    if moment.tzinfo is None:
        raise ConfigError("LOADER_NOW must carry a UTC offset, e.g. 2026-01-31T12:00:00+00:00")
    return moment.astimezone(UTC)


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


def positive_number(variable: str, default: float, what: str = "number") -> float:
    """The positive number in environment `variable`, or `default` when it is unset or empty; a
    ConfigError naming the variable otherwise."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value <= 0:
        raise ConfigError(f"{variable} must be a positive {what}, not {text!r}")
    return value


def rate_limit_scale(variable: str) -> float:
    """A marketplace's <variable> (OZON_RATE_LIMIT_SCALE, WB_RATE_LIMIT_SCALE; sandbox only, default
    1): its loader divides every pacing interval by it, to match a sandbox whose `rate_limit_scale`
    makes the limits that much looser (or switches them off, for the benchmark)."""
    return positive_number(variable, 1.0)
