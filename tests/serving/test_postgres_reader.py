"""The server on PostgreSQL, over marts shaped as dbt makes them (no load, no build): cursors last until
a rebuild, whole numbers are integers, NUL characters are refused, a dead pooled connection is replaced."""

from __future__ import annotations

import json
import time
import uuid

import psycopg2
import pytest
from fastapi.testclient import TestClient

from loaders import config
from serving import keys, reader
from serving.app import create_app
from serving.reader import PostgresReader
from tests.support.operations import closed_port
from tests.support.serving import settings_for

pytestmark = pytest.mark.postgres

MARTS = """
    create schema marts;
    create table marts.dim_products (
        product_key text, marketplace text, account text, marketplace_product_id text, seller_article text,
        sku text, product_name text);
    create table marts.dim_warehouses (warehouse_key text, warehouse_name text, cluster_name text);
    create table marts.inventory (
        product_key text, warehouse_key text, stock_type text, available_quantity numeric,
        snapshot_at timestamptz);
    insert into marts.inventory
    select 'p' || n, 'ozon:W', 'fbo', 8350, timestamptz '2026-01-02 03:04:00+00' from generate_series(1, 5) as n;
"""
# What dbt's table materialization does: build beside, swap by renaming, drop the old one.
REBUILD = """
    create table marts.inventory__dbt_tmp as select * from marts.inventory;
    alter table marts.inventory rename to inventory__dbt_backup;
    alter table marts.inventory__dbt_tmp rename to inventory;
    drop table marts.inventory__dbt_backup;
"""


def execute(sql: str) -> None:
    with psycopg2.connect(**config.postgres_settings()) as db, db.cursor() as cursor:
        cursor.execute(sql)
    db.close()


@pytest.fixture
def client(postgres_database, tmp_path, monkeypatch):
    monkeypatch.setattr(reader, "POSTGRES_TICK_SECONDS", 0.05)
    execute(MARTS)
    key = keys.create(tmp_path / "keys.json", "pg")
    pool = PostgresReader(pool_size=2)
    client = TestClient(create_app(settings_for(tmp_path / "keys.json", target="postgres"), pool))
    client.headers["X-API-Key"] = key
    client.reader = pool
    yield client
    pool.close()


@pytest.fixture
def short_statement_timeout(monkeypatch):
    """Queries the pool's connections cancel after 0.3 s (asked before `client`)."""
    monkeypatch.setattr(reader, "STATEMENT_TIMEOUT_MS", 300)


def test_a_cursor_lasts_until_the_marts_are_rebuilt(client):
    cursor = client.get("/api/v1/warehouse-stock", params={"limit": 2}).json()["next_cursor"]
    execute("select pg_sleep(0.2)")  # generations of the cache pass meanwhile
    assert client.get("/api/v1/warehouse-stock", params={"limit": 2, "cursor": cursor}).status_code == 200
    execute(REBUILD + "select pg_sleep(0.2)")
    assert client.get("/api/v1/warehouse-stock", params={"limit": 2, "cursor": cursor}).status_code == 409


def test_whole_quantities_are_integers_and_times_utc(client):
    answer = client.get("/api/v1/warehouse-stock", params={"limit": 1}).json()
    assert answer["data"][0]["available_quantity"] == 8350 and answer["totals"]["available_quantity"] == 5 * 8350
    assert json.dumps(answer["data"][0]["available_quantity"]) == "8350"
    assert answer["data"][0]["snapshot_at"] == "2026-01-02T03:04:00+00:00"
    csv = client.get("/api/v1/warehouse-stock", params={"format": "csv", "limit": 1}).text
    assert ",8350," in csv


def test_a_nul_character_is_a_422_and_a_dead_pooled_connection_is_replaced(client):
    answer = client.get("/api/v1/warehouse-stock", params={"warehouse": "\x00"})
    assert answer.status_code == 422 and answer.json()["error"]["fields"][0]["field"] == "warehouse"
    assert client.get("/api/v1/warehouse-stock").status_code == 200
    execute(
        "select pg_terminate_backend(pid) from pg_stat_activity "
        "where application_name = 'marketplace-elt-serve' and datname = current_database()"
    )
    assert client.get("/api/v1/warehouse-stock", params={"sort": "-product_key"}).status_code == 200


