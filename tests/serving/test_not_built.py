"""The server on a database whose runs failed: a snapshot with the run log but no marts, and a build
that failed after one that succeeded."""

from __future__ import annotations

import shutil

import duckdb
from fastapi.testclient import TestClient

from loaders import config
from scripts import run, steps
from serving import publish
from serving.app import create_app
from serving.health import Health
from serving.reader import SnapshotReader
from tests.support.operations import isolated_ops
from tests.support.serving import settings_for


def local_client(folder, ddl: str) -> TestClient:
    """A client from this machine (local mode: no key) of a server on a published database made by `ddl`."""
    database = folder / "warehouse.duckdb"
    with duckdb.connect(str(database)) as db:
        db.execute(ddl)
    publish.publish(database)
    app = create_app(settings_for(folder / "keys.json", local_mode=True), SnapshotReader(publish.publish_dir(database)))
    return TestClient(app, client=("127.0.0.1", 5000))


def test_every_list_answers_one_clear_line_before_the_marts_are_built(tmp_path):
    client = local_client(tmp_path, "create schema ops; create table ops.run_log (run_id varchar, status varchar)")

    for path in ("/api/v1/warehouse-stock", "/api/v1/replenishment-plan", "/api/v1/stock-reports", "/stock"):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.text)
        message = answer.json()["error"]["message"]
        assert message.startswith("the marts are not built yet, or not by this version of the project"), message
        assert "make run" in message
        assert "\n" not in message
    page = client.get("/stock", headers={"Accept": "text/html"})  # a browser gets a page, not JSON
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    assert "the marts are not built yet" in page.text and "<nav>" in page.text


def test_the_sync_page_of_a_database_without_a_run_log_is_empty_not_an_error(seller, tmp_path):
    """`make build` alone writes no ops schema: its monitoring views are empty, the page shows them so."""
    folder = tmp_path / "warehouse.published"
    folder.mkdir()
    shutil.copy(publish.current_snapshot(seller.published), folder / "marts-1.duckdb")
    (folder / "current").write_text("marts-1.duckdb", encoding="utf-8")
    with duckdb.connect(str(folder / "marts-1.duckdb")) as db:
        db.execute("drop schema ops cascade")
    app = create_app(settings_for(tmp_path / "keys.json", local_mode=True), SnapshotReader(folder))
    assert TestClient(app, client=("127.0.0.1", 5000)).get("/monitoring").status_code == 200


def snapshot_client(seller, folder, ddl: str) -> TestClient:
    """A local client of a server on a copy of the seller's snapshot, changed by `ddl`."""
    published = folder / "warehouse.published"
    published.mkdir()
    shutil.copy(publish.current_snapshot(seller.published), published / "marts-1.duckdb")
    (published / "current").write_text("marts-1.duckdb", encoding="utf-8")
    with duckdb.connect(str(published / "marts-1.duckdb")) as db:
        db.execute(ddl)
    app = create_app(settings_for(folder / "keys.json", local_mode=True), SnapshotReader(published))
    return TestClient(app, client=("127.0.0.1", 5000))


def test_marts_without_a_column_the_server_reads_answer_503_not_500(seller, tmp_path):
    """Marts of another version of the project (a column renamed or dropped) are not built for this
    server: the same clear 503 as no marts, not an internal error. A column the server itself sorts
    or charts by was blamed on the request (422 `cannot sort by 'days_of_cover'`, field `sort`, to a
    client that sent no sort), and the sync page failed (500) on a run log without duration_seconds."""
    client = local_client(tmp_path, "create schema marts; create table marts.inventory (product_key varchar)")
    answer = client.get("/api/v1/warehouse-stock")
    assert answer.status_code == 503, answer.text
    assert "not by this version of the project" in answer.json()["error"]["message"]

    older = tmp_path / "older"
    older.mkdir()
    client = snapshot_client(
        seller,
        older,
        "alter table marts.stock_alerts drop column days_of_cover;"  # the default sorts
        "alter table marts.lost_sales drop column lost_revenue;"
        "alter table marts.inventory_turnover drop column overstock_value;"
        "alter table marts.inventory drop column available_quantity;"  # /stock's chart (sorted by product_key)
        "alter table monitoring.etl_runs drop column duration_seconds;"
        "insert into monitoring.etl_runs (run_id, started_at) values ('older', timestamp '2026-01-02 03:04');",
    )
    for path in (
        "/api/v1/stock-alerts",
        "/api/v1/lost-sales",
        "/api/v1/inventory-turnover",
        "/alerts",
        "/lost-sales",
        "/turnover",
        "/stock",
    ):
        answer = client.get(path)
        assert answer.status_code == 503, (path, answer.text)
        assert "not by this version of the project" in answer.json()["error"]["message"], path
    assert client.get("/api/v1/warehouse-stock").status_code == 200  # sorted by product_key: nothing lacking
    asked = client.get("/api/v1/lost-sales", params={"sort": "-lost_revenue"})  # the client's own sort: its mistake
    assert asked.status_code == 422 and asked.json()["error"]["fields"][0]["field"] == "sort", asked.text
    by = client.get("/abc-xyz", params={"by": "warehouse_name"})  # a chart by a column the rows lack
    assert by.status_code == 422 and by.json()["error"]["fields"][0]["field"] == "by", by.text
    sync = client.get("/monitoring", headers={"Accept": "text/html"})
    assert sync.status_code == 200, sync.text
    assert 'id="chart-1"' in sync.text and '<td class="">older</td>' in sync.text  # its charts and its runs


def test_the_api_health_judges_a_run_whose_build_failed(workdir, tmp_path, monkeypatch):
    """A run published its snapshot only after a successful build: after a failed build the API's
    health judged the run before it (healthy) while `make health` said UNHEALTHY. Now the failed run's
    row is published, beside the marts of the snapshot before (not the half-built ones)."""
    isolated_ops(tmp_path, monkeypatch)
    database = config.duckdb_path()
    with duckdb.connect(str(database)) as db:
        db.execute("create schema marts; create table marts.inventory as select 7 as available_quantity")
    monkeypatch.setattr(steps, "dbt_command", lambda *_args: ["true"])
    assert run.main(["--transform-only"]) == 0
    with duckdb.connect(str(database)) as db:
        db.execute("update marts.inventory set available_quantity = 8")  # what the failed build left
    monkeypatch.setattr(steps, "dbt_command", lambda *_args: ["false"])
    assert run.main(["--transform-only"]) != 0

    folder = publish.publish_dir(database)
    with duckdb.connect(str(publish.current_snapshot(folder)), read_only=True) as snapshot:
        runs = snapshot.execute("select status from ops.run_log where kind = 'run' order by started_at").fetchall()
        assert runs == [("success",), ("failed",)]
        assert snapshot.execute("select available_quantity from marts.inventory").fetchall() == [(7,)]
    report = Health(SnapshotReader(folder)).report()
    [last_run] = [check for check in report["checks"] if check["name"] == "last run"]
    assert report["verdict"] == "unhealthy" and last_run["status"] == "fail", report
    assert "failed" in last_run["message"], last_run
