"""`python -m scripts.prune`: rotate big logs, delete old logs and run-log rows (ops.toml [retention]).

A log file above `[logs] rotate_mb` is renamed `<name>.<UTC time>` (the next write starts a new
one); logs, rotated logs and crontab backups under the log folder and run-log rows older than
`[retention] days` are deleted, and then the oldest rotated logs and backups while the folder is
over `[logs] max_total_mb`. No other file is deleted. It
takes the run lock, so it never writes while a run does.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path

from loaders import cli, config
from loaders.writer_lock import LockBusy, RunLock
from scripts import database, ops_config, runlog

log = logging.getLogger("prune")


def rotate_logs(folder: Path, rotate_bytes: int, stamp: str) -> list[Path]:
    rotated = []
    for path in sorted(folder.glob("*.log")):
        if path.stat().st_size > rotate_bytes:
            target = path.with_name(f"{path.name}.{stamp}")
            path.rename(target)
            rotated.append(target)
    return rotated


def own_files(folder: Path) -> list[Path]:
    """The files prune may delete, oldest first: logs (`*.log`, rotated `*.log.<time>`) and crontab
    backups. Nothing else in the folder is touched, whatever `[logs] dir` names."""
    found = [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and (
            path.suffix == ".log"
            or ".log." in path.name
            or (path.parent.name == "crontab-backups" and path.name.startswith("crontab."))
        )
    ]
    return sorted(found, key=lambda path: path.stat().st_mtime)


def delete_old_files(folder: Path, days: int) -> list[Path]:
    cutoff = time.time() - days * 86400
    old = [path for path in own_files(folder) if path.stat().st_mtime < cutoff]
    for path in old:
        path.unlink()
    return old


def folder_bytes(folder: Path) -> int:
    """The size of every file under `folder` (0 when it does not exist): what `make health` holds
    against `[logs] max_total_mb`, and what prune brings under it."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


def delete_beyond_size(folder: Path, max_bytes: int) -> list[Path]:
    """Rotated logs and backups, oldest first, until the folder's files add up to `max_bytes` (what
    `make health` checks): else a folder over it stays over it, however often health says to prune."""
    total = folder_bytes(folder)
    deleted = []
    for path in own_files(folder):
        if total <= max_bytes:
            break
        if path.suffix != ".log":  # the logs being written stay
            total -= path.stat().st_size
            path.unlink()
            deleted.append(path)
    return deleted


def delete_old_rows(db: database.Database, days: int) -> int:
    """Runs that started before the cut-off, with everything recorded for them."""
    runlog.ensure_tables(db)
    cutoff = runlog.utcnow() - timedelta(days=days)
    old_runs = f"select run_id from {runlog.SCHEMA}.run_log where kind = 'run' and started_at < ?"
    (count,) = db.execute(f"select count(*) from ({old_runs}) as old", (cutoff,))[0]
    for table in reversed(runlog.TABLES):  # run_log, which selects the runs, last
        db.execute(f"delete from {runlog.SCHEMA}.{table} where run_id in ({old_runs})", (cutoff,))
    return count


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m scripts.prune", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=database.TARGETS, help="default: TARGET (environment or .env), else duckdb")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    target = config.target(args.target)
    settings = ops_config.load()
    now = runlog.utcnow()
    try:
        with RunLock(f"prune-{now:%Y%m%dT%H%M%S}", now.isoformat()):
            if settings.logs_dir.exists():
                for path in rotate_logs(settings.logs_dir, settings.rotate_bytes, f"{now:%Y%m%dT%H%M%S}"):
                    log.info("rotated %s", path)
                for path in delete_old_files(settings.logs_dir, settings.retention_days):
                    log.info("deleted %s (older than %d days)", path, settings.retention_days)
                for path in delete_beyond_size(settings.logs_dir, settings.max_log_bytes):
                    log.info("deleted %s (the log folder was over [logs] max_total_mb)", path)
            if target == "duckdb" and not config.duckdb_path().exists():  # opening it would create it
                log.info("%s does not exist: no run log to prune", config.duckdb_path())
                return 0
            with database.connect(target) as db:
                runs = delete_old_rows(db, settings.retention_days)
            log.info("deleted %d run(s) older than %d days from the run log", runs, settings.retention_days)
    except LockBusy as exc:
        log.error("%s", exc)
        return 75
    return 0


if __name__ == "__main__":
    cli.run(main)
