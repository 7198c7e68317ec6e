"""Wildberries alone: sandbox → loader CLI → dbt build, on DuckDB and PostgreSQL, checked against the
sandbox's truth (inventory per product and warehouse, order lines per status, 7-day ADS). The build is
`make build`'s, unit tests included: their fixtures take the types of the relations built, which must
be those of a build with Ozon too (tests/dbt/test_end_to_end.py builds Ozon alone)."""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

from sandbox import Sandbox
from scripts import steps
from tests.support.destinations import query
from tests.support.sandbox_fixtures import load_daily, paced_seller
from tests.support.velocity_truth import expected_ads

# The cards send techSize "" for the size of a card of one size, orders and the stock report "0" (a
# real account did): still one product `<nmID>/0`, on both databases.
SELLER = paced_seller(seed=5, products=120, accounts=1, history_days=20, wb_cards_blank_tech_size=True)
DAYS_OF_SNAPSHOTS = 9  # daily stock: the day before a 7-day window gives its first opening stock
DAILY_RESOURCES = ("orders", "sales", "warehouse_remains", "wb_warehouse_stocks")
# The names WB serves in the stock report and statistics since it masks its warehouses, as the
# warehouse seed spells them.
CANONICAL = {"Склад WB РФ": "СКЛАД_WB_РФ", "Склад WB СГТ РФ": "СКЛАД_WB_СГТ_РФ", "Минск": "МИНСК"}
WB_ONLY = {"MARKETPLACES": "wildberries"}
MOSCOW = ZoneInfo("Europe/Moscow")
# What the marts say of this seller's 73 listed cards of one size, the same on both databases
# (assert_one_size_cards_are_one_product): alerts by severity, warehouse plan rows by urgency, units.
ONE_SIZE_ALERTS = Counter(no_sales=15, critical=2, out_of_stock=2, warning=1)
ONE_SIZE_PLAN_ROWS = Counter(do_not_ship=72, soon=9, enough=6, urgent=5)
ONE_SIZE_UNITS_TO_SHIP = 168


def stock_by_pair(truth, product_key) -> Counter:
    """Units per (product key, canonical warehouse) of a truth: several real warehouses share one
    masked name, so they add up."""
    units = Counter()
    for row in truth.stock:
        if row["quantity"]:
            units[(product_key(row), CANONICAL[row["served_name"]])] += row["quantity"]
    return units


def assert_one_size_cards_are_one_product(destination: str, products: dict, listed: set[str]) -> None:
    """A card of one size, sent by the cards with techSize "" and by orders and stock with "0", is
    one product `<nmID>/0` in the catalogue, with its stock alerts and plan rows: the same figures
    on both databases. DuckDB's raw keeps the "" (PostgreSQL's holds null: dlt's COPY), and read as
    such it made two: `<nmID>/` in the catalogue without stock or orders and a phantom `<nmID>/0`
    holding them, not in the catalogue, so archived, its alerts and plan rows lost."""
    assert not [key for key in products if key.endswith("/")]
    one_size = {key for key in listed if key.endswith("/0")}
    assert len(one_size) == 73
    alerts = query(destination, "select product_key, severity from marts.stock_alerts")
    plan = query(
        destination,
        "select product_key, urgency, order_quantity from marts.replenishment_plan where location_level = 'warehouse'",
    )
    assert Counter(severity for key, severity in alerts if key in one_size) == ONE_SIZE_ALERTS
    assert Counter(urgency for key, urgency, _ in plan if key in one_size) == ONE_SIZE_PLAN_ROWS
    assert sum(quantity for key, _, quantity in plan if key in one_size) == ONE_SIZE_UNITS_TO_SHIP


