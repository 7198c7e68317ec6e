"""Shared fixtures: an isolated project directory per test and a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import shared_parse_dbt
from tests.support.operations import BOT_TOKEN, HttpReceiver, SmtpReceiver, isolated_ops
from tests.support.postgres import throwaway_database

os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
os.environ["ENV_FILE"] = os.devnull  # a developer's .env never reaches the programs the tests start

pytest_plugins = ["tests.support.sandbox_fixtures", "tests.support.serving"]


def pytest_configure(config) -> None:
    """Every dbt the tests start shares the parse of the project with the others
    (tests/support/shared_parse_dbt.py). The folder is made once, before pytest-xdist starts its
    workers: they inherit it."""
    if not os.environ.get(shared_parse_dbt.SHARED_DIR):
        folder = Path(tempfile.mkdtemp(prefix="shared-dbt-parse-"))
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))
        os.environ[shared_parse_dbt.SHARED_DIR] = str(folder)
        os.environ["DBT"] = str(shared_parse_dbt.program(folder))


# A test taking one of these writes a database of its own: it loads, builds or runs the runner.
DATABASE_FIXTURES = {"workdir", "postgres_database"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Marks `e2e` every test that writes a database of its own or shares a session or module fixture of
    ours (each of those loads and builds a seller): `make test-unit` runs the others. They run first: under
    `pytest -n 2` (`make test`; `--dist loadscope` in pyproject.toml keeps a module's tests, and so its
    module fixtures, in one worker) the two workers then end on short tests and finish together. The
    modules of the shared seller, the largest scope (about 150 s), go first of all: queued last among the
    end-to-end tests they kept one worker busy 100 s after the other had finished; first, the workers
    finished 9 s apart (measured side by side; the suite's time did not drop, as it took more CPU)."""
    for item in items:
        shared = any(
            definitions[-1].scope in ("session", "module") and definitions[-1].func.__module__.startswith("tests.")
            for definitions in item._fixtureinfo.name2fixturedefs.values()
        )
        if shared or DATABASE_FIXTURES & set(item.fixturenames):
            item.add_marker(pytest.mark.e2e)
    items.sort(
        key=lambda item: (item.get_closest_marker("e2e") is None, not item.nodeid.startswith(SHARED_SELLER_MODULES))
    )


# Modules whose tests share the session's `seller` (tests/support/serving.py): one worker runs them all,
# so that the seller is loaded and built once, not once per worker.
SHARED_SELLER_MODULES = "tests/serving/"


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadscope` (pyproject.toml) with the modules of the shared seller as one scope, and a
    module's PostgreSQL tests (`postgres` in the test's name or parameters) a scope of their own: the
    two halves of a slow module run side by side (the soak, the end-to-end builds), and no module
    fixture serves both engines."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedSellerScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(SHARED_SELLER_MODULES):
                return SHARED_SELLER_MODULES
            module = super()._split_scope(nodeid)
            return f"{module}::postgres" if "postgres" in nodeid.rpartition("::")[2] else module

    return SharedSellerScheduling(config, log)


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


@pytest.fixture
def postgres_database(monkeypatch) -> Iterator[dict[str, str]]:
    """A database of its own on the PostgreSQL server as PGDATABASE, dropped afterwards (skipped when the
    server is unreachable, failed under CI=true: tests/support/postgres.py)."""
    with throwaway_database() as name:
        monkeypatch.setenv("PGDATABASE", name)
        yield {"PGDATABASE": name}


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def destination(request, workdir) -> str:
    """The engine of a test that runs on both: DuckDB with the test's own file, or PostgreSQL with a
    database of its own."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
    return request.param


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
