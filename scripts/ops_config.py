"""The operations settings in ops.toml (or the file named by OPS_CONFIG): schedule, retention, thresholds."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loaders.config import PROJECT_DIR, ConfigError


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
    return Path(os.environ.get("OPS_CONFIG", PROJECT_DIR / "ops.toml"))


def _project_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def _positive(path: Path, settings: OpsConfig) -> OpsConfig:
    """Every count and duration above 0 (`[retention] days = -1` once pruned the whole run log), the
    quality score within 0..1, and every zone name a real one."""
    numbers = {
        "[retention] days": settings.retention_days,
        "[logs] rotate_mb": settings.rotate_bytes,
        "[logs] max_total_mb": settings.max_log_bytes,
        "[alerts] cooldown_hours": settings.cooldown_hours,
        "[health] stuck_after_hours": settings.stuck_after_hours,
        **{f"[health.freshness_hours] {group}": hours for group, hours in settings.freshness_hours.items()},
    }
    for name, value in numbers.items():
        if not value > 0:
            raise ConfigError(f"{path}: {name} must be above 0 (it is {value:g})")
    if not 0 <= settings.min_quality_score <= 1:
        raise ConfigError(
            f"{path}: [health] min_quality_score must be within 0..1 (it is {settings.min_quality_score:g})"
        )
    for name, zone in (("timezone", settings.timezone), ("cron_timezone", settings.cron_timezone)):
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ConfigError(f"{path}: [schedule] {name} {zone!r} is no time zone (e.g. Europe/Moscow)") from exc
    return settings


def load() -> OpsConfig:
    path = config_path()
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
        schedule = settings["schedule"]
        return _positive(
            path,
            OpsConfig(
                timezone=schedule["timezone"],
                cron_timezone=schedule.get("cron_timezone"),
                jobs=tuple(Job(name, job["cron"], job["command"]) for name, job in schedule["jobs"].items()),
                retention_days=int(settings["retention"]["days"]),
                logs_dir=_project_path(settings["logs"]["dir"]),
                rotate_bytes=int(float(settings["logs"]["rotate_mb"]) * 1024 * 1024),
                max_log_bytes=int(float(settings["logs"]["max_total_mb"]) * 1024 * 1024),
                freshness_hours={group: float(hours) for group, hours in settings["health"]["freshness_hours"].items()},
                cooldown_hours=float(settings["alerts"]["cooldown_hours"]),
                min_quality_score=float(settings["health"].get("min_quality_score", 0.99)),
                stuck_after_hours=float(settings["health"].get("stuck_after_hours", 6)),
            ),
        )
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: not found (set OPS_CONFIG or restore ops.toml)") from exc
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {type(exc).__name__}: {exc}") from exc
