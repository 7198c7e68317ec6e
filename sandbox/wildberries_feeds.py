"""The rows of supplier/orders and supplier/sales, served from an index sorted by lastChangeDate.

Every order has up to two versions in each feed: orders a new one (lastChangeDate = when the row
appears) and, if cancelled, a cancelled one; sales a fresh row without money and a filled one,
for the buyout and for a return. The index holds (lastChangeDate, order, version) of every version
that is served as of the clock it was last brought to, or may be later: a version replaced by a
newer one, and a row older than the 90 days served, is dropped when the clock passes it. Since the
clock only moves forward, each step reworks only the index's last days (where versions may still
be replaced) and the new orders; a flag=0 page is a bisect for dateFrom and a walk over exactly
the rows it serves.
"""

from __future__ import annotations

import functools
import json
from array import array
from bisect import bisect_left
from typing import TYPE_CHECKING

from sandbox.wildberries_data import (
    DAY,
    DESTINATIONS,
    HOUR,
    NEVER,
    RETENTION,
    SELLER_WAREHOUSE_TYPE,
    WB_WAREHOUSE_TYPE,
    msk_text,
)

if TYPE_CHECKING:
    from sandbox.wildberries_data import WbSeller

NEW, CANCELLED = 0, 1  # orders feed versions
SALE, SALE_FILLED, RETURN, RETURN_FILLED = range(4)  # sales feed versions
# The longest time from a row's `date` to its last version, and from a version to its successor.
ORDERS_LAG = 6 * DAY + HOUR
SALES_LAG = 28 * HOUR
LATEST_ROW = 16 * DAY  # a return's row appears at most 15 days after the order


