"""The operations settings in ops.toml (or the file named by OPS_CONFIG): schedule, retention, thresholds."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loaders.config import PROJECT_DIR, ConfigError, project_path
from scripts.plan import GROUP_NAMES


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    command: str


@dataclass(frozen=True)
class OpsConfig:
    timezone: str
    cron_timezone: str | None
    jobs: tuple[Job, ...]
    retention_days: int
    logs_dir: Path
    rotate_bytes: int
    max_log_bytes: int
    freshness_hours: dict[str, float]
    cooldown_hours: float
    min_quality_score: float = 0.99
    stuck_after_hours: float = 6.0


def config_path() -> Path:
    """OPS_CONFIG, a relative one under the project, or ops.toml there when it is unset or empty (as
    for every path setting: an empty OPS_CONFIG= named the current folder, which stopped prune, cron
    and health)."""
    return project_path("OPS_CONFIG", "ops.toml")


# A retention (or an hour threshold) beyond 100 years is a typo, and dates near it overflow.
MAX_DAYS = 36500
MAX_HOURS = MAX_DAYS * 24
TABLES = {
    "schedule": ("timezone", "cron_timezone", "jobs"),
    "retention": ("days",),
    "logs": ("dir", "rotate_mb", "max_total_mb"),
    "health": ("min_quality_score", "stuck_after_hours", "freshness_hours"),
    "alerts": ("cooldown_hours",),
}
JOB_KEYS = ("cron", "command")
_REQUIRED = object()


def _shown(value: object) -> str:
    """`value` as ops.toml spells it (true, not True), or the kind of value a table or list is."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _is_number(value: object) -> bool:
    """A finite TOML integer or float (a boolean is no number: `days = true` was read as 1 day)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Table:
    """One table of the file, its keys checked against the known ones; each value is read as what it
    must be, or a ConfigError naming the file, the table and the key, what it is and what it should be."""

    def __init__(self, path: Path, name: str, values: object, known: tuple[str, ...] | None):
        self.path, self.name = path, name
        if not isinstance(values, dict):
            of = f" of {', '.join(known)}" if known else ""
            raise ConfigError(f"{path}: [{name}] must be a table{of} (it is {_shown(values)})")
        unknown = sorted(set(values) - set(known)) if known is not None else []
        if unknown:
            raise ConfigError(
                f"{path}: {self._where(unknown[0])} is no setting of ops.toml (known: {', '.join(known)})"
            )
        self.values = values

    def _where(self, key: str) -> str:
        return f"[{self.name}] {key}" if self.name else f"[{key}]"

    def error(self, key: str, wanted: str) -> ConfigError:
        return ConfigError(f"{self.path}: {self._where(key)} must be {wanted} (it is {_shown(self.values[key])})")

    def value(self, key: str, default: object = _REQUIRED) -> object:
        if key in self.values:
            return self.values[key]
        if default is _REQUIRED:
            raise ConfigError(f"{self.path}: {self._where(key)} is missing")
        return default

    def table(self, key: str, known: tuple[str, ...] | None) -> _Table:
        name = f"{self.name}.{key}" if self.name else key
        return _Table(self.path, name, self.value(key), known)

    def number(self, key: str, unit: str, high: float = math.inf, default: object = _REQUIRED) -> float:
        """A number above 0 (and at most `high`) of `unit`."""
        value = self.value(key, default)
        if not _is_number(value):
            raise self.error(key, f"a number of {unit}")
        if not value > 0:
            raise self.error(key, "above 0")
        if value > high:
            raise self.error(key, f"at most {high:g} {unit}")
        return float(value)

    def whole_number(self, key: str, unit: str, high: int) -> int:
        value = self.value(key)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"a whole number of {unit}")
        return int(self.number(key, unit, high))

    def share(self, key: str, default: float) -> float:
        value = self.value(key, default)
        if not _is_number(value) or not 0 <= value <= 1:
            raise self.error(key, "within 0..1")
        return float(value)

    def text(self, key: str, wanted: str) -> str:
        value = self.value(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, wanted)
        return value

    def zone(self, key: str, default: object = _REQUIRED) -> str | None:
        value = self.value(key, default)
        if value is None:
            return None
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
            raise ConfigError(
                f"{self.path}: {self._where(key)} {_shown(value)} is no time zone (e.g. Europe/Moscow)"
            ) from exc
        return value

    def logs_dir(self, key: str) -> Path:
        """The log folder, never one where `make prune` would delete files of the project or the user
        (`dir = ""` deleted every project file older than the retention)."""
        value = self.value(key)
        if not isinstance(value, str):
            raise self.error(key, 'a folder name, e.g. "logs"')
        folder = _project_path(value)
        if clash := _holds_kept_folder(folder):
            raise ConfigError(
                f"{self.path}: {self._where(key)} {value!r} is {clash}, where `make prune` would delete old files; "
                'name a folder for the logs alone, e.g. "logs"'
            )
        return folder


def _holds_kept_folder(folder: Path) -> str | None:
    """What `folder` is when it is the project folder, the home folder or a folder holding either
    (the filesystem root holds both), else None."""
    resolved = folder.resolve()
    for kept, what in ((PROJECT_DIR.resolve(), "the project folder"), (Path.home().resolve(), "the home folder")):
        if resolved == kept:
            return f"{what} {kept}"
        if resolved in kept.parents:
            return f"{resolved}, which holds {what} {kept}"
    return None


def _project_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def _jobs(schedule: _Table) -> tuple[Job, ...]:
    jobs = schedule.table("jobs", None)
    return tuple(_job(name, jobs.table(name, JOB_KEYS)) for name in jobs.values)


def _job(name: str, job: _Table) -> Job:
    return Job(
        name, job.text("cron", 'a cron expression, e.g. "0 2 * * *"'), job.text("command", 'a command, e.g. "make run"')
    )


def _megabytes(logs: _Table, key: str) -> int:
    return math.ceil(logs.number(key, "MB") * 1024 * 1024)


def _settings(path: Path, settings: dict) -> OpsConfig:
    tables = _Table(path, "", settings, tuple(TABLES))
    schedule, retention, logs, health, alerts = (tables.table(name, keys) for name, keys in TABLES.items())
    freshness = health.table("freshness_hours", GROUP_NAMES)
    return OpsConfig(
        timezone=schedule.zone("timezone"),
        cron_timezone=schedule.zone("cron_timezone", None),
        jobs=_jobs(schedule),
        retention_days=retention.whole_number("days", "days", MAX_DAYS),
        logs_dir=logs.logs_dir("dir"),
        rotate_bytes=_megabytes(logs, "rotate_mb"),
        max_log_bytes=_megabytes(logs, "max_total_mb"),
        freshness_hours={group: freshness.number(group, "hours", MAX_HOURS) for group in freshness.values},
        cooldown_hours=alerts.number("cooldown_hours", "hours", MAX_HOURS),
        min_quality_score=health.share("min_quality_score", 0.99),
        stuck_after_hours=health.number("stuck_after_hours", "hours", MAX_HOURS, default=6.0),
    )


def load() -> OpsConfig:
    path = config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: not found (set OPS_CONFIG or restore ops.toml)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (save it as UTF-8)") from exc
    except OSError as exc:  # a folder, a file this user may not read
        raise ConfigError(f"OPS_CONFIG={str(path)!r}: cannot read it ({exc.strerror})") from None
    try:
        settings = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not TOML: {exc}") from exc
    return _settings(path, settings)
