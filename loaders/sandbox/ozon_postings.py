"""Ozon orders (postings) over simulated time: `POST /v3/posting/fbo/list` and `POST /v4/posting/fbs/list`.

Contract: /work/shared/api/ozon.md §5 (bare `{"postings", "cursor", "has_next"}` envelopes, `limit`
1..100, `filter.since`/`filter.to` required, a period of at most a year). The removed lists
(`/v2/posting/fbo/list`, `/v3/posting/fbs/list`) answer code 9 "obsolete method cannot be used".

Every day of `config.history_days` before the clock's start, and every day the clock has advanced
since, has its own postings, drawn from a seed of (data seed, Client-Id, day): asking again always
gives the same postings. FBO orders arrive at each Ozon warehouse where a product is stocked at
about its `ads` rate (Ozon's own average daily sales); FBS orders where the seller holds fbs stock.
A posting's status moves with the clock: awaiting_packaging → awaiting_deliver → delivering →
delivered, or cancelled before shipping, or returned (cancelled, substatus
posting_returned_to_warehouse) after delivering. Stock is not drawn down by these orders: the
stock endpoints keep serving the account's generated stock.

Data faults (`OzonPostings.inject`, applied to the next list calls): `duplicate_across_pages` (a
page repeats the last posting of the page before), `new_field` (every posting gains a field),
`missing_field` (postings lose `substatus`).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from math import exp
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from loaders.sandbox.server import ApiCall, ApiError

if TYPE_CHECKING:
    from loaders.sandbox.ozon import OzonApi
    from loaders.sandbox.ozon_data import Listing, OzonSeller, Product
    from loaders.sandbox.ozon_warehouses import Warehouse

FBO_LIST = "/v3/posting/fbo/list"
FBS_LIST = "/v4/posting/fbs/list"
REMOVED_LISTS = ("/v2/posting/fbo/list", "/v3/posting/fbs/list")
MAX_LIMIT = 100
MAX_PERIOD = timedelta(days=366)
# Ozon's `ads` is per warehouse; orders arrive at this share of it so a 90-day history stays small.
FBO_RATE_SHARE = 0.3
FBS_DAILY_RATE = 0.15
MOSCOW = ZoneInfo("Europe/Moscow")
SELLER_WAREHOUSE_NAME = "Основной склад"
FAULTS = ("duplicate_across_pages", "new_field", "missing_field")


@dataclass(frozen=True)
class Posting:
    posting_number: str
    order_id: int
    scheme: str  # fbo | fbs
    listing: Listing
    product_name: str
    quantity: int
    price: int
    warehouse: Warehouse | None  # None: the seller's own warehouse (fbs)
    served_warehouse_name: str
    created_at: datetime
    timeline: tuple[tuple[datetime, str, str], ...]  # (from, status, substatus), in time order

    def state_at(self, moment: datetime) -> tuple[str, str, datetime]:
        """(status, substatus, when it changed) as of `moment`."""
        current = self.timeline[0]
        for step in self.timeline:
            if step[0] <= moment:
                current = step
        return current[1], current[2], current[0]


def final_status(status: str, substatus: str) -> str:
    """The order-line status model the marts use: ordered, cancelled, delivered or returned."""
    if substatus == "posting_returned_to_warehouse":
        return "returned"
    if status == "cancelled":
        return "cancelled"
    if status == "delivered":
        return "delivered"
    return "ordered"


class OzonPostings:
    """Postings of every account, drawn day by day and kept once drawn."""

    def __init__(self, seed: int, first_day: date, now: Callable[[], datetime], product: Callable) -> None:
        self._seed = seed
        self._first_day = first_day
        self._now = now
        self._product = product
        self._days: dict[tuple[str, date], list[Posting]] = {}
        self._lock = threading.Lock()
        self._faults: deque[str] = deque()

    def inject(self, fault: str, times: int = 1) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown posting fault {fault!r}; choose from {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend([fault] * times)

    def _take_fault(self) -> str | None:
        with self._lock:
            return self._faults.popleft() if self._faults else None

    def visible(self, seller: OzonSeller, scheme: str) -> list[Posting]:
        """Every posting of `scheme` created up to now, oldest first."""
        now = self._now()
        postings = []
        day = self._first_day
        while day <= now.date():
            postings.extend(p for p in self._day(seller, day) if p.scheme == scheme and p.created_at <= now)
            day += timedelta(days=1)
        return postings

    def order_lines(self, seller: OzonSeller) -> list[dict]:
        """Ground truth: one dict per order line created up to now, with its status now."""
        now = self._now()
        lines = []
        for scheme in ("fbo", "fbs"):
            for posting in self.visible(seller, scheme):
                status, substatus, _ = posting.state_at(now)
                lines.append(
                    {
                        "posting_number": posting.posting_number,
                        "scheme": scheme,
                        "product_id": posting.listing.product_id,
                        "sku": posting.listing.sku,
                        "quantity": posting.quantity,
                        "price": posting.price,
                        "status": status,
                        "order_status": final_status(status, substatus),
                        "created_at": posting.created_at,
                        "business_date": posting.created_at.astimezone(MOSCOW).date(),
                        "canonical_warehouse": posting.warehouse.canonical_name if posting.warehouse else None,
                        "warehouse_known": bool(posting.warehouse and posting.warehouse.known),
                    }
                )
        return lines

    def _day(self, seller: OzonSeller, day: date) -> list[Posting]:
        key = (seller.account.client_id, day)
        with self._lock:
            if key not in self._days:
                self._days[key] = self._draw_day(seller, day)
            return self._days[key]

    def _draw_day(self, seller: OzonSeller, day: date) -> list[Posting]:
        rng = random.Random(f"{self._seed}:{seller.account.client_id}:{day.isoformat()}")  # noqa: S311 (fake data)
        start = datetime.combine(day, time(), tzinfo=UTC)
        postings = []
        for listing in seller.active:
            product = self._product(seller, listing)
            for stock in product.fbo:
                for _ in range(_poisson(rng, stock.ads * FBO_RATE_SHARE)):
                    postings.append(
                        _posting(rng, "fbo", listing, product, stock.warehouse, stock.served_name, start, len(postings))
                    )
            if any(stock.type == "fbs" and stock.present for stock in product.seller_stock):
                for _ in range(_poisson(rng, FBS_DAILY_RATE)):
                    postings.append(
                        _posting(rng, "fbs", listing, product, None, SELLER_WAREHOUSE_NAME, start, len(postings))
                    )
        postings.sort(key=lambda posting: (posting.created_at, posting.posting_number))
        return postings

    # --- handlers ------------------------------------------------------------------------------

    def fbo_list(self, call: ApiCall) -> dict:
        return self._list(call, "fbo")

    def fbs_list(self, call: ApiCall) -> dict:
        return self._list(call, "fbs")

    def _list(self, call: ApiCall, scheme: str) -> dict:
        body = call.body
        limit = body.get("limit")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise _invalid(f"limit must be between 1 and {MAX_LIMIT}")
        filters = body.get("filter")
        if not isinstance(filters, dict):
            raise _invalid("filter is required")
        since, to = _moment(filters.get("since"), "filter.since"), _moment(filters.get("to"), "filter.to")
        if to - since > MAX_PERIOD:
            raise _invalid("PERIOD_IS_TOO_LONG")
        statuses = set(filters.get("statuses") or ())
        now = self._now()
        selected = []
        for posting in self.visible(call.account, scheme):
            if since <= posting.created_at <= to and (not statuses or posting.state_at(now)[0] in statuses):
                selected.append(posting)
        if str(body.get("sort_dir", "ASC")).upper() == "DESC":
            selected.reverse()
        offset = _decode_cursor(body.get("cursor"))
        page = selected[offset : offset + limit]
        fault = self._take_fault() if page else None
        rows = [_render(posting, now, scheme) for posting in page]
        if fault == "duplicate_across_pages" and offset:
            rows.insert(0, _render(selected[offset - 1], now, scheme))
        elif fault == "new_field":
            for row in rows:
                row["sandbox_new_field"] = "added by the marketplace"
        elif fault == "missing_field":
            for row in rows:
                del row["substatus"]
        has_next = offset + limit < len(selected)
        return {"postings": rows, "has_next": has_next, "cursor": _encode_cursor(offset + limit) if has_next else ""}


def register_posting_routes(api: OzonApi, seed: int, first_day: date, now: Callable[[], datetime]) -> OzonPostings:
    """Serve the posting lists on `api`; returns the posting store (faults, ground truth)."""
    postings = OzonPostings(seed, first_day, now, lambda seller, listing: seller.product(listing))
    api.route("POST", FBO_LIST, postings.fbo_list)
    api.route("POST", FBS_LIST, postings.fbs_list)
    for path in REMOVED_LISTS:
        api.route("POST", path, _obsolete)
    return postings


# --- drawing -------------------------------------------------------------------------------------


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth), fine for the small daily rates used here."""
    if rate <= 0:
        return 0
    limit, count, product = exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _posting(
    rng: random.Random,
    scheme: str,
    listing: Listing,
    product: Product,
    warehouse: Warehouse | None,
    served_name: str,
    day_start: datetime,
    number: int,
) -> Posting:
    created_at = day_start + timedelta(seconds=int(rng.random() * 86_399))
    order_id = 10**10 + int(day_start.timestamp()) // 86_400 * 10_000 + number
    order_number = f"{order_id // 10_000:010d}-{order_id % 10_000:04d}"
    return Posting(
        posting_number=f"{order_number}-1",
        order_id=order_id,
        scheme=scheme,
        listing=listing,
        product_name=product.name,
        quantity=1 if rng.random() < 0.85 else 2,
        price=product.price,
        warehouse=warehouse,
        served_warehouse_name=served_name,
        created_at=created_at,
        timeline=_timeline(rng, created_at),
    )


