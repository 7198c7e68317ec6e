"""Where the loaders find accounts, databases and their own working files.

Everything comes from the process environment, then from `.env` in the project folder (or the
file named by ENV_FILE) for what the environment does not set: `load_env_file` reads it as a dotenv
file, values taken literally (quotes removed; `$` and `#` inside a value kept). Nothing secret is
ever written back anywhere.
"""

from __future__ import annotations

import io
import math
import os
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from dotenv import dotenv_values
from dotenv.parser import parse_stream

from loaders.secrets import register_secret

# The marketplaces' business day is Moscow's (UTC+3, no daylight saving since 2014): the marts date
# orders and stock by it, and Wildberries statistics send its local time without an offset.
MOSCOW = timezone(timedelta(hours=3), "MSK")

PROJECT_DIR = Path(__file__).resolve().parent.parent


TARGETS = ("duckdb", "postgres")

# Each marketplace's raw dataset, by its variables' prefix (loaders/marketplaces.py); an account's loads
# stage in <dataset>_staging_<account> (loaders/pipeline.py `staging_dataset_layout`).
RAW_DATASETS = {"OZON": "raw_ozon", "WB": "raw_wildberries"}
# PostgreSQL's longest name (NAMEDATALEN - 1 bytes): dlt shortens a longer one, with a hash
POSTGRES_NAME_LIMIT = 63


class ConfigError(Exception):
    """Configuration is missing or malformed; the message says which variable to set."""


class NotConfigured(ConfigError):
    """A marketplace has no account at all: it is left out of a run, which is not an error."""


# The settings `load_env_file` put into the environment, which had none of them.
_FROM_ENV_FILE: set[str] = set()


def env_file() -> Path:
    return project_path("ENV_FILE", ".env")


def load_env_file() -> None:
    """Put the settings of the dotenv file into the environment, except those the environment already
    has (the environment wins), so that every program and the dbt and loader processes they start see
    the same values."""
    path = env_file()
    named = f"ENV_FILE={os.environ.get('ENV_FILE', '.env')!r}"
    if not path.exists() and os.environ.get("ENV_FILE"):  # named, so meant: its settings would be missed
        raise ConfigError(f"{named}: {path} does not exist")
    if path.is_dir():
        raise ConfigError(f"{named}: {path} is a folder, not a file")
    if not path.exists():
        return
    for name, value in _dotenv_values(path, named).items():
        if value is not None and name not in os.environ:
            os.environ[name] = value
            _FROM_ENV_FILE.add(name)


def set_outside_env_file(variable: str) -> bool:
    """Whether environment `variable` is set, not empty, other than by the dotenv file: by the command
    line or the shell. A program that starts another one elsewhere (a cron job) passes such a setting on;
    the other one reads the dotenv file itself."""
    return bool(text_setting(variable, "")) and variable not in _FROM_ENV_FILE


def _dotenv_values(path: Path, named: str) -> dict[str, str | None]:
    """The settings of dotenv file `path`; a ConfigError naming its line when one cannot be read
    (python-dotenv only warns and drops that setting: a token missing its closing quote left its
    marketplace out of every run without an error)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # Notepad's "Unicode" is UTF-16
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start} of the file); save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"{named}: cannot read {path} ({exc.strerror})") from None
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:  # the value is never shown: it may be a secret
            start = re.match(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=", binding.original.string)
            setting = f" (setting {start.group(1)})" if start else ""
            raise ConfigError(
                f"{path}: line {binding.original.line}{setting} cannot be read as NAME=value "
                "(an unclosed quote?); fix or remove it"
            )
    return dotenv_values(stream=io.StringIO(text), interpolate=False)


def target(value: str | None = None) -> str:
    """The database to use: `value` (a --target option), else TARGET, else duckdb."""
    chosen = value or text_setting("TARGET", "duckdb")
    if chosen not in TARGETS:
        source = "--target" if value else "TARGET"
        raise ConfigError(f"{source} must be one of {', '.join(TARGETS)}, not {chosen!r}")
    return chosen


class _AccountVariables:
    """What an account's settings are called: `<its settings_prefix>_<FIELD>`."""

    settings_prefix: str

    def variable(self, field: str) -> str:
        return f"{self.settings_prefix}_{field}"


