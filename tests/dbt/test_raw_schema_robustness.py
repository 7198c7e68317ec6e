"""dbt build on raw schemas that real accounts leave incomplete, on DuckDB and PostgreSQL.

Real accounts differ from the sandbox: an endpoint removed or refused leaves its raw table never
created, a list that is always empty leaves no child table, a field never sent leaves no column
(dlt creates none of them). The staging models read raw tables through macro `raw_table`, which
turns the declared contract (the columns in `_<marketplace>__sources.yml`) into no rows or typed
nulls, so the build passes and the marts built from what is missing are empty or null.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from loaders import config
from scripts import database, steps
from serving import publish
from serving.app import create_app
from serving.reader import SnapshotReader
from tests.support.destinations import query
from tests.support.operations import run_script
from tests.support.serving import settings_for

BOTH = {"MARKETPLACES": "ozon,wildberries"}
FIRST_LOAD, SECOND_LOAD = "1767225600.000001", "1767229200.000002"  # 2026-01-01 00:00 and 01:00 UTC

# Raw tables made by hand as dlt would have made them for an account that sent little: no
# `volume_weight` on products, analytics stock rows without `stock_defect_stock_count`, `ads`,
# `ads_cluster` and `idc`, cards without `imt_id` and with `subject_id` sent as text (dlt's variant column
# `subject_id__v_text`, the column null; `rating__v_text` is only named like one: there is no
# `rating`); no analytics_stocks__item_tags (every `item_tags` list was empty); no other table at all.
# Ozon's JSON leaves out counts that are zero (protobuf): those columns, `ads` and `ads_cluster`
# (Ozon's average daily sales) and `idc` read as 0 when never sent; an FBS stock row without `reserved`, an
# analytics row without `available_stock_count` at ГРИВНО_РФЦ, and one at ПУШКИНО_1_РФЦ whose count
# came as text (dlt's variant `available_stock_count__v_text`), which is no zero but an error. The
# analytics_stocks resource failed after one page in the second load (its resource_outcomes row
# says so): that load is no snapshot, inventory keeps the first one, whose second row came without
# its warehouse_name. Three sales sent at one instant,
# in Moscow time without an offset, in UTC and at +05:00 (-05:00 for the change time). A
# warehouse_remains row whose one warehouse entry came without its name (beside WB's pseudo-warehouse
# total; the report sends no other columns of it), and one entry without its quantity (WB lists only
# entries holding one): an error of that cell alone. The sales came without the money WB fills in
# later: 0, pending. The card's brand came as "": raw holds '' here on both databases (a load by dlt
# leaves '' in DuckDB, null in PostgreSQL: its COPY), and staging reads it as null on both.
RAW_TABLES = f"""
create schema raw_ozon;
create schema raw_wildberries;
create table raw_ozon._dlt_loads (
    load_id varchar, schema_name varchar, status bigint, inserted_at timestamp with time zone
);
insert into raw_ozon._dlt_loads values
    ('{FIRST_LOAD}', 'ozon', 0, '2026-01-01 00:00:05+00'), ('{SECOND_LOAD}', 'ozon', 0, '2026-01-01 01:00:05+00');
