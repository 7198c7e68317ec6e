"""A short-lived connection to the project's database (DuckDB file or PostgreSQL), same SQL on both.

Statements use `?` placeholders; they are rewritten for psycopg2. DuckDB admits one writer per
file, so callers open a connection only between pipeline steps and close it right after.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import psycopg2

from loaders import config

TARGETS = config.TARGETS


class Database:
    def __init__(self, target: str, connection: Any):
        self.target, self._connection = target, connection

    def execute(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self.target == "postgres":
            sql = sql.replace("?", "%s")
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []
        finally:
            cursor.close()

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            if self.target == "postgres":
                sql = sql.replace("?", "%s")
            cursor = self._connection.cursor()
            cursor.executemany(sql, rows)
            cursor.close()

    def relation_exists(self, schema: str, table: str) -> bool:
        return bool(
            self.execute(
                "select 1 from information_schema.tables where table_schema = ? and table_name = ?", (schema, table)
            )
        )


@contextmanager
def connect(target: str, read_only: bool = False) -> Iterator[Database]:
    """Open, yield, commit and close; a DuckDB file that does not exist yet is created unless read_only."""
    if target == "duckdb":
        path = config.duckdb_path()
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        connection = duckdb.connect(str(path), read_only=read_only)
    elif target == "postgres":
        connection = psycopg2.connect(**config.postgres_settings(), connect_timeout=10)
    else:
        raise config.ConfigError(f"unknown target {target!r}: use one of {', '.join(TARGETS)}")
    try:
        yield Database(target, connection)
        connection.commit()
    finally:
        connection.close()
