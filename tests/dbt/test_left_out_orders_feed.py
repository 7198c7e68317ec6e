"""An orders feed left out after it had loaded (<PREFIX>_SKIP_RESOURCES, the documented remedy for a key
that lost Ozon's postings role or a WB token that lost the Statistics category), loaded and built.

The feed no longer holds the account's windows (the FBO warehouses go on to the newest day), but its
own locations' orders since its last whole read are not loaded: their days end before that read's day,
as a failing feed's do. Before, the seller's warehouse (Ozon's FBS list) and every Wildberries location
counted each day since as a day in stock without sales: the 7-day units and ADS fell, the order
history covered the unread days and lost sales were booked on them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from zoneinfo import ZoneInfo

from sandbox import Sandbox
from scripts import steps
from tests.support.destinations import query
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

SELLER = paced_seller(seed=5, products=25, warehouses=4, history_days=20)
DAYS_LEFT_OUT = 4
MOSCOW = ZoneInfo("Europe/Moscow")
# the warehouses each left-out feed serves
LEFT_OUT = "(w.marketplace = 'wildberries' or w.warehouse_type = 'seller')"


def load(marketplace: str, env: dict[str, str]) -> None:
    assert steps.run_measured(steps.load_command(marketplace, "duckdb"), env).returncode == 0


def test_a_left_out_orders_feeds_locations_end_at_its_last_read(workdir):
    with Sandbox(SELLER) as sandbox:
        load("ozon", ozon_env(sandbox, "shop"))
        load("wildberries", wb_env(sandbox))
        last_read = sandbox.clock.now().astimezone(MOSCOW).date()
        sandbox.clock.advance(timedelta(days=DAYS_LEFT_OUT))
        load("ozon", {**ozon_env(sandbox, "shop"), "OZON_SKIP_RESOURCES": "postings_fbs"})
        load("wildberries", {**wb_env(sandbox), "WB_SKIP_RESOURCES": "orders,sales"})
        today = sandbox.clock.now().astimezone(MOSCOW).date()
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"]}
    select = ("--select", "+sales_velocity", "+lost_sales_daily", "--indirect-selection", "cautious")
    steps.dbt("build", "duckdb", env, *select, *steps.SCHEDULED_BUILD)

    located = """
        from marts.sales_velocity as v
        inner join marts.dim_warehouses as w on v.location_key = w.warehouse_key
        where v.location_level = 'warehouse'"""
    as_of = query("duckdb", f"select distinct {LEFT_OUT}, v.as_of_date {located} order by 1")
    # the FBO warehouses go on; the left-out feeds' warehouses end at the feeds' last read
    assert as_of == [(False, today), (True, last_read)]
    # their 7-day units are the orders of the 7 days before that read, not of 7 days with unread ones
    units = query("duckdb", f"select w.marketplace, sum(v.units_7d) {located} and {LEFT_OUT} group by 1 order by 1")
    loaded = query(
        "duckdb",
        f"""
        select w.marketplace, sum(o.quantity)
        from marts.fact_orders as o
        inner join marts.dim_warehouses as w on o.warehouse_key = w.warehouse_key
        where o.order_status <> 'cancelled' and {LEFT_OUT}
            and o.business_date >= date '{last_read}' - 7 and o.business_date < date '{last_read}'
        group by 1 order by 1""",
    )
    assert units == loaded and all(total > 0 for _, total in loaded)
    # no day since the last read is a day of the windows, nor of lost sales
    unread = f"""
        inner join marts.dim_warehouses as w on d.location_key = w.warehouse_key
        where d.location_level = 'warehouse' and {LEFT_OUT} and d.business_date >= date '{last_read}'"""
    assert query("duckdb", f"select count(*) from intermediate.int_sales_days as d {unread}") == [(0,)]
    assert query("duckdb", f"select count(*) from marts.lost_sales_daily as d {unread}") == [(0,)]
