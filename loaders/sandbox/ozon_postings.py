"""Ozon orders (postings): `POST /v3/posting/fbo/list` and `POST /v4/posting/fbs/list`.

Contract: /work/shared/api/ozon.md §5 (bare `{"postings", "has_next", "cursor"}` envelopes, `limit`
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
(postings lose `substatus`).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from bisect import bisect_left, bisect_right
from collections import deque
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from loaders.sandbox.ozon_simulation import DAY, NEVER, micros, moment
from loaders.sandbox.server import ApiCall, ApiError

if TYPE_CHECKING:
    from loaders.sandbox.ozon import OzonApi
    from loaders.sandbox.ozon_data import OzonSeller
    from loaders.sandbox.ozon_simulation import Posting

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
FAULTS = ("duplicate_across_pages", "malformed_row", "new_field", "missing_field")
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

    def handle(self, call: ApiCall) -> dict:
        scheme = SCHEMES[call.path]
        seller: OzonSeller = call.account
        now = seller.now()
        request = _ListRequest(call.body, scheme)
        keys, postings = seller.postings(scheme, now)
        selected = request.select(keys, postings, min(request.to, now), now)
        page, has_next = selected[: request.limit], len(selected) > request.limit
        rows = [_render(postings[index], now, request.wanted) for index in page]
        fault = self._take_fault(call.path, request.cursor is None) if rows else None
        if fault == "duplicate_across_pages":
            rows.insert(0, _render(postings[bisect_left(keys, request.cursor)], now, request.wanted))
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
        cursor = _encode_cursor(scheme, keys[page[-1]], request.descending) if has_next else ""
        return {"postings": rows, "has_next": has_next, "cursor": cursor}


def register_posting_routes(api: OzonApi) -> OzonPostings:
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

    def select(self, keys: list[tuple[int, int]], postings: list[Posting], to: int, now: int) -> list[int]:
        """Positions of the next `limit` + 1 matching postings after the cursor, in list order."""
        low, high = bisect_left(keys, (self.since, -1)), bisect_right(keys, (to, NEVER))
        if self.cursor is not None:
            if self.descending:
                high = min(high, bisect_left(keys, self.cursor))
            else:
                low = max(low, bisect_right(keys, self.cursor))
        positions = range(high - 1, low - 1, -1) if self.descending else range(low, high)
        selected = []
        for position in positions:
            if self._matches(postings[position], now):
                selected.append(position)
                if len(selected) > self.limit:
                    break
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
    price = {"amount": f"{posting.price}", "currency": "RUB"}
    line = {
        "sku": listing.sku,
        "offer_id": listing.offer_id,
        "name": posting.product_name,
        "quantity": posting.quantity,
        "price": price,
        "is_marketplace_buyout": False,
    }
    finance = {
        "product_id": listing.sku,  # Ozon puts the SKU here (ozon.md §10.6)
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
            "financial_data": {"cluster_from": warehouse.cluster_name, "cluster_to": "", "products": [finance]}
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
            "cluster_to": "",
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


def _cancellation(substatus: str) -> dict:
    returned = substatus == "posting_returned_to_warehouse"
    return {
        "cancel_reason_id": 400 if returned else 402,
        "cancel_reason": "Покупатель не забрал заказ" if returned else "Покупатель отменил заказ",
        "cancellation_type": "client",
        "cancellation_initiator": "CLIENT",
        "cancelled_after_ship": returned,
        "affect_cancellation_rating": False,
    }


def _timestamp(us: int) -> str:
    return moment(us).isoformat(timespec="microseconds").replace("+00:00", "Z")


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