def test_wildberries_marts_match_what_the_sandbox_served(destination):
    with Sandbox(SELLER) as sandbox:
        loaded_at = load_daily(sandbox, "wildberries", destination, DAILY_RESOURCES, DAYS_OF_SNAPSHOTS)
        token = sandbox.wildberries.accounts[0].token
        sizes = {
            size.chrt_id: size.tech_size for card in sandbox.wildberries.seller(token).cards for size in card.sizes
        }
        truth = sandbox.wildberries.truth(token)
        first = sandbox.wildberries.truth(token, at=loaded_at[0])
        snapshots = {at.astimezone(MOSCOW).date(): sandbox.wildberries.truth(token, at=at) for at in loaded_at}
        as_of = sandbox.clock.now().astimezone(MOSCOW).date()
    steps.dbt("build", destination, {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], **WB_ONLY})

    def product_key(row: dict) -> str:
        return f"wildberries:shop:{row['nm_id']}/{sizes[row['chrt_id']]}"

    products = dict(query(destination, "select product_key, is_archived from marts.dim_products"))
    listed = {product_key(row) for row in first.cards if not row["trashed"]}
    assert listed and listed <= set(products)
    assert not any(products[key] for key in listed), "cards in the catalogue are not archived"
    assert_one_size_cards_are_one_product(destination, products, listed)

    inventory = query(
        destination,
        """
        select i.product_key, w.warehouse_name, sum(i.available_quantity)
        from marts.inventory as i
        inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
        where i.stock_type = 'fbw'
        group by i.product_key, w.warehouse_name""",
    )
    expected_stock = stock_by_pair(truth, product_key)
    assert {(key, warehouse): int(units) for key, warehouse, units in inventory if units} == dict(expected_stock)
    assert sum(expected_stock.values()) > 1000

    statuses = dict(query(destination, "select order_status, count(*) from marts.fact_orders group by order_status"))
    served = [order for order in truth.orders if order["retained"]]
    assert {status: int(lines) for status, lines in statuses.items()} == dict(
        Counter(order["order_status"] for order in served)
    )
    assert set(statuses) == {"ordered", "delivered", "cancelled", "returned"}
    assert query(destination, "select count(*) from marts.warehouse_names_unresolved") == [(0,)]

    units = Counter()
    for order in served:
        days_ago = (as_of - date.fromisoformat(order["date_msk"][:10])).days
        if order["order_status"] != "cancelled" and order["warehouse_name"] in CANONICAL and 1 <= days_ago <= 7:
            units[(product_key(order), CANONICAL[order["warehouse_name"]], days_ago)] += 1
    available = {day: dict(stock_by_pair(snapshot, product_key)) for day, snapshot in snapshots.items()}
    ads = query(
        destination,
        """
        select v.product_key, w.warehouse_name, v.ads_7d
        from marts.sales_velocity as v
        inner join marts.dim_warehouses as w on v.location_key = w.warehouse_key
        where v.location_level = 'warehouse' and w.warehouse_type = 'fbo' and v.ads_7d is not null""",
    )
    expected = expected_ads(available, units, as_of, window=7)
    assert {(key, name): round(float(value), 6) for key, name, value in ads} == {
        pair: round(value, 6) for pair, value in expected.items()
    }
    assert len(expected) > 50, "the check must cover many product × warehouse pairs"

    # The seller's own warehouses: their orders count, but no stock feed is read for them, so
    # their stock is unknown, not zero: no stock-out day, no lost sales, no alert, no plan there.
    [(seller_units, seller_velocity, out_days, lost, alerts)] = query(
        destination,
        """
        select
            (select sum(quantity) from marts.fact_orders where warehouse_key = 'wildberries:СКЛАДЫ_ПРОДАВЦА'),
            (select count(*) from marts.sales_velocity where location_key = 'wildberries:СКЛАДЫ_ПРОДАВЦА'),
            (select count(*) from marts.lost_sales_daily
                where location_key = 'wildberries:СКЛАДЫ_ПРОДАВЦА' and is_out_of_stock_day),
            (select coalesce(sum(lost_revenue), 0) from marts.lost_sales
                where location_key = 'wildberries:СКЛАДЫ_ПРОДАВЦА'),
            (select count(*) from marts.stock_alerts where warehouse_key = 'wildberries:СКЛАДЫ_ПРОДАВЦА')""",
    )
    assert seller_units > 0 and seller_velocity > 0, "the sandbox ships some orders from seller warehouses"
    assert (out_days, lost, alerts) == (0, 0, 0)
