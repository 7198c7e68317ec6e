"""Print what the marts say: products, warehouses, units in stock and the lowest stock."""

from __future__ import annotations

import sys

import duckdb

from loaders import config

LEAST_STOCKED = """
    select p.seller_article, p.product_name, coalesce(sum(i.available_quantity), 0) as available
    from marts.dim_products as p
    left join marts.inventory as i on i.product_key = p.product_key
    where not p.is_archived
    group by p.seller_article, p.product_name
    order by available, p.seller_article
    limit 10
"""


def main() -> int:
    path = config.duckdb_path()
    with duckdb.connect(str(path), read_only=True) as db:
        products = db.sql("select count(*) from marts.dim_products").fetchone()[0]
        archived = db.sql("select count(*) from marts.dim_products where is_archived").fetchone()[0]
        warehouses = db.sql(
            "select count(distinct warehouse_key) from marts.inventory where available_quantity > 0"
        ).fetchone()[0]
        units = db.sql("select coalesce(sum(available_quantity), 0) from marts.inventory").fetchone()[0]
        least = db.sql(LEAST_STOCKED).fetchall()
    print(f"\nSummary of {path.name}")
    print(f"  products:            {products} ({archived} archived)")
    print(f"  warehouses in stock: {warehouses}")
    print(f"  units available:     {units}")
    print("  ten active products with the least stock:")
    for article, name, available in least:
        print(f"    {available:>6}  {article:<20} {name[:50]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
