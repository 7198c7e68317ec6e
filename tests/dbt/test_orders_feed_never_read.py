"""An orders feed never read (its endpoint removed, 404, on every load so far; a key refused the FBO
list is alike), loaded twice two days apart and built.

The demand of the locations the feed serves is unknown, not zero (known-limits): the FBO warehouses
and clusters have no day of the velocity or lost-sales windows, and the account's products no ABC/XYZ
class. Before, the FBO list took the account's as_of_date: each FBO location where the product was in
stock counted every day since the account's first stock snapshot as a day in stock without sales
(ADS 0, availability 1, no lost sales), and every product without FBS sales was class C on revenue 0.
The FBS list, read, goes on: the seller's warehouse keeps its windows.
"""

from __future__ import annotations

import os
from datetime import timedelta

from loaders.ozon import settings as ozon_settings
from sandbox import Sandbox
from scripts import steps
from tests.support.destinations import query
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

SELLER = paced_seller(
    seed=9, products=20, warehouses=4, history_days=10, removed_endpoints=(ozon_settings.POSTING_FBO_LIST,)
)
FBO = "(w.marketplace = 'ozon' and w.warehouse_type <> 'seller')"


def test_an_orders_feed_never_read_leaves_its_locations_demand_unknown(workdir):
    with Sandbox(SELLER) as sandbox:
        for day in range(2):
            # partial: the FBO list answers 404
            assert steps.run_measured(steps.load_command("ozon", "duckdb"), ozon_env(sandbox, "shop")).returncode != 0
            assert steps.run_measured(steps.load_command("wildberries", "duckdb"), wb_env(sandbox)).returncode == 0
            if not day:
                sandbox.clock.advance(timedelta(days=2))
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon,wildberries"}
    select = ("--select", "+sales_velocity", "+lost_sales", "+product_abc_xyz", "--indirect-selection", "cautious")
    steps.dbt("build", "duckdb", env, *select, *steps.SCHEDULED_BUILD)

    # the FBO warehouses hold stock: demand there would have been counted
    stocked = query(
        "duckdb",
        f"""select count(*) from marts.inventory_daily as i
        inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
        where {FBO} and i.available_quantity > 0""",
    )
    assert stocked[0][0] > 0
    for mart in ("sales_velocity", "lost_sales"):
        rows = query(
            "duckdb",
            f"""select {FBO}, w.marketplace, count(*) from marts.{mart} as v
            inner join marts.dim_warehouses as w on v.location_key = w.warehouse_key
            group by 1, 2 order by 1, 2""",
        )
        # no FBO warehouse; the seller's warehouse (FBS list, read) and WB's go on
        assert [(fbo, marketplace) for fbo, marketplace, _ in rows] == [(False, "ozon"), (False, "wildberries")], (
            mart,
            rows,
        )
        clusters = query("duckdb", f"select count(*) from marts.{mart} where location_key like 'ozon:cluster:%'")
        assert clusters == [(0,)], mart
    as_of = query(
        "duckdb", "select resource, as_of_date is null from intermediate.int_orders_as_of_dates order by 1, 2"
    )
    assert as_of == [("orders", False), ("postings_fbo", True), ("postings_fbs", False)]
    assert query("duckdb", "select distinct marketplace from marts.product_abc_xyz") == [("wildberries",)]
