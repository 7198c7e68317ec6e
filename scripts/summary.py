"""`make summary`: what the marts say, per marketplace: products, stock, orders, what runs out soon and
what to ship first, what stock-outs cost and the ABC classes, and how far the data can be trusted
(data quality issues and stock anomalies).
Reads TARGET's database (DuckDB or PostgreSQL); exit 2 when the marts are not built yet, 75 while
a run writes the DuckDB file."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from loaders import cli, config, outcomes
from scripts import database, health, runlog

EXIT_NOT_BUILT = 2

# The accounts some stock feed they still read has listed a warehouse of: the others' stock is unknown,
# not 0 (a key or token refused every stock feed, or the account leaves them out: *_SKIP_RESOURCES).
STOCKED_ACCOUNTS = "select distinct marketplace, account from intermediate.int_stock_feed_coverage where is_read_now"

SUMMARY = f"""
    with marketplaces as (select distinct marketplace from marts.dim_products),
    stocked_accounts as ({STOCKED_ACCOUNTS})
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
         where x.marketplace = m.marketplace and x.location_level = 'warehouse'),
        (select count(*) from stocked_accounts as x where x.marketplace = m.marketplace)
    from marketplaces as m
    order by m.marketplace
"""

# A product is named by its article; one that orders or stock named without it (dim_products allows
# that), by its marketplace id, else its key. Sizes of one WB card share an article: the lists end
# their order with the product key, so that ties come in the same order every time.
ARTICLE = "coalesce(p.seller_article, p.marketplace_product_id, p.product_key)"

# {partly_stocked}: the accounts left out, "marketplace/account" each (see print_least_stocked).
LEAST_STOCKED = f"""
    select p.marketplace, p.account, {ARTICLE}, coalesce(p.product_name, ''), coalesce(sum(i.available_quantity), 0)
    from marts.dim_products as p
    inner join ({STOCKED_ACCOUNTS}) as stocked on p.marketplace = stocked.marketplace and p.account = stocked.account
    left join marts.inventory as i on i.product_key = p.product_key
    where not p.is_archived and p.marketplace || '/' || p.account not in ({{partly_stocked}})
    group by p.product_key, p.marketplace, p.account, {ARTICLE}, p.product_name
    order by coalesce(sum(i.available_quantity), 0), p.marketplace, p.account, {ARTICLE}, p.product_key
    limit 10
"""

# Urgent: the shipments to warehouses where stock_alerts says the product runs out (out of stock,
# critical or warning cover); the most urgent first: the least cover, then the worst severity, then
# the most revenue lost per day of stock-out.
URGENT_SHIPMENTS = f"""
    select
        r.marketplace, r.account, {ARTICLE}, w.warehouse_name, a.severity,
        r.recommended_quantity, r.days_of_cover, r.lost_revenue_per_day
    from marts.replenishment_plan as r
    inner join marts.stock_alerts as a
        on r.product_key = a.product_key and r.warehouse_key = a.warehouse_key
    inner join marts.dim_products as p on r.product_key = p.product_key
    inner join marts.dim_warehouses as w on r.warehouse_key = w.warehouse_key
    where r.location_level = 'warehouse' and r.recommended_quantity > 0
        and a.severity in ('out_of_stock', 'critical', 'warning')
    order by
        r.days_of_cover,
        case a.severity when 'out_of_stock' then 0 when 'critical' then 1 else 2 end,
        r.lost_revenue_per_day desc nulls last,
        r.marketplace, {ARTICLE}, w.warehouse_name, r.product_key
    limit 10
"""

# What stock-outs cost over the lost-sales window: the products × warehouses that lost the most.
TOP_LOST_REVENUE = f"""
    select l.marketplace, l.account, {ARTICLE}, w.warehouse_name, l.out_of_stock_days, l.availability,
        l.lost_units, l.lost_revenue
    from marts.lost_sales as l
    inner join marts.dim_products as p on l.product_key = p.product_key
    inner join marts.dim_warehouses as w on l.warehouse_key = w.warehouse_key
    where l.location_level = 'warehouse' and l.lost_revenue > 0
    order by l.lost_revenue desc, l.marketplace, {ARTICLE}, w.warehouse_name, l.product_key
    limit 5
"""

ABC_COUNTS = """
    select marketplace,
        sum(case when abc_class = 'A' then 1 else 0 end),
        sum(case when abc_class = 'B' then 1 else 0 end),
        sum(case when abc_class = 'C' then 1 else 0 end),
        sum(case when abc_class is null then 1 else 0 end)
    from marts.product_abc_xyz
    where scope_level = 'marketplace'
    group by marketplace
    order by marketplace
"""

QUALITY_ISSUES = """
    select marketplace, severity, rule, count(*)
    from quality.data_quality_issues
    where severity in ('error', 'warn')
    group by marketplace, severity, rule
    order by marketplace, severity, count(*) desc, rule
