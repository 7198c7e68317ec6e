"""The Ozon Seller API endpoints the loaders use, served from a generated seller (see ozon_data).

Shapes follow the Ozon Seller API documentation: bare or `result`-wrapped envelopes per method,
base64-JSON keyset cursors, gRPC-style error bodies `{"code", "message", "details"}`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.config import SandboxConfig
from sandbox.ozon_data import (
    STOCK_COUNTS,
    Listing,
    OzonAccount,
    OzonSeller,
    OzonTruth,
    Product,
    ProductStock,
    WarehouseStock,
    generate_sellers,
    page_after,
)
from sandbox.ozon_postings import METHOD_LIMITS, register_posting_routes
from sandbox.ozon_reference import register_reference_routes
from sandbox.ozon_reports import register_report_routes
from sandbox.ozon_simulation import micros
from sandbox.server import REMOVED, ApiCall, ApiError, MarketplaceApi
from sandbox.sparse import SHAPES

PRODUCT_LIST = "/v3/product/list"
PRODUCT_INFO_LIST = "/v3/product/info/list"
PRODUCT_STOCKS = "/v4/product/info/stocks"
ANALYTICS_STOCKS = "/v1/analytics/stocks"

MAX_PAGE = 1000
MAX_INFO_IDS = 1000
MAX_ANALYTICS_SKUS = 100

PRODUCT_LIST_VISIBILITIES = frozenset(
    (
        "ALL",
        "VISIBLE",
        "INVISIBLE",
        "EMPTY_STOCK",
        "NOT_MODERATED",
        "MODERATED",
        "DISABLED",
        "STATE_FAILED",
        "READY_TO_SUPPLY",
        "VALIDATION_STATE_PENDING",
        "VALIDATION_STATE_FAIL",
        "VALIDATION_STATE_SUCCESS",
        "TO_SUPPLY",
        "IN_SALE",
        "REMOVED_FROM_SALE",
        "OVERPRICED",
        "CRITICALLY_OVERPRICED",
        "EMPTY_BARCODE",
        "BARCODE_EXISTS",
        "QUARANTINE",
        "ARCHIVED",
        "OVERPRICED_WITH_STOCK",
        "PARTIAL_APPROVED",
        "AUTO_ARCHIVED",
        "MANUAL_ARCHIVED",
        "SEASONAL_AUTO_ARCHIVED",
        "VISIBLE_WITH_FBO_STOCK",
    )
)
PRODUCT_STOCKS_VISIBILITIES = PRODUCT_LIST_VISIBILITIES | {"BANNED"}


def ozon_error(status: int, code: int, message: str) -> ApiError:
    return ApiError(status, {"code": code, "message": message, "details": []})


def invalid_argument(message: str) -> ApiError:
    return ozon_error(400, 3, message)


class OzonApi(MarketplaceApi):
    """The fake Ozon Seller API of one sandbox: its accounts, endpoints and ground truth."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock | None = None) -> None:
        limits_on, scale = bool(config.rate_limit_rps), config.rate_limit_scale
        # A burst is one second's requests. A looser scale speeds time up: the rate grows, the burst
        # stays (as WB's do); a stricter one shrinks both, so a test meets a limit with a few requests.
        burst_scale = min(scale, 1.0)
        rps = config.rate_limit_rps if limits_on else None
        super().__init__(rps * scale if rps else None, rps * burst_scale if rps else None)
        for path, (requests, per_seconds) in METHOD_LIMITS.items() if limits_on else ():
            self.limiter.limit_path(path, requests * scale, per_seconds, requests * burst_scale)
        self.clock = clock or SandboxClock(config.start)
        self._sellers = {seller.account.client_id: seller for seller in generate_sellers(config, self.clock.now)}
        # A removed method answers 400 code 9; Ozon has also been seen answering it with 410.
        self.removed_status = 400
        self.all_lists_archived = config.ozon_all_lists_archived
        self.route("POST", PRODUCT_LIST, lambda call: _product_list(call, self.all_lists_archived))
        self.route("POST", PRODUCT_INFO_LIST, _product_info_list)
        # Ozon's announced change: /v4/product/info/stocks describes FBS, rFBS and FBP stock only,
        # FBO stock comes from /v1/analytics/stocks. True serves the FBO rows as before it.
        self.product_stocks_with_fbo = config.ozon_product_stocks_with_fbo
        self.route(
            "POST",
            PRODUCT_STOCKS,
            lambda call: _product_stocks(call, self.product_stocks_with_fbo, self.all_lists_archived),
        )
        self.route("POST", ANALYTICS_STOCKS, _analytics_stocks)
        register_reference_routes(self, config)
        # The report needs the stock, not the orders: a stock-only truth keeps it cheap for a large seller.
        self.reports = register_report_routes(
            self, truth=lambda client_id: self.seller(client_id).truth(stock_only=True), now=self.clock.now
        )
        self.postings = register_posting_routes(self)
        if config.sparse:
            self.sparse_shapes = SHAPES

    @property
    def accounts(self) -> list[OzonAccount]:
        return [seller.account for seller in self._sellers.values()]

    def seller(self, client_id: str) -> OzonSeller:
        return self._sellers[str(client_id)]

    def truth(self, client_id: str, at: datetime | None = None) -> OzonTruth:
        """Ground truth of one account as of `at` (the clock by default; any time since the history
        started); see `OzonTruth`."""
        return self.seller(client_id).truth(None if at is None else micros(at))

    def prepare(self) -> None:
        """Build every account's products and simulate their history up to the clock's day now,
        instead of lazily on the first requests (what a benchmark wants before it measures serving).
        Nothing served changes: the history does not depend on when or in what order it is drawn."""
        for seller in self._sellers.values():
            seller.prepare()

    def freeze_feed(self, path: str = ANALYTICS_STOCKS, client_id: str | None = None) -> None:
        """From now on the stock endpoint at `path` (`/v1/analytics/stocks` or
        `/v4/product/info/stocks`) keeps serving the stock of this moment, for one account (every
        account when None), while orders and the other endpoints move on; `truth()` stays the real
        stock. `unfreeze_feed` ends it."""
        if path not in (ANALYTICS_STOCKS, PRODUCT_STOCKS):
            raise ValueError(f"freeze_feed applies to {ANALYTICS_STOCKS} or {PRODUCT_STOCKS}, not {path!r}")
        for seller in self._chosen(client_id):
            seller.frozen_feeds[path] = seller.now()

    def unfreeze_feed(self, path: str = ANALYTICS_STOCKS, client_id: str | None = None) -> None:
        for seller in self._chosen(client_id):
            seller.frozen_feeds.pop(path, None)

    def stock_drop(self, warehouse_name: str, share: float = 0.4, client_id: str | None = None) -> None:
        """From now on `share` of the available units at the Ozon warehouse `warehouse_name`
        (canonical name) are gone, without orders: every endpoint and `truth()` serve the reduced
        counts (available − round(available × share) per product)."""
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        for seller in self._chosen(client_id):
            seller.stock_drops[warehouse_name] = (seller.now(), share)

    def _chosen(self, client_id: str | None) -> list[OzonSeller]:
        return list(self._sellers.values()) if client_id is None else [self.seller(client_id)]

    def order_lines(self, client_id: str) -> list[dict]:
        """Ground truth of one account's orders: every line created up to the clock, status now."""
        return self.truth(client_id).order_lines

    def export_truth(self, directory: Path) -> list[Path]:
        """Write every account's ground truth as of the clock, one JSON file per account
        (`ozon_<client_id>.json`): `clock` and the lists of `OzonTruth` (products, fbo_stock,
        fbs_stock, stock, order_lines, supplies); times are ISO 8601 strings."""
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for client_id in self._sellers:
            truth = self.truth(client_id)
            content = {
                "clock": truth.as_of,
                "products": truth.products,
                "fbo_stock": truth.fbo_stock,
                "fbs_stock": truth.fbs_stock,
                "stock": truth.stock,
                "order_lines": truth.order_lines,
                "supplies": truth.supplies,
            }
            path = directory / f"ozon_{client_id}.json"
            path.write_text(json.dumps(content, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
            written.append(path)
        return written

    # --- MarketplaceApi hooks ----------------------------------------------------------------

    def client_label(self, headers: Mapping[str, str]) -> str | None:
        return headers.get("Client-Id")

    def authenticate(self, headers: Mapping[str, str]) -> OzonSeller:
        client_id = (headers.get("Client-Id") or "").strip()
        if not (client_id.isascii() and client_id.isdigit() and int(client_id) > 0):
            raise invalid_argument("Client-Id header value should be positive integer")
        seller = self._sellers.get(str(int(client_id)))
        if seller is None or headers.get("Api-Key") != seller.account.api_key:
            raise ozon_error(404, 5, "Invalid Api-Key, please check the key and try again")
        return seller

    def not_found(self) -> ApiError:
        return ozon_error(404, 5, "Not Found")

    def method_not_allowed(self) -> ApiError:
        return ozon_error(405, 12, "Method Not Allowed")

    def malformed_body(self) -> ApiError:
        return invalid_argument("request body is not a valid JSON object")

    def rate_limited(self) -> ApiError:
        return ozon_error(429, 8, "You have reached request rate limit per second")

    def server_failure(self, status: int) -> ApiError:
        return ozon_error(status, 13, "Internal error")

    def account_key(self, account: Any) -> str:
        """The Client-Id: `account` is a Client-Id (text or number), an `OzonAccount` or a seller."""
        account = getattr(account, "account", account)
        client_id = str(getattr(account, "client_id", account))
        if client_id not in self._sellers:
            raise ValueError(f"no Ozon account with Client-Id {client_id}")
        return client_id

    def disabled(self, path: str, mode: str) -> ApiError:
        if mode == REMOVED:
            return ozon_error(self.removed_status, 9, "obsolete method cannot be used")
        return ozon_error(403, 7, "Api-Key is missing a required role for a method")


# --- handlers ------------------------------------------------------------------------------------


def _product_list(call: ApiCall, all_lists_archived: bool) -> dict:
    seller: OzonSeller = call.account
    at = seller.now()
    filters = _object(call.body.get("filter"), "filter")
    limit = _limit(call.body.get("limit"))
    after = _decode_cursor(call.body.get("last_id"), "last_id", lambda value: value[0])
    matches = _matching(
        seller, at, filters, PRODUCT_LIST_VISIBILITIES, ("product_id", "offer_id", "skus"), all_lists_archived
    )
    page = page_after(matches, after, limit)
    last_id = _encode_cursor([page[-1].product_id, page[-1].product_id]) if page else ""
    return {
        "result": {
            "items": [_list_item(seller, listing, at) for listing in page],
            "total": len(matches),
            "last_id": last_id,
        }
    }


def _product_info_list(call: ApiCall) -> dict:
    seller: OzonSeller = call.account
    product_ids = _id_list(call.body.get("product_id"), "product_id")
    offer_ids = _string_list(call.body.get("offer_id"), "offer_id")
    skus = _id_list(call.body.get("sku"), "sku")
    if len(product_ids) + len(offer_ids) + len(skus) > MAX_INFO_IDS:
        raise invalid_argument(f"too many ids: at most {MAX_INFO_IDS} product_id, offer_id and sku in total")
    found = _lookup(seller, {"product_id": product_ids, "offer_id": offer_ids, "skus": skus})
    at = seller.now()
    return {"items": [_info_item(seller, listing, at) for listing in found]}


def _product_stocks(call: ApiCall, with_fbo: bool, all_lists_archived: bool) -> dict:
    seller: OzonSeller = call.account
    at = seller.feed_moment(PRODUCT_STOCKS, seller.now())
    if not isinstance(call.body.get("filter"), dict):
        raise invalid_argument("filter is required")
    limit = _limit(call.body.get("limit"))
    after = _decode_cursor(call.body.get("cursor"), "cursor", lambda value: value["after_product_id"])
    filters = call.body["filter"]
    matches = _matching(
        seller, at, filters, PRODUCT_STOCKS_VISIBILITIES, ("product_id", "offer_id"), all_lists_archived
    )
    page = page_after(matches, after, limit)
    more = bool(page) and page[-1].product_id != matches[-1].product_id
    return {
        "cursor": _encode_cursor({"after_product_id": page[-1].product_id}) if more else "",
        "total": len(matches),
        "items": [_stock_item(listing, seller.stock(listing, at), with_fbo) for listing in page],
    }


def _analytics_stocks(call: ApiCall) -> dict:
    seller: OzonSeller = call.account
    at = seller.feed_moment(ANALYTICS_STOCKS, seller.now())
    skus = _id_list(call.body.get("skus"), "skus")
    if not 1 <= len(skus) <= MAX_ANALYTICS_SKUS:
        raise invalid_argument(f"skus: from 1 to {MAX_ANALYTICS_SKUS} SKUs are required")
    if call.body.get("cluster_ids") and call.body.get("macrolocal_cluster_ids"):
        raise invalid_argument("use either cluster_ids or macrolocal_cluster_ids")
    wanted = {
        "cluster_id": set(_id_list(call.body.get("cluster_ids"), "cluster_ids")),
        "macrolocal_cluster_id": set(_id_list(call.body.get("macrolocal_cluster_ids"), "macrolocal_cluster_ids")),
        "warehouse_id": set(_id_list(call.body.get("warehouse_ids"), "warehouse_ids")),
        "turnover_grade": set(_string_list(call.body.get("turnover_grades"), "turnover_grades")),
    }
    tags = set(_string_list(call.body.get("item_tags"), "item_tags"))
    rows = []
    for sku in dict.fromkeys(skus):
        listing = seller.by_sku.get(sku)
        if listing is None:
            continue
        product = seller.product(listing)
        product_stock = seller.stock(listing, at)
        for stock in product_stock.fbo:
            row = _analytics_row(product, stock, product_stock)
            if all(not values or row[key] in values for key, values in wanted.items()) and (
                not tags or tags & set(row["item_tags"])
            ):
                rows.append(row)
    return {"items": rows}


# --- selection -----------------------------------------------------------------------------------


def _matching(
    seller: OzonSeller,
    at: int,
    filters: dict,
    visibilities: frozenset[str],
    id_fields: tuple[str, ...],
    all_lists_archived: bool = False,
) -> list[Listing]:
    """Listings a list filter selects, ordered by product_id. Ids select regardless of visibility;
    ALL leaves archived products out unless `all_lists_archived`."""
    visibility = filters.get("visibility") or "ALL"
    if visibility not in visibilities:
        raise invalid_argument(f"unknown filter.visibility {visibility!r}")
    ids = {}
    for name in id_fields:
        parse = _string_list if name == "offer_id" else _id_list
        ids[name] = parse(filters.get(name), f"filter.{name}")
        if len(ids[name]) > MAX_INFO_IDS:
            raise invalid_argument(f"filter.{name}: at most {MAX_INFO_IDS} ids")
    if any(ids.values()):
        return _lookup(seller, ids)
    # Every other visibility is served like ALL.
    active, archived = seller.catalogue(at)
    if visibility == "ARCHIVED":
        return archived
    return sorted(active + archived, key=lambda listing: listing.product_id) if all_lists_archived else active


def _lookup(seller: OzonSeller, ids: dict[str, list]) -> list[Listing]:
    indexes = {"product_id": seller.by_product_id, "offer_id": seller.by_offer_id, "skus": seller.by_sku}
    found = {
        listing.product_id: listing
        for name, values in ids.items()
        for value in values
        if (listing := indexes[name].get(value)) is not None
    }
    return [found[product_id] for product_id in sorted(found)]


# --- request parsing -----------------------------------------------------------------------------


def _object(value: Any, name: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise invalid_argument(f"{name} must be an object")
    return value


def _limit(value: Any) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE:
        raise invalid_argument(f"limit must be between 1 and {MAX_PAGE}")
    return value


def _id_list(value: Any, name: str) -> list[int]:
    """An array of int64 ids, sent as strings or numbers."""
    ids = []
    for item in _array(value, name):
        text = str(item).strip() if isinstance(item, int | str) and not isinstance(item, bool) else ""
        if not (text.isascii() and text.isdigit()):
            raise invalid_argument(f"{name}: {item!r} is not a valid id")
        ids.append(int(text))
    return ids


def _string_list(value: Any, name: str) -> list[str]:
    items = _array(value, name)
    if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
        raise invalid_argument(f"{name} must be an array of strings")
    return [str(item) for item in items]


def _array(value: Any, name: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise invalid_argument(f"{name} must be an array")
    return value


def _encode_cursor(value: Any) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def _decode_cursor(value: Any, name: str, product_id_of: Callable[[Any], Any]) -> int:
    """The product_id a cursor points after; 0 for the first page."""
    if value in (None, ""):
        return 0
    try:
        product_id = product_id_of(json.loads(base64.b64decode(str(value), validate=True)))
    except (binascii.Error, ValueError, TypeError, LookupError):
        raise invalid_argument(f"invalid {name}") from None
    if isinstance(product_id, bool) or not isinstance(product_id, int):
        raise invalid_argument(f"invalid {name}")
    return product_id


# --- rendering -----------------------------------------------------------------------------------


def _timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and `Z`, as Ozon writes it."""
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _money(amount: float) -> str:
    return f"{amount:.2f}"


def _list_item(seller: OzonSeller, listing: Listing, at: int) -> dict:
    product, stock = seller.product(listing), seller.stock(listing, at)
    return {
        "product_id": listing.product_id,
        "offer_id": listing.offer_id,
        "sku": listing.sku,
        "archived": seller.is_archived(listing, at),
        "has_fbo_stocks": stock.has_fbo_stock,
        "has_fbs_stocks": stock.has_seller_stock,
        "is_discounted": product.is_discounted,
        "quants": [],
    }


def _info_item(seller: OzonSeller, listing: Listing, at: int) -> dict:
    product, stock, archived = seller.product(listing), seller.stock(listing, at), seller.is_archived(listing, at)
    created_at, updated_at = _timestamp(product.created_at), _timestamp(product.updated_at)
    has_stock = stock.has_fbo_stock or stock.has_seller_stock
    status, status_name = (
        ("archived", "В архиве")
        if archived
        else ("price_sent", "Продается")
        if has_stock
        else ("price_sent", "Готов к продаже")
    )
    empty_index = {"minimal_price": "", "minimal_price_currency": "RUB", "price_index_value": 0}
    return {
        "id": listing.product_id,
        "offer_id": listing.offer_id,
        "sku": listing.sku,
        "name": product.name,
        "barcodes": list(product.barcodes),
        "description_category_id": product.description_category_id,
        "type_id": product.type_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "currency_code": "RUB",
        "price": _money(product.price),
        "old_price": _money(product.old_price),
        "min_price": _money(product.min_price),
        "vat": product.vat,
        "volume_weight": product.volume_weight,
        "is_archived": archived,
        "is_autoarchived": product.is_autoarchived,
        "is_discounted": product.is_discounted,
        "is_kgt": product.is_kgt,
        "is_super": product.is_super,
        "has_discounted_fbo_item": False,
        "discounted_fbo_stocks": 0,
        "images": list(product.images),
        "primary_image": list(product.images[:1]),
        "color_image": [],
        "sources": [
            {
                "sku": sku,
                "source": source,
                "created_at": created_at,
                "shipment_type": "SHIPMENT_TYPE_GENERAL",
                "quant_code": "",
            }
            for sku, source in _sources(listing)
        ],
        "stocks": {
            "has_stock": has_stock,
            "stocks": [
                {"sku": listing.sku, "source": "fbo", "present": stock.fbo_present, "reserved": stock.fbo_reserved}
            ]
            + [
                {
                    "sku": listing.fbs_sku,
                    "source": seller_stock.type,
                    "present": seller_stock.present,
                    "reserved": seller_stock.reserved,
                }
                for seller_stock in stock.seller_stock
            ],
        },
        "statuses": {
            "status": status,
            "status_name": status_name,
            "moderate_status": "approved",
            "validation_status": "success",
            "status_failed": "",
            "status_description": "",
            "status_tooltip": "",
            "is_created": True,
            "status_updated_at": updated_at,
        },
        "visibility_details": {"has_price": True, "has_stock": has_stock},
        "commissions": _commissions(product),
        "price_indexes": {
            "color_index": "COLOR_INDEX_WITHOUT_INDEX",
            "external_index_data": empty_index,
            "ozon_index_data": empty_index,
            "self_marketplaces_index_data": empty_index,
        },
        "model_info": {"model_id": product.model_id, "count": product.model_count},
        "promotions": [{"is_enabled": True, "type": "REVIEWS_PROMO"}] if product.has_reviews_promo else [],
        "availabilities": [],
        "errors": [],
    }


def _commissions(product: Product) -> list[dict]:
    delivery = round(30 + product.volume_weight * 5, 2)
    rows = []
    for schema, extra_percent in (("FBO", 0), ("FBS", 1), ("RFBS", 2), ("FBP", 0)):
        percent = product.commission_percent + extra_percent
        rows.append(
            {
                "sale_schema": schema,
                "percent": percent,
                "value": round(product.price * percent / 100, 2),
                "delivery_amount": delivery,
                "return_amount": round(delivery * 1.2, 2),
            }
        )
    return rows


def _sources(listing: Listing) -> list[tuple[int, str]]:
    """(SKU, scheme) of a product: one SKU for both schemes, or an older product's own FBS SKU."""
    if listing.fbs_sku == listing.sku:
        return [(listing.sku, "sds")]
    return [(listing.sku, "sds"), (listing.fbs_sku, "fbs")]


def _stock_item(listing: Listing, stock: ProductStock, with_fbo: bool) -> dict:

    def entry(kind: str, present: int, reserved: int) -> dict:
        return {
            "sku": listing.sku if kind == "fbo" else listing.fbs_sku,
            "type": kind,
            "present": present,
            "reserved": reserved,
            "shipment_type": "SHIPMENT_TYPE_GENERAL",
            "warehouse_ids": [],
        }

    return {
        "offer_id": listing.offer_id,
        "product_id": listing.product_id,
        "stocks": ([entry("fbo", stock.fbo_present, stock.fbo_reserved)] if with_fbo else [])
        + [entry(own.type, own.present, own.reserved) for own in stock.seller_stock],
    }


def _analytics_row(product: Product, stock: WarehouseStock, product_stock: ProductStock) -> dict:
    """One row of /v1/analytics/stocks. The figures over all clusters (`ads`, `idc`, ...) are the
    product's, repeated on each of its rows; the `*_cluster` ones those of the row's cluster: days of
    cover divide the product's available units (of the cluster) by its ads (ads_cluster)."""
    listing, warehouse = product.listing, stock.warehouse
    available = product_stock.fbo_available
    available_cluster = sum(
        row.counts["available"] for row in product_stock.fbo if row.warehouse.cluster_id == warehouse.cluster_id
    )
    return {
        "sku": listing.sku,
        "offer_id": listing.offer_id,
        "name": product.name,
        "warehouse_id": warehouse.warehouse_id,
        "warehouse_name": stock.served_name,
        "cluster_id": warehouse.cluster_id,
        "cluster_name": warehouse.cluster_name,
        "macrolocal_cluster_id": warehouse.macrolocal_cluster_id,
        **{f"{name}_stock_count": stock.counts[name] for name in STOCK_COUNTS},
        "ads": stock.ads,
        "ads_cluster": stock.ads_cluster,
        "idc": round(available / stock.ads, 1) if stock.ads else 0.0,
        "idc_cluster": round(available_cluster / stock.ads_cluster, 1) if stock.ads_cluster else 0.0,
        "days_without_sales": stock.days_without_sales,
        "days_without_sales_cluster": stock.days_without_sales_cluster,
        "turnover_grade": _turnover_grade(available, stock.ads),
        "turnover_grade_cluster": _turnover_grade(available_cluster, stock.ads_cluster),
        "item_tags": list(product.item_tags),
    }


def _turnover_grade(available: int, average_daily_sales: float) -> str:
    if not average_daily_sales:
        return "NO_SALES"
    if not available:
        return "DEFICIT"
    days_of_cover = available / average_daily_sales
    return "POPULAR" if days_of_cover < 30 else "ACTUAL" if days_of_cover < 90 else "SURPLUS"
