"""dlt source for the Wildberries seller API: cards (listed and in the trash), orders, sales, stock
and warehouses, copied as sent into `raw_wildberries`."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import dlt

from loaders import config, raw_columns, streaming, waiting_room
from loaders.config import WildberriesAccount
from loaders.http import ApiAuthError, ApiClient, ApiCredentialsRejectedError
from loaders.outcomes import Outcomes, Unrecorded, row_stamp, stamp_columns
from loaders.wildberries import helpers, reports, settings

log = logging.getLogger(__name__)

RESOURCES = (
    "cards",
    "cards_trash",
    "orders",
    "sales",
    "warehouse_remains",
    "wb_warehouse_stocks",
    "seller_warehouses",
    "offices",
)
# The tables a resource sends rows to besides its own (dlt.mark), for their declared raw columns.
ROUTED = {
    "orders": (settings.STATISTICS_QUARANTINE_TABLE,),
    "sales": (settings.STATISTICS_QUARANTINE_TABLE,),
    "warehouse_remains": (reports.REQUESTS_TABLE, reports.QUARANTINE_TABLE),
}

# Declared, so that the table has every column even when no quarantined row had a key.
QUARANTINE_COLUMNS = {
    "endpoint": {"data_type": "text", "nullable": False},
    "reason": {"data_type": "text", "nullable": False},
    "raw_row": {"data_type": "text", "nullable": False},
    # The lastChangeDate of the row when it has one; not a merge table, so no dedup_sort.
    "last_change_date": {"data_type": "text", "nullable": True, "dedup_sort": None},
    "window_since": {"data_type": "text", "nullable": True},  # dateFrom of the read it came from
}


@dlt.source(name="wildberries", max_table_nesting=2, parallelized=True)
def wildberries_source(
    account: WildberriesAccount,
    client: ApiClient | None = None,
    synced_at: datetime | None = None,
    outcomes: Outcomes | None = None,
):
    """Cards (listed and in the trash), orders, sales, stock and warehouses of one Wildberries seller
    account.

    Args:
        account: the seller account (token and name) to read.
        client: the HTTP client to use; by default one made for `account`.
        synced_at: the time stamped on every row of this run; defaults to `config.now()` (LOADER_NOW
            or the wall clock), which also anchors the first orders/sales window.
        outcomes: records the error of a resource that fails (a removed method, a token refused for
            one endpoint, a failed report whose `report_requests` row must still load) and ends that
            resource alone: dlt loads nothing of a run whose resource raised. Without it, the first
            error fails the run.

    Every root row carries `account` and `synced_at`. Cards, trashed cards, orders, sales, seller
    warehouses and offices merge on their natural key plus account; stock appends one snapshot per run.
    """
    # API timestamps stay text in raw (statistics times are Moscow-local without offset); staging parses them.
    dlt.current.source_schema().remove_type_detection("iso_timestamp")
    client = client or helpers.make_client(account)
    now = synced_at or config.now()
    stamp = row_stamp(account.name, now)
    columns = stamp_columns()

    def stamped(items: list[dict], kind: str | None = None) -> Iterator[list[dict]]:
        """`items` with the account and sync time, in lists of at most streaming.ROWS_PER_ITEM: a
        statistics or wb-warehouses page may hold tens of thousands of rows."""
        fields = settings.DOUBLE_FIELDS.get(kind or "", ())
        for batch in streaming.batches(items):
            yield [{**(_as_doubles(item, fields) if fields else item), **stamp} for item in batch]

    outcomes = outcomes or Unrecorded()

    @dlt.resource(write_disposition="merge", primary_key=("account", "nm_id"), columns=columns)
    @outcomes.guard
    def cards() -> Iterator[list[dict]]:
        """Cards changed since the cursor of the last run (all of them on the first run)."""
        state = dlt.current.resource_state("cards")
        for page, cursor in helpers.card_pages(client, account, state.get("cursor")):
            yield from stamped(page, "cards")
            state["cursor"] = cursor

    @dlt.resource(write_disposition="merge", primary_key=("account", "nm_id"), columns=columns)
    @outcomes.guard
    def cards_trash() -> Iterator[list[dict]]:
        """Every card in the trash, read whole on every run (the trash is small; an incremental
        cursor would never see a card leave it): cards/list leaves these out, while orders and
        stock go on naming them. All or nothing: a read that fails part-way loads no row.

        A card that leaves the trash (restored, or deleted by WB after 30 days without stock) keeps
        its last row, so what it sold still finds its vendorCode and sizes. The trash now: the
        account's latest `ok` cards_trash row in `resource_outcomes` (latest by its own load) names
        the data load of that read (`data_load_id`); its rows (`_dlt_load_id`) are the trash, none
        when `data_load_id` is null (an empty trash loads nothing)."""
        yield from stamped(helpers.trash_cards(client, account), "cards_trash")

    def read_statistics(endpoint: helpers.Endpoint, key: str, kind: str) -> Iterator:
        """Rows changed since the newest lastChangeDate of the last run minus the look-back (or
        WB_ORDERS_INITIAL_DAYS back on the first run), merged on `key`: a key met twice in one
        batch is yielded once (its newest row), across batches the merge keeps the newest
        (dedup_sort). A row that cannot be stored goes, whole and with the reason, to
        `statistics_quarantine`."""
        state = dlt.current.resource_state(kind)
        newest = state.get("last_change_date")
        endpoint_url = helpers.url(account, endpoint)
        date_from = min(filter(None, (helpers.start_date_from(newest, now), waiting_room.opened_since(state))))
        log.info("Wildberries account %s: %s from %s", account.name, endpoint[1], date_from)
        label = f"Wildberries account {account.name}: {kind}"
        read_fields = raw_columns.read_fields("wildberries", kind)
        with waiting_room.read(state, date_from, label, functools.partial(outcomes.note_window, kind)) as waiting:
            for rows in helpers.statistics_batches(client, endpoint_url, date_from):
                waiting.check_fields(rows, read_fields)
                good: dict[str, dict] = {}
                quarantined = []
                for row in rows:
                    reason = helpers.quarantine_reason(row, key)
                    if reason:
                        quarantined.append(
                            {
                                "last_change_date": _text_or_none(row, settings.STATISTICS_CURSOR),
                                "endpoint": endpoint[1],
                                "reason": reason,
                                "raw_row": json.dumps(row, ensure_ascii=False, sort_keys=True),
                                "window_since": date_from,
                            }
                        )
                        continue
                    cursor_value = row[settings.STATISTICS_CURSOR]
                    kept = good.get(row[key])
                    if kept is None or helpers.newest(kept[settings.STATISTICS_CURSOR], cursor_value) == cursor_value:
                        good[row[key]] = row
                    newest = helpers.newest(newest, cursor_value)
                yield from stamped(list(good.values()), kind)
                waiting.quarantined += quarantined
                for batch in stamped(quarantined):
                    yield waiting_room.to_quarantine_table(
                        batch, settings.STATISTICS_QUARANTINE_TABLE, QUARANTINE_COLUMNS
                    )
                state["last_change_date"] = newest

    # The latest state of a row read twice in one run wins the merge.
    statistics_columns = {**columns, "last_change_date": {"data_type": "text", "dedup_sort": "desc"}}

    @dlt.resource(write_disposition="merge", primary_key=("account", "srid"), columns=statistics_columns)
    @outcomes.guard
    def orders() -> Iterator:
        yield from read_statistics(settings.ORDERS, settings.ORDERS_KEY, "orders")

    @dlt.resource(write_disposition="merge", primary_key=("account", "sale_id"), columns=statistics_columns)
    @outcomes.guard
    def sales() -> Iterator:
        yield from read_statistics(settings.SALES, settings.SALES_KEY, "sales")

    @dlt.resource(write_disposition="append", columns=columns)
    @outcomes.guard
    def warehouse_remains() -> Iterator:
        """Report rows, quarantined rows and the report request, each to its own table."""
        report = reports.RemainsReport(client, account, reports.report_timeout())
        for table, rows in report.tables():
            kind = "warehouse_remains" if table == reports.STOCK_TABLE else None
            for batch in stamped(rows, kind):
                yield dlt.mark.with_table_name(batch, table)

    @dlt.resource(write_disposition="append", columns=columns)
    @outcomes.guard
    def wb_warehouse_stocks() -> Iterator[list[dict]]:
        """Stock per size on WB warehouses; a token type wb-warehouses refuses fails with a message
        naming the token types it accepts."""
        try:
            for page in helpers.wb_warehouse_stock_pages(client, account):
                yield from stamped(page)
        except ApiCredentialsRejectedError:
            raise  # the token itself, not its type: maybe refused at another resource's endpoint
        except ApiAuthError as exc:
            raise _token_type_error(exc, account) from exc

    @dlt.resource(write_disposition="merge", primary_key=("account", "id"), columns=columns)
    @outcomes.guard
    def seller_warehouses() -> Iterator[list[dict]]:
        warehouses = helpers.plain_list(client, account, settings.SELLER_WAREHOUSES)
        yield from stamped(warehouses)

    @dlt.resource(write_disposition="merge", primary_key=("account", "id"), columns=columns)
    @outcomes.guard
    def offices() -> Iterator[list[dict]]:
        found = helpers.plain_list(client, account, settings.OFFICES)
        yield from stamped(found, "offices")

    return (cards, cards_trash, orders, sales, warehouse_remains, wb_warehouse_stocks, seller_warehouses, offices)


def _text_or_none(row: Any, name: str) -> str | None:
    value = row.get(name) if isinstance(row, dict) else None
    return value if isinstance(value, str) else None


def _token_type_error(exc: ApiAuthError, account: WildberriesAccount) -> ApiAuthError:
    """The auth error of wb-warehouses, with the hint that names the token types it accepts."""
    return ApiAuthError(
        exc.marketplace,
        exc.account,
        exc.endpoint,
        exc.detail,
        helpers.warehouse_stocks_hint(account),
        status=exc.status,
    )


def _as_doubles(item: dict, fields: tuple[str, ...]) -> dict:
    """`item` with the whole numbers among `fields` (dotted: nested) as floats; copies what it changes."""
    item = dict(item)
    for name in fields:
        head, _, rest = name.partition(".")
        value = item.get(head)
        if rest:
            if isinstance(value, dict):
                item[head] = _as_doubles(value, (rest,))
        elif isinstance(value, int) and not isinstance(value, bool):
            item[head] = float(value)
    return item
