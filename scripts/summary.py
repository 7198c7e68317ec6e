"""Print what the marts say: products, stock, orders, what runs out soon and what to ship, and how
far the data can be trusted: data quality issues and stock anomalies."""

from __future__ import annotations

import sys

import duckdb

from loaders import config

SUMMARY = """
    with marketplaces as (select distinct marketplace from marts.dim_products)
    select
        m.marketplace,
        (select count(*) from marts.dim_products as x where x.marketplace = m.marketplace),
        (select count(*) from marts.dim_products as x where x.marketplace = m.marketplace and x.is_archived),
        (select count(distinct warehouse_key) from marts.inventory as x
         where x.marketplace = m.marketplace and x.available_quantity > 0),
        (select coalesce(sum(available_quantity), 0) from marts.inventory as x where x.marketplace = m.marketplace),
        (select count(*) from marts.fact_orders as x where x.marketplace = m.marketplace),
        (select coalesce(sum(quantity), 0) from marts.fact_orders as x
         where x.marketplace = m.marketplace and x.order_status <> 'cancelled'),
        (select count(*) from marts.stock_alerts as x
         where x.marketplace = m.marketplace and x.severity in ('out_of_stock', 'critical')),
        (select coalesce(sum(recommended_quantity), 0) from marts.replenishment_plan as x
         where x.marketplace = m.marketplace and x.location_level = 'warehouse')
    from marketplaces as m
    order by m.marketplace
"""

LEAST_STOCKED = """
    select p.seller_article, coalesce(p.product_name, ''), coalesce(sum(i.available_quantity), 0) as available
    from marts.dim_products as p
    left join marts.inventory as i on i.product_key = p.product_key
    where not p.is_archived
    group by p.seller_article, p.product_name
    order by available, p.seller_article
    limit 10
"""

TOP_SHIPMENTS = """
    select p.seller_article, w.warehouse_name, r.recommended_quantity, r.days_of_cover, r.lost_revenue_per_day
    from marts.replenishment_plan as r
    inner join marts.dim_products as p on r.product_key = p.product_key
    inner join marts.dim_warehouses as w on r.warehouse_key = w.warehouse_key
    where r.location_level = 'warehouse' and r.recommended_quantity > 0
    order by r.lost_revenue_per_day desc, p.seller_article
    limit 10
"""

QUALITY_ISSUES = """
    select marketplace, severity, rule, count(*)
    from quality.data_quality_issues
    where severity in ('error', 'warn')
    group by marketplace, severity, rule
    order by marketplace, severity, count(*) desc, rule
"""

STOCK_ANOMALIES = """
    select
        marketplace, account, kind || ' (' || anomaly_level || ')', count(*),
        sum(case when is_latest then 1 else 0 end), arg_max(detail, coalesce(share, 0))
    from quality.stock_anomalies
    group by marketplace, account, kind, anomaly_level
    order by marketplace, account, kind, anomaly_level
"""


def print_trust(db: duckdb.DuckDBPyConnection) -> None:
    issues = db.sql(QUALITY_ISSUES).fetchall()
    anomalies = db.sql(STOCK_ANOMALIES).fetchall()
    print("  data quality issues (error: left out of the marts; warn: kept, suspect; quality.data_quality_issues):")
    for marketplace, severity, rule, count in issues:
        print(f"    {count:>6}  {marketplace:<12} {severity:<6} {rule}")
    if not issues:
        print("    none")
    print("  stock anomalies (quality.stock_anomalies; in the newest loads, of all; the largest):")
    for marketplace, account, kind, count, latest, detail in anomalies:
        print(f"    {latest:>3} of {count:>4}  {marketplace:<12} {account:<8} {kind:<30} {detail[:90]}")
    if not anomalies:
        print("    none")


def main() -> int:
    path = config.duckdb_path()
    with duckdb.connect(str(path), read_only=True) as db:
        per_marketplace = db.sql(SUMMARY).fetchall()
        least = db.sql(LEAST_STOCKED).fetchall()
        shipments = db.sql(TOP_SHIPMENTS).fetchall()
    print(f"\nSummary of {path.name}")
    for marketplace, products, archived, warehouses, units, lines, sold, alerts, to_ship in per_marketplace:
        print(f"  {marketplace}")
        print(f"    products:              {products} ({archived} archived)")
        print(f"    warehouses in stock:   {warehouses}")
        print(f"    units available:       {units}")
        print(f"    order lines:           {lines} ({sold} units not cancelled)")
        print(f"    critical stock alerts: {alerts}")
        print(f"    units to ship:         {int(to_ship)}")
    print("  ten active products with the least stock:")
    for article, name, available in least:
        print(f"    {available:>6}  {article:<12} {name[:50]}")
    print("  ten most urgent shipments (units, days of cover, revenue lost per day of stock-out):")
    for article, warehouse, quantity, cover, lost in shipments:
        cover_text = f"{float(cover):.1f}" if cover is not None else "-"
        print(f"    {int(quantity):>6}  {article:<12} → {warehouse:<24} cover {cover_text:>5} d  {float(lost):>9.2f} ₽")
    with duckdb.connect(str(path), read_only=True) as db:
        print_trust(db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
