"""The server on a database whose first run failed: its snapshot holds the run log but no marts."""

from __future__ import annotations

import shutil

import duckdb
from fastapi.testclient import TestClient

from serving import publish
from serving.app import create_app
from serving.reader import SnapshotReader
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


def test_marts_without_a_column_the_server_reads_answer_503_not_500(tmp_path):
    """Marts of another version of the project (a column renamed or dropped) are not built for this
    server: the same clear 503 as no marts, not an internal error."""
    client = local_client(tmp_path, "create schema marts; create table marts.inventory (product_key varchar)")
    answer = client.get("/api/v1/warehouse-stock")
    assert answer.status_code == 503, answer.text
    assert "not by this version of the project" in answer.json()["error"]["message"]
