"""The floor of `make bench`: every page a marketplace's loader reads, through the same HTTP client,
kept nowhere. `python -m devtools.bench_floor [ozon|wildberries]` (default ozon).

Ozon: the catalogue, stock, warehouses, clusters and both posting lists; the warehouse stock report
is left out (its time is the marketplace's report queue, not ours). Wildberries: cards, orders,
sales, the remains report (created, polled, downloaded and checked as the loader does; WB has no
other per-warehouse stock of its own warehouses), wb-warehouses, seller warehouses and offices.
Every configured account, one after another. Writes the number of items read to
$BENCH_WORKDIR/floor_rows.

The clients pace themselves to the marketplaces' limits (Ozon: 40 requests a second, 16 a second
per posting list, which caps the posting lists at 1,600 rows a second whatever the server does),
divided by OZON_RATE_LIMIT_SCALE and WB_RATE_LIMIT_SCALE as in the loaders: the bench sets both
high, so that floor and loads measure the sandbox and our stack instead of the pacing."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from loaders import config


def ozon_items(account: config.OzonAccount) -> int:
    from loaders.ozon import helpers, postings, reports, settings

    client = helpers.make_client(account)
    items = 0
    for visibility in settings.CATALOGUE_VISIBILITIES:
        for page in helpers.product_list_pages(client, visibility):
            items += len(page) + len(helpers.product_info(client, [item["product_id"] for item in page]))
            skus = helpers.list_item_skus(client, page)
            for start in range(0, len(skus), settings.ANALYTICS_STOCKS_SKUS_PER_CALL):
                items += len(
                    helpers.analytics_stocks(client, skus[start : start + settings.ANALYTICS_STOCKS_SKUS_PER_CALL])
                )
    items += sum(len(page) for page in helpers.product_stock_pages(client))
    items += sum(len(page) for page in reports.warehouse_pages(client))
    items += sum(len(page) for page in reports.cluster_pages(client))
    now = config.now()
    for endpoint, field in (
        (settings.POSTING_FBO_LIST, settings.POSTING_FBO_CURSOR),
        (settings.POSTING_FBS_LIST, settings.POSTING_FBS_CURSOR),
    ):
        # A first run's window, in the loads of at most OZON_ORDERS_WINDOW_DAYS the loader makes of it.
        initial, resume_from = postings.cursor(field, now).initial_value, None
        while True:
            since, to = postings.window(initial, now, resume_from)
            items += sum(len(page) for page in postings.posting_pages(client, endpoint, since, to))
            if to >= now:
                break
            resume_from = postings.rfc3339(to)
    return items


def wildberries_items(account: config.WildberriesAccount) -> int:
    from loaders.wildberries import helpers, reports, settings

    client = helpers.make_client(account)
    items = sum(len(page) for page, _ in helpers.card_pages(client, account, None))
    date_from = helpers.start_date_from(None, config.now())
    for endpoint in (settings.ORDERS, settings.SALES):
        items += sum(
            len(batch) for batch in helpers.statistics_batches(client, helpers.url(account, endpoint), date_from)
        )
    report = reports.RemainsReport(client, account, reports.report_timeout())
    items += sum(len(rows) for table, rows in report.tables() if table == reports.STOCK_TABLE)
    items += sum(len(page) for page in helpers.wb_warehouse_stock_pages(client, account))
    for endpoint in (settings.SELLER_WAREHOUSES, settings.OFFICES):
        items += len(helpers.plain_list(client, account, endpoint))
    return items


FLOORS = {"ozon": (config.ozon_accounts, ozon_items), "wildberries": (config.wildberries_accounts, wildberries_items)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    marketplace = args[0] if args else "ozon"
    if marketplace not in FLOORS:
        print(f"unknown marketplace {marketplace!r}: use one of {', '.join(FLOORS)}", file=sys.stderr)
        return 2
    accounts, items_of = FLOORS[marketplace]
    # One after another: with the limits off there is no wait for the loader's accounts to overlap.
    items = sum(items_of(account) for account in accounts())
    Path(os.environ["BENCH_WORKDIR"], "floor_rows").write_text(str(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