"""

TYPE_MISMATCHES = """
    select marketplace, raw_table, raw_column, received_type, row_count, example_value
    from quality.raw_type_mismatches
    order by marketplace, raw_table, raw_column, received_type
"""

# Per marketplace, account and kind: how many, how many in the newest loads, and the largest one.
STOCK_ANOMALIES = """
    with ranked as (
        select
            marketplace, account, kind || ' (' || anomaly_level || ')' as kind, is_latest, detail,
            row_number() over (
                partition by marketplace, account, kind, anomaly_level order by coalesce(share, 0) desc, detail
            ) as rank_by_share
        from quality.stock_anomalies
    )
    select
        marketplace, account, kind, count(*), sum(case when is_latest then 1 else 0 end),
        max(case when rank_by_share = 1 then detail end)
    from ranked
    group by marketplace, account, kind
    order by marketplace, account, kind
"""


def print_overview(db: database.Database) -> None:
    overview = db.execute(SUMMARY)
    if not overview:
        print("  no products in the marts yet: an empty catalogue, or nothing loaded (make run; make health)")
    for marketplace, products, archived, warehouses, units, lines, sold, alerts, to_ship, stocked in overview:
        print(f"  {marketplace}")
        print(f"    products:              {products} ({archived} archived)")
        if stocked:
            print(f"    warehouses in stock:   {warehouses}")
            print(f"    units available:       {int(units)}")
        else:
            print("    stock:                 unknown: no stock feed of it has loaded, or its accounts leave them out")
        print(f"    order lines:           {lines} ({int(sold)} units not cancelled)")
        print(f"    critical stock alerts: {alerts}")
        print(f"    units to ship:         {int(to_ship)}")
    print_least_stocked(db)


# "marketplace/account" of each account whose newest stock load did not read a resource: it failed or
# was skipped (an Ozon key without the analytics role reads no FBO stock), or the account leaves it
# out (*_SKIP_RESOURCES).
PARTLY_STOCKED = f"""
    with newest as (
        select run_id, step, marketplace, account,
               row_number() over (partition by marketplace, account order by started_at desc) as recency
        from {runlog.SCHEMA}.run_log
        where kind = 'load' and step_group = 'stock' and status <> 'running'
    )
    select distinct newest.marketplace || '/' || newest.account
    from newest
    inner join {runlog.SCHEMA}.run_log_resources as resources
        on resources.run_id = newest.run_id and resources.step = newest.step
    where newest.recency = 1 and resources.status <> '{outcomes.OK}'
    order by 1
"""


def print_least_stocked(db: database.Database) -> None:
    """The accounts some of whose stock the newest load did not read (PARTLY_STOCKED) are left out and
    named: their products' stock there is unknown, and would read 0 in the sum."""
    partly_stocked = []
    if db.relation_exists(runlog.SCHEMA, "run_log"):
        partly_stocked = [name for (name,) in db.execute(PARTLY_STOCKED)]
    print_list(
        db,
        "ten active products with the least stock:",
        LEAST_STOCKED.format(partly_stocked=", ".join("?" for _ in partly_stocked) or "''"),
        lambda marketplace, account, article, name, available: (
            f"{int(available):>6}  {marketplace:<12} {account:<10} {article:<12} {name[:50]}"
        ),
        "none",
        partly_stocked,
    )
    if partly_stocked:
        print(f"    left out, their stock partly unknown (make health says why): {', '.join(partly_stocked)}")


# Per marketplace, account and load group: the newest load's status and the newest successful one's end.
NEWEST_LOADS = f"""
    with loads as (
        select marketplace, account, step_group, status, finished_at,
               row_number() over (partition by marketplace, account, step_group order by started_at desc) as recency
        from {runlog.SCHEMA}.run_log
        where kind = 'load' and status <> 'running'
    )
    select marketplace, account, step_group, max(case when recency = 1 then status end),
           max(case when status in ('success', 'partial') then finished_at end)
    from loads
    group by marketplace, account, step_group
    order by marketplace, account, step_group
"""


def print_gaps(db: database.Database) -> None:
    """The sources the figures above lack, from the run log: those whose newest load failed or was
    skipped (their rows are older, or missing when none ever loaded) and the resources a partial one
    left out (an Ozon key without the analytics role: no FBO stock). A
    database built without the runner has no run log: nothing to say."""
    if not db.relation_exists(runlog.SCHEMA, "run_log"):
        return
    gaps = []
    for marketplace, account, group, status, last_loaded in db.execute(NEWEST_LOADS):
        if status not in ("success", "partial"):
            since = f"rows as of {last_loaded:%Y-%m-%d %H:%M} UTC" if last_loaded else "never loaded: none here"
            gaps.append(f"{marketplace}/{account} {group}: the newest load {status}; {since}")
    gaps += [f"{check.name.removeprefix('partial ')}: {check.message}" for check in health.partial_sources(db)]
    if gaps:
        print("\n  not in these figures (make health says why):")
        for gap in gaps:
            print(f"    {gap}")


