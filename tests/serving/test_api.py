"""The stock API (`make serve`) on the sandbox seller: answers equal the marts, pages, ETag, CSV, health,
and a run that loads and builds while requests keep being answered from the previous snapshot."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from datetime import UTC

import psycopg2
import pytest
from fastapi.testclient import TestClient

from sandbox import Sandbox
from scripts import database
from serving import keys, marts
from serving.app import create_app
from serving.queries import Listing
from serving.reader import PostgresReader
from tests.support.operations import run_script
from tests.support.serving import SELLER, Seller, every_page, settings_for

STOCK_SQL = """
    select i.product_key, i.warehouse_key, i.stock_type, i.available_quantity
    from marts.inventory as i
    left join marts.dim_products as p on p.product_key = i.product_key
    left join marts.dim_warehouses as w on w.warehouse_key = i.warehouse_key
    where {where}"""


def stock_keys(rows: list[dict]) -> set[tuple]:
    return {(r["product_key"], r["warehouse_key"], r["stock_type"], r["available_quantity"]) for r in rows}


def some(seller, sql: str, params: tuple = ()):
    return seller.marts(sql, params)[0][0]


def test_warehouse_stock_equals_the_inventory_mart_for_several_filters(api, seller):
    warehouse = some(seller, "select warehouse_key from marts.inventory where stock_type = 'fbo' limit 1")
    cluster = some(seller, "select cluster_name from marts.dim_warehouses where cluster_name is not null limit 1")
    article = some(seller, "select seller_article from marts.dim_products where marketplace = 'ozon' limit 1")
    nm_id = some(
        seller, "select marketplace_product_id from marts.dim_products where marketplace = 'wildberries' limit 1"
    )
    cases = [
        ({}, "true"),
        ({"marketplace": "wildberries"}, "i.marketplace = 'wildberries'"),
        ({"warehouse": warehouse}, f"i.warehouse_key = '{warehouse}'"),
        ({"warehouse": warehouse.split(":", 1)[1].lower()}, f"i.warehouse_key = '{warehouse}'"),
        ({"cluster": cluster}, f"w.cluster_name = '{cluster}'"),
        ({"offer_id": article}, f"p.seller_article = '{article}'"),
        ({"nm_id": nm_id}, f"p.marketplace_product_id = '{nm_id}'"),
        (
            {"stock_type": "fbo", "min_available": 5, "max_available": 60},
            "i.stock_type = 'fbo' and i.available_quantity between 5 and 60",
        ),
        (
            {"marketplace": "ozon", "account": "shop", "stock_type": "fbs"},
            "i.marketplace = 'ozon' and i.stock_type = 'fbs'",
        ),
    ]
    for params, where in cases:
        expected = {tuple(row) for row in seller.marts(STOCK_SQL.format(where=where))}
        rows = every_page(api, "/api/v1/warehouse-stock", limit=1000, **params)
        assert stock_keys(rows) == expected, params
        assert expected or params.get("stock_type") == "fbs", f"{params}: the sandbox seller should have such stock"
        answer = api.get("/api/v1/warehouse-stock", params={**params, "limit": 1}).json()
        assert answer["totals"]["rows"] == len(expected)
        assert answer["totals"]["available_quantity"] == (sum(row[3] for row in expected) if expected else None)
    assert len(seller.marts(STOCK_SQL.format(where="true"))) > 100


def test_pages_return_every_row_once_in_order(api, seller):
    rows = every_page(api, "/api/v1/warehouse-stock", limit=7, sort="-available_quantity")
    keys = [(r["product_key"], r["warehouse_key"], r["stock_type"]) for r in rows]
    assert len(keys) == len(set(keys)) == some(seller, "select count(*) from marts.inventory")
    quantities = [r["available_quantity"] for r in rows]
    assert quantities == sorted(quantities, reverse=True)


def test_a_cursor_of_other_filters_is_refused(api):
    cursor = api.get("/api/v1/warehouse-stock", params={"limit": 5}).json()["next_cursor"]
    answer = api.get("/api/v1/warehouse-stock", params={"limit": 5, "cursor": cursor, "marketplace": "ozon"})
    assert answer.status_code == 409 and answer.json()["error"]["fields"][0]["field"] == "cursor"


def test_as_of_reads_the_stock_history(api, seller):
    first_day = some(seller, "select min(business_date) from marts.inventory_daily")
    expected = {
        tuple(row)
        for row in seller.marts(
            "select product_key, warehouse_key, stock_type, available_quantity from marts.inventory_daily "
            "where business_date = ?",
            (first_day,),
        )
    }
    rows = every_page(api, "/api/v1/warehouse-stock", limit=1000, as_of=first_day.isoformat())
    assert expected and stock_keys(rows) == expected
    assert api.get("/api/v1/warehouse-stock", params={"as_of": "2001-01-01"}).json()["data"] == []


def test_one_warehouse_by_key_or_name_and_an_unknown_one(api, seller):
    warehouse = some(seller, "select warehouse_key from marts.inventory where marketplace = 'ozon' limit 1")
    expected = seller.marts("select count(*) from marts.inventory where warehouse_key = ?", (warehouse,))[0][0]
    answer = api.get(f"/api/v1/warehouse-stock/{warehouse}", params={"limit": 1000}).json()
    assert {row["warehouse_key"] for row in answer["data"]} == {warehouse} and answer["totals"]["rows"] == expected
    assert api.get("/api/v1/warehouse-stock/НЕТ_ТАКОГО").status_code == 404
    # A name may hold a slash (the canonical spelling keeps it): the handler, not the router, answers.
    unknown = api.get("/api/v1/warehouse-stock/КАЗАНЬ/ЗЕЛЕНОДОЛЬСК")
    assert unknown.status_code == 404 and "КАЗАНЬ/ЗЕЛЕНОДОЛЬСК" in unknown.json()["error"]["message"]


def test_etag_answers_304_when_nothing_changed(api):
    first = api.get("/api/v1/stock-alerts", params={"severity": "critical"})
    assert first.status_code == 200 and first.headers["etag"] and first.headers["x-data-as-of"]
    again = api.get(
        "/api/v1/stock-alerts", params={"severity": "critical"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == first.headers["etag"]
    other = api.get(
        "/api/v1/stock-alerts", params={"severity": "warning"}, headers={"If-None-Match": first.headers["etag"]}
    )
    assert other.status_code == 200


def test_csv_equals_json(api):
    params = {"marketplace": "ozon", "sort": "product_key", "limit": 1000}
    data = api.get("/api/v1/warehouse-stock", params=params).json()["data"]
    for answer in (
        api.get("/api/v1/warehouse-stock", params={**params, "format": "csv"}),
        api.get("/api/v1/warehouse-stock", params=params, headers={"Accept": "text/csv"}),
    ):
        assert answer.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        assert rows == [{k: "" if v is None else str(v) for k, v in row.items()} for row in data]
    assert len(data) > 50


def test_large_answers_are_gzipped(api):
    answer = api.get("/api/v1/warehouse-stock", params={"limit": 1000}, headers={"Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"


def test_the_other_lists_equal_their_marts(api, seller):
    sales_of_wildberries = (
        "select count(*) from marts.sales_velocity as v inner join marts.dim_products as p "
        "on p.product_key = v.product_key where p.marketplace = 'wildberries'"
    )
    reports = (
        "select (select count(*) from staging.stg_ozon__report_requests) "
        "+ (select count(*) from staging.stg_wildberries__report_requests)"
    )
    for path, params, sql in (
        ("/api/v1/stock-alerts", {}, "select count(*) from marts.stock_alerts"),
        (
            "/api/v1/stock-alerts",
            {"severity": "critical"},
            "select count(*) from marts.stock_alerts where severity = 'critical'",
        ),
        ("/api/v1/replenishment-plan", {}, "select count(*) from marts.replenishment_plan"),
        ("/api/v1/sales-velocity", {"marketplace": "wildberries"}, sales_of_wildberries),
        ("/api/v1/runs", {}, "select count(*) from monitoring.etl_runs"),
        ("/api/v1/runs/resources", {}, "select count(*) from monitoring.etl_resource_status"),
        ("/api/v1/stock-reports", {}, reports),
    ):
        rows = every_page(api, path, limit=50, **params)
        assert len(rows) == some(seller, sql) > 0, (path, params)
    plan = api.get("/api/v1/replenishment-plan", params={"limit": 1}).json()["data"][0]
    own = [row[0] for row in seller.marts("describe marts.replenishment_plan")]
    assert set(own) <= set(plan), "every input of a plan row is in the answer"


@pytest.mark.parametrize("marketplace", ["ozon", "wildberries"])
def test_a_product_with_its_stock_and_history(api, seller, marketplace):
    """A Wildberries product key holds a slash (`<nmID>/<size>`): it is one path parameter too."""
    product = some(
        seller,
        "select product_key from marts.inventory where marketplace = ? group by 1 order by 1 limit 1",
        (marketplace,),
    )
    answer = api.get(f"/api/v1/products/{product}").json()
    assert answer["product"]["product_key"] == product
    stock = seller.marts(
        "select warehouse_key, stock_type, available_quantity from marts.inventory where product_key = ?", (product,)
    )
    assert {(r["warehouse_key"], r["stock_type"], r["available_quantity"]) for r in answer["stock"]} == set(stock)
    days = seller.marts("select count(*) from marts.inventory_daily where product_key = ?", (product,))[0][0]
    assert len(answer["stock_history"]) == days > len(stock)
    assert api.get("/api/v1/products/ozon:shop:0").status_code == 404


def test_health_is_make_healths_verdict(api, seller, monkeypatch):
    seller.apply(monkeypatch)
    answer = api.get("/api/v1/health", headers={"X-API-Key": ""})
    made = run_script("scripts.health", "--json")
    assert answer.json()["verdict"] in ("healthy", "degraded", "unhealthy")
    assert answer.json()["verdict"] == json.loads(made.stdout)["verdict"]
    assert answer.status_code == (503 if answer.json()["verdict"] == "unhealthy" else 200)


def test_requests_are_answered_from_the_previous_snapshot_while_a_run_loads_and_builds(api, seller):
    before = api.get("/api/v1/runs", params={"limit": 1}).json()["data"][0]["run_id"]
    answers, failures = [], []
    run = threading.Thread(target=seller.run)
    run.start()
    while run.is_alive():
        answer = api.get("/api/v1/runs", params={"limit": 1})
        (answers if answer.status_code == 200 else failures).append(answer)
        time.sleep(0.2)
    run.join()
    assert not failures, [f.text for f in failures]
    seen = [answer.json()["data"][0]["run_id"] for answer in answers]
    assert len(seen) > 20 and seen[0] == before  # the run took seconds, the old snapshot answered meanwhile
    after = api.get("/api/v1/runs", params={"limit": 1}).json()["data"][0]["run_id"]
    assert after != before and set(seen) <= {before, after}
    assert len(list(seller.published.glob("marts-*.duckdb"))) == 2  # older snapshots deleted


@pytest.mark.postgres
def test_on_postgres_the_api_reads_the_marts_through_read_only_connections(postgres_database, tmp_path):
    with Sandbox(SELLER) as sandbox:
        Seller(tmp_path, sandbox).run(target="postgres")
    with database.connect("postgres") as db:  # as if `make build` had built the marts: no run-log row of it
        (recorded,) = db.execute("select built_at from marts.marts_built")[0]
        db.execute("delete from ops.run_log where kind = 'transform'")
    reader = PostgresReader(pool_size=2)
    try:
        key = keys.create(tmp_path / "keys.json", "pg")
        client = TestClient(create_app(settings_for(tmp_path / "keys.json", target="postgres"), reader))
        client.headers["X-API-Key"] = key
        with database.connect("postgres") as db:
            expected = {tuple(row) for row in db.execute(STOCK_SQL.format(where="i.marketplace = 'ozon'"))}
        rows = every_page(client, "/api/v1/warehouse-stock", limit=50, marketplace="ozon")
        assert expected and stock_keys(rows) == expected
        runs = client.get("/api/v1/runs").json()
        assert runs["totals"]["rows"] == 1
        assert runs["as_of"]["built_at"] == recorded.replace(tzinfo=UTC).isoformat()  # it was null
        with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
            reader.query("create table marts.written_by_the_server (a int)")
        with database.connect("postgres") as db:
            over_views = db.execute(VIEWS_OVER_VIEWS, (sorted(served_relations()),))
        assert over_views == [], "dropped with the view they read while dbt rebuilds it: the API answers 'not built'"
    finally:
        reader.close()


# Views the API reads that read another view: dbt-postgres rebuilds a view by dropping the old one with
# cascade, which drops the views over it until their own turn in the build (monitoring.etl_resource_status
# over the staging views: 503 "not built" for seconds of every build).
VIEWS_OVER_VIEWS = """
    select distinct served_schema.nspname || '.' || served.relname, read_schema.nspname || '.' || read.relname
    from pg_depend as dependency
    inner join pg_rewrite as rule on dependency.classid = 'pg_rewrite'::regclass and dependency.objid = rule.oid
    inner join pg_class as served on rule.ev_class = served.oid
    inner join pg_namespace as served_schema on served.relnamespace = served_schema.oid
    inner join pg_class as read on dependency.refobjid = read.oid
    inner join pg_namespace as read_schema on read.relnamespace = read_schema.oid
    where read.relkind = 'v' and read.oid <> served.oid
      and served_schema.nspname || '.' || served.relname = any(?)
"""


def served_relations() -> set[str]:
    return {listing.mart for listing in vars(marts).values() if isinstance(listing, Listing)}
