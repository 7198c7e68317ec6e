"""Sandbox → loader CLI → dbt build, on DuckDB and PostgreSQL, checked against the sandbox's truth."""

from __future__ import annotations

import os
from collections import Counter

import duckdb
import psycopg2
import pytest

from loaders import config
from loaders.sandbox import Sandbox, SandboxConfig
from scripts import steps

SELLER = SandboxConfig(seed=11, products=300, warehouses=14, archived_share=0.15, unknown_warehouses=1)


def query(destination: str, sql: str) -> list[tuple]:
    if destination == "duckdb":
        with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
            return db.sql(sql).fetchall()
    creds = config.postgres_credentials()
    with (
        psycopg2.connect(
            host=creds["host"],
            port=creds["port"],
            user=creds["username"],
            password=creds["password"],
            dbname=creds["database"],
        ) as db,
        db.cursor() as cursor,
    ):
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def destination(request, workdir):
    if request.param == "postgres":
        request.getfixturevalue("postgres_database")
    return request.param


def test_marts_match_what_the_sandbox_served(destination):
    with Sandbox(SELLER) as sandbox:
        account = sandbox.ozon.accounts[0]
        steps.load(
            "ozon",
            destination,
            {
                "OZON_API_BASE_URL": sandbox.ozon.base_url,
                "OZON_CLIENT_ID": account.client_id,
                "OZON_API_KEY": account.api_key,
            },
        )
        truth = sandbox.ozon.truth(account.client_id)
    steps.dbt("build", destination, {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"]})

    products = dict(query(destination, "select product_id, is_archived from marts.dim_products"))
    assert products == {p["product_id"]: p["archived"] for p in truth.products}

    fbo = dict(
        query(
            destination,
            """
        select w.warehouse_name, sum(i.available_quantity)
        from marts.inventory as i
        inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
        where i.stock_type = 'fbo' and w.is_resolved
        group by w.warehouse_name""",
        )
    )
    expected_fbo = {name: units for name, units in truth.fbo_available_by_warehouse().items() if units}
    assert {name: int(units) for name, units in fbo.items() if units} == expected_fbo

    seller_stock = Counter()
    for row in truth.fbs_stock:
        seller_stock[row["type"]] += row["present"] - row["reserved"]
    stocked = dict(
        query(
            destination,
            """
        select stock_type, sum(available_quantity) from marts.inventory
        where stock_type <> 'fbo' group by stock_type""",
        )
    )
    assert {k: int(v) for k, v in stocked.items()} == {k: v for k, v in seller_stock.items() if v or k in stocked}

    unresolved = query(destination, "select raw_warehouse_name from marts.warehouse_names_unresolved")
    assert unresolved == [("ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_1",)]
    # The unknown warehouse's units are kept, under a warehouse of its own.
    (all_fbo,) = query(destination, "select sum(available_quantity) from marts.inventory where stock_type = 'fbo'")
    assert int(all_fbo[0]) == sum(truth.fbo_available_by_warehouse(include_unknown=True).values())