@dataclass(frozen=True)
class OzonAccount(_AccountVariables):
    name: str
    client_id: str
    api_key: str
    base_url: str  # empty: the real Ozon API
    settings_prefix: str = "OZON"  # its variables: OZON_CLIENT_ID, or OZON_<NAME>_CLIENT_ID with OZON_ACCOUNTS
    skip_resources: tuple[str, ...] = ()  # <prefix>_SKIP_RESOURCES: what its key has no rights to

    def __repr__(self) -> str:  # keeps the key out of tracebacks and debug output
        return f"OzonAccount(name={self.name!r}, client_id={self.client_id!r}, base_url={self.base_url!r})"


@dataclass(frozen=True)
class WildberriesAccount(_AccountVariables):
    name: str
    token: str
    base_url: str  # empty: the real WB hosts; set: one server (the sandbox) for every WB host
    settings_prefix: str = "WB"  # its variables: WB_API_TOKEN, or WB_<NAME>_API_TOKEN with WB_ACCOUNTS
    skip_resources: tuple[str, ...] = ()  # <prefix>_SKIP_RESOURCES: what its token has no rights to

    def __repr__(self) -> str:  # keeps the token out of tracebacks and debug output
        return f"WildberriesAccount(name={self.name!r}, base_url={self.base_url!r})"


