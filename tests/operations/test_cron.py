"""`make cron-install` / `cron-remove` / `cron-show` against a file-backed fake `crontab` program."""

from __future__ import annotations

import os
import sys
from datetime import datetime

import pytest

from loaders.config import ConfigError
from scripts import cron
from tests.support.operations import isolated_ops, run_script

FAKE_CRONTAB = """\
import pathlib, sys
store = pathlib.Path(__file__).with_name("crontab.txt")
if sys.argv[1] == "-l":
    if not store.exists():
        sys.exit("no crontab for tester")
    sys.stdout.write(store.read_text())
elif sys.argv[1] == "-":
    store.write_text(sys.stdin.read())
"""

# The user's own lines, one with trailing blanks: all must survive byte for byte.
USER_CRONTAB = "MAILTO=me@example.test\n# my own jobs\n5 * * * * /usr/local/bin/backup --quiet   \n@reboot echo hello\n"


@pytest.fixture
def crontab(tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch, extra='cron_timezone = "UTC"')
    program = tmp_path / "fake_crontab.py"
    program.write_text(FAKE_CRONTAB)
    monkeypatch.setenv("CRONTAB_COMMAND", f"{sys.executable} {program}")
    store = tmp_path / "crontab.txt"
    store.write_text(USER_CRONTAB)
    return store


def managed_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line not in USER_CRONTAB.splitlines()]


def test_install_and_remove_keep_every_other_line(crontab, tmp_path, capsys):
    assert cron.main(["install"]) == 0
    installed = crontab.read_text()
    assert installed.startswith(USER_CRONTAB)  # untouched, trailing spaces included
    jobs = [line for line in managed_lines(installed) if not line.startswith("#")]
    # Moscow (UTC+3) converted to the cron zone, UTC.
    assert any(line.startswith("0 23 * * * cd ") and "make run-catalogue >> " in line for line in jobs)
    assert any(line.startswith("0 0 * * * cd ") and "make run-orders" in line for line in jobs)
    assert any(line.startswith("0 1 * * * cd ") and "&& make run-stock >> " in line for line in jobs)
    assert any(line.startswith("0 3,5,7,9,11,13,15,17,19,21 * * * ") for line in jobs)  # stock-intraday
    assert any(line.startswith("*/15 * * * * ") and "make health HEALTH_ARGS=--alert" in line for line in jobs)
    assert len(jobs) == 6
    (backup,) = (tmp_path / "logs" / "crontab-backups").iterdir()
    assert backup.read_text() == USER_CRONTAB

    assert cron.main(["install"]) == 0  # again: the block is replaced, not duplicated
    assert crontab.read_text() == installed

    cron.main(["show"])
    assert "make run-catalogue" in capsys.readouterr().out

    assert cron.main(["remove"]) == 0
    assert crontab.read_text() == USER_CRONTAB


def test_dry_run_changes_nothing(crontab, capsys):
    assert cron.main(["install", "--dry-run"]) == 0
    assert crontab.read_text() == USER_CRONTAB
    assert "make run-stock" in capsys.readouterr().out


def test_an_invalid_schedule_is_refused_before_the_crontab_is_touched(crontab, tmp_path, capsys):
    config = tmp_path / "ops.toml"
    config.write_text(config.read_text().replace('cron = "0 3 * * *"', 'cron = "0 25 * * *"'))
    assert cron.main(["install"]) == 2
    assert "job 'orders' hour: '25' is outside 0-23" in capsys.readouterr().err
    assert crontab.read_text() == USER_CRONTAB


def test_a_missing_crontab_is_an_empty_one(crontab):
    crontab.unlink()
    assert cron.main(["install"]) == 0
    assert cron.main(["remove"]) == 0
    assert crontab.read_text() == ""


def test_conversion_refuses_to_move_a_weekly_job_to_another_day():
    with pytest.raises(ConfigError, match="another day"):
        cron.convert("0 1 * * 1", "weekly", -3)
    assert cron.convert("30 1 * * *", "daily", -3) == "30 22 * * *"
    shift, warning = cron.zone_shift("Europe/Moscow", "Europe/Berlin", datetime(2026, 1, 15).astimezone())
    assert shift == -2 and "daylight saving" in warning


def test_the_crontab_program_may_come_from_the_env_file_like_every_other_setting(crontab, tmp_path, monkeypatch):
    program = os.environ["CRONTAB_COMMAND"]
    monkeypatch.delenv("CRONTAB_COMMAND")
    env_file = tmp_path / "settings.env"
    env_file.write_text(f"CRONTAB_COMMAND={program}\n", encoding="utf-8")

    shown = run_script("scripts.cron", "show", env={"ENV_FILE": str(env_file)})

    assert shown.returncode == 0, shown.stderr
    assert "the schedule is not installed" in shown.stdout  # the crontab was read
