"""`python -m scripts.prune`: rotate big logs, delete old logs and run-log rows (ops.toml [retention]).

A log file above `[logs] rotate_mb` is renamed `<name>.<UTC time>` (the next write starts a new
one); files under the log folder and run-log rows older than `[retention] days` are deleted. It
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


def delete_old_files(folder: Path, days: int) -> list[Path]:
    cutoff = time.time() - days * 86400
    old = [path for path in folder.rglob("*") if path.is_file() and path.stat().st_mtime < cutoff]
    for path in old:
        path.unlink()
    return old


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
            with database.connect(target) as db:
                runs = delete_old_rows(db, settings.retention_days)
            log.info("deleted %d run(s) older than %d days from the run log", runs, settings.retention_days)
    except LockBusy as exc:
        log.error("%s", exc)
        return 75
    return 0


if __name__ == "__main__":
    cli.run(main)
