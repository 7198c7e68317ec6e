"""Ozon API client: authentication, error recognition and pagination."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

from loaders import config
from loaders.config import OzonAccount
from loaders.cooldowns import Cooldowns
from loaders.http import ApiClient, CursorTrail, json_object, member, rows_at
from loaders.ozon import settings

log = logging.getLogger(__name__)

_PERMISSION_DENIED, _UNAUTHENTICATED = 7, 16


def is_auth_error(status: int, body: Any) -> bool:
    """Ozon answers a wrong key with HTTP 404 code 5, a bad Client-Id with 400 code 3, and a method
    the key's role does not grant with code 7 (PermissionDenied)."""
    if status in (401, 403):
        return True
    return rejects_credentials(status, body) or (isinstance(body, dict) and body.get("code") == _PERMISSION_DENIED)


def rejects_credentials(status: int, body: Any) -> bool:
    """The Client-Id or Api-Key itself is wrong (not one method refused): no other call can succeed."""
    if status == 401:
        return True
    if not isinstance(body, dict):
        return False
    code, message = body.get("code"), str(body.get("message", "")).lower()
    return code == _UNAUTHENTICATED or (code == 5 and "api-key" in message) or (code == 3 and "client-id" in message)


def make_client(account: OzonAccount) -> ApiClient:
    """One client per account, paced to Ozon's limits (divided by OZON_RATE_LIMIT_SCALE, sandbox only)."""
    scale = config.rate_limit_scale("OZON_RATE_LIMIT_SCALE")
    return ApiClient(
        marketplace="Ozon",
        account=account.name,
        base_url=account.base_url or settings.DEFAULT_BASE_URL,
        headers={"Client-Id": account.client_id, "Api-Key": account.api_key},
        secrets=(account.api_key,),
        object_answers=True,
        is_auth_error=is_auth_error,
        rejects_credentials=rejects_credentials,
        auth_hint=(
            f"Ozon rejected Client-Id {account.client_id} with this Api-Key: check {account.variable('CLIENT_ID')} "
            f"and {account.variable('API_KEY')} (keys expire after 6 months; a new one is made in the seller cabinet)."
        ),
        permission_hint=(
            f"Ozon refused this method to the Api-Key of Client-Id {account.client_id}: a key without the role the "
            "method needs is refused on that method alone (give the key the role in the seller cabinet, Settings → "
            f"Seller API, or list the resource in {account.variable('SKIP_RESOURCES')} to leave it out of every "
            "run); a wrong, expired or deactivated key is refused on every method (check "
            f"{account.variable('CLIENT_ID')} and {account.variable('API_KEY')}). The other resources still load."
        ),
        unreachable_hint=f"check {account.variable('API_BASE_URL')} if you set it,",
        requests_per_second=settings.REQUESTS_PER_SECOND * scale,
        endpoint_intervals={
            endpoint: 1 / settings.POSTING_LIST_REQUESTS_PER_SECOND / scale
            for endpoint in (settings.POSTING_FBO_LIST, settings.POSTING_FBS_LIST)
        },
        cooldowns=Cooldowns(),
    )


def product_list_pages(client: ApiClient, visibility: str) -> Iterator[list[dict]]:
    """Pages of /v3/product/list, following the `last_id` keyset cursor."""
    last_id = ""
    trail = CursorTrail(client, settings.PRODUCT_LIST, last_id)
    while True:
        body = {"filter": {"visibility": visibility}, "last_id": last_id, "limit": settings.PRODUCT_LIST_PAGE_SIZE}
        answer = client.post(settings.PRODUCT_LIST, body)
        items = rows_at(client, settings.PRODUCT_LIST, answer, "result", "items")  # an empty pass may send none
        if items:
            yield items
        if len(items) < settings.PRODUCT_LIST_PAGE_SIZE or not member(answer, "result", "last_id"):
            return
        last_id = trail.follow(answer["result"]["last_id"], items)


