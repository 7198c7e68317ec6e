"""A short-lived connection to the project's database (DuckDB file or PostgreSQL), same SQL on both.

Statements use `?` placeholders; they are rewritten for psycopg2. DuckDB admits one writer per
file, so callers open a connection only between pipeline steps and close it right after.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import psycopg2
import yaml

from loaders import config
from loaders.writer_lock import writing_elsewhere

TARGETS = config.TARGETS


class Database:
    def __init__(self, target: str, connection: Any, catalog: str | None = None):
        """`catalog`: the DuckDB catalog each cursor uses, when it is not the connection's own (_open_duckdb)."""
        self.target, self._connection, self._catalog = target, connection, catalog
        self._in_transaction = False

    def _cursor(self) -> Any:
        cursor = self._connection.cursor()
        if self._catalog:
            cursor.execute(f'use "{self._catalog}"')
        return cursor

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The statements inside commit together or not at all. PostgreSQL's connection is one
        transaction until `connect` commits; DuckDB's commits each statement, and each of its cursors
        is a connection of its own, so inside this the statements run on the connection itself."""
        if self.target != "duckdb":
            yield
            return
        self._connection.execute("begin transaction")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._connection.execute("rollback")
            raise
        else:
            self._connection.execute("commit")
        finally:
            self._in_transaction = False

    def execute(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self.target == "postgres":
            sql = sql.replace("?", "%s")
        if self._in_transaction:
            result = self._connection.execute(sql, params)
            return result.fetchall() if result.description else []
        cursor = self._cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.target == "postgres":
            sql = sql.replace("?", "%s")
        if self._in_transaction:
            self._connection.executemany(sql, rows)
            return
        cursor = self._cursor()
        cursor.executemany(sql, rows)
        cursor.close()

    def relation_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.execute(
                "select 1 from information_schema.tables where table_schema = ? and table_name = ?", (schema, table)
            )
        )


def views_catalog(connection: duckdb.DuckDBPyConnection, attached: str) -> str:
    """The catalog name dbt's views in the database attached as `attached` refer to (`warehouse.staging.x`):
    the file's stem when dbt built it, which a copied or renamed file keeps."""
    schemas = [row[0] for row in connection.execute(SCHEMAS, [attached]).fetchall()]
    views = [row[0] for row in connection.execute(VIEWS, [attached]).fetchall()]
    qualified = re.compile(r'(?:"((?:[^"]|"")+)"|(\w+))\.(?:' + "|".join(map(re.escape, schemas)) + r")\.")
    named = Counter((quoted.replace('""', '"') or bare) for sql in views for quoted, bare in qualified.findall(sql))
    return named.most_common(1)[0][0] if named else attached


SCHEMAS = "select schema_name from duckdb_schemas() where database_name = ?"
VIEWS = "select sql from duckdb_views() where database_name = ? and not internal"


