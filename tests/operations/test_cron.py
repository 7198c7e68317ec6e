"""`make cron-install` / `cron-remove` / `cron-show` against a file-backed fake `crontab` program."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from loaders.config import PROJECT_DIR, ConfigError
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


def set_cron_timezone(tmp_path, line: str) -> None:
    """`line` in place of the fixture's `cron_timezone = "UTC"` in the test's ops.toml."""
    config = tmp_path / "ops.toml"
    config.write_text(config.read_text().replace('cron_timezone = "UTC"\n', line))


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
    passed = f"OPS_CONFIG={tmp_path / 'ops.toml'} "  # the file the schedule came from (isolated_ops)
    assert any(line.startswith("0 1 * * * cd ") and f" {passed}make run-stock >> " in line for line in jobs)
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


def test_a_crontab_command_with_an_unclosed_quote_is_one_line_naming_it(crontab, monkeypatch, capsys):
    """A ValueError traceback (No closing quotation) before."""
    monkeypatch.setenv("CRONTAB_COMMAND", '"x')
    for command in (["show"], ["install"]):
        assert cron.main(command) == 2
        assert "error: CRONTAB_COMMAND must be a command line such as crontab (No closing quotation)" in (
            capsys.readouterr().err
        )
    assert crontab.read_text() == USER_CRONTAB


def test_without_a_crontab_program_show_and_dry_run_print_and_install_stops(crontab, monkeypatch, capsys):
    """`make cron-show` and `make cron-install DRY_RUN=1` only print: on a machine without cron they
    failed like an install."""
    monkeypatch.setenv("CRONTAB_COMMAND", "/nonexistent/crontab")
    assert cron.main(["show"]) == 0
    assert "warning: no `crontab` program" in capsys.readouterr().out
    assert cron.main(["install", "--dry-run"]) == 0
    shown = capsys.readouterr().out
    assert "warning: no `crontab` program" in shown and "make run-catalogue" in shown
    assert cron.main(["install"]) == 2
    assert "error: no `crontab` program: install cron" in capsys.readouterr().err


def test_a_missing_crontab_is_an_empty_one(crontab):
    crontab.unlink()
    assert cron.main(["install"]) == 0
    assert cron.main(["remove"]) == 0
    assert crontab.read_text() == ""


def test_conversion_refuses_to_move_a_weekly_job_to_another_day():
    with pytest.raises(ConfigError, match="another day"):
        cron.convert("0 1 * * 1", "weekly", -3)
    assert cron.convert("30 1 * * *", "daily", -3) == ["30 22 * * *"]
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


def test_the_last_cron_tz_line_of_the_crontab_is_the_zone_the_times_are_converted_to(crontab, tmp_path, capsys):
    set_cron_timezone(tmp_path, "")
    crontab.write_text("CRON_TZ=UTC\n0 9 * * * /home/me/report.sh\nCRON_TZ = 'Asia/Kolkata'\n" + USER_CRONTAB)
    assert cron.main(["install"]) == 0
    jobs = [line for line in crontab.read_text().splitlines() if "make run-catalogue" in line]
    assert len(jobs) == 1 and jobs[0].startswith("30 4 * * * ")  # 02:00 Moscow is 04:30 in Kolkata
    assert "to Asia/Kolkata (the crontab's CRON_TZ= line above the block): +2.5 h" in crontab.read_text()
    capsys.readouterr()
    assert cron.main(["show"]) == 0
    assert "cron reads the schedule in: Asia/Kolkata (the crontab's CRON_TZ= line" in capsys.readouterr().out


def test_a_cron_timezone_that_is_not_the_crontab_s_cron_tz_is_refused(crontab, tmp_path, capsys):
    crontab.write_text("CRON_TZ=Europe/Moscow\n" + USER_CRONTAB)  # cron_timezone is UTC
    assert cron.main(["install"]) == 2
    error = capsys.readouterr().err
    assert "[schedule] cron_timezone 'UTC' in ops.toml is not the zone cron reads the schedule in" in error
    assert "'Europe/Moscow'" in error and error.count("\n") == 1
    assert crontab.read_text() == "CRON_TZ=Europe/Moscow\n" + USER_CRONTAB
    set_cron_timezone(tmp_path, 'cron_timezone = "Europe/Moscow"\n')  # the same zone: no conversion
    assert cron.main(["install"]) == 0
    assert any(
        line.startswith("0 2 * * * ") and "make run-catalogue" in line for line in crontab.read_text().splitlines()
    )


def test_a_block_without_its_end_marker_is_refused_and_nothing_changes(crontab, capsys):
    assert cron.main(["install"]) == 0
    begin, end = cron.markers()
    broken = crontab.read_text().replace(end + "\n", "") + "15 6 * * * /home/me/report.sh\n"
    crontab.write_text(broken)
    for action in ("remove", "install"):
        capsys.readouterr()
        assert cron.main([action]) == 2
        error = capsys.readouterr().err
        assert error.startswith("error: crontab line 5: the schedule's begin marker has no end marker")
        assert "`crontab -e`" in error and error.count("\n") == 1
        assert crontab.read_text() == broken
    crontab.write_text(USER_CRONTAB + begin + "\n" + USER_CRONTAB + begin + "\n" + end + "\n")
    assert cron.main(["remove"]) == 2  # a second begin before the first block ended
    assert "crontab line 5:" in capsys.readouterr().err


def test_a_half_hour_shift_moves_the_minutes_too():
    assert cron.convert("0 2 * * *", "catalogue", 2.5) == ["30 4 * * *"]
    assert cron.convert("30 1 * * *", "prune", 2.5) == ["0 4 * * *"]
    assert cron.convert("0 4 * * *", "stock", -2.5) == ["30 1 * * *"]
    assert cron.convert("0 0,6-22/2 * * *", "stock-intraday", 2.5) == ["30 0,2,8,10,12,14,16,18,20,22 * * *"]
    assert cron.convert("*/15 * * * *", "health", 2.5) == ["*/15 * * * *"]
    assert cron.convert("0 2 * * 1", "weekly", 5.75) == ["45 7 * * 1"]  # Nepal
    # Minutes that land in two different hours need two lines: 02:10, 02:30, 02:50, 03:10 ... 04:50.
    assert cron.convert("10-50/20 1-3 * * *", "split", 0.5) == ["40 1-3 * * *", "0,20 2,3,4 * * *"]
    with pytest.raises(ConfigError, match="job 'weekly': in the cron zone \\(\\+0.5 h\\) it would run on another day"):
        cron.convert("45 23 * * 1", "weekly", 0.5)


def test_a_half_hour_cron_zone_is_installed(crontab, tmp_path):
    set_cron_timezone(tmp_path, 'cron_timezone = "Asia/Kolkata"\n')
    assert cron.main(["install"]) == 0
    jobs = [line for line in crontab.read_text().splitlines() if " cd " in line]
    assert [line.split(" cd ")[0] for line in jobs] == [
        "30 4 * * *",
        "30 5 * * *",
        "30 6 * * *",
        "30 0,2,8,10,12,14,16,18,20,22 * * *",
        "*/15 * * * *",
        "0 4 * * *",
    ]


def test_a_half_hour_machine_zone_is_installed(crontab, tmp_path):
    set_cron_timezone(tmp_path, "")

    shown = run_script("scripts.cron", "install", "--dry-run", env={"TZ": "Asia/Kolkata"})

    assert shown.returncode == 0, shown.stderr
    assert "\n30 4 * * * cd " in shown.stdout and "to this machine's local time: +2.5 h" in shown.stdout


def test_a_command_with_a_line_break_is_refused(crontab, tmp_path, capsys):
    config = tmp_path / "ops.toml"
    config.write_text(config.read_text().replace('command = "make run-stock" }', 'command = "make run-stock\\n" }', 1))
    assert cron.main(["install"]) == 2
    assert (
        capsys.readouterr().err
        == "error: job 'stock': its command holds a line break; write it on one line in ops.toml\n"
    )
    assert crontab.read_text() == USER_CRONTAB


def add_probe_job(ops_file: Path) -> None:
    """A job that prints the settings files it was given into its cron log."""
    text = ops_file.read_text(encoding="utf-8")
    probe = 'probe = { cron = "* * * * *", command = "printenv OPS_CONFIG ENV_FILE" }\n'
    ops_file.write_text(text.replace("[schedule.jobs]\n", "[schedule.jobs]\n" + probe, 1), encoding="utf-8")


def test_a_job_reads_the_ops_config_and_env_file_the_schedule_was_installed_with(
    crontab, tmp_path, monkeypatch, capsys
):
    """`OPS_CONFIG=... make cron-install` wrote jobs that read the project's ops.toml under cron's bare
    environment: other log files, retention, thresholds and cool-downs than the schedule's."""
    folder = tmp_path / "my settings"  # a space: the paths are quoted
    folder.mkdir()
    ops_file = folder / "ops.toml"
    ops_file.write_text((tmp_path / "ops.toml").read_text(encoding="utf-8"), encoding="utf-8")
    add_probe_job(ops_file)
    (folder / "settings.env").write_text("", encoding="utf-8")
    monkeypatch.chdir(folder)  # the install's folder; relative paths are under the project, as every program reads them
    monkeypatch.setenv("OPS_CONFIG", str(ops_file))
    monkeypatch.setenv("ENV_FILE", os.path.relpath(folder / "settings.env", PROJECT_DIR))

    assert cron.main(["install"]) == 0

    (probe,) = [line for line in crontab.read_text().splitlines() if "printenv" in line]
    command = probe.split(" ", 5)[5]
    assert f"&& ENV_FILE='{folder / 'settings.env'}' OPS_CONFIG='{ops_file}' printenv " in command
    bare = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}  # as cron starts a job
    subprocess.run(["/bin/sh", "-c", command], env=bare, check=True)
    assert (tmp_path / "logs" / "cron-probe.log").read_text().splitlines() == [
        str(ops_file),
        str(folder / "settings.env"),
    ]
    installed = crontab.read_text()
    assert cron.main(["install"]) == 0 and crontab.read_text() == installed  # the same block again
    capsys.readouterr()
    assert cron.main(["show"]) == 0
    assert probe in capsys.readouterr().out