def product_info(client: ApiClient, product_ids: list[Any]) -> list[dict]:
    """Details of up to 1000 products from /v3/product/info/list. An id that is no whole number (Ozon
    refuses the whole request for it) is left out of it, with a warning; its list row is stored as sent."""
    asked = [str(product_id) for product_id in product_ids if _whole_number(product_id)]
    if len(asked) < len(product_ids):
        odd = [product_id for product_id in product_ids if not _whole_number(product_id)]
        log.warning(
            "%s: %s: product ids that are no whole number left out: %s",
            client.account,
            settings.PRODUCT_INFO_LIST,
            ", ".join(map(repr, odd[:5])),
        )
    if not asked:
        return []
    answer = client.post(settings.PRODUCT_INFO_LIST, {"product_id": asked})
    return rows_at(client, settings.PRODUCT_INFO_LIST, answer, "items")


def _whole_number(value: Any) -> bool:
    return type(value) is int or (isinstance(value, str) and value.isascii() and value.isdigit())


def list_item_skus(client: ApiClient, items: list[dict]) -> list[int]:
    """The SKUs of a /v3/product/list page: each item's `sku`, or, for items sent without one (the
    field came to the list on 2026-07-09 and the published OpenAPI still lacks it; an answer in
    protobuf style sends 0 for it), the product's SKUs from /v3/product/info/list: its `sku`, else
    those of its `sources` (an older product's FBO and FBS SKUs). A product without a SKU yet has none."""
    skus = [item["sku"] for item in items if item.get("sku")]
    unsent = [item["product_id"] for item in items if not item.get("sku")]
    for info in product_info(client, unsent):
        sources = [source.get("sku") for source in info.get("sources") or [] if isinstance(source, dict)]
        skus += [info["sku"]] if info.get("sku") else sorted({sku for sku in sources if sku})
    return skus


class FirstSeen:
    """Products (items with `product_id`) not yet seen by this reader: both visibility passes may
    list one product. Items without a product_id are always new."""

    def __init__(self) -> None:
        self._seen: set = set()
        self._lock = threading.Lock()

    def only_new(self, items: list[dict]) -> list[dict]:
        with self._lock:
            new = []
            for item in items:
                product_id = item.get("product_id")
                if product_id is None or product_id not in self._seen:
                    new.append(item)
                    self._seen.add(product_id)
        return new


def product_stock_pages(client: ApiClient) -> Iterator[list[dict]]:
    """Pages of /v4/product/info/stocks for every visibility pass (`ALL` leaves archived products
    out, and they still hold seller stock), each following its cursor until it is empty. A product
    an earlier pass listed is left out of a later one (should `ALL` list archived products too),
    lest its stock count twice."""
    read = FirstSeen()
    for visibility in settings.CATALOGUE_VISIBILITIES:
        cursor = ""
        trail = CursorTrail(client, settings.PRODUCT_STOCKS, cursor)
        while True:
            body = {"cursor": cursor, "limit": settings.PRODUCT_STOCKS_PAGE_SIZE, "filter": {"visibility": visibility}}
            answer = json_object(client, settings.PRODUCT_STOCKS, client.post(settings.PRODUCT_STOCKS, body))
            items = rows_at(client, settings.PRODUCT_STOCKS, answer, "items")
            if unread := read.only_new(items):
                yield unread
            if not items or not answer.get("cursor"):
                break
            cursor = trail.follow(answer["cursor"], items)


def analytics_stocks(client: ApiClient, skus: list[int]) -> list[dict]:
    """Stock per Ozon warehouse for at most 100 SKUs from /v1/analytics/stocks."""
    answer = client.post(settings.ANALYTICS_STOCKS, {"skus": [str(sku) for sku in skus]})
    return rows_at(client, settings.ANALYTICS_STOCKS, json_object(client, settings.ANALYTICS_STOCKS, answer), "items")
