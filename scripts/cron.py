"""`python -m scripts.cron show|install|remove [--dry-run]`: the schedule of ops.toml in the user's crontab.

The schedule is one block between marker lines naming this project's folder; every other line
of the crontab is kept byte for byte. Before writing, the current crontab is saved under
`<logs>/crontab-backups/`, and after writing it is read back and compared.

Times in ops.toml are in `[schedule] timezone` (Moscow). They are converted to the zone cron reads
the block in (`cron_timezone`, else the user's last `CRON_TZ=` line above the block, else this
machine's local zone) instead of writing a `CRON_TZ=` line: not every cron supports CRON_TZ, and
where it does, it applies to every line below it, including the user's own. A job is given the
OPS_CONFIG and ENV_FILE the schedule was installed with (`job_settings`). The crontab program is
`crontab`, or CRONTAB_COMMAND (tests use a file-backed fake).
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from loaders import cli, config
from loaders.config import PROJECT_DIR, ConfigError
from scripts import ops_config

FIELD_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
FIELD_NAMES = ("minute", "hour", "day of month", "month", "day of week")
_ITEM = re.compile(r"^(\*|\d+(?:-\d+)?)(?:/(\d+))?$")
_CRON_TZ = re.compile(r"^\s*CRON_TZ\s*=\s*(.*?)\s*$")
MINUTES_A_DAY = 24 * 60


def markers(project_dir: Path = PROJECT_DIR) -> tuple[str, str]:
    return (
        f"# >>> marketplace-elt {project_dir} (managed by `make cron-install`; edit ops.toml, not here) >>>",
        f"# <<< marketplace-elt {project_dir} <<<",
    )


# -- cron expressions -------------------------------------------------------------------------


def _expand(field: str, low: int, high: int, what: str) -> set[int]:
    values = set()
    for item in field.split(","):
        match = _ITEM.match(item)
        if not match:
            raise ConfigError(f"{what}: {item!r} is not a cron value (use *, N, N-M, */S, N-M/S, lists with ,)")
        span, step = match.group(1), int(match.group(2) or 1)
        first, last = (low, high) if span == "*" else map(int, (span.split("-") * 2)[:2])
        if not (low <= first <= last <= high) or step < 1:
            raise ConfigError(f"{what}: {item!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return values


def validate(expression: str, job: str) -> list[str]:
    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(f"job {job!r}: {expression!r} needs 5 fields (minute hour day month weekday)")
    for field, (low, high), name in zip(fields, FIELD_RANGES, FIELD_NAMES, strict=True):
        _expand(field, low, high, f"job {job!r} {name}")
    return fields


def _offset(zone: ZoneInfo | None, moment: datetime) -> float:
    """UTC offset in hours of `zone` (None: this machine's local zone) at `moment`."""
    return moment.astimezone(zone).utcoffset() / timedelta(hours=1)


def zone_shift(from_zone: str, to_zone: str | None, now: datetime) -> tuple[float, str | None]:
    """Hours to add to a `from_zone` time to get the cron daemon's time, and a warning if that changes."""
    source, target = ZoneInfo(from_zone), ZoneInfo(to_zone) if to_zone else None
    shift = _offset(target, now) - _offset(source, now)
    seasons = {_offset(target, now.replace(month=month, day=1)) - _offset(source, now) for month in (1, 7)}
    warning = None
    if len(seasons) > 1:
        warning = f"{to_zone or 'the local zone'} has daylight saving: run `make cron-install` again when it changes"
    return shift, warning


def _field(values: set[int], before: set[int], text: str, low: int, high: int) -> str:
    """A cron field for `values`: its text `text` if they are still its values `before`."""
    if values == before:
        return text
    if values == set(range(low, high + 1)):
        return "*"
    return ",".join(str(value) for value in sorted(values))


def convert(expression: str, job: str, shift: float) -> list[str]:
    """`expression` moved by `shift` hours (a job may not change its day): one expression, or two when
    a shift by part of an hour moves some of its minutes into the next hour and others not."""
    fields = validate(expression, job)
    shift_minutes = round(shift * 60)
    if shift_minutes == 0:
        return [expression]
    minutes, hours = _expand(fields[0], 0, 59, job), _expand(fields[1], 0, 23, job)
    moved = {hour * 60 + minute + shift_minutes for hour in hours for minute in minutes}
    # A job that runs every hour keeps its days: only the hours around midnight change day.
    crosses_midnight = any(not 0 <= time < MINUTES_A_DAY for time in moved) and len(hours) < 24
    if crosses_midnight and (fields[2], fields[4]) != ("*", "*"):
        raise ConfigError(
            f"job {job!r}: in the cron zone ({shift:+g} h) it would run on another day; "
            "choose times that stay on the same day there, or let it run every day"
        )
    hours_of_minute = defaultdict(set)
    for hour, minute in (divmod(time % MINUTES_A_DAY, 60) for time in moved):
        hours_of_minute[minute].add(hour)
    minutes_of_hours = defaultdict(set)
    for minute, its_hours in hours_of_minute.items():
        minutes_of_hours[frozenset(its_hours)].add(minute)
    return [
        " ".join(
            [
                _field(its_minutes, minutes, fields[0], 0, 59),
                _field(set(its_hours), hours, fields[1], 0, 23),
                *fields[2:],
            ]
        )
        for its_hours, its_minutes in sorted(
            minutes_of_hours.items(), key=lambda pair: (sorted(pair[0]), sorted(pair[1]))
        )
    ]


# -- the crontab ------------------------------------------------------------------------------


def crontab_command() -> list[str]:
    """CRONTAB_COMMAND (default crontab) as a command line, split as a shell would."""
    try:
        return shlex.split(config.text_setting("CRONTAB_COMMAND", "crontab"))
    except ValueError as exc:  # an unclosed quote
        raise ConfigError(f"CRONTAB_COMMAND must be a command line such as crontab ({exc})") from None


class NoCrontabProgram(ConfigError):
    pass


def read_crontab() -> str:
    try:
        done = subprocess.run([*crontab_command(), "-l"], capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise NoCrontabProgram("no `crontab` program: install cron, or set CRONTAB_COMMAND") from exc
    if done.returncode == 0:
        return done.stdout
    if "no crontab" in done.stderr.lower():
        return ""
    raise ConfigError(f"`crontab -l` failed (exit code {done.returncode}): {done.stderr.strip()}")


def write_crontab(text: str) -> None:
    done = subprocess.run([*crontab_command(), "-"], input=text, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ConfigError(f"crontab refused the new schedule: {done.stderr.strip()}")


def without_block(text: str, project_dir: Path = PROJECT_DIR) -> list[str]:
    """The crontab's lines without our block; refused when a begin marker has no end marker, since
    every line after it would be taken for ours."""
    begin, end = markers(project_dir)
    kept, begun_at = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        if line == begin:
            _refuse_unended(begun_at, end)
            begun_at = number
        elif line == end and begun_at is not None:
            begun_at = None
        elif begun_at is None:
            kept.append(line)
    _refuse_unended(begun_at, end)
    return kept


def _refuse_unended(begun_at: int | None, end: str) -> None:
    """Refused when the block begun on line `begun_at` has not ended (None: no block is open)."""
    if begun_at is not None:
        raise ConfigError(
            f"crontab line {begun_at}: the schedule's begin marker has no end marker {end!r} after it; "
            "fix the crontab with `crontab -e` (delete the block, or add that line after its last job)"
        )


def crontab_zone(lines: list[str]) -> str | None:
    """The zone of the last `CRON_TZ=` line of `lines`, which cron applies to every line below it."""
    values = [match.group(1) for match in map(_CRON_TZ.match, lines) if match]
    if not values:
        return None
    zone = values[-1]
    if len(zone) >= 2 and zone[0] == zone[-1] and zone[0] in "'\"":
        zone = zone[1:-1]
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"the crontab's last CRON_TZ= line names no time zone ({zone!r}); fix it with `crontab -e`"
        ) from exc
    return zone


def cron_zone(settings: ops_config.OpsConfig, others: list[str]) -> tuple[str | None, str]:
    """The zone cron reads our block's times in (None: this machine's), and where that comes from."""
    in_crontab = crontab_zone(others)
    if settings.cron_timezone and in_crontab and settings.cron_timezone != in_crontab:
        raise ConfigError(
            f"[schedule] cron_timezone {settings.cron_timezone!r} in ops.toml is not the zone cron reads the "
            f"schedule in ({in_crontab!r}, the crontab's last CRON_TZ= line): make them the same, or remove one"
        )
    if settings.cron_timezone:
        return settings.cron_timezone, f"{settings.cron_timezone} (cron_timezone in ops.toml)"
    if in_crontab:
        return in_crontab, f"{in_crontab} (the crontab's CRON_TZ= line above the block)"
    return None, "this machine's local time"


# The settings naming the files of the other settings: a job is given those the schedule was installed
# with, since cron starts it with a bare environment (it read ops.toml, not the OPS_CONFIG the schedule
# came from: other log files, retention, thresholds and cool-downs).
SETTINGS_FILES = (("ENV_FILE", ".env"), ("OPS_CONFIG", "ops.toml"))


def job_settings() -> str:
    """`ENV_FILE=<path> OPS_CONFIG=<path> ` (absolute, quoted) for those set in the environment, not
    by the dotenv file, which the job reads itself; "" when neither is, so that the job lines stay."""
    return "".join(
        f"{name}={shlex.quote(str(config.project_path(name, default).resolve()))} "
        for name, default in SETTINGS_FILES
        if config.set_outside_env_file(name)
    )


def block(
    settings: ops_config.OpsConfig, others: list[str], now: datetime, project_dir: Path = PROJECT_DIR
) -> tuple[list[str], list]:
    """Our block, to go below the user's lines `others`."""
    begin, end = markers(project_dir)
    zone, described = cron_zone(settings, others)
    shift, warning = zone_shift(settings.timezone, zone, now)
    lines = [begin, f"# times converted from {settings.timezone} in ops.toml to {described}: {shift:+g} h"]
    passed = job_settings()
    for job in settings.jobs:
        if "\n" in job.command or "\r" in job.command:
            raise ConfigError(f"job {job.name!r}: its command holds a line break; write it on one line in ops.toml")
        logs, log_file = (
            shlex.quote(str(path)) for path in (settings.logs_dir, settings.logs_dir / f"cron-{job.name}.log")
        )
        # `make clean` removes the log folder; cron reads a bare % as a line break.
        command = f"cd {shlex.quote(str(project_dir))} && mkdir -p {logs} && {passed}{job.command} >> {log_file} 2>&1"
        lines.extend(
            f"{expression} {command.replace('%', chr(92) + '%')}" for expression in convert(job.cron, job.name, shift)
        )
    return [*lines, end], [warning] if warning else []


def _joined(lines: list[str]) -> str:
    return "\n".join(lines) + "\n" if lines else ""


def backup(current: str, settings: ops_config.OpsConfig, now: datetime) -> Path:
    folder = settings.logs_dir / "crontab-backups"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"crontab.{now:%Y%m%dT%H%M%S%f}"
    path.write_text(current, encoding="utf-8")
    return path


def apply(new: str, current: str, settings: ops_config.OpsConfig, now: datetime, dry_run: bool) -> None:
    if dry_run:
        print("dry run: the crontab would become:\n" + new, end="")
        return
    saved = backup(current, settings, now)
    write_crontab(new)
    if read_crontab() != new:
        raise ConfigError(f"the crontab read back differs from what was written; the previous one is in {saved}")
    print(f"crontab updated (previous one saved to {saved})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.cron", description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("show", "install", "remove"))
    parser.add_argument("--dry-run", action="store_true", help="print the new crontab, change nothing")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    now = datetime.now().astimezone()
    try:
        settings = ops_config.load()
        try:
            current = read_crontab()
        except NoCrontabProgram as exc:
            if args.action != "show" and not args.dry_run:
                raise
            print(f"warning: {exc}; shown as for an empty crontab")
            current = ""
        others = without_block(current)
        if args.action == "show":
            installed = [line for line in current.splitlines() if line not in others]
            print(_joined(installed) or "the schedule is not installed (make cron-install)\n", end="")
            print("ops.toml schedule:")
            for job in settings.jobs:
                print(f"  {job.name:16} {job.cron:20} ({settings.timezone})  {job.command}")
            print(f"cron reads the schedule in: {cron_zone(settings, others)[1]}")
            return 0
        if args.action == "install":
            lines, warnings = block(settings, others, now)
            for warning in warnings:
                print(f"warning: {warning}")
            apply(_joined([*others, *lines]), current, settings, now, args.dry_run)
        else:
            apply(_joined(others), current, settings, now, args.dry_run)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    cli.run(main)  # .env read like every other program (OPS_CONFIG, CRONTAB_COMMAND)
