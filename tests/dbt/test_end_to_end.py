"""Sandbox → loader CLI → dbt build, on DuckDB and PostgreSQL, checked against the sandbox's truth."""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sandbox import Sandbox, SandboxConfig
from scripts import steps
from tests.support.destinations import query
from tests.support.velocity_truth import expected_ads, ozon_units

SELLER = SandboxConfig(seed=11, products=150, warehouses=8, archived_share=0.15, unknown_warehouses=1, history_days=10)
MOSCOW = ZoneInfo("Europe/Moscow")


DAYS_OF_SNAPSHOTS = 9  # daily stock: the day before a 7-day window gives its first opening stock
DAILY_RESOURCES = ("product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs")


def load_days(sandbox: Sandbox, destination: str) -> list[datetime]:
    """A full load, then stock and orders once a simulated day, as cron would run them; returns
    the (simulated) times of the loads."""
    account = sandbox.ozon.accounts[0]
    loaded_at = []
    for day in range(DAYS_OF_SNAPSHOTS):
        loaded_at.append(sandbox.clock.now())
        env = {
            "OZON_API_BASE_URL": sandbox.ozon.base_url,
            "OZON_CLIENT_ID": account.client_id,
            "OZON_API_KEY": account.api_key,
            "LOADER_NOW": sandbox.clock.now().isoformat(),
        }
        steps.load("ozon", destination, env, *(() if day == 0 else ("--resources", *DAILY_RESOURCES)))
        if day < DAYS_OF_SNAPSHOTS - 1:
            sandbox.clock.advance(timedelta(days=1))
    return loaded_at


def test_marts_match_what_the_sandbox_served(destination):
    with Sandbox(SELLER) as sandbox:
        loaded_at = load_days(sandbox, destination)
        account = sandbox.ozon.accounts[0]
        truth = sandbox.ozon.truth(account.client_id)
        catalogue = sandbox.ozon.truth(account.client_id, at=loaded_at[0])  # only the first load reads it
        snapshots = {at.astimezone(MOSCOW).date(): sandbox.ozon.truth(account.client_id, at=at) for at in loaded_at}
        order_lines = truth.order_lines
        as_of = sandbox.clock.now().astimezone(MOSCOW).date()
    steps.dbt("build", destination, {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"]})

    products = dict(
        query(destination, "select cast(marketplace_product_id as bigint), is_archived from marts.dim_products")
    )
    assert products == {p["product_id"]: p["archived"] for p in catalogue.products}

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

    statuses = dict(query(destination, "select order_status, sum(quantity) from marts.fact_orders group by 1"))
    expected_statuses = Counter()
    for line in order_lines:
        expected_statuses[line["order_status"]] += line["quantity"]
    assert {status: int(units) for status, units in statuses.items()} == dict(expected_statuses)
    assert set(expected_statuses) == {"ordered", "delivered", "cancelled", "returned"}

    ads = query(
        destination,
        """
        select cast(p.marketplace_product_id as bigint), w.warehouse_name, v.ads_7d, v.as_of_date
        from marts.sales_velocity as v
        inner join marts.dim_products as p on v.product_key = p.product_key
        inner join marts.dim_warehouses as w on v.location_key = w.warehouse_key
        where v.location_level = 'warehouse' and w.warehouse_type = 'fbo' and w.is_resolved
            and v.ads_7d is not null""",
    )
    assert {row[3] for row in ads} == {as_of}
    available = {
        day: {(row["product_id"], row["canonical_warehouse"]): row["available"] for row in t.fbo_stock if row["known"]}
        for day, t in snapshots.items()
    }
    expected = expected_ads(available, ozon_units(order_lines, as_of, window=7), as_of, window=7)
    assert {(pid, name): round(float(value), 6) for pid, name, value, _ in ads} == {
        pair: round(value, 6) for pair, value in expected.items()
    }
    assert len(expected) > 50, "the check must cover many product × warehouse pairs"