def print_list(
    db: database.Database,
    heading: str,
    sql: str,
    line: Callable[..., str],
    empty: str | None = "",
    params: list[str] | tuple = (),
) -> None:
    """`heading`, then a line per row of `sql` (`line(*row)`), or `empty` when there is no row (None:
    nothing at all, not even the heading)."""
    rows = db.execute(sql, params)
    if not rows and empty is None:
        return
    print(f"  {heading}")
    for row in rows:
        print(f"    {line(*row)}")
    if not rows and empty:
        print(f"    {empty}")


def roubles(value) -> str:
    """An amount in roubles, or that it is unknown (a product without a price in roubles)."""
    return f"{float(value):>9.2f} ₽" if value is not None else "price unknown"


def print_shipments(db: database.Database) -> None:
    print_list(
        db,
        "most urgent shipments (units to ship, days of cover, revenue lost per day of stock-out):",
        URGENT_SHIPMENTS,
        lambda marketplace, account, article, warehouse, severity, quantity, cover, lost: (
            f"{int(quantity):>6}  {marketplace:<12} {account:<8} {article:<12} → {warehouse[:24]:<24} "
            f"{severity:<12} cover {float(cover):>5.1f} d  {roubles(lost)}"
        ),
        "none: no warehouse runs short",
    )


def abc_line(marketplace: str, a_count, b_count, c_count, unknown) -> str:
    """A marketplace's products per ABC class, and those left unclassed as their revenue is unknown."""
    line = f"{marketplace:<12} A {int(a_count)}, B {int(b_count)}, C {int(c_count)}"
    return f"{line}, revenue unknown {int(unknown)}" if unknown else line


def print_analytics(db: database.Database) -> None:
    if not all(db.relation_exists("marts", name) for name in ("lost_sales", "product_abc_xyz")):
        return
    print_list(
        db,
        "most revenue lost to stock-outs (marts.lost_sales: days out, availability, units, roubles):",
        TOP_LOST_REVENUE,
        lambda marketplace, account, article, warehouse, days_out, availability, units, revenue: (
            f"{float(revenue):>10.2f} ₽  {marketplace:<12} {account:<8} {article:<12} @ {warehouse[:24]:<24} "
            f"{days_out:>3} d out, availability {float(availability):.0%}, {float(units):.1f} units"
        ),
        "none: no stock-out in the window",
    )
    print_list(
        db,
        "ABC classes by revenue within each marketplace (marts.product_abc_xyz):",
        ABC_COUNTS,
        abc_line,
        "none: no sales in the window",
    )


def print_trust(db: database.Database) -> None:
    print_list(
        db,
        "data quality issues (error: left out of the marts; warn: kept, suspect; quality.data_quality_issues):",
        QUALITY_ISSUES,
        lambda marketplace, severity, rule, count: f"{count:>6}  {marketplace:<12} {severity:<6} {rule}",
        "none",
    )
    print_type_mismatches(db)
    print_list(
        db,
        "stock anomalies (quality.stock_anomalies; in the newest loads, of all; the largest):",
        STOCK_ANOMALIES,
        lambda marketplace, account, kind, count, latest, detail: (
            f"{latest:>3} of {count:>4}  {marketplace:<12} {account:<8} {kind:<30} {detail[:90]}"
        ),
        "none",
    )


def print_type_mismatches(db: database.Database) -> None:
    """Only when a value came in another type than its raw column (a seller without any sees no
    heading); databases built before the model have none."""
    if not db.relation_exists("quality", "raw_type_mismatches"):
        return
    print_list(
        db,
        "values of another type than their raw column (null in the marts; quality.raw_type_mismatches):",
        TYPE_MISMATCHES,
        lambda marketplace, table, column, received, count, example: (
            f"{count:>6}  {marketplace:<12} {table}.{column} as {received}, e.g. {example[:40]!r}"
        ),
        empty=None,
    )


def where(target: str) -> str:
    if target == "duckdb":
        return str(config.duckdb_path())
    settings = config.postgres_settings()
    return f"PostgreSQL database {settings['dbname']} at {settings['host']}:{settings['port']}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=database.TARGETS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    target = config.target(args.target)
    refused = database.refuse_reader(target, "summary")
    if refused is not None:
        return refused
    with database.connect(target, read_only=True) as db:
        if not db.relation_exists("marts", "replenishment_plan"):
            print(f"summary: the marts of {where(target)} are not built yet: run `make run`", file=sys.stderr)
            return EXIT_NOT_BUILT
        print(f"\nSummary of {where(target)}")
        print_overview(db)
        print_gaps(db)
        print_shipments(db)
        print_analytics(db)
        print_trust(db)
    return 0


if __name__ == "__main__":
    cli.run(main)