def _account_settings(prefix: str, fields: tuple[str, ...]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, variable prefix, {field: value}) per configured account of one marketplace.

    One account: `<PREFIX>_<FIELD>` (name from `<PREFIX>_ACCOUNT_NAME`, default ""). Several:
    `<PREFIX>_ACCOUNTS=shop,outlet` and `<PREFIX>_SHOP_<FIELD>`, `<PREFIX>_OUTLET_<FIELD>`, ...
    `<PREFIX>_API_BASE_URL` (or `<PREFIX>_<NAME>_API_BASE_URL`) points accounts at another host;
    `<PREFIX>_SKIP_RESOURCES` (`<PREFIX>_<NAME>_SKIP_RESOURCES`) lists resources the account leaves out.
    No account variable at all is NotConfigured; one set without the others is a ConfigError.
    """
    names = text_list(f"{prefix}_ACCOUNTS")
    if not names:
        values = {field: os.environ.get(f"{prefix}_{field}", "").strip() for field in (*fields, "SKIP_RESOURCES")}
        values["API_BASE_URL"] = _base_url(f"{prefix}_API_BASE_URL", token_header=prefix == "WB")
        missing = [f"{prefix}_{field}" for field in fields if not values[field]]
        if len(missing) == len(fields):
            raise NotConfigured(
                f"no account: set {' and '.join(missing)} (or {prefix}_ACCOUNTS, see docs/configuration.md)"
            )
        if missing:
            raise ConfigError(f"{', '.join(missing)} is not set (the other account variables of {prefix} are)")
        name = os.environ.get(f"{prefix}_ACCOUNT_NAME", "").strip()
        _check_account_names(f"{prefix}_ACCOUNT_NAME", [name] if name else [], RAW_DATASETS[prefix])
        return [(name, prefix, values)]
    _check_account_names(f"{prefix}_ACCOUNTS", names, RAW_DATASETS[prefix])
    single = [
        f"{prefix}_{field}"
        for field in (*fields, "ACCOUNT_NAME", "SKIP_RESOURCES")
        if os.environ.get(f"{prefix}_{field}", "").strip()
    ]
    if single:
        raise ConfigError(
            f"{', '.join(single)} is set, but with {prefix}_ACCOUNTS each account's variables are "
            f"{prefix}_<NAME>_..., so it would be ignored: move it to an account listed there, or unset it"
        )
    accounts = []
    for name in names:
        scoped = f"{prefix}_{name.upper()}"
        values = {field: os.environ.get(f"{scoped}_{field}", "").strip() for field in fields}
        values["API_BASE_URL"] = _base_url(
            f"{scoped}_API_BASE_URL", f"{prefix}_API_BASE_URL", token_header=prefix == "WB"
        )
        values["SKIP_RESOURCES"] = os.environ.get(f"{scoped}_SKIP_RESOURCES", "")
        missing = [f"{scoped}_{field}" for field in fields if not values[field]]
        if missing:
            raise ConfigError(f"account {name!r} is listed in {prefix}_ACCOUNTS but {', '.join(missing)} is not set")
        accounts.append((name, scoped, values))
    return accounts


def _base_url(*variables: str, token_header: bool = False) -> str:
    """The address in the first of `variables` that is set, or "" (the marketplace's own hosts); a
    ConfigError naming it when it is no http(s) address (127.0.0.1:18671 failed every resource with
    InvalidSchema). The value is not shown: a proxy's address may carry a password, which is masked
    wherever the address appears (an error names the URL it called). Where the account's token goes
    in the Authorization header (`token_header`, Wildberries), an address with a user is refused:
    requests sends it as Basic authentication in that header, in place of the token, and every call
    came back 401 as if the token were wrong."""
    for variable in variables:
        text = os.environ.get(variable, "").strip()
        if not text:
            continue
        address = http_address(variable, text)
        register_secret(address.password)
        if token_header and address.username is not None:
            raise ConfigError(
                f"{variable} holds a user name (user:password@): it would replace the token in the"
                " Authorization header; give the address without it"
            )
        return text
    return ""


def http_address(variable: str, text: str) -> SplitResult:
    """`text`, the value of `variable`, split into its parts; a ConfigError naming `variable` when it is
    no http(s) address or cannot be split (`http://[::1/x`: urlsplit's ValueError ended health --alert
    in a traceback, every alert channel unsent). The value is not shown: it may carry a password or
    a webhook's token."""
    try:
        address = urlsplit(text)
        address.port  # noqa: B018 - a port that is no number raises only when read
    except ValueError as exc:
        raise ConfigError(f"{variable} is not a valid address ({exc}): fix it, e.g. https://host:port/path") from None
    if address.scheme.lower() not in ("http", "https") or not address.netloc:
        raise ConfigError(f"{variable} must be an address starting with http:// or https://, e.g. https://host:port")
    return address


def _check_account_names(variable: str, names: list[str], dataset: str) -> None:
    """Account names name dlt pipelines, state folders, staging datasets and run-log rows: words of Latin
    letters and digits joined by single _ (a quote broke the load's SQL, spaces and Cyrillic are renamed
    by dlt with a warning per table; dlt also renames a leading, trailing or doubled _, so a_b and a__b
    shared one staging dataset, and a load of one between a killed load of the other and its finish
    lost the rows it had staged). The staging dataset's name, `dataset`_staging_<name>, the longest
    name made of an account's, must fit PostgreSQL's limit: dlt shortened a longer one with a hash
    (warning for every table, every run), and retire-account left that schema behind."""
    invalid = [name for name in names if not re.fullmatch(r"[A-Za-z0-9]+(_[A-Za-z0-9]+)*", name)]
    if invalid:
        raise ConfigError(
            f"{variable}: account name {invalid[0]!r} may hold only Latin letters, digits and single _ between them"
        )
    room = POSTGRES_NAME_LIMIT - len(f"{dataset}_staging_")
    for name in names:
        if len(name) > room:  # Latin letters, digits and _: a byte each
            raise ConfigError(
                f"{variable}: account name {name!r} is {len(name)} characters long; at most {room} fit "
                f"PostgreSQL's {POSTGRES_NAME_LIMIT}-byte limit on names in its staging schema "
                f"{dataset}_staging_{name.lower()} (on DuckDB too: one configuration serves both engines)"
            )
    # an account's variables are named in capitals (OZON_SHOP_...): shop and Shop would be one account loaded twice
    seen: dict[str, str] = {}
    for name in names:
        if name.upper() in seen:
            raise ConfigError(
                f"{variable}: {seen[name.upper()]!r} and {name!r} name one account (told apart by case only)"
            )
        seen[name.upper()] = name


def ozon_accounts() -> list[OzonAccount]:
    """Every configured Ozon account (see `_account_settings`); the name defaults to the Client-Id,
    a number, as Ozon's are (Ozon answers another with 400 on every call)."""
    accounts = []
    for name, variables, values in _account_settings("OZON", ("CLIENT_ID", "API_KEY")):
        if not is_digits(values["CLIENT_ID"]):
            raise ConfigError(f"{variables}_CLIENT_ID must be Ozon's numeric Client-Id, not {values['CLIENT_ID']!r}")
        accounts.append(
            OzonAccount(
                name or values["CLIENT_ID"],
                values["CLIENT_ID"],
                values["API_KEY"],
                values["API_BASE_URL"],
                variables,
                _items(values["SKIP_RESOURCES"]),
            )
        )
    return accounts


def wildberries_accounts() -> list[WildberriesAccount]:
    """Every configured WB account (see `_account_settings`): `WB_API_TOKEN` (name from
    WB_ACCOUNT_NAME, default "default"), or `WB_ACCOUNTS=a,b` with `WB_A_API_TOKEN`, ...;
    `WB_API_BASE_URL` points every WB host at one server (the sandbox)."""
    return [
        WildberriesAccount(
            name or "default", values["API_TOKEN"], values["API_BASE_URL"], variables, _items(values["SKIP_RESOURCES"])
        )
        for name, variables, values in _account_settings("WB", ("API_TOKEN",))
    ]


def select_accounts(accounts: list, names: list[str] | None) -> list:
    """The accounts named in `names` (all when empty); an unknown name is a ConfigError."""
    if not names:
        return accounts
    known = {account.name: account for account in accounts}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(f"no configured account named {', '.join(unknown)}; configured: {', '.join(known)}")
    return [known[name] for name in names]


LOADER_NOW_RANGE = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


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
    if (
        not LOADER_NOW_RANGE[0] <= moment < LOADER_NOW_RANGE[1]
    ):  # the loads' date arithmetic overflowed near year 1 or 9999
        raise ConfigError(f"LOADER_NOW must lie in the years 2000 to 2099, not {text!r}")
    return moment.astimezone(UTC)


def dbt_profiles() -> Path:
    """The profiles.yml every dbt command reads (`--profiles-dir .`); a ConfigError when it is missing,
    or when DUCKDB_DBT_MEMORY_LIMIT, which its DuckDB target reads, is no memory size."""
    path = PROJECT_DIR / "profiles.yml"
    if not path.is_file():
        raise ConfigError(f"{path} is missing: copy profiles.example.yml to profiles.yml (`make setup` does)")
    memory_limit("DUCKDB_DBT_MEMORY_LIMIT", "512MB")
    return path


def text_setting(variable: str, default: str) -> str:
    """Environment `variable`, trimmed, or `default` when it is unset or empty (as for the numbers: an
    empty DUCKDB_PATH= made the project folder the database, its lock files went to its parent)."""
    return os.environ.get(variable, "").strip() or default


def project_path(variable: str, default: str) -> Path:
    """The path in environment `variable` (`default` when unset or empty), relative ones under the project."""
    path = Path(text_setting(variable, default))
    return path if path.is_absolute() else PROJECT_DIR / path


DEFAULT_DUCKDB_PATH = "data/warehouse.duckdb"


def duckdb_path() -> Path:
    return project_path("DUCKDB_PATH", DEFAULT_DUCKDB_PATH)


def pipelines_dir() -> Path:
    """dlt keeps pipeline state here, inside the project, never in ~/.dlt."""
    return project_path("DLT_PIPELINES_DIR", "data/dlt")


def postgres_settings() -> dict[str, str | int]:
    """The one reading of the PostgreSQL connection: libpq-style PG* variables, defaulting to the local
    server, as psycopg2.connect keywords (dbt's profiles.yml reads the same variables). An empty one means
    its default, as for every setting (libpq took an empty PGHOST for its socket, PGDATABASE for the user's)."""
    return {
        "host": text_setting("PGHOST", "127.0.0.1"),
        "port": port_number("PGPORT", 5432),
        "user": text_setting("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
        "dbname": text_setting("PGDATABASE", "postgres"),
    }


def require_utf8(connection: Any) -> None:
    """ConfigError unless the PostgreSQL database of `connection` (psycopg2) is in UTF8. The
    marketplaces' text is Russian and the models' SQL is UTF-8: on another encoding the loads went in
    and dbt's build failed model after model ("'charmap' codec can't encode"), or the server refused a
    character it has no equivalent for."""
    encoding = connection.get_parameter_status("server_encoding")
    if encoding and encoding.upper() != "UTF8":
        name = connection.get_dsn_parameters().get("dbname")
        raise ConfigError(
            f"database {name} has the encoding {encoding}; this project needs UTF8: create the database with "
            f"ENCODING 'UTF8' (e.g. CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0)"
        )


def postgres_credentials() -> Any:
    """`postgres_settings` as dlt's PostgreSQL credentials (loaders/postgres_destination.py: a PGHOST
    starting with / is the folder of the server's socket, as libpq reads it), with PGOPTIONS' session
    settings: dlt gives psycopg2 `options` of its own (the search path), so libpq never reads PGOPTIONS;
    dlt puts its options after the query's `options`."""
    from loaders.postgres_destination import LibpqCredentials  # dlt: not imported by every script

    settings = postgres_settings()
    credentials = LibpqCredentials(
        {
            "drivername": "postgresql",
            "host": settings["host"],
            "port": settings["port"],
            "username": settings["user"],
            "password": settings["password"],
            "database": settings["dbname"],
            "query": {"options": options} if (options := os.environ.get("PGOPTIONS", "").strip()) else None,
        }
    )
    credentials.resolve()  # dlt keeps resolved credentials as given, and rebuilds others as its own class
    return credentials


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
    if not (math.isfinite(value) and value > 0):  # float() reads "nan" and "inf" too
        raise ConfigError(f"{variable} must be a positive {what}, not {text!r}")
    return value


def is_digits(text: str) -> bool:
    """Whether `text` is ASCII digits only: str.isdigit() also says yes to "²", which int() refuses,
    and to full-width "１００", which int() reads but an HTTP header cannot carry."""
    return text.isascii() and text.isdigit()


def whole_number(variable: str, default: int, low: int, high: int, unit: str = "") -> int:
    """The whole number in environment `variable` between `low` and `high`, or `default` when it is
    unset or empty; a ConfigError naming the variable otherwise."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    if not is_digits(text) or not low <= int(text) <= high:
        what = f"whole number of {unit}" if unit else "whole number"
        raise ConfigError(f"{variable} must be a {what} between {low} and {high}, not {text!r}")
    return int(text)


# A memory limit below 16 MB is too small for DuckDB to load or build anything (0MB passed, and failed
# the load); beyond 1 PB it is a typo (99999999TB passed the check).
MEMORY_LIMIT_RANGE = (16 * 10**6, 10**15)
_MEMORY_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}  # DuckDB's: KB is 1000 bytes
_MEMORY_UNITS |= {"kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def memory_limit(variable: str, default: str) -> str:
    """DuckDB's memory limit in environment `variable` ("512MB", "2GiB"), or `default`; a ConfigError
    naming the variable otherwise (DuckDB's own error names neither it nor the setting), or when it is
    below 16 MB or above 1 PB."""
    text = text_setting(variable, default)
    size = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(B|[KMGT]i?B)", text, flags=re.IGNORECASE)
    if not size:
        raise ConfigError(f"{variable} must be a memory size such as 512MB or 2GB, not {text!r}")
    low, high = MEMORY_LIMIT_RANGE
    if not low <= float(size.group(1)) * _MEMORY_UNITS[size.group(2).lower()] <= high:
        raise ConfigError(f"{variable} must be a memory size between 16MB and 1PB, not {text!r}")
    return text


def port_number(variable: str, default: int) -> int:
    """The TCP port in environment `variable`, or `default`; a ConfigError naming the variable otherwise."""
    return whole_number(variable, default, 1, 65535)


def check_listening(host: str, port: int, settings: str) -> None:
    """A ConfigError naming `settings` when a server cannot listen on host:port: another one holds the
    port, or the host is no address of this machine. Checked before the work that comes before serving."""
    try:
        family, kind, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind) as server:
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is free
            server.bind(address)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(f"cannot listen on {host}:{port} ({reason}): set {settings} (environment or .env)") from None


def text_list(variable: str) -> list[str]:
    """The comma-separated items of environment `variable`, trimmed, empty ones left out."""
    return list(_items(os.environ.get(variable, "")))


def _items(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


def check_skip_resources(account: Any, resources: tuple[str, ...], needs: dict[str, str]) -> None:
    """A ConfigError naming `account`'s <prefix>_SKIP_RESOURCES when it lists a resource the marketplace
    does not have, or leaves out one that feeds another it keeps (that one would call it anyway)."""
    variable = account.variable("SKIP_RESOURCES")
    unknown = [name for name in account.skip_resources if name not in resources]
    if unknown:
        raise ConfigError(f"{variable}: no resource named {', '.join(unknown)}; choose from {', '.join(resources)}")
    fed = [name for name, feeder in needs.items() if feeder in account.skip_resources]
    kept = [name for name in fed if name not in account.skip_resources]
    if kept:
        feeder = needs[kept[0]]
        raise ConfigError(f"{variable}: {', '.join(kept)} need {feeder}, which it leaves out: list them too")


def rate_limit_scale(variable: str) -> float:
    """A marketplace's <variable> (OZON_RATE_LIMIT_SCALE, WB_RATE_LIMIT_SCALE; sandbox only, default
    1): its loader divides every pacing interval by it, to match a sandbox whose `rate_limit_scale`
    makes the limits that much looser (or switches them off, for the benchmark)."""
    return positive_number(variable, 1.0)