def test_a_nul_character_in_a_page_s_filter_or_product_is_a_422(client):
    """The pages sent them to the database as they were: psycopg2 cannot bind a NUL character, a 500."""
    for path, name in (
        ("/stock?account=%00", "account"),
        ("/stock?warehouse=x%00", "warehouse"),
        ("/alerts?product=%00", "product"),
        ("/replenishment?location_level=%00", "location_level"),
        ("/products/a%00", "product_key"),
    ):
        answer = client.get(path)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["error"]["message"] == f"{name} must not contain a NUL character"
        assert client.get(path, headers={"Accept": "text/html"}).status_code == 422


def test_stock_reports_of_an_unbuilt_database_is_a_503(client):
    answer = client.get("/api/v1/stock-reports")
    assert answer.status_code == 503 and "not built yet" in answer.json()["error"]["message"]


def test_a_query_waiting_behind_a_rebuild_or_a_server_gone_is_a_503_to_retry(
    short_statement_timeout, client, monkeypatch
):
    """A client holding a mart (a BI tool's open transaction) keeps a build's swap waiting, and the
    API's queries wait behind the swap until the statement timeout; a server stopped refuses new
    connections. Both were a 500 "internal error", as if the server had a bug."""
    swap = psycopg2.connect(**config.postgres_settings())
    try:
        with swap.cursor() as cursor:
            cursor.execute("lock table marts.inventory in access exclusive mode")  # as dbt's rename does
            waited = client.get("/api/v1/warehouse-stock")
        assert waited.status_code == 503 and waited.headers["Retry-After"] == "5"
        assert waited.json()["error"]["message"].startswith("the database is unavailable or busy (canceling statement")
        swap.rollback()
        assert client.get("/api/v1/warehouse-stock").status_code == 200

        monkeypatch.setitem(client.reader._pool._kwargs, "port", closed_port())  # the server gone: no new connection
        swap.autocommit = True  # pg_stat_activity is read anew by each statement, not once per transaction
        with swap.cursor() as cursor:
            served = "from pg_stat_activity where application_name = 'marketplace-elt-serve'"
            cursor.execute(f"select pg_terminate_backend(pid) {served}")
            while cursor.execute(f"select count(*) {served}") or cursor.fetchone()[0]:
                time.sleep(0.05)
        gone = client.get("/api/v1/warehouse-stock", params={"sort": "-product_key"})  # not the page cached
        assert gone.status_code == 503 and "try again shortly" in gone.json()["error"]["message"]
    finally:
        swap.close()


# The run log and a report-request view as the runner and dbt make them, written between builds.
WRITTEN = """
    create schema ops;
    create table ops.run_log (
        run_id text, kind text, status text, started_at timestamptz, finished_at timestamptz);
    insert into ops.run_log
    select 'r' || n, 'run', 'success', timestamptz '2026-01-01 00:00+00' + n * interval '1 hour', null
    from generate_series(1, 5) as n;
    create schema monitoring;
    create view monitoring.etl_runs as select run_id, status, started_at from ops.run_log where kind = 'run';
    create schema raw_ozon;
    create table raw_ozon.report_requests as
    select 'shop' as account, 'c' || n as report_code, 'stock' as report_type,
        timestamptz '2026-01-01 00:00+00' + n * interval '1 hour' as requested_at, null::timestamptz as finished_at,
        'ok' as api_status, 'loaded' as outcome, null as error, 1 as polls, 10 as rows_loaded, 0 as rows_quarantined
    from generate_series(1, 5) as n;
    create schema staging;
    create view staging.stg_ozon__report_requests as select * from raw_ozon.report_requests;
"""


