"""Read-only access to the served data: `query(sql, params) -> (columns, rows)` on DuckDB or PostgreSQL.

SQL uses `?` placeholders (rewritten for psycopg2) and no `%`. Every value is a bound parameter.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb
import psycopg2
from psycopg2.pool import ThreadedConnectionPool

from loaders import config
from serving import publish

Rows = tuple[list[str], list[tuple]]
POSTGRES_TICK_SECONDS = 5  # how long per-generation caches (freshness, column lists) live on PostgreSQL


class NotPublished(Exception):
    """No snapshot yet: the runner publishes one after its first successful build."""


class Reader(Protocol):
    target: str

    def query(self, sql: str, params: tuple | list = ()) -> Rows: ...

    def generation(self) -> str:
        """Changes whenever the data may have changed: caches keyed by it stay valid meanwhile."""
        ...

    def marts_version(self) -> str:
        """Changes exactly when the marts are rebuilt: a cursor is valid until then."""
        ...

    def close(self) -> None: ...


class _Snapshot:
    def __init__(self, path: Path):
        self.path, self.users, self.retired = path, 0, False
        self.connection = duckdb.connect(str(path), read_only=True)
        # Aware times come back in the session's zone, the machine's by default; answers are in UTC.
        # GLOBAL: the cursors each query opens are sessions of their own.
        self.connection.execute("set global TimeZone = 'UTC'")


class SnapshotReader:
    """The newest snapshot of `folder`; switches when `current` names another file, closing the old
    one once its last query has finished."""

    target = "duckdb"

    def __init__(self, folder: Path):
        self.folder = folder
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def _acquire(self) -> _Snapshot:
        newest = publish.current_snapshot(self.folder)
        if newest is None:
            raise NotPublished(f"no snapshot in {self.folder} yet: run `make run` (or `python -m serving.publish`)")
        with self._lock:
            if self._snapshot is None or self._snapshot.path != newest:
                previous, self._snapshot = self._snapshot, _Snapshot(newest)
                if previous:
                    previous.retired = True
                    self._close_if_idle(previous)
            self._snapshot.users += 1
            return self._snapshot

    def _release(self, snapshot: _Snapshot) -> None:
        with self._lock:
            snapshot.users -= 1
            self._close_if_idle(snapshot)

    @staticmethod
    def _close_if_idle(snapshot: _Snapshot) -> None:
        if snapshot.retired and snapshot.users == 0:
            snapshot.connection.close()

    @contextmanager
    def _cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        snapshot = self._acquire()
        try:
            with snapshot.connection.cursor() as cursor:
                yield cursor
        finally:
            self._release(snapshot)

    def query(self, sql: str, params: tuple | list = ()) -> Rows:
        with self._cursor() as cursor:
            cursor.execute(sql, list(params))
            return [column[0] for column in cursor.description], cursor.fetchall()

    def snapshot_path(self) -> Path | None:
        return publish.current_snapshot(self.folder)

    def generation(self) -> str:
        newest = self.snapshot_path()
        return newest.name if newest else ""

    def marts_version(self) -> str:
        return self.generation()  # a snapshot is published after each build, never changed

    def close(self) -> None:
        with self._lock:
            if self._snapshot:
                self._snapshot.retired = True
                self._close_if_idle(self._snapshot)
                self._snapshot = None


# A query waiting longer (behind a build's swap of the table it reads, or a slow server) is cancelled:
# the API answers 503, try again.
STATEMENT_TIMEOUT_MS = 15_000


# The views the API lists besides the marts: dbt rebuilds them, but loads and runs write the tables they
# read between builds (serving/marts.py: REPORT_SOURCES, RUNS, SOURCES, RESOURCES).
WRITTEN_VIEWS = (
    "staging.stg_ozon__report_requests",
    "staging.stg_wildberries__report_requests",
    "monitoring.etl_runs",
    "monitoring.etl_source_status",
    "monitoring.etl_resource_status",
)
# The tables under those views (through views over views too), with the counts of rows written to them and
# of their rows. A serving role may read the views (with their owner's rights) but not the tables under them
# (raw_*, ops): the catalog and the statistics views are what any role may read. A writer's connection sends
# its statistics at its transaction's end, or, if it sent some less than a second before, at a later one's
# end, when it closes or after 10 s idle (PostgreSQL 15): a cursor may outlast a write by that long, as it
# may by a generation (POSTGRES_TICK_SECONDS) of the cache of the version.
TABLES_READ_BY_VIEWS = """
    with recursive read_by (oid) as (
        select c.oid from pg_class as c inner join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname || '.' || c.relname = any(?)
        union
        select d.refobjid from read_by
        inner join pg_rewrite as r on r.ev_class = read_by.oid
        inner join pg_depend as d
            on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid and d.refclassid = 'pg_class'::regclass
    )
    select
        c.oid,
        s.n_tup_ins + s.n_tup_upd + s.n_tup_del,
        s.n_live_tup
    from read_by
    inner join pg_class as c on c.oid = read_by.oid
    inner join pg_stat_all_tables as s on s.relid = c.oid
    where c.relkind in ('r', 'p', 'm')
    order by c.oid
