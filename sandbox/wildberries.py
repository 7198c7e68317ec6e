"""The Wildberries seller API endpoints the loaders use, served from a generated seller
(see wildberries_data) on ONE local server: the content, statistics, seller-analytics and
marketplace hosts' paths do not collide.

Contract: the Wildberries API documentation. Error bodies differ per host (§1.3); 401 and 429 are
problem+json; 429s carry X-Ratelimit-Retry/-Reset/-Limit, 200s X-Ratelimit-Remaining (§1.4).
"""

from __future__ import annotations

import json
import math
import threading
import time
import uuid
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sandbox.clock import SandboxClock
from sandbox.config import SandboxConfig
from sandbox.server import (
    REMOVED,
    ApiCall,
    ApiError,
    BucketLimiter,
    LimitGroup,
    MarketplaceApi,
    Response,
    TokenBucket,
)
from sandbox.sparse import SHAPES
from sandbox.wildberries_data import (
    BASE,
    DAY,
    IN_WAY_FROM_CLIENT,
    IN_WAY_TO_CLIENT,
    MASKED_ANALYTICS,
    MASKED_ANALYTICS_ID,
    MINSK,
    MSK,
    TOTAL_ON_WAREHOUSES,
    WB_WAREHOUSES,
    WbAccount,
    WbSeller,
    WbTruth,
    generate_sellers,
    micros,
    utc_text,
)
from sandbox.wildberries_feeds import Feed

CARDS_LIST = "/content/v2/get/cards/list"
CARDS_TRASH = "/content/v2/get/cards/trash"
ORDERS = "/api/v1/supplier/orders"
SALES = "/api/v1/supplier/sales"
REMAINS_CREATE = "/api/v1/warehouse_remains"
REMAINS_STATUS = "/api/v1/warehouse_remains/tasks/{task_id}/status"
REMAINS_DOWNLOAD = "/api/v1/warehouse_remains/tasks/{task_id}/download"
WB_WAREHOUSES_REPORT = "/api/analytics/v1/stocks-report/wb-warehouses"
SELLER_WAREHOUSES = "/api/v3/warehouses"
OFFICES = "/api/v3/offices"
# Removed by WB and not routed here: 404 like any unknown path.
REMOVED_PATHS = ("/api/v1/supplier/stocks", "/api/v5/supplier/reportDetailByPeriod", "/api/v1/supplier/incomes")

MAX_CARDS = 100
MAX_WB_WAREHOUSES_LIMIT = 250_000
STATISTICS_PAGE_ROWS = 80_000
PROBLEM_JSON = {"Content-Type": "application/problem+json"}

# (requests, per seconds, burst) per path group, for personal/service tokens and for base tokens.
# "cards" is WB's one bucket for every method of the Контент category (cards/list and cards/trash).
_MINUTE, _HOUR = 60.0, 3600.0
LIMITS = {
    "cards": ((100, _MINUTE, 5), (100, _MINUTE, 5)),
    "orders": ((1, _MINUTE, 10), (1, 3 * _HOUR, 1)),
    "sales": ((1, _MINUTE, 1), (1, 2 * _HOUR, 1)),
    "remains_create": ((1, _MINUTE, 5), (4, _HOUR, 1)),
    "remains_status": ((1, 5.0, 5), (4, _HOUR, 1)),
    "remains_download": ((1, _MINUTE, 1), (4, _HOUR, 1)),
    "wb_warehouses": ((3, _MINUTE, 1), (3, _MINUTE, 1)),
    "marketplace": ((300, _MINUTE, 20), (300, _MINUTE, 20)),
}
PATH_GROUPS = {
    CARDS_LIST: "cards",
    CARDS_TRASH: "cards",
    ORDERS: "orders",
    SALES: "sales",
    REMAINS_CREATE: "remains_create",
    REMAINS_STATUS: "remains_status",
    REMAINS_DOWNLOAD: "remains_download",
    WB_WAREHOUSES_REPORT: "wb_warehouses",
    SELLER_WAREHOUSES: "marketplace",
    OFFICES: "marketplace",
}

STATISTICS_FAULTS = ("duplicate_rows", "malformed_row", "new_field", "missing_field")
REPORT_FAULTS = ("report_stuck", "report_canceled", "report_purged", "report_truncated", "report_malformed")
FAULT_PATHS = {
    "duplicate_rows": (ORDERS, SALES, CARDS_LIST),
    "malformed_row": (ORDERS, SALES),
    "new_field": (ORDERS, SALES, CARDS_LIST),
    "missing_field": (ORDERS, SALES, CARDS_LIST),
}
NEW_FIELD = "sandboxNewField"
MISSING_STATISTICS_FIELD = "spp"
MISSING_CARD_FIELD = "characteristics"