def test_a_cursor_over_the_run_log_or_the_reports_lasts_until_they_are_written(client):
    """Their cursors fingerprinted only the marts' OIDs: a run or a load writing the tables under the
    monitoring and report-request views left them valid, and the next page repeated or skipped rows."""
    execute(WRITTEN)

    def cursor(path: str) -> str:
        answer = client.get(path, params={"limit": 2})
        assert answer.status_code == 200, answer.text
        return answer.json()["next_cursor"]

    def next_page(path: str, token: str) -> int:
        return client.get(path, params={"limit": 2, "cursor": token}).status_code

    for path, write in (
        ("/api/v1/runs", "insert into ops.run_log values ('r9', 'run', 'running', now(), null)"),
        ("/api/v1/runs", "update ops.run_log set status = 'success', finished_at = now() where run_id = 'r9'"),
        ("/api/v1/stock-reports", "insert into raw_ozon.report_requests (account, report_code) values ('shop', 'c9')"),
    ):
        token = cursor(path)
        execute("select pg_sleep(0.2)")  # generations of the cache pass meanwhile
        assert next_page(path, token) == 200, (path, write)
        execute(write)
        assert ends_soon(client, path, token), (path, write)


# The statistics of a write reach the server when the writer's connection sends them: at its transaction's
# end unless it sent some less than a second before, and when it closes (as `execute` does, just after it
# returns: the server's backend may still be exiting when the next request comes).
STATISTICS_LAG_SECONDS = 3


def ends_soon(client: TestClient, path: str, token: str) -> bool:
    """Whether the cursor `token` of `path` is refused (409) within STATISTICS_LAG_SECONDS."""
    deadline = time.monotonic() + STATISTICS_LAG_SECONDS
    while (status := client.get(path, params={"limit": 2, "cursor": token}).status_code) != 409:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return status == 409


READ_ONLY_GRANTS = """
    grant connect on database "{database}" to {role};
    grant usage on schema marts, monitoring, staging, ops to {role};
    grant select on all tables in schema marts, monitoring, staging, ops to {role};
"""


@pytest.fixture
def read_only_client(postgres_database, tmp_path, monkeypatch):
    """A server whose role may read the marts, monitoring, staging and ops, not the raw tables."""
    monkeypatch.setattr(reader, "POSTGRES_TICK_SECONDS", 0.05)
    execute(MARTS + WRITTEN)
    role = f"serving_{uuid.uuid4().hex[:12]}"
    execute(
        f"create role {role} login; " + READ_ONLY_GRANTS.format(database=postgres_database["PGDATABASE"], role=role)
    )
    admin = config.postgres_settings()["user"]
    monkeypatch.setenv("PGUSER", role)
    pool = PostgresReader(pool_size=2)  # its connections, now and to come, are the role's
    monkeypatch.setenv("PGUSER", str(admin))  # `execute` writes as the owner
    key = keys.create(tmp_path / "keys.json", "pg")
    client = TestClient(create_app(settings_for(tmp_path / "keys.json", target="postgres"), pool))
    client.headers["X-API-Key"] = key
    try:
        yield client
    finally:
        pool.close()
        execute(f"drop owned by {role}; drop role {role}")


def test_a_read_only_role_lists_and_a_missing_grant_is_a_503_naming_it(read_only_client):
    """The version of the cursors counted and summed the xmin of the raw tables under the monitoring and
    report-request views: a role that may read the views, not those tables, had a 500 on every list."""
    client = read_only_client
    for path in ("/api/v1/warehouse-stock", "/api/v1/runs", "/api/v1/stock-reports"):
        answer = client.get(path, params={"limit": 2})
        assert answer.status_code == 200, (path, answer.text)
    token = client.get("/api/v1/runs", params={"limit": 2}).json()["next_cursor"]
    execute("insert into ops.run_log values ('r9', 'run', 'running', now(), null)")
    assert ends_soon(client, "/api/v1/runs", token)
    execute(REBUILD)  # dbt's new table: no grant of its own without default privileges
    answer = client.get("/api/v1/warehouse-stock", params={"limit": 2})
    message = answer.json()["error"]["message"]
    assert answer.status_code == 503 and "permission denied for table inventory" in message and "GRANT" in message
