"""What the API and the dashboard read: one `Listing` per kind of answer, and a few summaries."""

from __future__ import annotations

from datetime import date

from loaders import outcomes
from serving.queries import Catalog, Listing, NotBuilt

STOCK_KEY = ("product_key", "warehouse_key", "stock_type")
STOCK_SUMS = ("available_quantity", "reserved_quantity", "in_transit_quantity")

STOCK = Listing("marts.inventory", STOCK_KEY, "product_key", STOCK_SUMS)
ALERTS = Listing("marts.stock_alerts", ("product_key", "warehouse_key"), "days_of_cover", ("revenue_per_day_at_risk",))
LOCATED_KEY = ("product_key", "location_level", "location_key")
LEVELS = "location_level"  # warehouse and cluster rows: alternative views, never added up
PLAN = Listing(
    "marts.replenishment_plan",
    LOCATED_KEY,
    "-recommended_quantity",
    ("recommended_quantity", "lost_revenue_per_day"),
    levels=LEVELS,
)
VELOCITY = Listing("marts.sales_velocity", LOCATED_KEY, "product_key", levels=LEVELS)
LOST_SALES = Listing("marts.lost_sales", LOCATED_KEY, "-lost_revenue", ("lost_units", "lost_revenue"), levels=LEVELS)
SCOPES = "scope_level"  # the same products ranked, or orders counted, per account, marketplace, ...: never added up
ABC_XYZ = Listing(
    "marts.product_abc_xyz", ("product_key", "scope_level"), "-revenue", ("revenue", "units"), levels=SCOPES
)
TURNOVER = Listing(
    "marts.inventory_turnover",
    LOCATED_KEY,
    "-overstock_value",
    ("overstock_units", "overstock_value", "dead_stock_value"),
    levels=LEVELS,
)
LOCALISATION = Listing(
    "marts.order_localisation",
    ("scope_level", "scope_key", "marketplace", "account"),
    "-units_local_if_stocked",
    ("units", "located_units", "local_units", "units_local_if_stocked"),
    levels=SCOPES,
)
RUNS = Listing("monitoring.etl_runs", ("run_id",), "-started_at")
SOURCES = Listing("monitoring.etl_source_status", ("marketplace", "step_group", "account"), "marketplace")
RESOURCES = Listing("monitoring.etl_resource_status", ("marketplace", "account", "resource"), "marketplace")
RESOURCE_OUTCOMES = Listing(
    "(select marketplace, account, resource, count(*) as attempts, "
    f"sum(case when status in {outcomes.NOT_MISSED_SQL} then 0 else 1 end) as failures from ops.run_log_resources "
    "group by marketplace, account, resource)",
    ("marketplace", "account", "resource"),
    "-failures",
)
QUALITY = Listing(
    "quality.data_quality_scores", ("marketplace", "account", "source_table", "load_id"), "score", where="m.is_latest"
)
STOCK_HISTORY = Listing("marts.inventory_daily", (*STOCK_KEY, "business_date"), "business_date", STOCK_SUMS)
DAILY_SALES = Listing(
    "(select product_key, warehouse_key, business_date, sum(quantity) as units, sum(amount_rub) as revenue_rub "
    "from marts.fact_orders where order_status <> 'cancelled' group by product_key, warehouse_key, business_date)",
    ("product_key", "warehouse_key", "business_date"),
    "business_date",
    ("units", "revenue_rub"),
)

# The report requests of each marketplace, in one shape (`report_id`: Ozon's code, Wildberries' task id).
REPORT_SOURCES = {
    "ozon": ("stg_ozon__report_requests", "report_code"),
    "wildberries": ("stg_wildberries__report_requests", "task_id"),
}
REPORT_COLUMNS = (
    "account",
    "report_type",
    "requested_at",
    "finished_at",
    "api_status",
    "outcome",
    "error",
    "polls",
    "rows_loaded",
    "rows_quarantined",
)


def stock_on(day: date) -> Listing:
    """Stock as it stood at the end of `day` (the stock history, carried forward between snapshots)."""
    return Listing(STOCK_HISTORY.mart, STOCK_KEY, "product_key", STOCK_SUMS, 'm."business_date" = ?', (day,))


def reports(catalog: Catalog) -> Listing:
    columns = ", ".join(REPORT_COLUMNS)
    parts = [
        f"select '{marketplace}' as marketplace, cast({id_column} as varchar(200)) as report_id, {columns} "
        f"from staging.{table}"
        for marketplace, (table, id_column) in REPORT_SOURCES.items()
        if catalog.exists("staging", table)
    ]
    if not parts:  # dbt makes the views of every configured marketplace, reports loaded or not
        raise NotBuilt("no report request views in the staging schema")
    return Listing(
        f"({' union all '.join(parts)})", ("marketplace", "account", "report_id"), "-requested_at", ("rows_loaded",)
    )


def freshness(catalog: Catalog) -> dict:
    """When the stock was read from the marketplaces and when the marts were built."""
    _, stock = catalog.query("select max(snapshot_at) from marts.inventory")
    return {"stock_as_of": stock[0][0], "built_at": catalog.built_at()}


def overview(catalog: Catalog) -> list[dict]:
    """Per marketplace and account: units, warehouses, products, alerts by severity."""
    _, stock = catalog.query(
        "select marketplace, account, sum(available_quantity), count(distinct warehouse_key), "
        "count(distinct product_key), max(snapshot_at) from marts.inventory group by marketplace, account "
        "order by marketplace, account"
    )
    _, alerts = catalog.query(
        "select marketplace, account, severity, count(*), sum(revenue_per_day_at_risk),"
        " count(*) - count(revenue_per_day_at_risk) from marts.stock_alerts group by marketplace, account, severity"
    )
    by_account = {
        (marketplace, account): {
            "marketplace": marketplace,
            "account": account,
            "units": units,
            "warehouses": warehouses,
            "products": products,
            "stock_as_of": as_of,
            "alerts": {},
            "revenue_at_risk": 0,
            # alerts whose revenue at risk is unknown (no price in roubles): not in the sum, not 0
            "revenue_at_risk_unknown": 0,
        }
        for marketplace, account, units, warehouses, products, as_of in stock
    }
    for marketplace, account, severity, count, at_risk, unknown in alerts:
        entry = by_account.get((marketplace, account))
        if entry:
            entry["alerts"][severity] = count
            entry["revenue_at_risk"] += at_risk or 0
            entry["revenue_at_risk_unknown"] += unknown
    return list(by_account.values())