create table raw_ozon.products (
    account varchar, synced_at timestamp with time zone, id bigint, offer_id varchar, sku bigint, name varchar,
    is_archived boolean, is_autoarchived boolean, statuses__status varchar, currency_code varchar, price varchar,
    old_price varchar, created_at varchar, updated_at varchar, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_ozon.products values (
    'shop', '2026-01-01 00:00:00+00', 1, 'A-1', 11, 'Kettle', false, false, 'price_sent', 'RUB', '1990.00', '',
    '2025-06-01T10:00:00Z', '2025-12-01T10:00:00Z', '{FIRST_LOAD}', 'product-1'
);
create table raw_ozon.product_stocks (
    account varchar, synced_at timestamp with time zone, offer_id varchar, product_id bigint,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_ozon.product_stocks values ('shop', '2026-01-01 00:00:00+00', 'A-1', 1, '{FIRST_LOAD}', 'stock-1');
create table raw_ozon.product_stocks__stocks (
    sku bigint, type varchar, shipment_type varchar, present bigint, reserved bigint, _dlt_parent_id varchar,
    _dlt_list_idx bigint, _dlt_id varchar
);
insert into raw_ozon.product_stocks__stocks values (11, 'fbs', null, 4, null, 'stock-1', 0, 'stock-1-0');
create table raw_ozon.analytics_stocks (
    account varchar, synced_at timestamp with time zone, sku bigint, offer_id varchar, warehouse_id bigint,
    warehouse_name varchar, cluster_id bigint, cluster_name varchar, available_stock_count bigint,
    valid_stock_count bigint, requested_stock_count bigint, transit_stock_count bigint,
    return_from_customer_stock_count bigint, _dlt_load_id varchar, _dlt_id varchar,
    available_stock_count__v_text varchar
);
insert into raw_ozon.analytics_stocks values
    ('shop', '2026-01-01 00:00:00+00', 11, 'A-1', 7, 'ХОРУГВИНО_РФЦ', 1, 'Москва', 5, 0, 0, 2, 0,
     '{FIRST_LOAD}', 'a-1', null),
    ('shop', '2026-01-01 01:00:00+00', 11, 'A-1', 7, 'ХОРУГВИНО_РФЦ', 1, 'Москва', 1, 0, 0, 0, 0,
     '{SECOND_LOAD}', 'a-2', null),
    ('shop', '2026-01-01 00:00:00+00', 11, 'A-1', 8, null, 1, 'Москва', 3, 0, 0, 0, 0, '{FIRST_LOAD}', 'a-3', null),
    ('shop', '2026-01-01 00:00:00+00', 11, 'A-1', 9, 'ГРИВНО_РФЦ', 1, 'Москва', null, null, null, 1, null,
     '{FIRST_LOAD}', 'a-4', null),
    ('shop', '2026-01-01 00:00:00+00', 11, 'A-1', 10, 'ПУШКИНО_1_РФЦ', 1, 'Москва', null, 0, 0, 0, 0,
     '{FIRST_LOAD}', 'a-5', 'семь');
create table raw_ozon.resource_outcomes (
    account varchar, synced_at timestamp with time zone, resource varchar, status varchar, http_status bigint,
    endpoint varchar, message varchar, data_load_id varchar, _dlt_load_id varchar
);
insert into raw_ozon.resource_outcomes values
    ('shop', '2026-01-01 00:00:00+00', 'analytics_stocks', 'ok', null, null, null, '{FIRST_LOAD}', '1767225700.1'),
    ('shop', '2026-01-01 01:00:00+00', 'analytics_stocks', 'failed', 503, '/v1/analytics/stocks',
     'Service Unavailable after 5 retries', '{SECOND_LOAD}', '1767229300.2');
create table raw_wildberries._dlt_loads (
    load_id varchar, schema_name varchar, status bigint, inserted_at timestamp with time zone
);
insert into raw_wildberries._dlt_loads values ('{FIRST_LOAD}', 'wildberries', 0, '2026-01-01 00:00:05+00');
create table raw_wildberries.cards (
    account varchar, synced_at timestamp with time zone, nm_id bigint, nm_uuid varchar, subject_id bigint,
    subject_name varchar, vendor_code varchar, brand varchar, title varchar, created_at varchar, updated_at varchar,
    _dlt_load_id varchar, _dlt_id varchar, subject_id__v_text varchar, rating__v_text varchar
);
insert into raw_wildberries.cards values (
    'shop', '2026-01-01 00:00:00+00', 500, 'uuid-500', null, 'Чайники', 'K-1', '', 'Kettle',
    '2025-06-01T10:00:00Z', '2025-12-01T10:00:00Z', '{FIRST_LOAD}', 'card-500', 'семь', 'high'
);
create table raw_wildberries.sales (
    account varchar, synced_at timestamp with time zone, sale_id varchar, nm_id bigint, "date" varchar,
    last_change_date varchar, _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_wildberries.sales values
    ('shop', '2026-01-01 00:00:00+00', 'S1', 501, '2025-12-31T10:00:00', '2025-12-31T10:05:00.5',
     '{FIRST_LOAD}', 's-1'),
    ('shop', '2026-01-01 00:00:00+00', 'S2', 501, '2025-12-31T07:00:00Z', '2025-12-31T07:05:00.5z',
     '{FIRST_LOAD}', 's-2'),
    ('shop', '2026-01-01 00:00:00+00', 'S3', 501, '2025-12-31T12:00:00+05:00', '2025-12-31T02:05:00.5-0500',
     '{FIRST_LOAD}', 's-3');
create table raw_wildberries.warehouse_remains (
    account varchar, synced_at timestamp with time zone, nm_id bigint, barcode varchar, tech_size varchar,
    _dlt_load_id varchar, _dlt_id varchar
);
insert into raw_wildberries.warehouse_remains values
    ('shop', '2026-01-01 00:00:00+00', 501, '2000000000017', '0', '{FIRST_LOAD}', 'remains-1');
create table raw_wildberries.warehouse_remains__warehouses (
    warehouse_name varchar, quantity bigint, _dlt_parent_id varchar, _dlt_list_idx bigint, _dlt_id varchar
);
insert into raw_wildberries.warehouse_remains__warehouses values
    (null, 4, 'remains-1', 0, 'entry-1'), ('Всего находится на складах', 4, 'remains-1', 1, 'entry-2'),
    ('Склад WB РФ', null, 'remains-1', 2, 'entry-3');
"""
RAW_RELATIONS = (
    "select table_schema || '.' || table_name from information_schema.tables where table_schema like 'raw_%'"
)


def build(destination: str) -> str:
    """`dbt build` as a scheduled run does it (no unit tests: they do not read the database); its output."""
    env = steps.environment({"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], **BOTH})
    command = steps.dbt_command("build", destination, *steps.SCHEDULED_BUILD)
    completed = subprocess.run(command, cwd=steps.PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-6000:] + completed.stderr[-2000:]
    return completed.stdout


def assert_product_page_names_a_product_without_an_article(folder: Path) -> None:
    """The dashboard's page of that product, on a snapshot of the database, names it by its id."""
    publish.publish()
    app = create_app(
        settings_for(folder / "keys.json", local_mode=True), SnapshotReader(publish.publish_dir(config.duckdb_path()))
    )
    (key, product_id) = query(
        "duckdb", "select product_key, marketplace_product_id from marts.dim_products where marketplace = 'wildberries'"
    )[0]
    page = TestClient(app, client=("127.0.0.1", 5000)).get(f"/products/{key}")
    assert page.status_code == 200
    assert f"<title>{product_id}" in page.text and "артикул —" in page.text and "None" not in page.text


def test_builds_on_a_database_without_raw_tables(destination):
    output = build(destination)
    assert "raw table raw_ozon.products does not exist" in output
    assert "raw table raw_wildberries.warehouse_remains does not exist" in output
    for relation in (
        "staging.stg_ozon__products",
        "staging.stg_wildberries__cards",
        "marts.inventory",
        "marts.fact_orders",
        "marts.replenishment_plan",
        "monitoring.etl_resource_status",
        "quality.raw_type_mismatches",
    ):
        assert query(destination, f"select count(*) from {relation}") == [(0,)], relation
    summary = run_script("scripts.summary", "--target", destination)
    assert summary.returncode == 0, summary.stderr
    assert "no products in the marts yet" in summary.stdout and "none: no sales in the window" in summary.stdout


def test_missing_tables_are_empty_and_missing_columns_null(destination, tmp_path):
    with database.connect(destination) as db:
        for statement in RAW_TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
    output = build(destination)
    assert "raw table raw_ozon.products has no column volume_weight" in output
    missing = "stock_defect_stock_count, ads, ads_cluster, idc"
    assert f"raw_ozon.analytics_stocks has no column {missing} (never sent" in output
    assert "read as 0, the value an answer leaves out" in output
    assert "raw table raw_ozon.analytics_stocks__item_tags does not exist" in output

    assert query(destination, "select product_id, price = 1990, volume_weight from staging.stg_ozon__products") == [
        (1, True, None)
    ]
    assert query(
        destination,
        "select available_quantity, defect_quantity, average_daily_sales, cluster_average_daily_sales"
        " from staging.stg_ozon__analytics_stocks where warehouse_id = 7 order by load_id",
    ) == [(5, 0, 0, 0), (1, 0, 0, 0)]
    assert query(destination, "select nm_id, imt_id, product_name, brand from staging.stg_wildberries__cards") == [
        (500, None, "Kettle", None)
    ]
    assert query(destination, "select * from quality.raw_type_mismatches order by marketplace") == [
        ("ozon", "analytics_stocks", "available_stock_count", "available_stock_count__v_text", "text", 1, "семь"),
        ("wildberries", "cards", "subject_id", "subject_id__v_text", "text", 1, "семь"),
    ]
    assert "WARN 2 raw_type_mismatches_has_no_rows" in output
    # The count sent as text is an error that leaves its row out of the marts, and no zero; so is the
    # WB entry without its quantity.
    assert sorted(
        query(
            destination,
            "select natural_key, severity, offending_value from quality.data_quality_issues"
            " where rule = 'quantity_out_of_range'",
        )
    ) == [
        ("11@ПУШКИНО_1_РФЦ", "error", "available null, in transit 0, requested 0, preparing 0"),
        ("501/0@Склад WB РФ", "error", "quantity null"),
    ]
    assert query(destination, "select count(*) from staging.stg_wildberries__orders") == [(0,)]
    # WB statistics times are Moscow time unless they carry an offset ("if the time zone is not
    # given, Moscow time is taken"): the three sales were made at the same instant.
    assert query(
        destination,
        "select count(distinct sold_at), count(distinct changed_at), min(sold_at) = cast('2025-12-31 07:00:00+00' as"
        " timestamp with time zone) from staging.stg_wildberries__sales",
    ) == [(1, 1, True)]
    # They sent no article, and card 501 was never read (the list held card 500, without sizes): the
    # product is known from them alone, without an article, which the build reports and lets pass.
    assert query(
        destination, "select status, seller_article from marts.dim_products where marketplace = 'wildberries'"
    ) == [("not_in_catalogue", None)]
    assert "WARN 1 not_null_dim_products_seller_article" in output
    summary = run_script("scripts.summary", "--target", destination)
    assert summary.returncode == 0, summary.stderr
    assert "  wildberries\n    products:              1 (1 archived)" in summary.stdout
    if destination == "duckdb":
        assert_product_page_names_a_product_without_an_article(tmp_path)

    # The second load's analytics stock is partial (the resource failed): inventory keeps the first,
    # the row sent without a warehouse name under its warehouse id, a name no seed resolves.
    assert query(
        destination,
        "select account, stock_type, warehouse_key, available_quantity from marts.inventory"
        " where marketplace = 'ozon' order by warehouse_key",
    ) == [
        ("shop", "fbo", "ozon:unresolved:СКЛАД_БЕЗ_НАЗВАНИЯ_8", 3),
        ("shop", "fbo", "ozon:ГРИВНО_РФЦ", 0),
        ("shop", "fbs", "ozon:СКЛАДЫ_ПРОДАВЦА", 4),
        ("shop", "fbo", "ozon:ХОРУГВИНО_РФЦ", 5),
    ]
    assert query(
        destination, "select in_transit_quantity from marts.inventory where warehouse_key = 'ozon:ГРИВНО_РФЦ'"
    ) == [(1,)]
    # The WB entry without a name is stock at a warehouse of that name, not a pseudo-warehouse dropped.
    assert sorted(
        query(
            destination,
            "select warehouse_key, available_quantity from marts.inventory where marketplace = 'wildberries'",
        )
    ) == [("wildberries:unresolved:СКЛАД_НЕ_УКАЗАН", 4)]
    assert query(
        destination,
        "select severity, count(*) from quality.data_quality_issues where rule = 'money_pending' group by 1",
    ) == [("info", 3)]
    assert query(
        destination,
        "select marketplace, account, resource, last_status, last_http_status, is_partial,"
        " last_ok_at is not null, hours_since_last_ok > 0 from monitoring.etl_resource_status",
    ) == [("ozon", "shop", "analytics_stocks", "failed", 503, True, True, True)]


def test_a_raw_table_is_found_while_another_thread_lists_its_schema(workdir):
    """dbt lists a raw schema (no model lives there) when a model first asks for a relation in it,
    and adds what it found to its cache one relation at a time; a model built meanwhile by another
    thread found the schema listed but only part of it. A CI run on a slow machine lost every WB
    snapshot that way: raw_wildberries._dlt_loads "did not exist", so no WB load was complete. Here
    dbt's cache takes 0.3 s per raw relation it adds, and four threads build the staging models."""
    with database.connect("duckdb") as db:
        for statement in RAW_TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
        raw = [name for (name,) in db.execute(RAW_RELATIONS)]
    command = steps.dbt_command("run", "duckdb", "--select", "staging", "--threads", "4")
    command[:1] = [sys.executable, "-m", "tests.support.slow_relation_cache"]
    env = steps.environment({"DBT_TARGET_PATH": workdir["DBT_TARGET_PATH"], **BOTH})
    completed = subprocess.run(command, cwd=steps.PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout[-6000:]
    assert "raw table raw_ozon.analytics_stocks__item_tags does not exist" in completed.stdout
    assert [name for name in raw if f"raw table {name} does not exist" in completed.stdout] == []
    assert query("duckdb", "select count(*) from staging.stg_wildberries__loads") == [(1,)]
