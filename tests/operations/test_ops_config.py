"""ops.toml is read in full before anything runs: every table and key known, every value of its kind
and range, or one ConfigError line naming the file, the table and the key, what it is and what it should be."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from loaders.config import PROJECT_DIR, ConfigError
from scripts import ops_config

PROJECT_OPS = (PROJECT_DIR / "ops.toml").read_text(encoding="utf-8")


def ops_file_with(tmp_path, monkeypatch, old: str, new: str) -> Path:
    """The project's ops.toml with the line `old` replaced by `new`, as OPS_CONFIG."""
    assert re.search(rf"^{re.escape(old)}$", PROJECT_OPS, flags=re.MULTILINE), old
    path = tmp_path / "ops.toml"
    path.write_text(re.sub(rf"^{re.escape(old)}$", new, PROJECT_OPS, flags=re.MULTILINE), encoding="utf-8")
    monkeypatch.setenv("OPS_CONFIG", str(path))
    return path


def test_the_project_settings_arrive_with_their_types(monkeypatch):
    monkeypatch.delenv("OPS_CONFIG", raising=False)
    settings = ops_config.load()
    assert settings.timezone == "Europe/Moscow" and settings.cron_timezone is None
    assert ops_config.Job("stock", "0 4 * * *", "make run-stock") in settings.jobs
    assert settings.retention_days == 90 and isinstance(settings.retention_days, int)
    assert settings.logs_dir == PROJECT_DIR / "logs"
    assert (settings.rotate_bytes, settings.max_log_bytes) == (10 * 1024 * 1024, 500 * 1024 * 1024)
    assert settings.freshness_hours == {"catalogue": 26.0, "orders": 26.0, "stock": 6.0}
    assert (settings.cooldown_hours, settings.min_quality_score, settings.stuck_after_hours) == (6.0, 0.99, 6.0)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a traceback or an error naming no setting before
        ("days = 90", 'days = "ninety"', "[retention] days must be a whole number of days (it is 'ninety')"),
        (
            "cooldown_hours = 6",
            'cooldown_hours = "6h"',
            "[alerts] cooldown_hours must be a number of hours (it is '6h')",
        ),
        ('timezone = "Europe/Moscow"', "timezone = 3", "[schedule] timezone 3 is no time zone"),
        (
            'catalogue = { cron = "0 2 * * *", command = "make run-catalogue" }',
            'catalogue = "0 2 * * *"',
            "[schedule.jobs.catalogue] must be a table of cron, command (it is '0 2 * * *')",
        ),
        ("days = 90", "days = inf", "[retention] days must be a whole number of days (it is inf)"),
        # prune ended with "OverflowError: date value out of range"
        ("days = 90", "days = 999999", "[retention] days must be at most 36500 days (it is 999999)"),
        ("cooldown_hours = 6", "cooldown_hours = 1e300", "[alerts] cooldown_hours must be at most 876000 hours"),
        ("stock = 6", "stock = nan", "[health.freshness_hours] stock must be a number of hours (it is nan)"),
        # read as 1 day
        ("days = 90", "days = true", "[retention] days must be a whole number of days (it is true)"),
        ("rotate_mb = 10", "rotate_mb = 0", "[logs] rotate_mb must be above 0 (it is 0)"),
        ("min_quality_score = 0.99", 'min_quality_score = "high"', "[health] min_quality_score must be within 0..1"),
        (
            'health = { cron = "*/15 * * * *", command = "make health HEALTH_ARGS=--alert" }',
            'health = { cron = "*/15 * * * *" }',
            "[schedule.jobs.health] command is missing",
        ),
        (
            'prune = { cron = "30 1 * * *", command = "make prune" }',
            'prune = { cron = 130, command = "make prune" }',
            "[schedule.jobs.prune] cron must be a cron expression",
        ),
        # silently ignored before
        (
            "stuck_after_hours = 6",
            "stuck_after_hour = 1",
            "[health] stuck_after_hour is no setting of ops.toml "
            "(known: min_quality_score, stuck_after_hours, freshness_hours)",
        ),
        ("stock = 6", "stocks = 6", "[health.freshness_hours] stocks is no setting of ops.toml (known: catalogue,"),
        ("[alerts]", "[alert]", "[alert] is no setting of ops.toml (known: schedule, retention, logs, health, alerts)"),
        ("days = 90", "", "[retention] days is missing"),
    ],
)
def test_a_bad_ops_setting_stops_with_one_line_naming_it(tmp_path, monkeypatch, old, new, message):
    path = ops_file_with(tmp_path, monkeypatch, old, new)
    with pytest.raises(ConfigError, match=re.escape(f"{path}: {message}")):
        ops_config.load()


@pytest.mark.parametrize("folder", ["", ".", "..", "/", str(Path.home())])
def test_a_log_folder_holding_the_project_or_home_folder_is_refused(tmp_path, monkeypatch, folder):
    """`dir = ""` made `make prune` delete every project file older than the retention."""
    path = ops_file_with(tmp_path, monkeypatch, 'dir = "logs"', f'dir = "{folder}"')
    with pytest.raises(ConfigError) as refused:
        ops_config.load()
    message = str(refused.value)
    assert message.startswith(f"{path}: [logs] dir {folder!r} is "), message
    assert re.search(r"(is|holds) the (project|home) folder /", message), message
    assert message.endswith('where `make prune` would delete old files; name a folder for the logs alone, e.g. "logs"')
    if folder in ("", "."):
        assert f"is the project folder {PROJECT_DIR.resolve()}," in message


def test_a_log_folder_of_its_own_is_kept_as_written(tmp_path, monkeypatch):
    ops_file_with(tmp_path, monkeypatch, 'dir = "logs"', f'dir = "{tmp_path / "logs"}"')
    assert ops_config.load().logs_dir == tmp_path / "logs"


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_ops_config_means_the_project_s_ops_toml(monkeypatch, value):
    """docs/configuration.md: an empty setting means its default. `OPS_CONFIG=` named the current
    folder: prune and cron stopped with "OPS_CONFIG='.': cannot read it (Is a directory)"."""
    monkeypatch.setenv("OPS_CONFIG", value)
    assert ops_config.config_path() == PROJECT_DIR / "ops.toml"
    assert ops_config.load().retention_days == 90


def test_a_relative_ops_config_is_under_the_project_like_every_path_setting(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the current folder: cron starts `make` elsewhere than a shell does
    monkeypatch.setenv("OPS_CONFIG", "ops.toml")
    assert ops_config.config_path() == PROJECT_DIR / "ops.toml"
    assert ops_config.load().timezone == "Europe/Moscow"
