"""Throwaway PostgreSQL databases, for a fixture of any scope (`postgres_database` in tests/conftest.py is
the per-test one; a module or session fixture that loads and builds once uses `throwaway_database`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import pytest

from loaders import config


@contextmanager
def throwaway_database() -> Iterator[str]:
    """The name of a new database on the PostgreSQL server, dropped afterwards.

    When the server is unreachable the test is skipped, except under CI=true,
    where that is a failure: CI must exercise the PostgreSQL path.
    """
    try:
        admin = psycopg2.connect(**config.postgres_settings(), connect_timeout=5)
    except psycopg2.OperationalError as exc:
        message = f"PostgreSQL is unreachable ({str(exc).strip()}); set PGHOST/PGPORT/PGUSER/PGPASSWORD"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    name = f"elt_test_{uuid.uuid4().hex[:12]}"
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'create database "{name}"')
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()
