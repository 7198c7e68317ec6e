"""The floor of `make bench`: every page the Ozon loader reads, through the same HTTP client, kept
nowhere. The warehouse stock report is left out: its time is the marketplace's report queue, not
ours. Writes the number of items read to $BENCH_WORKDIR/floor_rows."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from loaders import config
from loaders.ozon import helpers, postings, reports, settings


def main() -> int:
    (account,) = config.ozon_accounts()
    client = helpers.make_client(account)
    items = 0
    for visibility in settings.CATALOGUE_VISIBILITIES:
        for page in helpers.product_list_pages(client, visibility):
            items += len(page) + len(helpers.product_info(client, [item["product_id"] for item in page]))
            skus = [item["sku"] for item in page if item.get("sku")]
            for start in range(0, len(skus), settings.ANALYTICS_STOCKS_SKUS_PER_CALL):
                items += len(
                    helpers.analytics_stocks(client, skus[start : start + settings.ANALYTICS_STOCKS_SKUS_PER_CALL])
                )
    items += sum(len(page) for page in helpers.product_stock_pages(client))
    items += sum(len(page) for page in reports.warehouse_pages(client))
    items += sum(len(page) for page in reports.cluster_pages(client))
    since, to = postings.window(None, config.now())
    for endpoint in (settings.POSTING_FBO_LIST, settings.POSTING_FBS_LIST):
        items += sum(len(page) for page in postings.posting_pages(client, endpoint, since, to))
    Path(os.environ["BENCH_WORKDIR"], "floor_rows").write_text(str(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
