"""Reading the database of a test's destination."""

from __future__ import annotations

from scripts import database


def query(destination: str, sql: str) -> list[tuple]:
    """The rows of `sql` on the destination's database (DuckDB: read-only)."""
    with database.connect(destination, read_only=True) as db:
        return db.execute(sql)
