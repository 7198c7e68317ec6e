"""Ozon's announced change: /v4/product/info/stocks describes FBS, rFBS and FBP stock only, FBO stock
comes from /v1/analytics/stocks alone. The sandbox serves that by default; the marts keep FBO stock
per warehouse, and the FBO source comparison says there is no comparable source instead of going
empty."""

from __future__ import annotations

import os

from sandbox import Sandbox
from scripts import database, steps
from tests.support.sandbox_fixtures import ozon_env, paced_seller

SELLER = paced_seller(seed=3, products=40, warehouses=5, archived_share=0.1, history_days=3)


def query(sql: str) -> list[tuple]:
    with database.connect("duckdb", read_only=True) as db:
        return db.execute(sql)


def test_fbo_stock_from_analytics_only_and_no_comparable_source(workdir):
    with Sandbox(SELLER) as sandbox:
        account = sandbox.ozon.accounts[0]
        steps.load(
            "ozon",
            "duckdb",
            ozon_env(sandbox, "shop"),
            "--resources",
            "product_list_items",
            "products",
            "product_stocks",
            "analytics_stocks",
        )
        truth = sandbox.ozon.truth(account.client_id)
    steps.dbt(
        "build",
        "duckdb",
        {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon"},
        "--select",
        "+inventory",
        "+source_disagreements",
        "--indirect-selection",
        "cautious",
        *steps.SCHEDULED_BUILD,
    )

    assert query("select distinct type from raw_ozon.product_stocks__stocks order by 1") == [("fbs",), ("rfbs",)]
    fbo_units = sum(truth.fbo_available_by_warehouse(include_unknown=True).values())
    assert fbo_units > 0
    assert query("select sum(available_quantity) from marts.inventory where stock_type = 'fbo'") == [(fbo_units,)]

    assert query(
        "select comparison_status, expected_quantity, observed_quantity from quality.source_comparisons"
        " where comparison = 'ozon_fbo' and comparison_level = 'account'"
    ) == [("no_comparable_source", None, fbo_units)]
    assert query("select count(*) from quality.source_disagreements where comparison = 'ozon_fbo'") == [(0,)]
