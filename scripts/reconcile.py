"""`python -m scripts.reconcile [--target duckdb|postgres]`: does every raw row end up somewhere?

Per marketplace, account and entity (orders, stock, catalogue) it prints the rows in raw (as
staged), the rows in the marts, the rows the data quality rules left out (severity error in
quality.data_quality_issues) and the rows the loaders quarantined (kept in raw_*.*_quarantine,
never in the order or stock tables, so shown apart). Exit 0 when raw = mart + excluded everywhere,
1 when some entity does not add up, 2 when the marts are not built yet, 75 while a run writes the
DuckDB file.

Stock is the newest snapshot of each source the inventory mart uses (also one that listed no row):
its raw rows must be the rows that feed the mart plus the excluded ones, and the units of those rows
must be the mart's units of that load (several spellings of a warehouse add up to one inventory row,
so mart rows are shown, not compared; the last known stock inventory keeps for a cell whose row was
excluded is of an older load).
Its quarantined rows are those of that snapshot's load and of later loads whose report was refused.
Ozon postings are checked within raw: every posting must have its order lines.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import duckdb
import psycopg2

from loaders import cli, config
from scripts import database

EXIT_RECONCILED, EXIT_MISMATCH, EXIT_NOT_BUILT = 0, 1, 2

# Order lines in raw: (marketplace, staging relation, source_table of data_quality_issues).
ORDER_SOURCES = (
    ("ozon", "staging.stg_ozon__posting_lines_fbo", "postings_fbo"),
    ("ozon", "staging.stg_ozon__posting_lines_fbs", "postings_fbs"),
    ("wildberries", "staging.stg_wildberries__orders", "orders"),
)
# Stock rows in raw that feed the inventory mart: (marketplace, snapshot source, staging relation
# and the filter of what the marts take, intermediate model of the marketplace's snapshots, the
# inventory rows that come from the source). A row the answer or report sent again is a copy, not a
# row of its own: the marts take copy 1 and rule duplicate_key warns of the others.
STOCK_SOURCES = (
    (
        "ozon",
        "analytics_stocks",
        "staging.stg_ozon__analytics_stocks",
        "answer_copy = 1",
        "intermediate.int_ozon_stock_snapshots",
        "stock_type = 'fbo'",
    ),
    (
        "ozon",
        "product_stocks",
        "staging.stg_ozon__product_stocks",
        "stock_type <> 'fbo' and answer_copy = 1",
        "intermediate.int_ozon_stock_snapshots",
        "stock_type <> 'fbo'",
    ),
    (
        "wildberries",
        "warehouse_remains",
        "staging.stg_wildberries__warehouse_remains",
        "not is_pseudo_warehouse and report_copy = 1",
        "intermediate.int_wildberries_stock_snapshots",
        "true",
    ),
)
# Ozon postings in raw and the child table of their order lines: (marketplace, entity, postings,
# lines). Staging joins a posting to its lines, so a posting that lost them (a load killed part way
# once did so) is in neither raw lines nor the mart, and raw = mart + excluded still adds up; it is
# counted here, in raw.
POSTING_LINE_TABLES = (
    ("ozon", "postings fbo", "raw_ozon.postings_fbo", "raw_ozon.postings_fbo__products"),
    ("ozon", "postings fbs", "raw_ozon.postings_fbs", "raw_ozon.postings_fbs__products"),
)
# Catalogue: (marketplace, SQL of the raw products per account, the mart's filter on dim_products).
CATALOGUE_SOURCES = (
    (
        "ozon",
        "select account, count(*) from staging.stg_ozon__products group by account",
        "marketplace_product_id is not null",  # not the products keyed by a SKU no product names
    ),
    (
        "wildberries",
        "select account, count(*) from (select account, nm_id, tech_size from staging.stg_wildberries__card_sizes "
        "union select account, nm_id, tech_size from staging.stg_wildberries__trashed_card_sizes as trashed) as sizes "
        "group by account",
        "status <> 'not_in_catalogue'",
    ),
)


@dataclass
class Line:
    marketplace: str
    account: str
    entity: str
    raw_rows: int = 0
    mart_rows: int = 0
    excluded_rows: int = 0
    quarantined_rows: int = 0
    kept_rows: int | None = None  # stock: raw rows that feed the mart
    kept_units: int | None = None
    mart_units: int | None = None
    without_lines: int | None = None  # postings: those of the raw rows that have no order line

    @property
    def reconciled(self) -> bool:
        if self.without_lines is not None:
            return self.without_lines == 0
        if self.kept_rows is None:
            return self.raw_rows == self.mart_rows + self.excluded_rows
        return self.raw_rows == self.kept_rows + self.excluded_rows and self.kept_units == self.mart_units


def _exists(db: database.Database, relation: str) -> bool:
    schema, table = relation.split(".")
    return db.relation_exists(schema, table)


def _by_account(db: database.Database, sql: str) -> dict[str, int]:
    return {account: int(count or 0) for account, count in db.execute(sql)}


def _issues(db: database.Database, marketplace: str, tables: tuple[str, ...], quarantined: bool) -> dict[str, int]:
    names = ", ".join(f"'{table}'" for table in tables)
    rule = "=" if quarantined else "<>"
    return _by_account(
        db,
        f"""select account, count(distinct source_table || '|' || natural_key || '|' || load_id)
        from quality.data_quality_issues
        where marketplace = '{marketplace}' and source_table in ({names}) and severity = 'error'
          and rule {rule} 'quarantined_by_loader'
        group by account""",
    )


def _line(lines: dict, marketplace: str, account: str, entity: str) -> Line:
    return lines.setdefault((marketplace, account, entity), Line(marketplace, account, entity))


def orders(db: database.Database, lines: dict) -> None:
    for marketplace, relation, table in ORDER_SOURCES:
        if not _exists(db, relation):
            continue
        for account, count in _by_account(db, f"select account, count(*) from {relation} group by account").items():
            _line(lines, marketplace, account, "orders").raw_rows += count
        for account, count in _issues(db, marketplace, (table,), quarantined=False).items():
            _line(lines, marketplace, account, "orders").excluded_rows += count
        for account, count in _issues(db, marketplace, (table,), quarantined=True).items():
            _line(lines, marketplace, account, "orders").quarantined_rows += count
    marketplaces = {marketplace for marketplace, _, _ in ORDER_SOURCES}
    for marketplace in sorted(marketplaces):
        mart = f"select account, count(*) from marts.fact_orders where marketplace = '{marketplace}' group by account"
        for account, count in _by_account(db, mart).items():
            _line(lines, marketplace, account, "orders").mart_rows += count


def stock(db: database.Database, lines: dict) -> None:
    for marketplace, source, relation, scope, snapshots, mart_scope in STOCK_SOURCES:
        if not _exists(db, relation) or not _exists(db, snapshots):
            continue
        # the newest snapshot, also when it listed no row (a load the loader reported ok)
        newest = f"""(select account, max(load_id) as load_id from (
                        select account, load_id from {snapshots} where snapshot_source = '{source}'
                        union all
                        select o.account, o.data_load_id from staging.stg_{marketplace}__resource_outcomes as o
                        inner join staging.stg_{marketplace}__loads as l on o.data_load_id = l.load_id
                        where o.status = 'ok' and o.resource = '{source}' and l.is_completed
                     ) as loads group by account)"""
        rows = db.execute(
            f"""
            select newest.account,
                (select count(*) from {relation} as r
                 where r.account = newest.account and r.load_id = newest.load_id and ({scope})),
                (select count(*) from {snapshots} as s
                 where s.account = newest.account and s.load_id = newest.load_id and s.snapshot_source = '{source}'
                   and s.passes_checks),
                (select coalesce(sum(available_quantity), 0) from {snapshots} as s
                 where s.account = newest.account and s.load_id = newest.load_id and s.snapshot_source = '{source}'
                   and s.passes_checks),
                (select count(distinct natural_key) from quality.data_quality_issues as i
                 where i.marketplace = '{marketplace}' and i.account = newest.account and i.source_table = '{source}'
                   and i.load_id = newest.load_id and i.severity = 'error' and i.rule <> 'quarantined_by_loader'),
                (select count(*) from quality.data_quality_issues as i
                 where i.marketplace = '{marketplace}' and i.account = newest.account and i.source_table = '{source}'
                   and i.rule = 'quarantined_by_loader' and i.load_id >= newest.load_id),
                (select count(*) from marts.inventory as m
                 where m.marketplace = '{marketplace}' and m.account = newest.account and m.load_id = newest.load_id
                   and ({mart_scope})),
                (select coalesce(sum(available_quantity), 0) from marts.inventory as m
                 where m.marketplace = '{marketplace}' and m.account = newest.account and m.load_id = newest.load_id
                   and ({mart_scope}))
            from {newest} as newest"""
        )
        for account, raw, kept, kept_units, excluded, quarantined, mart, mart_units in rows:
            line = _line(lines, marketplace, account, f"stock {source}")
            line.raw_rows, line.kept_rows, line.kept_units = int(raw), int(kept), int(kept_units)
            line.excluded_rows, line.quarantined_rows = int(excluded), int(quarantined)
            line.mart_rows, line.mart_units = int(mart), int(mart_units)


def posting_lines(db: database.Database) -> list[Line]:
    """Per marketplace, account and POSTING_LINE_TABLES entity: the postings in raw and how many of
    them have no order line."""
    found = []
    for marketplace, entity, postings, posting_lines_table in POSTING_LINE_TABLES:
        if not _exists(db, postings):
            continue
        without_line = "1"  # no lines table: no posting ever had a line
        join = ""
        if _exists(db, posting_lines_table):
            without_line = "case when lined._dlt_parent_id is null then 1 else 0 end"
            join = (
                f"left join (select distinct _dlt_parent_id from {posting_lines_table}) as lined"
                " on lined._dlt_parent_id = posting._dlt_id"
            )
        rows = db.execute(
            f"select posting.account, count(*), sum({without_line}) from {postings} as posting {join}"
            " group by posting.account"
        )
        for account, count, without in rows:
            found.append(Line(marketplace, account, entity, raw_rows=int(count), without_lines=int(without)))
    return found


def catalogue(db: database.Database, lines: dict) -> None:
    for marketplace, raw_sql, mart_filter in CATALOGUE_SOURCES:
        relation = raw_sql.split("from ")[-1].split(" ")[0]
        if not _exists(db, relation):
            continue
        for account, count in _by_account(db, raw_sql).items():
            _line(lines, marketplace, account, "catalogue").raw_rows += count
        mart = (
            f"select account, count(*) from marts.dim_products where marketplace = '{marketplace}' "
            f"and {mart_filter} group by account"
        )
        for account, count in _by_account(db, mart).items():
            _line(lines, marketplace, account, "catalogue").mart_rows += count


def reconcile(target: str) -> list[Line]:
    lines: dict = {}
    with database.connect(target, read_only=target == "duckdb") as db:
        if not (_exists(db, "marts.fact_orders") and _exists(db, "quality.data_quality_issues")):
            raise LookupError("the marts are not built yet: run `make build` (or `make run`)")
        orders(db, lines)
        stock(db, lines)
        catalogue(db, lines)
        lines.update({(line.marketplace, line.account, line.entity): line for line in posting_lines(db)})
    return [lines[key] for key in sorted(lines)]


def render(lines: list[Line]) -> str:
    header = (
        f"{'marketplace':<12} {'account':<10} {'entity':<24} {'raw':>8} {'mart':>8} {'excluded':>9} "
        f"{'quarantined':>11}  check"
    )
    out = [header, "-" * len(header)]
    for line in lines:
        check = "ok" if line.reconciled else "MISMATCH"
        mart, excluded, quarantined = line.mart_rows, line.excluded_rows, line.quarantined_rows
        if line.without_lines is not None:
            check += f" ({line.without_lines} postings in raw without an order line)"
            mart = excluded = quarantined = "-"  # a check within raw
        elif line.kept_rows is not None:
            check += f" (raw = {line.kept_rows} kept + {line.excluded_rows} excluded; units kept {line.kept_units}"
            check += f", in mart {line.mart_units})"
        else:
            check += f" (raw = mart + excluded: {line.mart_rows + line.excluded_rows})"
        out.append(
            f"{line.marketplace:<12} {line.account:<10} {line.entity:<24} {line.raw_rows:>8} {mart:>8} "
            f"{excluded:>9} {quarantined:>11}  {check}"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=database.TARGETS, help="default: TARGET, else duckdb")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    target = config.target(args.target)
    refused = database.refuse_reader(target, "reconcile")
    if refused is not None:
        return refused
    try:
        lines = reconcile(target)
    except (LookupError, duckdb.Error, psycopg2.Error) as exc:
        if cli.describe(exc):  # a fault of the environment (the server unreachable): one line from cli.run
            raise
        print(f"reconcile: {exc}", file=sys.stderr)
        return EXIT_NOT_BUILT
    if not lines:  # built, but no account has loaded anything: an empty table would read as all reconciled
        print("reconcile: nothing loaded yet: run `make run` (or `make demo`) first", file=sys.stderr)
        return EXIT_NOT_BUILT
    print(render(lines))
    mismatched = [line for line in lines if not line.reconciled]
    if mismatched:
        print(f"\n{len(mismatched)} entit{'y does' if len(mismatched) == 1 else 'ies do'} not add up", file=sys.stderr)
        return EXIT_MISMATCH
    return EXIT_RECONCILED


if __name__ == "__main__":
    cli.run(main)