def attach_as_built(connection: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> str:
    """Attach the DuckDB file `path` under the catalog name its views refer to (views_catalog), or they
    cannot be read; that name."""
    quoted = str(path).replace("'", "''")
    mode = " (read_only)" if read_only else ""
    connection.execute(f"attach '{quoted}' as \"{path.stem}\"{mode}")
    catalog = views_catalog(connection, path.stem)
    if catalog != path.stem:
        connection.execute(f'detach "{path.stem}"')
        connection.execute(f"attach '{quoted}' as \"{catalog}\"{mode}")
    return catalog


def _open_duckdb(path: Path, read_only: bool) -> Database:
    """The file as the default catalog; a copied or renamed one under the name its views were built with
    (else they cannot be read), which each cursor then uses."""
    connection = duckdb.connect(str(path), read_only=read_only)
    # its catalog: the name up to the first dot (backup.2026-12-01.duckdb is "backup"), not path.stem
    ((own,),) = connection.execute("select current_database()").fetchall()
    if views_catalog(connection, own) == own:
        return Database("duckdb", connection)
    connection.close()
    connection = duckdb.connect()
    catalog = attach_as_built(connection, path, read_only)
    connection.execute(f'use "{catalog}"')
    return Database("duckdb", connection, catalog)


@contextmanager
def connect(target: str, read_only: bool = False) -> Iterator[Database]:
    """Open, yield, commit and close; a DuckDB file that does not exist yet is created unless read_only."""
    if target == "duckdb":
        path = config.duckdb_path()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        database = _open_duckdb(path, read_only)
    elif target == "postgres":
        connection = psycopg2.connect(**config.postgres_settings(), connect_timeout=10)
        try:
            config.require_utf8(connection)
        except config.ConfigError:
            connection.close()
            raise
        database = Database(target, connection)
    else:
        raise config.ConfigError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    try:
        yield database
        database._connection.commit()
    finally:
        database._connection.close()


def require_utf8(target: str) -> None:
    """ConfigError when TARGET's PostgreSQL database is not in UTF8 (config.require_utf8); nothing
    when it is, on DuckDB, or when the server cannot be reached (the command that needs it says so)."""
    if target != "postgres":
        return
    try:
        with connect(target, read_only=True):
            pass
    except psycopg2.Error:
        return


def marketplaces_in_database(target: str) -> list[str]:
    """The marketplaces with a raw schema in the database (none when it cannot be read: the command
    that needs it reports that)."""
    from loaders.marketplaces import MARKETPLACES  # noqa: PLC0415 - dlt's import costs the other commands 0.6 s

    try:
        schemas = {schema for schema, _ in tables_in_database(target)}
    except (duckdb.Error, psycopg2.Error):
        return []
    return [name for name, marketplace in MARKETPLACES.items() if marketplace.dataset in schemas]


def tables_in_database(target: str) -> set[tuple[str, str]]:
    """(schema, table) of every table and view in the database; none before a DuckDB file exists."""
    if target == "duckdb" and not config.duckdb_path().exists():
        return set()
    with connect(target, read_only=True) as db:
        return set(db.execute("select table_schema, table_name from information_schema.tables"))


def absent_sources(target: str, marketplaces: Iterable[str]) -> list[str]:
    """dbt's selectors (`source:ozon.postings_fbs`) of the raw tables of `marketplaces` (their sources
    are named so) the sources YAML declares that the database lacks: dlt creates a table with its first
    row, and an account may never send one (an FBO-only seller's FBS postings, an empty trash). It
    reads the database: call it holding the run lock."""
    declared = [
        (source["name"], source["schema"], table["name"])
        for path in sorted((config.PROJECT_DIR / "dbt_project" / "models" / "staging").glob("*/_*__sources.yml"))
        for source in yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
        if source["name"] in marketplaces
        for table in source["tables"]
    ]
    found = tables_in_database(target)
    return [f"source:{source}.{table}" for source, schema, table in declared if (schema, table) not in found]


def marketplaces_setting() -> str:
    """MARKETPLACES as set ("" when it is not), naming known marketplaces only: dbt builds the models of
    those it names, so a misspelt one (`ozon,wb`) dropped a marketplace from the marts, the published
    snapshot and the docs without a word."""
    from loaders.marketplaces import MARKETPLACES  # noqa: PLC0415 - dlt's import costs the other commands 0.6 s

    value = config.text_setting("MARKETPLACES", "")
    if not value:  # unset, empty or blank: the default, as for every setting
        return ""
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in MARKETPLACES]
    if unknown or not names:
        raise config.ConfigError(
            f"MARKETPLACES={value!r} names {', '.join(unknown) or 'no marketplace'}: "
            f"use a comma-separated list of {', '.join(MARKETPLACES)}"
        )
    return value


def dbt_marketplaces(target: str, configured: Iterable[str] = ()) -> str:
    """MARKETPLACES for a dbt command: the environment's when set, else every marketplace configured or
    with raw data in the database (a build of fewer drops the marts of the others), else ozon. It
    reads the database: call it holding the run lock."""
    if setting := marketplaces_setting():
        return setting
    found = [*configured, *marketplaces_in_database(target)]
    return ",".join(sorted(set(found), key=found.index)) or "ozon"


# Exit codes of a reader that may not open the database: nothing to read yet; a writer holds it.
EXIT_NO_DATABASE, EXIT_BUSY = 2, 75


def refuse_reader(target: str, command: str) -> int | None:
    """When `command`, a reader, may not open the database now, say why on stderr and return its exit
    code (None: it may). DuckDB admits no reader beside its writer, and a reader's open makes the
    writer's next one fail, so while a run (or a make target under the run lock) writes, the file is
    left alone."""
    if target != "duckdb":
        return None
    path = config.duckdb_path()
    if not path.exists():
        code, why = EXIT_NO_DATABASE, f"{path} does not exist: run `make demo` or `make run` first"
    elif holder := writing_elsewhere():
        code, why = EXIT_BUSY, f"{holder.describe()} is writing {path}: try again when it has ended"
    else:
        return None
    print(f"{command}: {why}", file=sys.stderr)
    return code
