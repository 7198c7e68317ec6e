"""The operations settings in ops.toml (or the file named by OPS_CONFIG): schedule, retention, thresholds."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

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


def load() -> OpsConfig:
    path = config_path()
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
        schedule = settings["schedule"]
        return OpsConfig(
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
        )
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: not found (set OPS_CONFIG or restore ops.toml)") from exc
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: {type(exc).__name__}: {exc}") from exc
