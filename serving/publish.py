"""Publish a read-only copy of what the server reads, after each run (DuckDB only).

DuckDB admits one writer per file, and a reader blocks it: the server must not open the database the
pipeline writes. The runner calls `publish` after its steps (holding the run lock); after a successful
`dbt build` it copies the marts, monitoring, quality and ops schemas and the report-request views into
a new file `<database stem>.published/marts-<UTC time>.duckdb`, then points `current` at it with an
atomic rename; after a run that built nothing (a failed build) the new file takes the run log (ops)
from the database and the rest from the snapshot before, so that the API's health judges that run.
The server opens the file `current` names on its next request and closes the one before.
Monitoring views become tables: the snapshot's freshness is as of its publication.

`python -m serving.publish` publishes the DuckDB database DUCKDB_PATH names (e.g. the demo's);
`--after-build` is `make build`'s step after dbt, as the runner's.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from loaders import cli, config
from scripts import runlog
from scripts.database import attach_as_built, refuse_reader

log = logging.getLogger("publish")

# schema -> the relations copied (None: every table and view of the schema).
PUBLISHED: dict[str, tuple[str, ...] | None] = {
    "marts": None,
    "monitoring": None,
    "quality": None,
    runlog.SCHEMA: None,
    "staging": ("stg_ozon__report_requests", "stg_wildberries__report_requests"),
}
Relations = Callable[[str, str], bool]  # (schema, table) -> copied?
POINTER = "current"
# Kept after a publication: the snapshot just published and the one `current` named before, which a
# server may still be answering from. Every other snapshot goes, whatever its name: names carry the
# clock's time, which may go back (a snapshot named in the future must not outlive the newest).


def publish_dir(database: Path) -> Path:
    return database.with_name(f"{database.stem}.published")


def current_snapshot(folder: Path) -> Path | None:
    """The snapshot `current` names, or None before the first publication."""
    try:
        name = (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return folder / name


def served(schema: str, table: str) -> bool:
    return schema in PUBLISHED and (PUBLISHED[schema] is None or table in PUBLISHED[schema])


def _relations(source: duckdb.DuckDBPyConnection, catalog: str, wanted: Relations) -> list[tuple[str, str]]:
    rows = source.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = ? "
        "order by table_schema, table_name",
        [catalog],
    ).fetchall()
    return [(schema, table) for schema, table in rows if wanted(schema, table)]


def _copy(snapshot: duckdb.DuckDBPyConnection, source: Path, wanted: Relations) -> int:
    """Copy the `wanted` relations of the database file `source` into `snapshot`; the number copied."""
    catalog = attach_as_built(snapshot, source, read_only=True)
    relations = _relations(snapshot, catalog, wanted)
    for schema in sorted({schema for schema, _ in relations}):
        snapshot.execute(f'create schema "{schema}"')
    for schema, table in relations:
        snapshot.execute(f'create table "{schema}"."{table}" as select * from "{catalog}"."{schema}"."{table}"')
    snapshot.execute(f'detach "{catalog}"')
    return len(relations)


def publish(database: Path | None = None, *, run_log_only: bool = False) -> Path | None:
    """Copy the served schemas of `database` (default DUCKDB_PATH) into a new snapshot; return its path.
    `run_log_only`: the run log (ops) from `database`, the rest from the current snapshot (None when
    there is none), so that the server's health judges a run whose build failed. On a failure nothing
    is left behind but the snapshots before; what a publish killed part way left (its partial files)
    goes first. Called holding the run lock, or before any snapshot exists."""
    database = database or config.duckdb_path()
    folder = publish_dir(database)
    previous = current_snapshot(folder)
    if run_log_only and previous is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".*.partial*"):
        leftover.unlink(missing_ok=True)
    started = time.monotonic()
    name = f"marts-{datetime.now(UTC):%Y%m%dT%H%M%S%f}.duckdb"
    partial, pointer = folder / f".{name}.partial", folder / f".{POINTER}.partial"
    wal = partial.with_name(f"{partial.name}.wal")
    written = (partial, wal, folder / name, pointer)
    try:
        with duckdb.connect(str(partial)) as snapshot:
            if run_log_only:
                copied = _copy(snapshot, previous, lambda schema, _table: schema != runlog.SCHEMA)
                copied += _copy(snapshot, database, lambda schema, _table: schema == runlog.SCHEMA)
            else:
                copied = _copy(snapshot, database, served)
            # on close a checkpoint that fails (a full disk) passes silently: the data stays in the
            # write-ahead log, and the file, renamed, was a snapshot without tables
            snapshot.execute("checkpoint")
        if wal.exists():
            raise OSError(errno.EIO, "the snapshot's write-ahead log was not written into it", str(wal))
        os.replace(partial, folder / name)
        pointer.write_text(name, encoding="utf-8")
        os.replace(pointer, folder / POINTER)
    except BaseException:
        for leftover in written:
            leftover.unlink(missing_ok=True)
        raise
    kept = {name, previous.name if previous else None}
    for old in folder.glob("marts-*.duckdb"):
        if old.name not in kept:
            old.unlink(missing_ok=True)
    log.info("published %d relations to %s in %.1f s", copied, folder / name, time.monotonic() - started)
    return folder / name


def publish_after_run(target: str, built: bool) -> str | None:
    """The runner's hook, on DuckDB: publish after a build, or only the run log after a run that built
    nothing (its marts are the snapshot before). Why it failed, in one line (logged), else None: the
    server goes on answering from the snapshot before."""
    if target != "duckdb":
        return None
    try:
        publish(run_log_only=not built)
    except (duckdb.Error, OSError) as exc:
        reason = f"{'snapshot' if built else 'run log'} for the server not published: {cli.in_one_line(exc)}"
        log.error("%s", reason)
        return reason
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serving.publish", description=__doc__.splitlines()[0])
    parser.add_argument("--after-build", action="store_true", help="as the runner does: on TARGET=duckdb only")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.after_build:  # `make build`, holding the run lock
        return 1 if publish_after_run(config.target(), built=True) else 0
    # a run writing the file: DuckDB admits no reader beside its writer, whose next open would fail
    if (refused := refuse_reader("duckdb", "publish")) is not None:
        return refused
    print(publish(config.duckdb_path()))
    return 0


if __name__ == "__main__":
    cli.run(main)
