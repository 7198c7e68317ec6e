"""What a real Ozon account sends and the sandbox by default does not, loaded and built.

A token without Ozon's analytics category: /v1/analytics/stocks answers 403, so no FBO stock loads
while the FBO postings do. Stock at the FBO warehouses is unknown, not zero: their days without sales
are no stock-out days (ADS over calendar days, as on a first run), and no alert or shipment is
planned there. Before, the FBS snapshots counted as stock history of every warehouse of the account:
every FBO pair was out of stock, with ADS over its sale days alone and an urgent shipment each.

Posting statuses in upper case (Ozon's enums change case between methods, ozon.md): cancelled and
returned lines are still cancelled and returned, not demand.

A posting number in both the FBO and the FBS list (the real API numbers every posting apart; a
repeat failed the order-line key test and every mart after it): the build passes, the posting counts
once, as the FBO posting of the same load, and the FBS copy is a data quality error.

A key without the product role: the catalogue methods (and /v4/product/info/stocks) answer 403, so
no catalogue loads while the postings do. Each SKU the order lines name is then a product of its own
and every line is in fact_orders; before, every line failed product_not_in_catalogue and the account
had no orders in the marts.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from loaders.ozon import settings as ozon_settings
from sandbox import Sandbox
from scripts import steps
from tests.support.destinations import query
from tests.support.operations import run_script
from tests.support.sandbox_fixtures import ozon_env, paced_seller

SELLER = paced_seller(seed=5, products=30, warehouses=4, history_days=14, forbidden_endpoints=("/v1/analytics/stocks",))
DAYS = 4
WITHOUT_PRODUCT_ROLE = paced_seller(
    seed=6,
    products=20,
    warehouses=3,
    history_days=7,
    forbidden_endpoints=("/v3/product/list", "/v3/product/info/list", "/v4/product/info/stocks"),
)
RESOURCES = ("product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs")  # stock and orders


def upper_case_statuses(call, body: dict) -> dict:
    for posting in body["postings"]:
        posting.update({key: posting[key].upper() for key in ("status", "substatus") if posting.get(key)})
    return body


def first_fbs_posting_numbered_as(posting_number: str):
    """The first FBS posting of every answer page is sent under `posting_number`."""

    def reshape(call, body: dict) -> dict:
        if body["postings"]:
            body["postings"][0]["posting_number"] = posting_number
        return body

    return reshape


def test_without_an_fbo_stock_feed_fbo_stock_is_unknown_and_upper_case_statuses_count(workdir):
    with Sandbox(SELLER) as sandbox:
        sandbox.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = upper_case_statuses
        first_fbo = min(
            (line for line in sandbox.ozon.order_lines(sandbox.ozon.accounts[0].client_id) if line["scheme"] == "fbo"),
            key=lambda line: line["created_at"],
        )["posting_number"]
        sandbox.ozon.reshapes[ozon_settings.POSTING_FBS_LIST] = first_fbs_posting_numbered_as(first_fbo)
        for day in range(DAYS):
            load = steps.load_command("ozon", "duckdb", *(("--resources", *RESOURCES) if day else ()))
            # partial: every resource but the FBO stock
            assert steps.run_measured(load, ozon_env(sandbox, "shop")).returncode != 0
            if day < DAYS - 1:
                sandbox.clock.advance(timedelta(days=1))
        truth = Counter(
            line["order_status"]
            for line in sandbox.ozon.order_lines(sandbox.ozon.accounts[0].client_id)
            if line["scheme"] == "fbo"
        )
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon"}
    select = (
        "--select",
        "+stock_alerts",
        "+replenishment_plan",
        "data_quality_issues",
        "--indirect-selection",
        "cautious",
    )
    steps.dbt("build", "duckdb", env, *select, *steps.SCHEDULED_BUILD)

    fbo = "select warehouse_key from marts.dim_warehouses where warehouse_type = 'fbo'"
    assert query("duckdb", "select count(*) from raw_ozon.postings_fbo") != [(0,)]
    days = dict(
        query(
            "duckdb",
            "select is_in_stock_day, count(*) from intermediate.int_sales_days"
            f" where location_level = 'warehouse' and location_key in ({fbo}) group by 1",
        )
    )
    assert days.get(True) and days.get(None) and not days.get(False)
    velocity = query(
        "duckdb",
        "select units_7d, order_history_days_7d, ads_7d, velocity_basis from marts.sales_velocity"
        f" where location_level = 'warehouse' and location_key in ({fbo}) and units_7d > 0",
    )
    assert velocity
    for units, calendar_days, ads, basis in velocity:
        assert float(ads) == round(units / calendar_days, 6) and basis == "calendar_days_orders"
    # the plan ships to FBO warehouses and clusters only
    assert query("duckdb", "select count(*) from marts.replenishment_plan") == [(0,)]
    assert query("duckdb", f"select count(*) from marts.stock_alerts where warehouse_key in ({fbo})") == [(0,)]
    assert query(
        "duckdb", f"select count(*) from intermediate.int_stock_feed_coverage where warehouse_key in ({fbo})"
    ) == [(0,)]
    statuses = Counter(
        dict(
            query(
                "duckdb",
                "select order_status, count(*) from marts.fact_orders"
                " where fulfilment_scheme = 'fbo' group by order_status",
            )
        )
    )
    assert statuses["cancelled"] == truth["cancelled"] > 0 and statuses["returned"] == truth["returned"]
    assert query("duckdb", "select count(*) from quality.data_quality_issues where rule = 'unknown_status'") == [(0,)]
    assert query(
        "duckdb", f"select fulfilment_scheme, count(*) from marts.fact_orders where order_id = '{first_fbo}' group by 1"
    ) == [("fbo", 1)]
    assert query(
        "duckdb",
        "select distinct source_table, split_part(natural_key, ':', 1) from quality.data_quality_issues"
        " where rule = 'posting_in_both_schemes'",
    ) == [("postings_fbs", first_fbo)]


def prices_in_words(sent: list[Decimal]):
    """FBS line prices with a decimal comma ("499,00") and no currency; `sent` collects them as numbers."""

    def reshape(call, body: dict) -> dict:
        for posting in body["postings"]:
            for line in posting["products"]:
                amount = Decimal(line["price"]["amount"])
                sent.append(amount * line["quantity"])
                line["price"] = {"amount": f"{amount:.2f}".replace(".", ",")}
        return body

    return reshape


def test_without_the_product_role_every_order_line_has_a_product_named_by_its_sku(workdir):
    """Also: FBS prices sent with a decimal comma and without their currency are roubles (a hard cast
    of "499,00" failed the build; a price without currency was left out of the revenue)."""
    sent: list[Decimal] = []
    with Sandbox(WITHOUT_PRODUCT_ROLE) as sandbox:
        sandbox.ozon.reshapes[ozon_settings.POSTING_FBS_LIST] = prices_in_words(sent)
        # partial: the catalogue and stock resources the key may not read
        assert steps.run_measured(steps.load_command("ozon", "duckdb"), ozon_env(sandbox, "shop")).returncode != 0
        lines = sandbox.ozon.order_lines(sandbox.ozon.accounts[0].client_id)
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon"}
    steps.dbt("build", "duckdb", env, *steps.SCHEDULED_BUILD)  # all of it: the summary reads every mart

    assert query("duckdb", "select count(*) from raw_ozon.postings_fbo") != [(0,)]
    assert query("duckdb", "select count(*) from information_schema.tables where table_name = 'products'") == [(0,)]
    assert query("duckdb", "select count(*) from marts.fact_orders") == [(len(lines),)]
    skus = {str(line["sku"]) for line in lines}
    products = query("duckdb", "select product_key, sku, status, is_archived, seller_article from marts.dim_products")
    assert {sku for _, sku, _, _, _ in products} == skus
    for key, sku, status, archived, article in products:
        assert (key, status, archived) == (f"ozon:shop:sku-{sku}", "not_in_catalogue", False) and article
    assert query("duckdb", "select count(*) from marts.sales_velocity where units_7d > 0") != [(0,)]
    assert query("duckdb", "select count(*) from quality.data_quality_issues where severity = 'error'") == [(0,)]
    [(revenue, without_price)] = query(
        "duckdb",
        "select sum(amount_rub), count(*) - count(amount_rub) from marts.fact_orders where fulfilment_scheme = 'fbs'",
    )
    assert sent and revenue == sum(sent) and without_price == 0
    # no stock feed loaded: the summary says the stock is unknown, and lists no product as the least stocked
    summary = run_script("scripts.summary", "--target", "duckdb")
    assert "    stock:                 unknown: no stock feed of it has loaded" in summary.stdout, summary.stdout
    assert "units available" not in summary.stdout
    assert "ten active products with the least stock:\n    none" in summary.stdout, summary.stdout