def test_without_settings_files_named_the_job_lines_stay_as_they_were(crontab, tmp_path, monkeypatch):
    settings = cron.ops_config.load()  # the test's ops.toml, then no OPS_CONFIG or ENV_FILE at install
    monkeypatch.delenv("OPS_CONFIG")
    monkeypatch.delenv("ENV_FILE", raising=False)
    lines, _ = cron.block(settings, [], datetime(2026, 1, 15).astimezone())
    logs = tmp_path / "logs"
    assert (
        f"0 23 * * * cd {PROJECT_DIR} && mkdir -p {logs} && make run-catalogue >> {logs}/cron-catalogue.log 2>&1"
        in lines
    )


def test_an_ops_config_of_the_env_file_is_left_to_the_job_to_read_there(crontab, tmp_path, monkeypatch):
    """The job reads the dotenv file itself (the one ENV_FILE names, passed on): only ENV_FILE is added."""
    ops_file = tmp_path / "ops.toml"
    env_file = tmp_path / "settings.env"
    env_file.write_text(f"OPS_CONFIG={ops_file}\n", encoding="utf-8")
    monkeypatch.delenv("OPS_CONFIG")

    shown = run_script("scripts.cron", "install", "--dry-run", env={"ENV_FILE": str(env_file)})

    assert shown.returncode == 0, shown.stderr
    jobs = [line for line in shown.stdout.splitlines() if " cd " in line]
    assert jobs and all(f"&& ENV_FILE={env_file} make " in line for line in jobs), jobs
    assert all(f">> {tmp_path / 'logs'}/cron-" in line for line in jobs)  # the env file's ops.toml was read
