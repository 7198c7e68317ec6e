"""The Wildberries loader into PostgreSQL (csv loader files): the same tables and types as DuckDB."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders import cli
from loaders.wildberries import settings
from sandbox import Sandbox
from scripts import database
from tests.loaders.test_wildberries_loader import load
from tests.support.sandbox_fixtures import TEST_PACE, paced_seller


@pytest.mark.postgres
def test_postgres_gets_every_table_with_its_types(workdir, postgres_database, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    monkeypatch.delenv("LOADER_NOW", raising=False)  # `load` sets it; restored afterwards
    with Sandbox(paced_seller(seed=11, products=40, history_days=5)) as sandbox:
        sandbox.wildberries.statistics_page_rows = 50
        sandbox.wildberries.faults.inject("malformed_row", path=settings.ORDERS[1])
        load(sandbox, destination_name="postgres")
        sandbox.wildberries.faults.inject("report_canceled")
        assert load(sandbox, "warehouse_remains", destination_name="postgres").status == "failed"

    with database.connect("postgres", read_only=True) as db:
        tables = {
            row[0]
            for row in db.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_wildberries'"
            )
        }
        outcomes = db.execute("select outcome, count(*) from raw_wildberries.report_requests group by 1 order by 1")
        ((quarantined,),) = db.execute("select count(*) from raw_wildberries.statistics_quarantine")
        ((duplicates,),) = db.execute("select count(*) - count(distinct srid) from raw_wildberries.orders")
        types = set(
            db.execute(
                "select table_name, column_name, data_type from information_schema.columns"
                " where table_schema = 'raw_wildberries'"
                " and column_name in ('last_change_date', 'total_price', 'nm_id', 'synced_at', 'quantity')"
            )
        )
    expected = {
        "cards", "cards__sizes", "cards__sizes__skus", "orders", "sales", "statistics_quarantine",
        "warehouse_remains", "warehouse_remains__warehouses", "report_requests", "wb_warehouse_stocks",
        "seller_warehouses", "offices",
    }  # fmt: skip
    assert expected <= tables
    assert outcomes == [("failed", 1), ("loaded", 1)] and quarantined == 1 and duplicates == 0
    assert ("orders", "last_change_date", "character varying") in types
    assert ("orders", "total_price", "double precision") in types
    assert ("cards", "nm_id", "bigint") in types
    assert ("warehouse_remains__warehouses", "quantity", "bigint") in types
    assert ("orders", "synced_at", "timestamp with time zone") in types


SOCKET_FOLDER = Path("/var/run/postgresql")


@pytest.mark.postgres
@pytest.mark.skipif(not (SOCKET_FOLDER / ".s.PGSQL.5432").exists(), reason=f"no PostgreSQL socket in {SOCKET_FOLDER}")
def test_pghost_naming_a_socket_folder_loads_through_the_socket(workdir, postgres_database, monkeypatch):
    """libpq takes a PGHOST starting with / for the folder of the server's socket (as summary, health, dbt
    and serve do); the loaders made it part of dlt's URL, postgresql://postgres@/var/run/postgresql:5432/db,
    and every load failed with 'database "var/run/postgresql:5432/db" does not exist'."""
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    monkeypatch.delenv("LOADER_NOW", raising=False)  # `load` sets it; restored afterwards
    monkeypatch.setenv("PGHOST", str(SOCKET_FOLDER))
    monkeypatch.setenv("PGPORT", "5432")
    with Sandbox(paced_seller(seed=11, products=5, history_days=1)) as sandbox:
        assert load(sandbox, "offices", destination_name="postgres").status == "complete"
    with database.connect("postgres", read_only=True) as db:
        ((offices,),) = db.execute("select count(*) from raw_wildberries.offices")
    assert offices > 0


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("options", "reported"),
    [
        ("-c default_transaction_read_only=on", "takes no writes"),
        ("-c nosuch_setting=1", 'setting is not valid (unrecognized configuration parameter "nosuch_setting")'),
    ],
)
def test_the_loaders_sessions_take_pgoptions(workdir, postgres_database, monkeypatch, options, reported):
    """PGOPTIONS are the session settings of the runner's dbt and loaders (docs/configuration.md); dlt gives
    psycopg2 options of its own, so libpq never read the variable and a read-only session loaded its rows.
    One the server refuses names PGOPTIONS, not an unreachable server."""
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    monkeypatch.delenv("LOADER_NOW", raising=False)  # `load` sets it; restored afterwards
    monkeypatch.setenv("PGOPTIONS", options)
    with Sandbox(paced_seller(seed=11, products=5, history_days=1)) as sandbox:
        with pytest.raises(Exception) as failed:
            load(sandbox, "offices", destination_name="postgres")
    line = cli.describe(failed.value)
    assert line and reported in line and "start the server" not in line, line
