"""dlt source for the Ozon Seller API: catalogue, warehouses, stock and orders, copied as sent into `raw_ozon`."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import datetime

import dlt

from loaders import config, raw_columns, streaming, waiting_room
from loaders.config import OzonAccount
from loaders.http import ApiClient
from loaders.outcomes import Outcomes, Unrecorded, row_stamp, stamp_columns
from loaders.ozon import helpers, postings, reports, settings

RESOURCES = (
    "product_list_items",
    "products",
    "product_stocks",
    "analytics_stocks",
    "warehouses",
    "clusters",
    "warehouse_stock_report",
    "postings_fbo",
    "postings_fbs",
)
# Transformers and the resource that feeds them (skipped, with the reason, when it fails).
NEEDS = {"products": "product_list_items", "analytics_stocks": "product_list_items"}
# The tables a resource sends rows to besides its own (dlt.mark), for their declared raw columns.
ROUTED = {
    "warehouse_stock_report": (reports.REQUESTS_TABLE, reports.QUARANTINE_TABLE),
    "postings_fbo": (settings.POSTINGS_QUARANTINE_TABLE,),
    "postings_fbs": (settings.POSTINGS_QUARANTINE_TABLE,),
}


@dlt.source(name="ozon", max_table_nesting=2, parallelized=True)
def ozon_source(
    account: OzonAccount,
    client: ApiClient | None = None,
    synced_at: datetime | None = None,
    outcomes: Outcomes | None = None,
    unfinished: set[str] | None = None,
):
    """Catalogue, warehouses, stock and orders of one Ozon seller account.

    Args:
        account: the seller account (credentials and name) to read.
        client: the HTTP client to use; by default one made for `account`.
        synced_at: the time stamped on every row of this run; defaults to `config.now()` (LOADER_NOW
            or the wall clock), which also ends the orders window.
        outcomes: records the error of a resource that fails (a removed method, a token refused for
            one endpoint, a failed report) and ends that resource alone: dlt loads nothing of a run
            whose resource raised. Without it, the first error fails the run.
        unfinished: where a postings resource whose window was cut at OZON_ORDERS_WINDOW_DAYS
            adds its name: the caller loads it again (the next load resumes where this one ended).

    Every root row carries `account` and `synced_at`. The catalogue, warehouses and orders merge
    on their natural key plus account; stock appends one snapshot per run.
    """
    # API timestamps stay text in raw; staging parses them.
    dlt.current.source_schema().remove_type_detection("iso_timestamp")
    client = client or helpers.make_client(account)
    now = synced_at or config.now()
    stamp = row_stamp(account.name, now)
    columns = stamp_columns()

    def stamped(items: list[dict]) -> list[dict]:
        return [{**item, **stamp} for item in items]

    outcomes = outcomes or Unrecorded()

    listed = helpers.FirstSeen()  # a product both visibility passes list: once, as the first listed it

    @dlt.resource(write_disposition="merge", primary_key=("account", "product_id"), columns=columns)
    @outcomes.guard
    def product_list_items() -> Iterator[list[dict]]:
        # The pass that listed a product tells whether it is archived when `archived` is not sent.
        for visibility in settings.CATALOGUE_VISIBILITIES:
            for page in helpers.product_list_pages(client, visibility):
                if new := listed.only_new(page):
                    yield stamped([{**item, "listed_with_visibility": visibility} for item in new])

    @dlt.transformer(
        data_from=product_list_items, write_disposition="merge", primary_key=("account", "id"), columns=columns
    )
    @outcomes.guard
    def products(page: list[dict]) -> Iterator[list[dict]]:
        yield stamped(helpers.product_info(client, [item["product_id"] for item in page]))

    @dlt.resource(write_disposition="append", columns=columns)
    @outcomes.guard
    def product_stocks() -> Iterator[list[dict]]:
        for page in helpers.product_stock_pages(client):
            yield stamped(page)

    @dlt.transformer(data_from=product_list_items, write_disposition="append", columns=columns)
    @outcomes.guard
    def analytics_stocks(page: list[dict]) -> Iterator[list[dict]]:
        skus = helpers.list_item_skus(client, page)
        for start in range(0, len(skus), settings.ANALYTICS_STOCKS_SKUS_PER_CALL):
            batch = skus[start : start + settings.ANALYTICS_STOCKS_SKUS_PER_CALL]
            yield stamped(helpers.analytics_stocks(client, batch))

    # `pause_at` is null for every warehouse that is not paused: declare it, or dlt leaves it out.
    warehouse_columns = {**columns, "pause_at": {"data_type": "text", "nullable": True}}

    @dlt.resource(write_disposition="merge", primary_key=("account", "warehouse_id"), columns=warehouse_columns)
    @outcomes.guard
    def warehouses() -> Iterator[list[dict]]:
        for page in reports.warehouse_pages(client):
            yield stamped(page)

    @dlt.resource(write_disposition="merge", primary_key=("account", "id"), columns=columns)
    @outcomes.guard
    def clusters() -> Iterator[list[dict]]:
        for page in reports.cluster_pages(client):
            yield stamped(page)

    @dlt.resource(write_disposition="append", columns=columns)
    @outcomes.guard
    def warehouse_stock_report() -> Iterator:
        """Stock rows, quarantined rows and report requests, each to its own table."""
        report = reports.StockReport(client, reports.report_timeout())
        for table, rows in report.tables():
            for batch in streaming.batches(rows):
                yield dlt.mark.with_table_name(stamped(batch), table)

    def read_postings(resource: str, endpoint: str, cursor: dlt.sources.incremental) -> Iterator:
        """Postings of this load's window, merged on their number: a re-read posting replaces its
        older row with its current state. A posting that cannot be stored goes, whole and with the
        reason, to `postings_quarantine` rather than failing the account's orders. A window cut
        short of now leaves its end in the resource state, where the next load resumes."""
        state = dlt.current.resource_state(resource)
        status_reread = postings.status_reread_since(state, now)
        reopened = [start for start in (waiting_room.opened_since(state), status_reread) if start]
        since, to = postings.window(
            cursor.start_value, now, state.get("resume_from"), min(reopened, key=postings.parse_time, default=None)
        )
        window_since = postings.rfc3339(since)
        if since < postings.parse_time(cursor.start_value):
            # A window reopened by the waiting room or the day's status re-read starts before the
            # look-back: without this, dlt would drop the postings read again there as older than
            # its cursor's start.
            cursor.start_value = window_since
        label = f"Ozon account {account.name}: {resource}"
        read_fields = raw_columns.read_fields("ozon", resource)
        with waiting_room.read(
            state, window_since, label, functools.partial(outcomes.note_window, resource)
        ) as waiting:
            for page in postings.posting_pages(client, endpoint, since, to):
                waiting.check_fields(page, read_fields)
                good, quarantined = [], []
                for posting in page:
                    reason = postings.quarantine_reason(posting, cursor.cursor_path)
                    if reason:
                        quarantined.append(postings.quarantine(endpoint, posting, reason, window_since))
                    else:
                        good.append(posting)
                if good:
                    yield stamped(good)
                if quarantined:
                    waiting.quarantined += quarantined
                    yield waiting_room.to_quarantine_table(
                        stamped(quarantined), settings.POSTINGS_QUARANTINE_TABLE, postings.QUARANTINE_COLUMNS
                    )
        if to < now:
            state["resume_from"] = postings.rfc3339(to)
            if unfinished is not None:
                unfinished.add(resource)
        else:
            state.pop("resume_from", None)
            if status_reread or postings.STATUS_REREAD_STATE not in state:
                state[postings.STATUS_REREAD_STATE] = postings.rfc3339(now)

    fbo_cursor = postings.cursor(settings.POSTING_FBO_CURSOR, now)
    fbs_cursor = postings.cursor(settings.POSTING_FBS_CURSOR, now)

    @dlt.resource(write_disposition="merge", primary_key=("account", "posting_number"), columns=columns)
    @outcomes.guard
    def postings_fbo(created_at=fbo_cursor) -> Iterator:
        yield from read_postings("postings_fbo", settings.POSTING_FBO_LIST, created_at)

    @dlt.resource(write_disposition="merge", primary_key=("account", "posting_number"), columns=columns)
    @outcomes.guard
    def postings_fbs(in_process_at=fbs_cursor) -> Iterator:
        yield from read_postings("postings_fbs", settings.POSTING_FBS_LIST, in_process_at)

    return (
        product_list_items,
        products,
        product_stocks,
        analytics_stocks,
        warehouses,
        clusters,
        warehouse_stock_report,
        postings_fbo,
        postings_fbs,
    )