def _timeline(rng: random.Random, created_at: datetime) -> tuple[tuple[datetime, str, str], ...]:
    packed = created_at + timedelta(hours=2 + rng.random() * 6)
    shipped = created_at + timedelta(hours=20 + rng.random() * 10)
    steps = [(created_at, "awaiting_packaging", "posting_created"), (packed, "awaiting_deliver", "posting_packing")]
    fate = rng.random()
    if fate < 0.08:
        return (*steps[:1], (created_at + timedelta(hours=1 + rng.random() * 6), "cancelled", "posting_canceled"))
    steps.append((shipped, "delivering", "posting_on_way_to_pickup_point"))
    arrived = shipped + timedelta(days=1 + rng.random() * 3)
    if fate < 0.13:
        steps.append((arrived + timedelta(days=2), "cancelled", "posting_returned_to_warehouse"))
    else:
        steps.append((arrived, "delivered", "posting_received"))
    return tuple(steps)


# --- rendering -----------------------------------------------------------------------------------


def _render(posting: Posting, now: datetime, scheme: str) -> dict:
    status, substatus, _ = posting.state_at(now)
    price = {"amount": f"{posting.price}", "currency": "RUB"}
    line = {
        "sku": posting.listing.sku,
        "offer_id": posting.listing.offer_id,
        "name": posting.product_name,
        "quantity": posting.quantity,
        "price": price,
        "is_marketplace_buyout": False,
    }
    financial = {
        "cluster_from": posting.warehouse.cluster_name if posting.warehouse else "",
        "cluster_to": "",
        "products": [
            {
                "product_id": posting.listing.sku,
                "price": posting.price,
                "old_price": posting.price,
                "payout": 0,
                "quantity": posting.quantity,
                "total_discount_value": 0,
                "total_discount_percent": 0,
                "actions": [],
                "commission": {"amount": 0, "percent": 0, "currency": "RUB"},
            }
        ],
    }
    cancelled = status == "cancelled"
    common = {
        "posting_number": posting.posting_number,
        "order_id": posting.order_id,
        "order_number": posting.posting_number.rsplit("-", 1)[0],
        "status": status,
        "substatus": substatus,
        "in_process_at": _timestamp(posting.created_at),
        "financial_data": financial,
    }
    if scheme == "fbo":
        return {
            **common,
            "cancel_reason_id": 402 if cancelled else 0,
            "cancellation": _cancellation(substatus) if cancelled else None,
            "created_at": _timestamp(posting.created_at),
            "products": [{**line, "digital_codes": []}],
            "analytics_data": {
                "city": "",
                "delivery_type": "PVZ",
                "is_premium": False,
                "is_legal": False,
                "payment_type_group_name": "Карты оплаты",
                "warehouse_id": posting.warehouse.warehouse_id if posting.warehouse else 0,
                "warehouse_name": posting.served_warehouse_name,
                "client_delivery_date_begin": None,
                "client_delivery_date_end": None,
            },
            "legal_info": None,
            "external_order": {"is_external": False, "platform_name": ""},
            "additional_data": [],
        }
    return {
        **common,
        "shipment_date": _timestamp(posting.created_at + timedelta(days=1)),
        "delivering_date": _timestamp(posting.timeline[2][0]) if len(posting.timeline) > 2 else None,
        "delivery_schema": "fbs",
        "delivery_method": {
            "id": 1001,
            "name": "Доставка Ozon, склад продавца",
            "warehouse_id": 1001,
            "warehouse": posting.served_warehouse_name,
            "tpl_provider_id": 24,
            "tpl_provider": "Доставка Ozon",
        },
        "products": [{**line, "is_blr_traceable": False, "imei": []}],
        "cancellation": _cancellation(substatus) if cancelled else None,
        "tpl_integration_type": "ozon",
        "integration_type_flow": "ozon",
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
    }


# --- request parsing -----------------------------------------------------------------------------


def _invalid(message: str) -> ApiError:
    return ApiError(400, {"code": 3, "message": message, "details": []})


def _obsolete(call: ApiCall) -> Any:
    raise ApiError(400, {"code": 9, "message": "obsolete method cannot be used", "details": []})


def _moment(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not value:
        raise _invalid(f"{name} is required")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise _invalid(f"{name} must be an RFC 3339 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode_cursor(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_cursor(value: Any) -> int:
    if value in (None, ""):
        return 0
    try:
        offset = json.loads(base64.b64decode(str(value), validate=True))["offset"]
    except (binascii.Error, ValueError, TypeError, LookupError):
        raise _invalid("invalid cursor") from None
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise _invalid("invalid cursor")
    return offset


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")
