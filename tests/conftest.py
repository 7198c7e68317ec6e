"""Shared fixtures: an isolated project directory per test and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import uuid

import psycopg2
import pytest

from loaders import config
from tests.support.operations import BOT_TOKEN, HttpReceiver, SmtpReceiver, isolated_ops

os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
os.environ["ENV_FILE"] = os.devnull  # a developer's .env never reaches the programs the tests start

pytest_plugins = ["tests.support.sandbox_fixtures", "tests.support.serving"]


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
    return psycopg2.connect(**config.postgres_settings(), connect_timeout=5)


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


@pytest.fixture
def receivers(workdir, tmp_path, monkeypatch):
    """Loopback webhook/Telegram and SMTP servers, with every alert channel pointed at them."""
    isolated_ops(tmp_path, monkeypatch)
    http, smtp = HttpReceiver(), SmtpReceiver()
    for name, value in {
        "ALERT_SLACK_WEBHOOK_URL": f"{http.url}/hooks/T000/B000/secret",
        "ALERT_TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "ALERT_TELEGRAM_CHAT_ID": "-100200",
        "ALERT_TELEGRAM_API_BASE_URL": http.url,
        "ALERT_SMTP_HOST": "127.0.0.1",
        "ALERT_SMTP_PORT": str(smtp.port),
        "ALERT_SMTP_TLS": "none",
        "ALERT_EMAIL_FROM": "elt@example.test",
        "ALERT_EMAIL_TO": "seller@example.test, ops@example.test",
    }.items():
        monkeypatch.setenv(name, value)
    yield http, smtp
    http.server.shutdown()
    smtp.server.shutdown()
