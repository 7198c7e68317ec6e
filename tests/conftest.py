"""Shared fixtures: an isolated project directory per test and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest

os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"

pytest_plugins = ["loaders.sandbox.pytest_plugin"]


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> dict[str, str]:
    """DuckDB file, dlt state and dbt output of this test live in its own temporary folder."""
    env = {
        "DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
        "DLT_PIPELINES_DIR": str(tmp_path / "dlt"),
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt_logs"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _admin_connection():
    return psycopg2.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=int(os.environ.get("PGPORT", "5432")),
        user=os.environ.get("PGUSER", "postgres"),
        password=os.environ.get("PGPASSWORD", ""),
        dbname=os.environ.get("PGDATABASE", "postgres"),
        connect_timeout=5,
    )


@pytest.fixture
def postgres_database(monkeypatch) -> dict[str, str]:
    """A database of its own on the PostgreSQL server, dropped afterwards.

    When the server is unreachable the test is skipped, except under CI=true,
    where that is a failure: CI must exercise the PostgreSQL path.
    """
    try:
        admin = _admin_connection()
    except psycopg2.OperationalError as exc:
        message = f"PostgreSQL is unreachable ({str(exc).strip()}); set PGHOST/PGPORT/PGUSER/PGPASSWORD"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"elt_test_{uuid.uuid4().hex[:12]}"
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    monkeypatch.setenv("PGDATABASE", name)
    try:
        yield {"PGDATABASE": name}
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