def _request_id() -> str:
    return uuid.uuid4().hex


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def gateway_error(status: int, title: str, detail: str, status_text: str, **extra: str) -> ApiError:
    """WB's API gateway's answer for a path or method it does not route (no code, no timestamp)."""
    body = {"title": title, "detail": detail, "requestId": _request_id(), **extra}
    return ApiError(status, {**body, "status": status, "statusText": status_text}, PROBLEM_JSON)


def problem(status: int, title: str, detail: str, status_text: str, headers: dict | None = None) -> ApiError:
    body = {
        "title": title,
        "detail": detail,
        "code": f"{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:12]}-[sandbox]",
        "requestId": _request_id(),
        "origin": "s2s-api-auth-catalog",
        "status": status,
        "statusText": status_text,
        "timestamp": _now_text(),
    }
    return ApiError(status, body, {**PROBLEM_JSON, **(headers or {})})


def statistics_error(errors: Any) -> ApiError:
    return ApiError(400, {"errors": errors})


def report_error(status: int, detail: str) -> ApiError:
    title = {400: "Bad Request", 404: "Not Found"}.get(status, "Error")
    return ApiError(status, {"detail": detail, "origin": "api-statistics", "requestId": _request_id(), "title": title})


def analytics_error(status: int, title: str, detail: str) -> ApiError:
    return ApiError(
        status, {"title": title, "detail": detail, "requestId": _request_id(), "origin": "analytic-open-api"}
    )


def content_error(status: int, text: str, additional: str | None = None) -> ApiError:
    return ApiError(status, {"data": None, "error": True, "errorText": text, "additionalErrors": additional})


def marketplace_error(status: int, code: str, message: str = "") -> ApiError:
    return ApiError(status, {"code": code, "message": message, "data": None})


class WbLimiter(BucketLimiter):
    """WB's token buckets per account and method group; knows the X-Ratelimit-* values."""

    def __init__(self, enabled: bool, scale: float) -> None:
        super().__init__()
        self.enabled, self.scale = enabled, scale

    def take(self, account: WbAccount, group: str) -> dict[str, str]:
        """Headers for a 200 (X-Ratelimit-Remaining); raises the 429 when the bucket is empty."""
        if not self.enabled:
            return {}
        with self._lock:
            now = time.monotonic()
            bucket = self._buckets.get((account.name, group))
            if bucket is None:
                requests, per_seconds, burst = LIMITS[group][account.token_type == BASE]
                bucket = TokenBucket(float(burst), requests / per_seconds * self.scale, now)
                self._buckets[(account.name, group)] = bucket
            if bucket.refill(now) < 1:
                bucket.throttled += 1
                retry = max(1, math.ceil((1 - bucket.tokens) / bucket.per_second))
                reset = max(1, math.ceil((bucket.capacity - bucket.tokens) / bucket.per_second))
                raise problem(
                    429,
                    "too many requests",
                    f"limited by {uuid.uuid5(uuid.NAMESPACE_URL, group)}",
                    "Too Many Requests",
                    {
                        "X-Ratelimit-Retry": str(retry),
                        "X-Ratelimit-Reset": str(reset),
                        "X-Ratelimit-Limit": str(int(bucket.capacity)),
                    },
                )
            bucket.tokens -= 1
            bucket.served += 1
            return {"X-Ratelimit-Remaining": str(int(bucket.tokens))}


