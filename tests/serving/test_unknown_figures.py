"""Figures the marts leave unknown (null: a product without a price in roubles) on the dashboard's
overview and in its charts, over a hand-made DuckDB: no seller is loaded or built."""

from __future__ import annotations

import duckdb
import pytest

from serving import marts, queries


class MemoryReader:
    """The serving Reader over an in-memory DuckDB whose data never changes."""

    target = "duckdb"

    def __init__(self, db: duckdb.DuckDBPyConnection):
        self.db = db

    def query(self, sql: str, params: tuple | list = ()) -> tuple[list[str], list[tuple]]:
        found = self.db.execute(sql, list(params))
        return [column[0] for column in found.description], found.fetchall()

    def generation(self) -> str:
        return "fixed"


@pytest.fixture
def catalog() -> queries.Catalog:
    db = duckdb.connect()
    db.execute("create schema marts")
    db.execute(
        "create table marts.inventory as select * from (values"
        " ('ozon', 'shop', 5, 'w1', 'p1', timestamp '2026-12-07 06:00'),"
        " ('ozon', 'shop', 3, 'w2', 'p2', timestamp '2026-12-07 06:00'))"
        " as t(marketplace, account, available_quantity, warehouse_key, product_key, snapshot_at)"
    )
    db.execute(
        "create table marts.stock_alerts as select * from (values"
        " ('ozon', 'shop', 'critical', 120.5::decimal(18, 2), 'w1'),"
        " ('ozon', 'shop', 'critical', null, 'w2'),"
        " ('ozon', 'shop', 'warning', null, 'w1'),"
        " ('ozon', 'shop', 'no_sales', 0::decimal(18, 2), 'w2'))"
        " as t(marketplace, account, severity, revenue_per_day_at_risk, warehouse_key)"
    )
    db.execute(  # twenty more warehouses of equal (zero) revenue at risk
        "insert into marts.stock_alerts select 'ozon', 'shop', 'no_sales', 0, 'z' || lpad(i::varchar, 2, '0')"
        " from range(20) as r(i)"
    )
    db.execute(  # the warehouses' names, which every list of warehouse rows joins
        "create table marts.dim_warehouses as select distinct warehouse_key, warehouse_key as warehouse_name,"
        " 'Москва' as cluster_name from marts.stock_alerts"
    )
    return queries.Catalog(MemoryReader(db))


def test_the_overview_counts_alerts_of_unknown_revenue_at_risk_apart(catalog):
    """An alert whose revenue at risk is unknown added 0 to the account's revenue at risk, which the
    overview then showed as the whole of it (0,00 ₽ a day when no alert's revenue was known)."""
    (account,) = marts.overview(catalog)
    assert account["alerts"] == {"critical": 2, "warning": 1, "no_sales": 21}
    assert account["revenue_at_risk"] == 120.5 and account["revenue_at_risk_unknown"] == 2


def test_chart_bars_of_equal_sums_come_in_the_same_order_on_every_database(catalog):
    """Bars of equal totals (0, or unknown) were in whatever order the database grouped them: DuckDB and
    PostgreSQL drew the same chart differently."""
    listing = queries.Listing(mart="marts.stock_alerts", key=("warehouse_key",), default_sort="warehouse_key")
    bars = queries.sums_by(catalog, listing, [], "warehouse_key", "revenue_per_day_at_risk")
    assert bars[0] == ("w1", 120.5)
    assert [warehouse for warehouse, _ in bars[1:]] == ["w2", *(f"z{i:02}" for i in range(20))]
