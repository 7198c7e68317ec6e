"""Ozon orders (postings): `POST /v3/posting/fbo/list` and `POST /v4/posting/fbs/list`.

Contract: the Ozon Seller API documentation (bare `{"postings", "has_next", "cursor"}` envelopes, `limit`
1..100, `filter.since`/`filter.to` required, a period of at most a year, a base64 JSON keyset
cursor). FBO lists are ordered by `created_at`, FBS lists by `in_process_at` (v4 has no
`created_at`), then by id. The removed lists (`/v2/posting/fbo/list`, `/v3/posting/fbs/list`)
answer 400 code 9 "obsolete method cannot be used".

The postings themselves, and how their statuses move with the clock, come from `ozon_simulation`.
Ozon fills some fields late: `in_process_at` of some FBO postings stays null for a day or two,
`delivering_date` appears when the posting ships, `cancellation` when it is cancelled.

Data faults (`OzonPostings.inject`, per list or for both), each applied to one page that has rows:
`duplicate_across_pages` (a page after the first repeats the last posting of the page before),
`malformed_row` (one posting in the middle of the page is cut short: no `posting_number`, no
times, `products` null), `new_field` (every posting gains `sandbox_new_field`), `missing_field`
(postings lose `substatus`), `wrong_type` (the first posting's first line sends its quantity as
text: `"1 шт."` for 1).
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import threading
from bisect import bisect_left, bisect_right
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.ozon_buyers import buyer_cluster
from sandbox.ozon_simulation import DAY, NEVER, SECOND, micros, moment
from sandbox.server import ApiCall, ApiError, MarketplaceApi, Response

if TYPE_CHECKING:
    from sandbox.ozon_data import OzonSeller
    from sandbox.ozon_simulation import Posting

FBO_LIST = "/v3/posting/fbo/list"
FBS_LIST = "/v4/posting/fbs/list"
REMOVED_LISTS = ("/v2/posting/fbo/list", "/v3/posting/fbs/list")
SCHEMES = {FBO_LIST: "fbo", FBS_LIST: "fbs"}
# Ozon publishes no per-method limit for the posting lists, but backfills are throttled well below
# the 50 requests a second of a Client-Id (ozon.md §2.2): the sandbox allows each list 20 a second.
METHOD_LIMITS = {FBO_LIST: (20, 1.0), FBS_LIST: (20, 1.0)}
MAX_LIMIT = 100
MAX_PERIOD = timedelta(days=366) // timedelta(microseconds=1)
CURSOR_FIELDS = {"fbo": "osp.created_at", "fbs": "osp.in_process_at"}
FAULTS = ("duplicate_across_pages", "malformed_row", "new_field", "missing_field", "wrong_type")
_TPL_INTEGRATION = {"fbs": "ozon", "rfbs": "non_integrated"}
_FBO_CANCELLATION_FIELDS = ("cancel_reason", "cancellation_initiator", "cancellation_type")


class OzonPostings:
    """The posting list handlers and their fault queues."""

    def __init__(self) -> None:
        self._faults: dict[str, deque[str]] = {path: deque() for path in SCHEMES}
        self._lock = threading.Lock()

    def inject(self, fault: str, times: int = 1, path: str | None = None) -> None:
        """Apply `fault` to the next `times` pages with rows of the list at `path` (both lists
        when None, `times` each)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown posting fault {fault!r}; choose from {', '.join(FAULTS)}")
        if path is not None and path not in SCHEMES:
            raise ValueError(f"{path!r} is not a posting list; choose from {', '.join(SCHEMES)}")
        with self._lock:
            for queue_path in [path] if path else SCHEMES:
                self._faults[queue_path].extend([fault] * times)

    def _take_fault(self, path: str, is_first_page: bool) -> str | None:
        with self._lock:
            queue = self._faults[path]
            if not queue or (queue[0] == "duplicate_across_pages" and is_first_page):
                return None
            return queue.popleft()

    def handle(self, call: ApiCall) -> Response:
        scheme = SCHEMES[call.path]
        seller: OzonSeller = call.account
        now = seller.now()
        request = _ListRequest(call.body, scheme)
        selected = request.select(seller, scheme, min(request.to, now), now)
        page, has_next = selected[: request.limit], len(selected) > request.limit
        cursor = _encode_cursor(scheme, page[-1][0], request.descending) if has_next else ""
        fault = self._take_fault(call.path, request.cursor is None) if page else None
        if fault is None:  # the usual page: each posting written straight to JSON text
            rows = ", ".join(_render_json(posting, now, request.wanted) for _, posting in page)
            body = f'{{"postings": [{rows}], "has_next": {"true" if has_next else "false"}, "cursor": "{cursor}"}}'
            return Response(200, body.encode())
        rows = [_render(posting, now, request.wanted) for _, posting in page]
        if fault == "duplicate_across_pages":
            rows.insert(0, _render(_posting_at(seller, scheme, request.cursor, now), now, request.wanted))
        elif fault == "malformed_row":
            middle = rows[len(rows) // 2]
            rows[len(rows) // 2] = {key: middle[key] for key in ("order_id", "order_number", "status")} | {
                "products": None
            }
        elif fault == "new_field":
            for row in rows:
                row["sandbox_new_field"] = "added by the marketplace"
        elif fault == "missing_field":
            for row in rows:
                row.pop("substatus", None)
        elif fault == "wrong_type":  # a number sent as text, unit and all
            line = rows[0]["products"][0]
            line["quantity"] = f"{line['quantity']} шт."
        return Response(200, {"postings": rows, "has_next": has_next, "cursor": cursor})


def _posting_at(seller: OzonSeller, scheme: str, key: tuple[int, int], now: int) -> Posting:
    """The posting whose list key is `key` (a page's cursor)."""
    entries = seller.posting_bucket(scheme, key[0] // DAY, now)
    _, _, product_index, position = entries[bisect_left(entries, key)]
    return seller.posting(product_index, position)


def register_posting_routes(api: MarketplaceApi) -> OzonPostings:
    """Serve the posting lists on `api`; returns their handler (fault injection)."""
    postings = OzonPostings()
    for path in SCHEMES:
        api.route("POST", path, postings.handle)
    for path in REMOVED_LISTS:
        api.route("POST", path, _obsolete)
    return postings


# --- the request ---------------------------------------------------------------------------------


class _ListRequest:
    """A posting list request body, checked the way Ozon checks it (400 code 3 otherwise)."""

    def __init__(self, body: dict, scheme: str) -> None:
        limit = body.get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise _invalid(f"limit must be between 1 and {MAX_LIMIT}")
        filters = body.get("filter")
        if not isinstance(filters, dict):
            raise _invalid("filter is required")
        self.limit = limit
        self.since = _micros(filters.get("since"), "filter.since")
        self.to = _micros(filters.get("to"), "filter.to")
        if self.to - self.since > MAX_PERIOD:
            raise _invalid("PERIOD_IS_TOO_LONG")
        self.statuses = set(_strings(filters.get("statuses"), "filter.statuses"))
        self.posting_numbers = set(_strings(filters.get("posting_numbers"), "filter.posting_numbers"))
        self.warehouse_ids = set(_ids(filters.get("warehouse_ids"), "filter.warehouse_ids"))
        changed = filters.get("last_changed_status_date") or {}
        if not isinstance(changed, dict):
            raise _invalid("filter.last_changed_status_date must be an object")
        self.changed_from = _micros(changed["from"], "filter.last_changed_status_date.from") if changed else 0
        self.changed_to = _micros(changed["to"], "filter.last_changed_status_date.to") if changed else NEVER
        self.descending = str(body.get("sort_dir") or "ASC").upper() == "DESC"
        self.cursor = _decode_cursor(body.get("cursor"), scheme)
        self.wanted = _wanted(body.get("with"), scheme)

    def select(self, seller: OzonSeller, scheme: str, to: int, now: int) -> list[tuple[tuple[int, int], Posting]]:
        """(list key, posting) of the next `limit` + 1 matching postings after the cursor, in list
        order, walking the list a day at a time."""
        low, high = (self.since, -1), (to, NEVER)
        high_exclusive = False  # `high` is exclusive when it is a cursor (descending), inclusive when it is `to`
        if self.cursor is not None:
            if self.descending:
                high_exclusive = self.cursor < high
                high = min(high, self.cursor)
            else:
                low = max(low, (*self.cursor, NEVER, NEVER))
        if low > high:
            return []
        first_day = max(low[0], seller.history.first_day) // DAY
        last_day = min(high[0], now) // DAY
        days = range(last_day, first_day - 1, -1) if self.descending else range(first_day, last_day + 1)
        selected = []
        for day in days:
            entries = seller.posting_bucket(scheme, day, now)
            if not entries:
                continue
            start = bisect_left(entries, low) if entries[0] < low else 0
            end = bisect_left(entries, high) if high_exclusive else bisect_right(entries, high)
            positions = range(end - 1, start - 1, -1) if self.descending else range(start, end)
            for position in positions:
                entry = entries[position]
                posting = seller.posting(entry[2], entry[3])
                if self._matches(posting, now):
                    selected.append(((entry[0], entry[1]), posting))
                    if len(selected) > self.limit:
                        return selected
        return selected

    def _matches(self, posting: Posting, now: int) -> bool:
        status, _, changed_at = posting.state_at(now)
        warehouse = posting.seller_warehouse
        return (
            (not self.statuses or status in self.statuses)
            and (not self.posting_numbers or posting.posting_number in self.posting_numbers)
            and (not self.warehouse_ids or (warehouse is not None and warehouse.warehouse_id in self.warehouse_ids))
            and self.changed_from <= changed_at <= self.changed_to
        )


def _wanted(value: Any, scheme: str) -> set[str]:
    """The optional blocks asked for in `with`; Ozon sends the others as null."""
    if value is None:
        return set()
    if not isinstance(value, dict):
        raise _invalid("with must be an object")
    blocks = {"analytics_data", "financial_data", "legal_info"} | ({"barcodes"} if scheme == "fbs" else set())
    return {block for block in blocks if value.get(block) is True}


# --- rendering -----------------------------------------------------------------------------------


def _render(posting: Posting, now: int, wanted: set[str]) -> dict:
    status, substatus, _ = posting.state_at(now)
    listing = posting.listing
    sku = listing.sku if posting.scheme == "fbo" else listing.fbs_sku
    price = {"amount": f"{posting.price}", "currency": "RUB"}
    line = {
        "sku": sku,
        "offer_id": listing.offer_id,
        "name": posting.product_name,
        "quantity": posting.quantity,
        "price": price,
        "is_marketplace_buyout": False,
    }
    finance = {
        "product_id": sku,  # Ozon puts the SKU here (ozon.md §10.6)
        "price": posting.price,
        "old_price": posting.price,
        "payout": 0,
        "total_discount_value": 0,
        "total_discount_percent": 0,
        "actions": [],
        "commission": {"amount": 0, "percent": 0, "currency": "RUB"},
    }
    shipped_at = next((at for at, step, _ in posting.timeline if step == "delivering"), None)
    common = {
        "posting_number": posting.posting_number,
        "order_id": posting.order_id,
        "order_number": posting.posting_number.rsplit("-", 1)[0],
        "status": status,
        "substatus": substatus,
        "in_process_at": _timestamp(posting.in_process_at) if now >= posting.in_process_known_at else None,
        "legal_info": None,
        "external_order": {"is_external": False, "platform_name": ""},
    }
    cancellation = _cancellation(substatus) if status == "cancelled" else None
    if posting.scheme == "fbo":
        warehouse = posting.warehouse
        return {
            **common,
            "cancel_reason_id": cancellation["cancel_reason_id"] if cancellation else 0,
            "cancellation": {key: cancellation[key] for key in _FBO_CANCELLATION_FIELDS} if cancellation else None,
            "created_at": _timestamp(posting.created_at),
            "products": [{**line, "digital_codes": []}],
            "analytics_data": {
                "city": "",
                "delivery_type": "PVZ",
                "is_premium": False,
                "is_legal": False,
                "payment_type_group_name": "Карты оплаты",
                "warehouse_id": warehouse.warehouse_id,
                "warehouse_name": posting.served_warehouse_name,
                "client_delivery_date_begin": None,
                "client_delivery_date_end": None,
            }
            if "analytics_data" in wanted
            else None,
            "financial_data": {
                "cluster_from": warehouse.cluster_name,
                "cluster_to": buyer_cluster(posting),
                "products": [finance],
            }
            if "financial_data" in wanted
            else None,
            "additional_data": [],
        }
    warehouse = posting.seller_warehouse
    integration = _TPL_INTEGRATION[posting.delivery_schema]
    shipment_date = _timestamp(posting.created_at + DAY)
    return {
        **common,
        "shipment_date": shipment_date,
        "shipment_date_without_delay": shipment_date,
        "delivering_date": _timestamp(shipped_at) if shipped_at is not None and now >= shipped_at else None,
        "delivery_schema": posting.delivery_schema,
        "delivery_method": {
            "id": warehouse.warehouse_id // 1000 + 1,
            "name": f"Доставка Ozon, {warehouse.name}",
            "warehouse_id": warehouse.warehouse_id,
            "warehouse": warehouse.name,
            "tpl_provider_id": 24,
            "tpl_provider": "Доставка Ozon",
        },
        "products": [{**line, "is_blr_traceable": False, "imei": []}],
        "analytics_data": {
            "city": "",
            "region": "",
            "delivery_type": "PVZ",
            "is_premium": False,
            "is_legal": False,
            "payment_type_group_name": "Карты оплаты",
            "warehouse_id": warehouse.warehouse_id,
            "warehouse": warehouse.name,
            "tpl_provider": "Доставка Ozon",
            "tpl_provider_id": 24,
            "delivery_date_begin": None,
            "delivery_date_end": None,
            "client_delivery_date_begin": None,
            "client_delivery_date_end": None,
        }
        if "analytics_data" in wanted
        else None,
        "financial_data": {
            "cluster_from": "",
            "cluster_to": buyer_cluster(posting),
            "products": [{**finance, "quantity": posting.quantity, "customer_price": price}],
        }
        if "financial_data" in wanted
        else None,
        "barcodes": {"upper_barcode": f"%10{posting.order_id}", "lower_barcode": f"{posting.order_id}"}
        if "barcodes" in wanted
        else None,
        "cancellation": cancellation,
        "customer": None,
        "addressee": None,
        "available_actions": [],
        "tpl_integration_type": integration,
        "integration_type_flow": integration,
        "is_express": False,
        "is_multibox": False,
        "multi_box_qty": 1,
        "tracking_number": "",
    }


def _render_json(posting: Posting, now: int, wanted: set[str]) -> str:
    """`json.dumps(_render(posting, now, wanted), ensure_ascii=False)`, written directly: the
    posting lists are most of what a large seller serves, and this is several times cheaper. What
    is the same for every posting of one product at one warehouse comes from `_fragments`."""
    status, substatus, _ = posting.state_at(now)
    posting_number = posting.posting_number
    order_id = posting.order_id
    in_process_at = f'"{_timestamp(posting.in_process_at)}"' if now >= posting.in_process_known_at else "null"
    common = (
        f'{{"posting_number": "{posting_number}", "order_id": {order_id}, '
        f'"order_number": "{posting_number[:-2]}", "status": "{status}", "substatus": "{substatus}", '
        f'"in_process_at": {in_process_at}, "legal_info": null, '
        '"external_order": {"is_external": false, "platform_name": ""}, '
    )
    cancelled = status == "cancelled"
    returned = substatus == "posting_returned_to_warehouse"
    quantity = posting.quantity
    fragments = _fragments(posting, frozenset(wanted))
    if posting.scheme == "fbo":
        cancellation = (
            f'{{"cancel_reason": "{_CANCEL_REASONS[returned]}", "cancellation_initiator": "CLIENT", '
            '"cancellation_type": "client"}'
            if cancelled
            else "null"
        )
        line, rest = fragments
        return _with_buyer_cluster(
            posting,
            f'{common}"cancel_reason_id": {(400 if returned else 402) if cancelled else 0}, '
            f'"cancellation": {cancellation}, "created_at": "{_timestamp(posting.created_at)}", '
            f"{line}{quantity}{rest}",
        )
    line, middle, financial_end, tail = fragments
    shipment_date = _timestamp(posting.created_at + DAY)
    shipped_at = posting.timeline[2][0] if len(posting.timeline) > 2 else None
    delivering_date = f'"{_timestamp(shipped_at)}"' if shipped_at is not None and now >= shipped_at else "null"
    financial = f"{quantity}{financial_end}" if financial_end else ""
    barcodes = (
        f'{{"upper_barcode": "%10{order_id}", "lower_barcode": "{order_id}"}}' if "barcodes" in wanted else "null"
    )
    cancellation = (
        f'{{"cancel_reason_id": {400 if returned else 402}, "cancel_reason": "{_CANCEL_REASONS[returned]}", '
        '"cancellation_type": "client", "cancellation_initiator": "CLIENT", '
        f'"cancelled_after_ship": {"true" if returned else "false"}, "affect_cancellation_rating": false}}'
        if cancelled
        else "null"
    )
    return _with_buyer_cluster(
        posting,
        f'{common}"shipment_date": "{shipment_date}", "shipment_date_without_delay": "{shipment_date}", '
        f'"delivering_date": {delivering_date}, {line}{quantity}{middle}{financial}, '
        f'"barcodes": {barcodes}, "cancellation": {cancellation}, {tail}',
    )


def _with_buyer_cluster(posting: Posting, text: str) -> str:
    """`text` with the posting's own `cluster_to` in place of the fragments' placeholder."""
    return text.replace(_CLUSTER_TO, _text(buyer_cluster(posting)), 1)


_FRAGMENTS: dict[tuple, tuple[str, ...]] = {}
# Where a fragment has the buyer's cluster, which differs from posting to posting (JSON text never
# holds a raw NUL).
_CLUSTER_TO = "\x00cluster_to\x00"


def _fragments(posting: Posting, wanted: frozenset[str]) -> tuple[str, ...]:
    """The JSON text around a posting's quantity that only depends on its product, warehouse and
    the blocks asked for: (products line up to the quantity, the rest) for FBO; for FBS (line up to
    the quantity, up to the financial quantity or the end of the financial block, after it, the tail)."""
    fbo = posting.scheme == "fbo"
    warehouse = posting.warehouse if fbo else posting.seller_warehouse
    # the price and name too: sandboxes of one seed share listings, not prices (a module-level cache)
    key = (
        posting.listing,
        posting.price,
        posting.product_name,
        posting.delivery_schema,
        warehouse.warehouse_id,
        posting.served_warehouse_name,
        wanted,
    )
    found = _FRAGMENTS.get(key)
    if found is not None:
        return found
    listing, price = posting.listing, posting.price
    sku = listing.sku if fbo else listing.fbs_sku
    price_json = f'{{"amount": "{price}", "currency": "RUB"}}'
    line = (
        f'"products": [{{"sku": {sku}, "offer_id": {_text(listing.offer_id)}, '
        f'"name": {_text(posting.product_name)}, "quantity": '
    )
    after_quantity = f', "price": {price_json}, "is_marketplace_buyout": false'
    finance = (
        f'"product_id": {sku}, "price": {price}, "old_price": {price}, "payout": 0, '
        '"total_discount_value": 0, "total_discount_percent": 0, "actions": [], '
        '"commission": {"amount": 0, "percent": 0, "currency": "RUB"}'
    )
    if fbo:
        analytics = (
            '{"city": "", "delivery_type": "PVZ", "is_premium": false, "is_legal": false, '
            f'"payment_type_group_name": "Карты оплаты", "warehouse_id": {warehouse.warehouse_id}, '
            f'"warehouse_name": {_text(posting.served_warehouse_name)}, "client_delivery_date_begin": null, '
            '"client_delivery_date_end": null}'
            if "analytics_data" in wanted
            else "null"
        )
        financial = (
            f'{{"cluster_from": {_text(warehouse.cluster_name)}, "cluster_to": {_CLUSTER_TO}, '
            f'"products": [{{{finance}}}]}}'
            if "financial_data" in wanted
            else "null"
        )
        found = (
            line,
            f'{after_quantity}, "digital_codes": []}}], "analytics_data": {analytics}, '
            f'"financial_data": {financial}, "additional_data": []}}',
        )
    else:
        name = _text(warehouse.name)
        analytics = (
            '{"city": "", "region": "", "delivery_type": "PVZ", "is_premium": false, "is_legal": false, '
            f'"payment_type_group_name": "Карты оплаты", "warehouse_id": {warehouse.warehouse_id}, '
            f'"warehouse": {name}, "tpl_provider": "Доставка Ozon", "tpl_provider_id": 24, '
            '"delivery_date_begin": null, "delivery_date_end": null, "client_delivery_date_begin": null, '
            '"client_delivery_date_end": null}'
            if "analytics_data" in wanted
            else "null"
        )
        method = (
            f'"delivery_schema": "{posting.delivery_schema}", '
            f'"delivery_method": {{"id": {warehouse.warehouse_id // 1000 + 1}, '
            f'"name": {_text(f"Доставка Ozon, {warehouse.name}")}, "warehouse_id": {warehouse.warehouse_id}, '
            f'"warehouse": {name}, "tpl_provider_id": 24, "tpl_provider": "Доставка Ozon"}}, '
        )
        middle = (
            f'{after_quantity}, "is_blr_traceable": false, "imei": []}}], "analytics_data": {analytics}, '
            '"financial_data": '
        )
        if "financial_data" in wanted:
            middle += f'{{"cluster_from": "", "cluster_to": {_CLUSTER_TO}, "products": [{{{finance}, "quantity": '
            financial_end = f', "customer_price": {price_json}}}]}}'
        else:
            middle += "null"
            financial_end = ""
        integration = _TPL_INTEGRATION[posting.delivery_schema]
        tail = (
            '"customer": null, "addressee": null, "available_actions": [], '
            f'"tpl_integration_type": "{integration}", "integration_type_flow": "{integration}", '
            '"is_express": false, "is_multibox": false, "multi_box_qty": 1, "tracking_number": ""}'
        )
        found = (method + line, middle, financial_end, tail)
    if len(_FRAGMENTS) > 200_000:
        _FRAGMENTS.clear()
    _FRAGMENTS[key] = found
    return found


_CANCEL_REASONS = {True: "Покупатель не забрал заказ", False: "Покупатель отменил заказ"}


@functools.lru_cache(maxsize=65_536)
def _text(value: str) -> str:
    """A JSON string literal, as json.dumps(ensure_ascii=False) writes it."""
    return json.dumps(value, ensure_ascii=False)


def _cancellation(substatus: str) -> dict:
    returned = substatus == "posting_returned_to_warehouse"
    return {
        "cancel_reason_id": 400 if returned else 402,
        "cancel_reason": _CANCEL_REASONS[returned],
        "cancellation_type": "client",
        "cancellation_initiator": "CLIENT",
        "cancelled_after_ship": returned,
        "affect_cancellation_rating": False,
    }


def _timestamp(us: int) -> str:
    """RFC 3339 in UTC with microseconds and `Z` (as `moment(us).isoformat()` would, only faster)."""
    day, rest = divmod(us, DAY)
    seconds, fraction = divmod(rest, SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return f"{_date(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}.{fraction:06d}Z"


@functools.lru_cache(maxsize=4096)
def _date(day: int) -> str:
    return moment(day * DAY).date().isoformat()


# --- request parsing -----------------------------------------------------------------------------


def _invalid(message: str) -> ApiError:
    return ApiError(400, {"code": 3, "message": message, "details": []})


def _obsolete(call: ApiCall) -> Any:
    raise ApiError(400, {"code": 9, "message": "obsolete method cannot be used", "details": []})


def _micros(value: Any, name: str) -> int:
    if not isinstance(value, str) or not value:
        raise _invalid(f"{name} is required")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{name} must be an RFC 3339 time") from None
    return micros(parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC))


def _strings(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _invalid(f"{name} must be an array of strings")
    return value


def _ids(value: Any, name: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(str(item).isdigit() for item in value):
        raise _invalid(f"{name} must be an array of ids")
    return [int(item) for item in value]


def _encode_cursor(scheme: str, key: tuple[int, int], descending: bool) -> str:
    """Ozon's keyset cursor: base64 of the sort fields and the last row's values (ozon.md §5.2)."""
    direction = "desc" if descending else "asc"
    fields = [
        {"name": CURSOR_FIELDS[scheme], "dir": direction, "val": _timestamp(key[0])},
        {"name": "osp.id", "dir": direction, "val": str(key[1])},
    ]
    return base64.b64encode(json.dumps({"fields": fields}, separators=(",", ":")).encode()).decode()


def _decode_cursor(value: Any, scheme: str) -> tuple[int, int] | None:
    """The (list time, id) the cursor points after; None for the first page."""
    if value in (None, ""):
        return None
    try:
        time_field, id_field = json.loads(base64.b64decode(str(value), validate=True))["fields"]
        if time_field["name"] != CURSOR_FIELDS[scheme]:
            raise ValueError("a cursor of another list")
        return _micros(time_field["val"], "cursor"), int(id_field["val"])
    except (binascii.Error, ValueError, TypeError, LookupError, ApiError):
        raise _invalid("invalid cursor") from None
