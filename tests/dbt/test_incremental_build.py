"""Scheduled dbt builds after incremental loads: after a sequence of loads, each followed by the build a
scheduled run makes, the marts hold exactly the rows a `--full-refresh` build of the same raw data
makes, on DuckDB and PostgreSQL (every model is a view or a table rebuilt from all raw rows; the
incremental models this once guarded were removed: they saved about 7 % of a build).

The sequence: a full load of both marketplaces and a first build; the same loads and build again at
the same clock (a stock row of that repeat fails a data quality check: the repeat is no snapshot of
its own, and before, the row made inventory list its cell twice and stopped the build); a day later
orders (statuses changed since) and a stock snapshot, with a stock row of the first load that now
fails a data quality check; five hours later another load, with an order line
of it that now fails a check (it must leave fact_orders), and a build with its tests. (No build runs
between those two loads: every model is rebuilt from all raw rows, so a build there would leave
nothing the next one does not rebuild; the next one sees the spoiled stock row as well.) One
sequence per engine, so that both scenarios share its loads and builds."""

from __future__ import annotations

import os
from datetime import timedelta

from sandbox import Sandbox
from scripts import database, steps
from tests.support.sandbox_fixtures import LOADER_ENV, paced_seller

SELLER = paced_seller(seed=3, products=40, warehouses=5, accounts=1, history_days=6)
BOTH = {"MARKETPLACES": "ozon,wildberries"}
LATER_RESOURCES = {
    "ozon": ("postings_fbo", "postings_fbs", "product_stocks", "analytics_stocks"),
    "wildberries": ("orders", "sales", "warehouse_remains", "wb_warehouse_stocks"),
}
# The full refresh the scheduled builds are compared with skips dbt's data tests (only its rows are read).
UNTESTED = ("--exclude-resource-type", "test")
# The stock history, order lines and the marts built on them, compared row for row.
COMPARED = (
    "marts.fact_orders",
    "marts.inventory_daily",
    "marts.inventory_changes",
    "marts.inventory",
    "marts.sales_velocity",
    "marts.stock_alerts",
    "intermediate.int_stock_snapshots_unioned",
    "intermediate.int_stock_snapshots_filled",
)


def load(sandbox: Sandbox, destination: str, first: bool) -> None:
    for marketplace, env in LOADER_ENV.items():
        extra = () if first else ("--resources", *LATER_RESOURCES[marketplace])
        steps.load(marketplace, destination, env(sandbox), *extra)


def build(destination: str, *extra: str) -> None:
    """The build a scheduled run makes (no unit tests), with `extra` options."""
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], **BOTH}
    steps.dbt("build", destination, env, *steps.SCHEDULED_BUILD, *extra)


def spoil_stock_row(destination: str, load: str) -> None:
    """A stock row of the first (`load` "min") or the newest ("max") load gets a negative quantity: an
    error-level data quality issue of that load, which the next build must leave out of the stock
    history."""
    with database.connect(destination) as db:
        ((stock_id,),) = db.execute(
            "select _dlt_id from raw_ozon.analytics_stocks"
            f" where _dlt_load_id = (select {load}(_dlt_load_id) from raw_ozon.analytics_stocks)"
            " and available_stock_count > 0 order by _dlt_id limit 1"
        )
        db.execute("update raw_ozon.analytics_stocks set available_stock_count = -5 where _dlt_id = ?", (stock_id,))


def spoil_new_order_line(destination: str, known: set[str]) -> str:
    """A line of the newest FBS postings that fact_orders already has gets a negative quantity (an
    error-level issue of the new load, quantity_out_of_range); returns its order_line_key."""
    with database.connect(destination) as db:
        lines = db.execute(
            "select l._dlt_id, p.account, p.posting_number, l._dlt_list_idx"
            " from raw_ozon.postings_fbs__products as l"
            " inner join raw_ozon.postings_fbs as p on l._dlt_parent_id = p._dlt_id"
            " where p._dlt_load_id = (select max(_dlt_load_id) from raw_ozon.postings_fbs)"
            " order by l._dlt_id"
        )
        line_id, key = next(
            (line_id, f"ozon:{account}:{posting}:{line}")
            for line_id, account, posting, line in lines
            if f"ozon:{account}:{posting}:{line}" in known
        )
        db.execute(
            "update raw_ozon.postings_fbs__products set quantity = -1 where _dlt_id = ?",
            (line_id,),
        )
    return key


def snapshot(destination: str) -> dict[str, list[tuple]]:
    rows = {}
    with database.connect(destination, read_only=True) as db:
        for relation in COMPARED:
            found = db.execute(f"select * from {relation}")
            rows[relation] = sorted(found, key=lambda row: tuple("" if value is None else str(value) for value in row))
    return rows


def statuses(destination: str) -> dict[str, str]:
    with database.connect(destination, read_only=True) as db:
        return dict(db.execute("select order_line_key, order_status from marts.fact_orders"))


def test_scheduled_builds_equal_a_full_refresh_and_a_repeated_clock_changes_nothing(destination):
    """One seller's scheduled runs: a run repeated at a LOADER_NOW already loaded (a rerun of a failed
    cron job, a fixed clock) is the same snapshot read twice, so the marts stay those of one run and
    every build's tests pass; the later runs build on it; and after them the marts equal a
    `--full-refresh` build of the same raw data."""
    with Sandbox(SELLER) as sandbox:
        load(sandbox, destination, first=True)
        build(destination)
        once, first = snapshot(destination), statuses(destination)

        load(sandbox, destination, first=False)
        # the repeat read a stock row that now fails a check: it is no snapshot, so that row changes nothing
        spoil_stock_row(destination, "max")
        build(destination)
        repeated = snapshot(destination)
        # the repeat re-read the postings: fact_orders.load_id names it, every other column is as it was
        assert statuses(destination) == first
        assert {k: v for k, v in repeated.items() if k != "marts.fact_orders"} == {
            k: v for k, v in once.items() if k != "marts.fact_orders"
        }, "a second run at the same clock changed the marts"

        sandbox.clock.advance(timedelta(days=1))
        load(sandbox, destination, first=False)
        spoil_stock_row(destination, "min")

        sandbox.clock.advance(timedelta(hours=5))
        load(sandbox, destination, first=False)
        spoiled_line = spoil_new_order_line(destination, set(first))
        build(destination)
    scheduled = snapshot(destination)
    last = statuses(destination)
    assert spoiled_line in first and spoiled_line not in last, "a line failing a check leaves fact_orders"
    assert any(last.get(key) not in (None, status) for key, status in first.items()), "statuses changed"
    assert len(scheduled["marts.inventory_daily"]) > len(once["marts.inventory_daily"]), "the later runs added a day"
    assert len(scheduled["marts.inventory_daily"]) > len(scheduled["marts.inventory"]), "several days of history"

    build(destination, "--full-refresh", *UNTESTED)
    full = snapshot(destination)
    for relation in COMPARED:
        assert scheduled[relation] == full[relation], f"{relation}: scheduled and full-refresh rows differ"
