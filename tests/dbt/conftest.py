"""The `destination` of the dbt tests that run on both engines."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def destination(request, workdir) -> str:
    """The engine: DuckDB with the test's own file, or PostgreSQL with a database of its own."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
    return request.param
