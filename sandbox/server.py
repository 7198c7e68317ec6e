"""The marketplace-neutral HTTP layer: routing, JSON in and out, an auth hook, rate limits,
fault injection and a request log.

A marketplace subclasses `MarketplaceApi`, registers its handlers with `route()` and says how
it authenticates and how its error bodies look; `ApiServer` puts it on a port.
"""

from __future__ import annotations

import functools
import json
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlsplit

from sandbox.sparse import Shape, prune

# How a disabled endpoint answers (`MarketplaceApi.disable_endpoint`).
REMOVED = "removed"  # as the marketplace answers a method it has switched off
FORBIDDEN = "forbidden"  # as it answers a token that may not call the method
ENDPOINT_MODES = (REMOVED, FORBIDDEN)


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """Raised anywhere in request handling to answer with an error status and body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.response = Response(status, body, dict(headers or {}))


@dataclass(frozen=True)
class ApiCall:
    """An authenticated request as a handler sees it.

    `body` is the parsed JSON body ({} when empty), `query` the URL query parameters (last value
    wins), `params` the values of `{name}` segments of the route's path template.
    """

    account: Any
    path: str
    body: dict
    query: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


# A handler returns a JSON-serialisable body (answered with 200) or a whole `Response`, whose body
# may be `bytes` (sent as is, e.g. a CSV report file; set Content-Type in its headers).
Handler = Callable[[ApiCall], Any]


class LoggedRequest(NamedTuple):
    client_id: str | None
    path: str
    status: int


@dataclass(frozen=True)
class LimitGroup:
    """One client's token bucket of one rate-limit group (every method, one method, a category),
    and what it did: `served` requests let through, `throttled` requests answered 429 because this
    bucket was empty. `burst` requests may come at once, then `per_second` more each second."""

    client: str | None
    group: str
    per_second: float
    burst: float
    served: int
    throttled: int


class TokenBucket:
    """At most `capacity` tokens, `per_second` of them back each second; a request takes one."""

    def __init__(self, capacity: float, per_second: float, now: float) -> None:
        self.capacity, self.per_second = capacity, per_second
        self.tokens, self.stamp = capacity, now
        self.served = self.throttled = 0

    def refill(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        return self.tokens

    def group(self, client: str | None, name: str) -> LimitGroup:
        return LimitGroup(client, name, self.per_second, self.capacity, self.served, self.throttled)


class BucketLimiter:
    """Token buckets by (client, rate-limit group), made on first use, guarded by `_lock`."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str | None, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def groups(self) -> list[LimitGroup]:
        """Every bucket used so far, with its counts."""
        with self._lock:
            return [bucket.group(client, group) for (client, group), bucket in self._buckets.items()]

    def refill(self) -> None:
        """Fill every bucket, as a quiet hour would; the counts stay."""
        with self._lock:
            for bucket in self._buckets.values():
                bucket.tokens = bucket.capacity


class RateLimiter(BucketLimiter):
    """Token buckets per client: one shared by all paths, plus one per path given its own limit.
    A bucket holds `burst` requests, by default the limit's `requests`."""

    _ALL_PATHS = "all methods"

    def __init__(self, requests_per_second: float | None, burst: float | None = None) -> None:
        super().__init__()
        self._rules: dict[str, tuple[float, float, float]] = {}
        if requests_per_second:
            self._rules[self._ALL_PATHS] = (requests_per_second, 1.0, burst or requests_per_second)

    def limit_path(self, path: str, requests: float, per_seconds: float, burst: float | None = None) -> None:
        """At most `requests` calls to `path` per `per_seconds` for each client, on top of the global limit."""
        with self._lock:
            self._rules[path] = (requests, per_seconds, burst or requests)

    def allow(self, client: str | None, path: str) -> bool:
        with self._lock:
            now = time.monotonic()
            buckets = [self._bucket(client, scope, now) for scope in (self._ALL_PATHS, path) if scope in self._rules]
            empty = next((bucket for bucket in buckets if bucket.refill(now) < 1), None)
            if empty:
                empty.throttled += 1
                return False
            for bucket in buckets:
                bucket.tokens -= 1
                bucket.served += 1
            return True

    def _bucket(self, client: str | None, scope: str, now: float) -> TokenBucket:
        bucket = self._buckets.get((client, scope))
        if bucket is None:
            requests, per_seconds, burst = self._rules[scope]
            bucket = self._buckets[(client, scope)] = TokenBucket(max(1.0, burst), requests / per_seconds, now)
        return bucket