"""


class _ConnectionLost(Exception):
    """The server closed a pooled connection before this query."""


class PostgresReader:
    """A pool of connections whose transactions are read-only (`default_transaction_read_only`)."""

    target = "postgres"

    def __init__(self, pool_size: int):
        self._pool = ThreadedConnectionPool(
            1,
            pool_size,
            **config.postgres_settings(),
            connect_timeout=10,
            options=f"-c default_transaction_read_only=on -c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
            application_name="marketplace-elt-serve",
        )

    def query(self, sql: str, params: tuple | list = ()) -> Rows:
        # Each pooled connection the server has closed (a restart, an idle timeout) is dropped for another.
        for _ in range(self._pool.maxconn):
            try:
                return self._query_once(sql, params)
            except _ConnectionLost:
                continue
        return self._query_once(sql, params)

    def _query_once(self, sql: str, params: tuple | list) -> Rows:
        connection: Any = self._pool.getconn()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.replace("?", "%s"), list(params))
                return [column[0] for column in cursor.description], cursor.fetchall()
        except (psycopg2.OperationalError, psycopg2.InterfaceError) as exc:
            if connection.closed:
                raise _ConnectionLost from exc
            raise
        finally:
            if not connection.closed:
                connection.rollback()
            self._pool.putconn(connection, close=bool(connection.closed))

    def generation(self) -> str:
        return str(int(time.monotonic() // POSTGRES_TICK_SECONDS))

    def marts_version(self) -> str:
        """dbt rebuilds every table and view of a mart under a new name and renames it: new OIDs. The
        lists read outside the marts (report requests, the run log's monitoring) are views over tables
        loads and runs write, no OID changing: the counts of rows inserted, updated and deleted in those
        tables (pg_stat_all_tables: readable by a role that may read the views only) join the version."""
        sql = (
            "select md5(coalesce(string_agg(c.oid::text, ',' order by c.oid), '')) from pg_class as c "
            "inner join pg_namespace as n on n.oid = c.relnamespace where n.nspname = 'marts'"
        )
        return f"{self.query(sql)[1][0][0]}:{self._written_version()}"

    def _written_version(self) -> str:
        tables = self.query(TABLES_READ_BY_VIEWS, [list(WRITTEN_VIEWS)])[1]
        return ";".join(f"{oid},{written},{live}" for oid, written, live in tables)

    def close(self) -> None:
        self._pool.closeall()


def open_reader(target: str, pool_size: int) -> Reader:
    if target == "postgres":
        return PostgresReader(pool_size)
    return SnapshotReader(publish.publish_dir(config.duckdb_path()))