class WbFaults:
    """Data faults, queued per path; report faults apply to the next tasks created."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[str]] = {}
        self._lock = threading.Lock()

    def inject(self, fault: str, times: int = 1, path: str | None = None) -> None:
        if fault in REPORT_FAULTS:
            paths = [REMAINS_CREATE]
        elif fault in FAULT_PATHS:
            if path is not None and path not in FAULT_PATHS[fault]:
                raise ValueError(f"{fault} applies to {', '.join(FAULT_PATHS[fault])}, not {path!r}")
            paths = [path] if path else list(FAULT_PATHS[fault])
        else:
            raise ValueError(f"unknown fault {fault!r}; choose from {', '.join((*STATISTICS_FAULTS, *REPORT_FAULTS))}")
        with self._lock:
            for queue_path in paths:
                self._queues.setdefault(queue_path, deque()).extend([fault] * times)

    def take(self, path: str, applicable=lambda fault: True) -> str | None:
        with self._lock:
            queue = self._queues.get(path)
            if not queue or not applicable(queue[0]):
                return None
            return queue.popleft()


class WbReports:
    """warehouse_remains tasks: content fixed at creation, status new → processing → done."""

    def __init__(self, api: WildberriesApi) -> None:
        self.api = api
        self.polls_until_ready = 1
        self._tasks: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._serial = 0

    def create(self, call: ApiCall) -> dict:
        seller: WbSeller = call.account
        for name, value in call.query.items():
            if name.startswith("groupBy") or name in ("filterPics", "filterVolume"):
                if value == "":
                    raise report_error(400, f'parameter "{name}" in query has an error: empty value is not allowed')
                if name.startswith("groupBy") and value not in ("true", "false"):
                    raise report_error(400, f'parameter "{name}" in query has an error: value {value}: invalid syntax')
        locale = call.query.get("locale", "ru")
        if locale not in ("ru", "en", "zh"):
            raise report_error(400, 'parameter "locale" in query has an error: value is not one of the allowed values')
        fault = self.api.faults.take(REMAINS_CREATE)
        rows = remains_rows(seller, self.api.feed_moment(seller, REMAINS_CREATE))
        with self._lock:
            self._serial += 1
            task_id = str(uuid.uuid5(uuid.NAMESPACE_OID, f"{seller.account.token}:{self._serial}"))
            payload = json.dumps(rows, ensure_ascii=False).encode() if rows else b""
            self._tasks[task_id] = {"account": seller.account.name, "payload": payload, "polls": 0, "fault": fault}
        return {"data": {"taskId": task_id}}

    def _task(self, call: ApiCall) -> tuple[str, dict]:
        task_id = call.params["task_id"]
        try:
            uuid.UUID(task_id)
        except ValueError:
            raise report_error(
                400,
                f"Invalid format for parameter task_id: error unmarshaling '{task_id}' text as *uuid.UUID: "
                f"invalid UUID length: {len(task_id)}",
            ) from None
        task = self._tasks.get(task_id)
        if task is None or task["account"] != call.account.account.name:
            raise report_error(404, "not found")
        return task_id, task

    def status(self, call: ApiCall) -> dict:
        task_id, task = self._task(call)
        with self._lock:
            task["polls"] += 1
            polls = task["polls"]
        return {"data": {"id": task_id, "status": self._status(task, polls)}}

    def _status(self, task: dict, polls: int) -> str:
        """Poll 1 answers `new`, polls 2..polls_until_ready+1 `processing`, later ones `done`
        (`polls_until_ready` 0: `done` at once)."""
        fault = task["fault"]
        if fault == "report_canceled":
            return "canceled"
        if fault == "report_purged":
            return "purged"
        if fault == "report_stuck":
            return "new" if polls <= 1 else "processing"
        if self._ready(task):
            return "done"
        return "new" if polls <= 1 else "processing"

    def _ready(self, task: dict) -> bool:
        return self.polls_until_ready <= 0 or task["polls"] > self.polls_until_ready + 1

    def download(self, call: ApiCall) -> Response:
        _, task = self._task(call)
        fault = task["fault"]
        if fault in ("report_purged", "report_canceled"):
            raise report_error(404, "not found")
        if fault == "report_stuck" or not self._ready(task):
            raise report_error(400, "report is not ready yet")
        payload = task["payload"]
        if not payload:
            return Response(204, b"", {"Content-Type": "application/json"})
        if fault == "report_malformed":
            rows = json.loads(payload)
            middle = rows[len(rows) // 2]
            del middle["nmId"]
            middle["warehouses"] = [{"warehouseName": MINSK.name, "quantity": -3}, *middle["warehouses"]]
            payload = json.dumps(rows, ensure_ascii=False).encode()
        if fault == "report_truncated":
            text = payload.decode()  # cut between characters: invalid JSON, still valid UTF-8
            payload = text[: len(text) // 2].encode()
        return Response(200, payload, {"Content-Type": "application/json"})


def remains_rows(seller: WbSeller, at: int) -> list[dict]:
    """One warehouse_remains row per barcode (all groupBy*=true), stock as of `at`."""
    by_size: dict[int, list] = {}
    for cell, quantity, to_client, from_client in seller.stock(at):
        if cell.warehouse is not None and cell.card.created_at <= at:
            by_size.setdefault(cell.size.chrt_id, []).append((cell, quantity, to_client, from_client))
    rows = []
    for entries in by_size.values():
        card, size = entries[0][0].card, entries[0][0].size
        named: dict[str, int] = {}
        for cell, quantity, _, _ in entries:
            name = seller.served_name(cell.warehouse, card, size.chrt_id, at)
            named[name] = named.get(name, 0) + quantity
        to_client = sum(entry[2] for entry in entries)
        from_client = sum(entry[3] for entry in entries)
        total = sum(named.values())
        if not (to_client or from_client or total):
            continue
        warehouses = [
            {"warehouseName": IN_WAY_TO_CLIENT, "quantity": to_client},
            {"warehouseName": IN_WAY_FROM_CLIENT, "quantity": from_client},
            {"warehouseName": TOTAL_ON_WAREHOUSES, "quantity": total},
            *({"warehouseName": name, "quantity": quantity} for name, quantity in named.items()),
        ]
        rows.append(
            {
                "brand": card.brand,
                "subjectName": card.subject,
                "vendorCode": card.vendor_code,
                "nmId": card.nm_id,
                "barcode": size.barcode,
                "techSize": size.tech_size,
                "volume": card.volume,
                "warehouses": [entry for entry in warehouses if entry["quantity"] != 0],
            }
        )
    return rows


class WildberriesApi(MarketplaceApi):
    """The fake WB seller API of one sandbox: its accounts, endpoints and ground truth."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock | None = None) -> None:
        super().__init__(None)  # WB has no global limit; WbLimiter does the per-method ones
        self.config = config
        self.clock = clock or SandboxClock(config.start)
        self.wb_limiter = WbLimiter(bool(config.rate_limit_rps), config.rate_limit_scale)
        self.statistics_page_rows = STATISTICS_PAGE_ROWS
        self._last_pages: dict[tuple[str, str, int], tuple[int, int]] = {}
        self._feeds: dict[tuple[str, str], Feed] = {}
        self._feeds_lock = threading.RLock()  # held while a feed is synced or read
        self.faults = WbFaults()
        self.cards_blank_tech_size = config.wb_cards_blank_tech_size
        self.frozen_feeds: dict[tuple[str, str], int] = {}  # (account name, path) → the moment it froze
        self.reports = WbReports(self)
        self._generated: dict[str, WbSeller] | None = None
        self._by_name: dict[str, WbSeller] = {}
        self._generate_lock = threading.Lock()
        routes = [
            ("POST", CARDS_LIST, _cards_list),
            ("POST", CARDS_TRASH, _cards_trash),
            ("GET", ORDERS, self._orders),
            ("GET", SALES, self._sales),
            ("GET", REMAINS_CREATE, self.reports.create),
            ("GET", REMAINS_STATUS, self.reports.status),
            ("GET", REMAINS_DOWNLOAD, self.reports.download),
            ("POST", WB_WAREHOUSES_REPORT, _wb_warehouses),
            ("GET", SELLER_WAREHOUSES, _seller_warehouses),
            ("GET", OFFICES, _offices),
        ]
        for method, path, handler in routes:
            self.route(method, path, self._limited(path, handler))
        if config.sparse:
            self.sparse_shapes = SHAPES

    @property
    def _sellers(self) -> dict[str, WbSeller]:
        """The sellers by token, generated on first use (an Ozon-only run never pays for them)."""
        if self._generated is None:
            with self._generate_lock:
                if self._generated is None:
                    sellers = generate_sellers(self.config, self._now)
                    for seller in sellers:
                        seller.api = self
                    self._by_name = {seller.account.name: seller for seller in sellers}
                    self._generated = {seller.account.token: seller for seller in sellers}
        return self._generated

    def _now(self) -> int:
        return micros(self.clock.now())

    def rate_limit_groups(self) -> list[LimitGroup]:
        return self.wb_limiter.groups()

    def refill_rate_limits(self) -> None:
        self.wb_limiter.refill()

    def _limited(self, path: str, handler):
        group = PATH_GROUPS[path]

        def run(call: ApiCall):
            headers = self.wb_limiter.take(call.account.account, group)
            result = handler(call)
            if isinstance(result, Response):
                return Response(result.status, result.body, {**result.headers, **headers})
            return Response(200, result, headers)

        return run

    def prepare(self) -> None:
        """Generate every seller and its history up to the end of the clock's day, and index the
        statistics feeds, rather than on the first requests."""
        for seller in self._sellers.values():
            for path in (ORDERS, SALES):
                self.feed(seller, path, seller.now())

    @property
    def accounts(self) -> list[WbAccount]:
        return [seller.account for seller in self._sellers.values()]

    def seller(self, token_or_name: str) -> WbSeller:
        sellers = self._sellers
        return sellers.get(token_or_name) or self._by_name[token_or_name]

    def truth(self, token: str, at: datetime | None = None) -> WbTruth:
        """Ground truth of one account (token or account name) as of `at` (the clock by default)."""
        return self.seller(token).truth(self._now() if at is None else micros(at))

    def restore_card(self, account: str, nm_id: int) -> None:
        """Take card `nm_id` of `account` (token or name) out of the trash now, as WB's cards/recover
        does: cards/list serves it again (its `updatedAt` now), cards/trash and the truth's trashed
        cards no longer hold it. ValueError when it is not in the trash."""
        self.seller(account).restore(nm_id, self._now())

    def freeze_feed(self, path: str = REMAINS_CREATE, account: str | None = None) -> None:
        """From now on the stock of `path` (the warehouse_remains report, or the wb-warehouses
        analytics) is the stock of this moment, for one account (token or name; every account when
        None), while orders and sales move on; `truth()` stays the real stock. `unfreeze_feed` ends it."""
        if path not in (REMAINS_CREATE, WB_WAREHOUSES_REPORT):
            raise ValueError(f"freeze_feed applies to {REMAINS_CREATE} or {WB_WAREHOUSES_REPORT}, not {path!r}")
        for seller in self._chosen(account):
            self.frozen_feeds[(seller.account.name, path)] = self._now()

    def unfreeze_feed(self, path: str = REMAINS_CREATE, account: str | None = None) -> None:
        for seller in self._chosen(account):
            self.frozen_feeds.pop((seller.account.name, path), None)

    def feed_moment(self, seller: WbSeller, path: str) -> int:
        """The moment whose stock `path` serves now: the clock, or the moment its feed froze."""
        now = seller.now()
        return min(now, self.frozen_feeds.get((seller.account.name, path), now))

    def _chosen(self, account: str | None) -> list[WbSeller]:
        return list(self._sellers.values()) if account is None else [self.seller(account)]

    def export_truth(self, directory: Path) -> list[Path]:
        """Write every account's truth as of the clock to `wildberries_<account name>.json`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for seller in self._sellers.values():
            truth = seller.truth(self._now())
            content = {"clock": truth.as_of, "account": seller.account.name, **vars(truth)}
            del content["as_of"]
            path = directory / f"wildberries_{seller.account.name}.json"
            path.write_text(json.dumps(content, ensure_ascii=False, indent=1), encoding="utf-8")
            written.append(path)
        return written

    # --- MarketplaceApi hooks ----------------------------------------------------------------

    def _token(self, headers: Mapping[str, str]) -> str:
        value = (headers.get("Authorization") or "").strip()
        if value[:7].lower() == "bearer ":
            value = value[7:].strip()
        return value

    def client_label(self, headers: Mapping[str, str]) -> str | None:
        seller = self._sellers.get(self._token(headers))
        return seller.account.name if seller else None

    def authenticate(self, headers: Mapping[str, str]) -> WbSeller:
        token = self._token(headers)
        if not token:
            raise problem(401, "unauthorized", "empty Authorization header", "Unauthorized")
        seller = self._sellers.get(token)
        if seller is None:
            detail = (
                "token problem; token is malformed: could not parse token"
                if token.count(".") != 2
                else ("token problem; token is not valid: signature is invalid")
            )
            raise problem(401, "unauthorized", detail, "Unauthorized")
        return seller

    def not_found(self) -> ApiError:
        return gateway_error(404, "not found", "path not found", "Not Found", origin="s2s-api-gateway")

    def method_not_allowed(self) -> ApiError:
        return gateway_error(405, "method not allowed", "method not allowed", "Method Not Allowed")

    def malformed_body(self) -> ApiError:
        return ApiError(400, b"Request body can not be decoded", {"Content-Type": "text/plain"})

    def account_key(self, account: Any) -> str:
        """The account name (`wb1`, ...): `account` is a name, a token, a `WbAccount` or a seller."""
        account = getattr(account, "account", account)
        if isinstance(account, WbAccount):
            return account.name
        try:
            return self.seller(account).account.name
        except KeyError:
            raise ValueError(f"no Wildberries account named {account!r} or with that token") from None

    def disabled(self, path: str, mode: str) -> ApiError:
        """Removed: 404 like any unknown path. Forbidden: each host's refusal of a token without
        the method's category (wildberries.md §1.3; statistics and warehouse_remains document only
        401, which WB sends with the detail `token scope not allowed`)."""
        if mode == REMOVED:
            return self.not_found()
        group = PATH_GROUPS[path]
        if group == "cards":
            return content_error(403, "Access denied", "Access denied")
        if group == "wb_warehouses":
            return analytics_error(403, "Authorization error", "Authorization error")
        if group == "marketplace":
            return marketplace_error(403, "AccessDenied")
        return problem(401, "unauthorized", "token scope not allowed", "Unauthorized")

    def rate_limited(self) -> ApiError:
        """An injected 429 (a real one comes from WbLimiter): X-Ratelimit-Retry 1 unless the test's
        headers say otherwise."""
        return problem(
            429,
            "too many requests",
            "limited by sandbox fault",
            "Too Many Requests",
            {"X-Ratelimit-Retry": "1", "X-Ratelimit-Reset": "1", "X-Ratelimit-Limit": "1"},
        )

    def server_failure(self, status: int) -> ApiError:
        return ApiError(
            status,
            {
                "title": "internal server error",
                "detail": "sandbox fault",
                "requestId": _request_id(),
                "origin": "s2s-api-gateway",
                "status": status,
                "statusText": "Internal Server Error",
            },
            PROBLEM_JSON,
        )

    # --- statistics ------------------------------------------------------------------------

    def _orders(self, call: ApiCall) -> list[dict] | Response:
        return self._statistics(call, ORDERS)

    def _sales(self, call: ApiCall) -> list[dict] | Response:
        return self._statistics(call, SALES)

    def _statistics(self, call: ApiCall, path: str) -> list[dict] | Response:
        seller: WbSeller = call.account
        date_from = _date_from(call.query)
        flag = call.query.get("flag", "0")
        if flag not in ("0", "1", ""):
            raise statistics_error("flag: Value not validated")
        with self._feeds_lock:
            return self._statistics_page(seller, path, date_from, flag)

    def _statistics_page(self, seller: WbSeller, path: str, date_from: int, flag: str) -> list[dict] | Response:
        at = seller.now()
        feed = self.feed(seller, path, at)
        if flag == "1":
            return feed.day(at, date_from - (date_from + MSK) % DAY)
        start, end = feed.page(at, date_from, self.statistics_page_rows)
        # duplicate_rows needs a previous page of this walk: the last page served (same account,
        # path and clock) ended with a row whose lastChangeDate is this dateFrom
        previous = self._last_pages.get((seller.account.name, path, at))
        continues = previous is not None and previous[0] < start and feed.keys[previous[1] - 1] == date_from
        fault = self.faults.take(path, lambda f: end > start and (f != "duplicate_rows" or continues))
        if len(self._last_pages) > 1000:
            self._last_pages.clear()
        self._last_pages[(seller.account.name, path, at)] = (start, end)
        if fault is None:
            return Response(200, feed.json_rows(start, end, at))
        page = feed.rows(start, end, at)
        if fault == "duplicate_rows":
            page = feed.rows(max(previous[0], start - 3), start, at) + page
        elif fault == "malformed_row":
            middle = dict(page[len(page) // 2])
            middle.pop("srid", None)
            middle.pop("lastChangeDate", None)
            middle["totalPrice"] = "N/A"
            page[len(page) // 2] = middle
        elif fault == "new_field":
            page = [{**row, NEW_FIELD: "sandbox"} for row in page]
        elif fault == "missing_field":
            page = [{k: v for k, v in row.items() if k != MISSING_STATISTICS_FIELD} for row in page]
        return page

    def feed(self, seller: WbSeller, path: str, at: int) -> Feed:
        """The statistics feed of `path` (ORDERS or SALES), brought to `at`."""
        with self._feeds_lock:
            feed = self._feeds.get((seller.account.name, path))
            if feed is None:
                feed = self._feeds[(seller.account.name, path)] = Feed(seller, path == ORDERS)
            seller.simulate_until(at)
            feed.sync(at)
            return feed


def _date_from(query: Mapping[str, str]) -> int:
    """dateFrom as UTC micros; naive values are Moscow time."""
    if "dateFrom" not in query:
        raise statistics_error(["dateFrom: field required"])
    text = query["dateFrom"].strip()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise statistics_error("dateFrom: Value not validated") from None
    if value.tzinfo is None:
        return micros(value.replace(tzinfo=UTC)) - MSK
    return micros(value)


# --- content -------------------------------------------------------------------------------------


def _content_settings(call: ApiCall) -> tuple[dict, dict, dict, int]:
    """(cursor, sort, filter, cursor.limit) of a content list request's `settings`, checked as the
    content host checks them (cards list and trash alike)."""
    settings = call.body.get("settings") or {}
    if not isinstance(settings, dict):
        raise content_error(400, "settings must be an object")
    cursor = settings.get("cursor") or {}
    sort = settings.get("sort") or {}
    filters = settings.get("filter") or {}
    if not isinstance(cursor, dict) or not isinstance(sort, dict) or not isinstance(filters, dict):
        raise content_error(400, "Invalid request body")
    limit = cursor.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_CARDS:
        raise content_error(400, f"Invalid cursor limit: must be between 1 and {MAX_CARDS}")
    return cursor, sort, filters, limit


def _cards_list(call: ApiCall) -> dict:
    seller: WbSeller = call.account
    api: WildberriesApi = seller.api
    cursor, sort, filters, limit = _content_settings(call)
    ascending = bool(sort.get("ascending", False))
    with_photo = filters.get("withPhoto", -1)
    with_photo = with_photo if with_photo in (1, 2) else -1
    at = seller.now()
    keyed = seller.cached(("cards", at, with_photo), lambda: _sorted_cards(seller, at, with_photo))
    after = None
    if cursor.get("updatedAt") and cursor.get("nmID"):
        try:
            stamp = micros(datetime.fromisoformat(str(cursor["updatedAt"]).replace("Z", "+00:00")))
        except ValueError:
            raise content_error(400, "Invalid cursor updatedAt") from None
        after = (stamp, int(cursor["nmID"]))
    chosen = _cursor_page(keyed, after, limit, ascending)
    page = [card for _, _, card in chosen]
    fault = api.faults.take(CARDS_LIST, lambda f: bool(page) and (f != "duplicate_rows" or after is not None))
    if fault == "duplicate_rows":
        # the page restarts at the previous page's last card (still `limit` long; nothing is lost:
        # the cursor points at the last card actually served)
        previous = seller.by_nm.get(after[1])
        if previous is not None and not previous.in_trash(at):
            page = [previous, *page[:-1]] if len(page) == limit else [previous, *page]
    items = [_card(card, at, api.cards_blank_tech_size) for card in page]
    if fault == "new_field":
        items = [{**item, NEW_FIELD: "sandbox"} for item in items]
    elif fault == "missing_field":
        items = [{k: v for k, v in item.items() if k != MISSING_CARD_FIELD} for item in items]
    last = page[-1] if page else None
    return {
        "cards": items,
        "cursor": {
            "updatedAt": utc_text(last.updated_at(at)) if last else cursor.get("updatedAt"),
            "nmID": last.nm_id if last else cursor.get("nmID"),
            "total": len(items),
        },
    }


def _cursor_page(keyed: list, after: tuple | None, limit: int, ascending: bool) -> list:
    """The page of `keyed` (sorted by its (time, nmID) keys) after the cursor `after`, in the asked order."""
    if ascending:
        first = 0 if after is None else bisect_right(keyed, after, key=lambda item: item[:2])
        return keyed[first : first + limit]
    last = len(keyed) if after is None else bisect_left(keyed, after, key=lambda item: item[:2])
    return keyed[max(0, last - limit) : last][::-1]


def _sorted_cards(seller: WbSeller, at: int, with_photo: int) -> list[tuple[int, int, object]]:
    """(updatedAt, nmID, card) of the cards served as of `at`, ascending."""
    cards = [card for card in seller.visible_cards(at) if not card.in_trash(at)]
    if with_photo == 1:
        cards = [card for card in cards if card.photos]
    elif with_photo == 2:
        cards = [card for card in cards if not card.photos]
    return sorted((card.updated_at(at), card.nm_id, card) for card in cards)  # (updatedAt, nmID) is unique


def _card(card, at: int, blank_tech_size: bool = False) -> dict:
    """A card as the content API serves it; `blank_tech_size` sends techSize "" where it is "0"."""
    edits = card.edit_count(at)
    photo = f"https://basket-01.wbbasket.ru/vol{card.nm_id // 100000}/part{card.nm_id // 1000}/{card.nm_id}/images"
    return {
        "nmID": card.nm_id,
        "imtID": card.imt_id,
        "nmUUID": card.nm_uuid,
        "subjectID": card.subject_id,
        "subjectName": card.subject,
        "vendorCode": card.vendor_code,
        "brand": card.brand,
        "title": card.title,
        "description": f"{card.title}. Редакция {edits}.",
        "needKiz": False,
        "kizMarked": False,
        "photos": [
            {kind: f"{photo}/{kind}/{n}.webp" for kind in ("big", "c246x328", "c516x688", "square", "tm")}
            for n in range(1, card.photos + 1)
        ],
        "video": "",
        "wholesale": {"enabled": False, "quantum": 0},
        "dimensions": {
            "length": 30,
            "width": 20,
            "height": max(1, round(card.volume * 1000 / 600)),
            "weightBrutto": round(card.volume * 0.4, 3),
            "isValid": True,
        },
        "characteristics": [{"id": 14177449, "name": "Цвет", "value": [card.colour]}],
        "sizes": [
            {
                "chrtID": s.chrt_id,
                "techSize": "" if blank_tech_size and s.tech_size == "0" else s.tech_size,
                "wbSize": s.wb_size,
                "skus": [s.barcode],
            }
            for s in card.sizes
        ],
        "tags": [],
        "createdAt": utc_text(card.created_at),
        "updatedAt": utc_text(card.updated_at(at)),
    }


# The fields of a card in cards/trash (wb-02-items.yaml): fewer than cards/list serves (no imtID,
# nmUUID, brand, title, description, needKiz, tags, updatedAt), plus trashedAt.
TRASH_CARD_FIELDS = (
    "nmID",
    "vendorCode",
    "kizMarked",
    "subjectID",
    "subjectName",
    "photos",
    "video",
    "wholesale",
    "sizes",
    "dimensions",
    "characteristics",
    "createdAt",
)


def _cards_trash(call: ApiCall) -> dict:
    """The cards in the trash as of the clock, sorted by (trashedAt, nmID): descending unless
    `sort.ascending`; the cursor is the last card served and the next page holds the cards strictly
    after it (before it, descending); `filter.textSearch` keeps the cards whose nmID or a barcode
    equals it or whose vendorCode contains it (case ignored)."""
    seller: WbSeller = call.account
    cursor, sort, filters, limit = _content_settings(call)
    ascending = sort.get("ascending", False)
    if not isinstance(ascending, bool):
        raise content_error(400, "Invalid sort ascending: must be a boolean")
    search = filters.get("textSearch", "")
    if not isinstance(search, str):
        raise content_error(400, "Invalid filter textSearch: must be a string")
    after = None
    if cursor.get("trashedAt") or cursor.get("nmID") is not None:
        nm_id = cursor.get("nmID")
        if isinstance(nm_id, bool) or not isinstance(nm_id, int) or not isinstance(cursor.get("trashedAt"), str):
            raise content_error(400, "Invalid cursor: trashedAt (a string) and nmID (an integer) go together")
        try:
            stamp = micros(datetime.fromisoformat(cursor["trashedAt"].replace("Z", "+00:00")))
        except ValueError:
            raise content_error(400, "Invalid cursor trashedAt") from None
        after = (stamp, nm_id)
    at = seller.now()
    keyed = seller.cached(("trash", at), lambda: _sorted_trash(seller, at))
    if search.strip():
        keyed = [item for item in keyed if _matches(item[2], search.strip())]
    chosen = _cursor_page(keyed, after, limit, ascending)
    items = [_trash_card(card, at, seller.api.cards_blank_tech_size) for _, _, card in chosen]
    last_card = chosen[-1][2] if chosen else None
    return {
        "cards": items,
        "cursor": {
            "trashedAt": utc_text(last_card.trashed_at) if last_card else cursor.get("trashedAt"),
            "nmID": last_card.nm_id if last_card else cursor.get("nmID"),
            "total": len(items),
        },
    }


def _sorted_trash(seller: WbSeller, at: int) -> list[tuple[int, int, object]]:
    """(trashedAt, nmID, card) of the cards in the trash as of `at`, ascending."""
    return sorted((card.trashed_at, card.nm_id, card) for card in seller.trashed_cards(at))


def _matches(card, text: str) -> bool:
    return (
        text == str(card.nm_id)
        or any(text == size.barcode for size in card.sizes)
        or text.lower() in card.vendor_code.lower()
    )


def _trash_card(card, at: int, blank_tech_size: bool = False) -> dict:
    served = _card(card, at, blank_tech_size)
    return {**{name: served[name] for name in TRASH_CARD_FIELDS}, "trashedAt": utc_text(card.trashed_at)}


# --- analytics and marketplace -------------------------------------------------------------------


def _wb_warehouses(call: ApiCall) -> dict:
    seller: WbSeller = call.account
    if seller.account.token_type == BASE:
        raise analytics_error(403, "Forbidden", "access denied: the method is not available for a base token")
    body = call.body
    if not body:
        raise analytics_error(400, "Bad Request", "request body is required")
    nm_ids, chrt_ids = body.get("nmIds") or [], body.get("chrtIds") or []
    limit, offset = body.get("limit", MAX_WB_WAREHOUSES_LIMIT), body.get("offset", 0)
    for name, value in (("limit", limit), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise analytics_error(400, "Bad Request", f"invalid {name}")
    if limit > MAX_WB_WAREHOUSES_LIMIT or limit < 1:
        raise analytics_error(400, "Bad Request", f"limit must be between 1 and {MAX_WB_WAREHOUSES_LIMIT}")
    if not isinstance(nm_ids, list) or not isinstance(chrt_ids, list) or len(nm_ids) > 1000:
        raise analytics_error(400, "Bad Request", "nmIds: at most 1000 items")
    at = seller.api.feed_moment(seller, WB_WAREHOUSES_REPORT)
    held = seller.cached(("wb_warehouses", at), lambda: _held(seller, at))
    if nm_ids or chrt_ids:
        wanted_nm, wanted_chrt = set(nm_ids), set(chrt_ids)
        held = [
            entry
            for entry in held
            if (not wanted_nm or entry[0].card.nm_id in wanted_nm)
            and (not wanted_chrt or entry[0].size.chrt_id in wanted_chrt)
        ]
    masked = seller.masked
    items = [
        {
            "nmId": cell.card.nm_id,
            "chrtId": cell.size.chrt_id,
            "warehouseId": MASKED_ANALYTICS_ID if masked else cell.warehouse.office_id,
            "warehouseName": MASKED_ANALYTICS if masked else cell.warehouse.name,
            "regionName": MASKED_ANALYTICS if masked else cell.warehouse.region,
            "quantity": quantity,
            "inWayToClient": to_client,
            "inWayFromClient": from_client,
        }
        for cell, quantity, to_client, from_client in held[offset : offset + limit]
    ]
    return {"data": {"items": items}}


def _held(seller: WbSeller, at: int) -> list[tuple]:
    """The stock entries wb-warehouses serves as of `at`: real WB warehouses holding anything."""
    return [
        entry
        for entry in seller.stock(at)
        if entry[0].warehouse is not None and entry[0].card.created_at <= at and any(entry[1:])
    ]


def _seller_warehouses(call: ApiCall) -> list[dict]:
    seller: WbSeller = call.account
    return [
        {
            "name": warehouse.name,
            "officeId": warehouse.office_id,
            "id": warehouse.id,
            "cargoType": warehouse.cargo_type,
            "deliveryType": warehouse.delivery_type,
            "isDeleting": False,
            "isProcessing": False,
        }
        for warehouse in seller.seller_warehouses
    ]


def _offices(call: ApiCall) -> list[dict]:
    seller: WbSeller = call.account
    return [
        {
            "address": f"{warehouse.city}, {warehouse.region}",
            "name": warehouse.name,
            "city": warehouse.city,
            "id": warehouse.office_id,
            "longitude": 37.0 + warehouse.office_id % 1000 / 100,
            "latitude": 55.0 + warehouse.office_id % 700 / 100,
            "cargoType": 1,
            "deliveryType": 1,
            "federalDistrict": warehouse.okrug,
            "selected": warehouse.office_id in {w.office_id for w in seller.seller_warehouses},
        }
        for warehouse in (*WB_WAREHOUSES, MINSK)
    ]