@dataclass(frozen=True)
class Fault:
    """One injected failure: an error `status` (with optional headers), or, with status 0, a reply
    delayed by `delay` seconds, or a connection closed without any reply (`reset`) or half way
    through the reply's body (`cut`)."""

    status: int = 0
    retry_after: float | None = None
    headers: tuple[tuple[str, str], ...] = ()
    message: str | None = None
    delay: float = 0.0
    reset: bool = False
    cut: bool = False


class ConnectionReset(Exception):
    """Raised by request handling to drop the connection without answering."""


@dataclass(frozen=True)
class CutResponse:
    """A response whose body breaks off half way: its headers promise all of `response`."""

    response: Response


class FaultInjector:
    """Queued failures per path, consumed one per request in the order they were injected."""

    def __init__(self) -> None:
        self._queued: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()

    def inject(self, path: str, fault: Fault, times: int) -> None:
        with self._lock:
            self._queued.setdefault(path, deque()).extend([fault] * times)

    def take(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._queued.get(path)
            return queue.popleft() if queue else None


class MarketplaceApi(ABC):
    """One marketplace's API surface. Request pipeline, in order: route (404), method (405),
    authentication, disabled endpoint, injected fault, rate limit, JSON body (400), handler, in
    sparse mode the pruning of a 200's JSON body (`sparse_shapes`), and a test's `reshapes`."""

    def __init__(self, requests_per_second: float | None, burst: float | None = None) -> None:
        self.base_url = ""
        self.limiter = RateLimiter(requests_per_second, burst)
        # Route template -> the shape a 200 is pruned to (see sparse.py); None = sparse mode off.
        self.sparse_shapes: Mapping[str, Shape] | None = None
        # Route template -> f(call, body) giving the 200 body served instead: what another
        # implementation of the API may send (a field left out, null, text for a number).
        self.reshapes: dict[str, Callable[[ApiCall, Any], Any]] = {}
        self._routes: dict[str, dict[str, Handler]] = {}
        self._faults = FaultInjector()
        self._disabled: dict[tuple[str, str | None], str] = {}  # (template, account key or None) -> mode
        self._disabled_lock = threading.Lock()
        self._log: list[LoggedRequest] = []
        self._log_lock = threading.Lock()

    # --- what a marketplace provides ---------------------------------------------------------

    @abstractmethod
    def client_label(self, headers: Mapping[str, str]) -> str | None:
        """Who is calling, as the request log and the rate limiter name them (before auth)."""

    @abstractmethod
    def authenticate(self, headers: Mapping[str, str]) -> Any:
        """The account the headers identify; raises ApiError when they do not."""

    @abstractmethod
    def not_found(self) -> ApiError: ...

    @abstractmethod
    def method_not_allowed(self) -> ApiError: ...

    @abstractmethod
    def malformed_body(self) -> ApiError: ...

    @abstractmethod
    def rate_limited(self) -> ApiError: ...

    @abstractmethod
    def server_failure(self, status: int) -> ApiError: ...

    @abstractmethod
    def account_key(self, account: Any) -> str:
        """How `disable_endpoint` names an account: from the authenticated account `authenticate`
        returned, or from whatever a caller may name it by; ValueError for an unknown account."""

    @abstractmethod
    def disabled(self, path: str, mode: str) -> ApiError:
        """The answer of a disabled endpoint (`path` a route template, `mode` REMOVED or FORBIDDEN)."""

    # --- what tests and the server use -------------------------------------------------------

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Register `handler` for `method` on `path`; `{name}` segments match any one segment."""
        self._routes.setdefault(path, {})[method] = handler

    def inject_fault(
        self,
        path: str,
        status: int = 500,
        times: int = 1,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
    ) -> None:
        """Make the next `times` authenticated requests to `path` (a route template) fail with
        `status` (429 or 5xx), with `Retry-After` when `retry_after` is given, extra `headers` and,
        given a `message`, that message in the error body in place of the marketplace's usual one."""
        if status != 429 and not 500 <= status <= 599:
            raise ValueError(f"an injected fault is a 429 or a 5xx, not {status}")
        self._faults.inject(path, Fault(status, retry_after, tuple((headers or {}).items()), message=message), times)

    def has_route(self, path: str) -> bool:
        return path in self._routes

    def disable_endpoint(self, path: str, mode: str, account: Any = None) -> None:
        """From now on answer `path` (a route template) as the marketplace answers a removed
        method (`mode` REMOVED) or a token without the right to call it (FORBIDDEN), for `account`
        (see `account_key`) or for every account (None). Checked after authentication, before
        injected faults and rate limits; `enable_endpoint` ends it."""
        if mode not in ENDPOINT_MODES:
            raise ValueError(f"mode must be one of {', '.join(ENDPOINT_MODES)}, not {mode!r}")
        if not self.has_route(path):
            raise ValueError(f"{type(self).__name__} has no route {path!r}")
        key = None if account is None else self.account_key(account)
        with self._disabled_lock:
            self._disabled[(path, key)] = mode

    def enable_endpoint(self, path: str, account: Any = None) -> None:
        """Serve `path` again: for `account`, or (None) for every account, whatever was disabled."""
        key = None if account is None else self.account_key(account)
        with self._disabled_lock:
            for disabled in [d for d in self._disabled if d[0] == path and (account is None or d[1] == key)]:
                del self._disabled[disabled]

    def inject_delay(self, path: str, seconds: float, times: int = 1) -> None:
        """Answer the next `times` requests to `path` normally, but only after `seconds`
        (longer than the client's timeout: a timeout)."""
        self._faults.inject(path, Fault(delay=seconds), times)

    def inject_reset(self, path: str, times: int = 1) -> None:
        """Close the connection of the next `times` requests to `path` without answering."""
        self._faults.inject(path, Fault(reset=True), times)

    def inject_cut(self, path: str, times: int = 1) -> None:
        """Answer the next `times` requests to `path`, but close the connection half way through
        the body (a proxy or a network that drops it: the client reads an incomplete body)."""
        self._faults.inject(path, Fault(cut=True), times)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every request answered so far, failures included: (client_id, path, status)."""
        with self._log_lock:
            return list(self._log)

    def rate_limit_groups(self) -> list[LimitGroup]:
        """Every rate-limit bucket a client has drawn on, with its rule and counts (none while the
        limits are off)."""
        return self.limiter.groups()

    def refill_rate_limits(self) -> None:
        """Fill every client's buckets, as after a quiet hour (the counts stay)."""
        self.limiter.refill()

    def handle(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        query: Mapping[str, str] | None = None,
    ) -> Response | CutResponse:
        """Answer one request; raises ConnectionReset when the connection must drop unanswered."""
        client = self.client_label(headers)
        try:
            response = self._respond(method, path, headers, raw_body, client, query)
        except ApiError as error:
            response = error.response
        except ConnectionReset:
            with self._log_lock:
                self._log.append(LoggedRequest(client, path, 0))
            raise
        status = 0 if isinstance(response, CutResponse) else response.status  # 0: no whole answer
        with self._log_lock:
            self._log.append(LoggedRequest(client, path, status))
        return response

    def _respond(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str],
        raw_body: bytes,
        client: str | None,
        query: Mapping[str, str] | None,
    ) -> Response | CutResponse:
        template, params = self._match(path)
        if template is None:
            raise self.not_found()
        handler = self._routes[template].get(method)
        if handler is None:
            raise self.method_not_allowed()
        account = self.authenticate(headers)
        if self._disabled:
            mode = self._disabled.get((template, self.account_key(account))) or self._disabled.get((template, None))
            if mode:
                raise self.disabled(template, mode)
        fault = self._faults.take(template)
        if fault and fault.reset:
            raise ConnectionReset(path)
        if fault and fault.delay:
            time.sleep(fault.delay)
        elif fault and not fault.cut:
            raise self._fault_error(fault)
        if not self.limiter.allow(client, template):
            raise self.rate_limited()
        body = self._parse(raw_body) if method != "GET" else {}
        call = ApiCall(account=account, path=path, body=body, query=dict(query or {}), params=params)
        result = handler(call)
        response = result if isinstance(result, Response) else Response(200, result)
        shape = self.sparse_shapes.get(template) if self.sparse_shapes is not None else None
        response = response if shape is None else sparse_response(response, shape)
        reshape = self.reshapes.get(template)
        response = reshaped(response, reshape, call) if reshape and response.status == 200 else response
        return CutResponse(response) if fault and fault.cut else response

    def _match(self, path: str) -> tuple[str | None, dict[str, str]]:
        if path in self._routes:
            return path, {}
        segments = path.strip("/").split("/")
        for template in self._routes:
            parts = template.strip("/").split("/")
            if len(parts) != len(segments) or "{" not in template:
                continue
            params = {}
            for part, segment in zip(parts, segments, strict=True):
                if part.startswith("{") and part.endswith("}"):
                    params[part[1:-1]] = segment
                elif part != segment:
                    break
            else:
                return template, params
        return None, {}

    def _fault_error(self, fault: Fault) -> ApiError:
        error = self.rate_limited() if fault.status == 429 else self.server_failure(fault.status)
        if fault.retry_after is not None:
            error.response.headers["Retry-After"] = f"{fault.retry_after:g}"
        error.response.headers.update(dict(fault.headers))
        if fault.message is not None and isinstance(error.response.body, dict):
            error.response.body["message"] = fault.message
        return error

    def _parse(self, raw_body: bytes) -> dict:
        if not raw_body.strip():
            return {}
        try:
            body = json.loads(raw_body)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise self.malformed_body() from None
        if not isinstance(body, dict):
            raise self.malformed_body()
        return body


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body go out in two writes; don't wait for an ACK between
    api: MarketplaceApi

    def _serve(self) -> None:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        try:
            response = self.api.handle(self.command, url.path, self.headers, raw_body, query)
        except ConnectionReset:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        cut = isinstance(response, CutResponse)
        response = response.response if cut else response
        headers = {"Content-Type": "application/json", **response.headers}
        if isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = json.dumps(response.body, ensure_ascii=False).encode()
        self.send_response(response.status)
        headers["Content-Length"] = str(len(payload))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: `MarketplaceApi.requests` is the log."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (a killed loader) is no server error: no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ApiServer:
    """Serves one `MarketplaceApi` from a daemon thread; port 0 picks a free port."""

    def __init__(self, api: MarketplaceApi, host: str, port: int) -> None:
        handler = type(f"{type(api).__name__}Handler", (_RequestHandler,), {"api": api})
        self._httpd = _Server((host, port), handler)
        # A short poll interval makes stop() (and so every test's teardown) quick.
        serve = functools.partial(self._httpd.serve_forever, poll_interval=0.02)
        self._thread = threading.Thread(target=serve, name=handler.__name__, daemon=True)
        reachable_host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104 (only compared)
        self.base_url = f"http://{reachable_host}:{self._httpd.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


def json_body(response: Response) -> Any:
    """The body of `response`, its JSON parsed when it was sent as bytes; bytes that are not JSON (a
    file, an empty or deliberately truncated body) as they are."""
    if isinstance(response.body, bytes):
        try:
            return json.loads(response.body)
        except ValueError:
            return response.body
    return response.body


def reshaped(response: Response, reshape: Callable[[ApiCall, Any], Any], call: ApiCall) -> Response:
    """A 200 with the body `reshape` makes of it (see `json_body`)."""
    return replace(response, body=reshape(call, json_body(response)))


def sparse_response(response: Response, shape: Shape) -> Response:
    """A 200 with its JSON body pruned to `shape`; a body that is not JSON as it is."""
    if response.status != 200:
        return response
    body = json_body(response)
    if isinstance(body, bytes):
        return response
    return replace(response, body=prune(body, shape))