class Feed:
    """One statistics feed of one seller; `sync(at)` before reading it as of `at`."""

    def __init__(self, seller: WbSeller, orders: bool) -> None:
        self.seller, self.is_orders = seller, orders
        self.lag = ORDERS_LAG if orders else SALES_LAG
        self.keys = array("q")  # lastChangeDate of each version, ascending
        self.refs = array("q")  # order << 2 | version
        self.synced_at: int | None = None
        self._indexed = 0  # orders indexed so far
        self.examined = 0  # versions the last page or day looked at (for tests)
        self._fragments: dict[int, tuple[str, str, str]] = {}  # per cell, see `_fragment`

    # --- the index ---------------------------------------------------------------------------

    def _versions(self, order: int) -> list[tuple[int, int, int, int]]:
        """(lastChangeDate, replaced at, row date, version) of every version of an order."""
        columns = self.seller.orders
        if self.is_orders:
            date, cancel = columns.date[order], columns.cancel[order]
            versions = [(columns.seen[order], cancel, date, NEW)]
            if cancel < NEVER:
                versions.append((cancel, NEVER, date, CANCELLED))
            return versions
        versions = []
        for appear, money, fresh, filled in (
            (columns.sale[order], columns.sale_money[order], SALE, SALE_FILLED),
            (columns.ret[order], columns.ret_money[order], RETURN, RETURN_FILLED),
        ):
            if appear < NEVER:
                versions += [(appear, money, appear, fresh), (money, NEVER, appear, filled)]
        return versions

    def _served(self, ref: int, at: int) -> bool:
        """Whether a version can still be served as of `at` or later."""
        for _, replaced, date, version in self._versions(ref >> 2):
            if version == ref & 3:
                return replaced > at and date >= at - RETENTION
        return False

    def sync(self, at: int) -> None:
        """Bring the index to `at` (not before the last `at`): drop what is no longer served and
        add the orders drawn since."""
        if self.synced_at is not None and at <= self.synced_at:
            return
        keys, refs = self.keys, self.refs
        serials = self.seller.orders.serial
        oldest = at - RETENTION
        expired = bisect_left(keys, oldest)  # a version is never older than its row
        del keys[:expired], refs[:expired]
        window = bisect_left(keys, oldest + self.lag)
        kept = [i for i in range(window) if self._served(refs[i], at)]
        if len(kept) < window:
            keys[:window] = array("q", (keys[i] for i in kept))
            refs[:window] = array("q", (refs[i] for i in kept))
        cut = 0 if self.synced_at is None else bisect_left(keys, self.synced_at - self.lag)
        entries = [
            (keys[i], serials[refs[i] >> 2] << 2 | refs[i] & 3, refs[i])
            for i in range(cut, len(keys))
            if self._served(refs[i], at)
        ]
        orders, dates = len(self.seller.orders), self.seller.orders.date
        for order in range(self._indexed, orders):
            if dates[order] < oldest - LATEST_ROW:
                continue
            for key, replaced, date, version in self._versions(order):
                if replaced > at and date >= oldest:
                    entries.append((key, serials[order] << 2 | version, order << 2 | version))
        entries.sort()
        del keys[cut:], refs[cut:]
        keys.extend(entry[0] for entry in entries)
        refs.extend(entry[2] for entry in entries)
        self._indexed, self.synced_at = orders, at

    # --- pages -------------------------------------------------------------------------------

    def page(self, at: int, date_from: int, limit: int) -> tuple[int, int]:
        """(start, end) positions of the flag=0 page from `date_from` as of `at` (synced)."""
        keys = self.keys
        start = bisect_left(keys, max(date_from, at - RETENTION))
        end = min(start + limit, bisect_left(keys, at + 1, start))
        self.examined = end - start
        return start, end

    def rows(self, start: int, end: int, at: int) -> list[dict]:
        return [self.row(self.refs[i], at) for i in range(start, end)]

    def day(self, at: int, day_start: int) -> list[dict]:
        """flag=1: every row served as of `at` whose `date` falls on [day_start, +1 day)."""
        keys, refs = self.keys, self.refs
        start = bisect_left(keys, day_start)
        end = bisect_left(keys, min(at + 1, day_start + DAY + self.lag), start)
        self.examined = end - start
        rows = []
        for i in range(start, end):
            if day_start <= self._date(refs[i]) < day_start + DAY:
                rows.append(self.row(refs[i], at))
        return rows

    def _date(self, ref: int) -> int:
        columns, order = self.seller.orders, ref >> 2
        if self.is_orders:
            return columns.date[order]
        return columns.sale[order] if ref & 3 < RETURN else columns.ret[order]

    def row(self, ref: int, at: int) -> dict:
        seller, order, version = self.seller, ref >> 2, ref & 3
        columns, details = seller.orders, seller.details(order)
        cell = seller.cells[columns.cell[order]]
        card, size = cell.card, cell.size
        price_with_disc, finished, for_pay = seller.prices(card, details.spp)
        if self.is_orders:
            cancelled = version == CANCELLED
            cancel = columns.cancel[order]
            head = {
                "date": msk_text(columns.date[order]),
                "lastChangeDate": msk_text(cancel if cancelled else columns.seen[order]),
            }
        else:
            returned = version >= RETURN
            appear = columns.ret[order] if returned else columns.sale[order]
            filled = version in (SALE_FILLED, RETURN_FILLED)
            money = (columns.ret_money if returned else columns.sale_money)[order]
            head = {"date": msk_text(appear), "lastChangeDate": msk_text(money if filled else appear)}
        row = {
            **head,
            "warehouseName": seller.order_warehouse_name(order, details.srid),
            "warehouseType": WB_WAREHOUSE_TYPE if cell.warehouse is not None else SELLER_WAREHOUSE_TYPE,
            "countryName": details.destination[0],
            "oblastOkrugName": details.destination[1],
            "regionName": details.destination[2],
            **_card_fields(card, size),
            "incomeID": columns.income[order],
            "isSupply": False,
            "isRealization": True,
        }
        if self.is_orders:
            row |= {
                "totalPrice": float(card.price),
                "discountPercent": card.discount,
                "spp": details.spp,
                "finishedPrice": finished,
                "priceWithDisc": price_with_disc,
                "isCancel": cancelled,
                "cancelDate": msk_text(cancel) if cancelled else "0001-01-01T00:00:00",
            }
        else:
            sign = -1 if returned else 1
            row |= {
                "totalPrice": sign * float(card.price),
                "discountPercent": card.discount,
                "spp": details.spp,
                "paymentSaleAmount": details.payment_sale_amount if filled else 0,
                "forPay": sign * for_pay if filled else 0.0,
                "finishedPrice": sign * finished if filled else 0.0,
                "priceWithDisc": sign * price_with_disc if filled else 0.0,
                "saleID": details.return_id if returned else details.sale_id,
            }
        row |= {"sticker": details.sticker, "gNumber": details.g_number, "srid": details.srid}
        return row

    # --- JSON text ---------------------------------------------------------------------------

    def json_rows(self, start: int, end: int, at: int) -> bytes:
        """`rows(start, end, at)` as the JSON text `json.dumps(..., ensure_ascii=False)` writes,
        without building the dicts."""
        if len(self._fragments) > 200_000:
            self._fragments.clear()
        return ("[" + ", ".join(self.row_json(self.refs[i], at) for i in range(start, end)) + "]").encode()

    def row_json(self, ref: int, at: int) -> str:
        seller, order, version = self.seller, ref >> 2, ref & 3
        columns, details = seller.orders, seller.details(order)
        position = columns.cell[order]
        fragments = self._fragments.get(position) or self._fragment(position)
        cell = seller.cells[position]
        price_with_disc, finished, for_pay = seller.prices(cell.card, details.spp)
        warehouse = _text(seller.order_warehouse_name(order, details.srid))
        if self.is_orders:
            cancel = columns.cancel[order]
            if version == CANCELLED:
                change, cancelled, cancel_date = cancel, "true", msk_text(cancel)
            else:
                change, cancelled, cancel_date = columns.seen[order], "false", "0001-01-01T00:00:00"
            date = columns.date[order]
            tail = (
                f'{fragments[2]}, "spp": {details.spp!r}, "finishedPrice": {finished!r}, '
                f'"priceWithDisc": {price_with_disc!r}, "isCancel": {cancelled}, "cancelDate": "{cancel_date}"'
            )
        else:
            returned = version >= RETURN
            date = columns.ret[order] if returned else columns.sale[order]
            filled = version in (SALE_FILLED, RETURN_FILLED)
            change = (columns.ret_money if returned else columns.sale_money)[order] if filled else date
            sign = -1 if returned else 1
            price = sign * float(cell.card.price)
            money = (
                f'"paymentSaleAmount": {details.payment_sale_amount}, "forPay": {sign * for_pay!r}, '
                f'"finishedPrice": {sign * finished!r}, "priceWithDisc": {sign * price_with_disc!r}'
                if filled
                else '"paymentSaleAmount": 0, "forPay": 0.0, "finishedPrice": 0.0, "priceWithDisc": 0.0'
            )
            sale_id = details.return_id if returned else details.sale_id
            tail = (
                f'"totalPrice": {price!r}, "discountPercent": {cell.card.discount}, "spp": {details.spp!r}, '
                f'{money}, "saleID": "{sale_id}"'
            )
        return (
            f'{{"date": "{msk_text(date)}", "lastChangeDate": "{msk_text(change)}", "warehouseName": {warehouse}, '
            f"{fragments[0]}, {_DESTINATIONS[details.destination]}, {fragments[1]}, "
            f'"incomeID": {columns.income[order]}, "isSupply": false, "isRealization": true, {tail}, '
            f'"sticker": "{details.sticker}", "gNumber": "{details.g_number}", "srid": "{details.srid}"}}'
        )

    def _fragment(self, position: int) -> tuple[str, str, str]:
        """The JSON text of a cell's fixed fields: warehouseType; supplierArticle … techSize; and
        (orders) totalPrice, discountPercent."""
        cell = self.seller.cells[position]
        card, size = cell.card, cell.size
        kind = WB_WAREHOUSE_TYPE if cell.warehouse is not None else SELLER_WAREHOUSE_TYPE
        fixed = _card_fields(card, size)
        prices = {"totalPrice": float(card.price), "discountPercent": card.discount}
        fragments = (f'"warehouseType": {_text(kind)}', _members(fixed), _members(prices))
        self._fragments[position] = fragments
        return fragments


@functools.lru_cache(maxsize=1024)
def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _members(values: dict) -> str:
    return json.dumps(values, ensure_ascii=False)[1:-1]


_DESTINATIONS = {
    destination: _members(dict(zip(("countryName", "oblastOkrugName", "regionName"), destination, strict=True)))
    for destination in DESTINATIONS
}


def _card_fields(card, size) -> dict:
    """The fields a statistics row takes from its card and size, in WB's order."""
    return {
        "supplierArticle": card.vendor_code,
        "nmId": card.nm_id,
        "barcode": size.barcode,
        "category": card.category,
        "subject": card.subject,
        "brand": card.brand,
        "techSize": size.tech_size,
    }
