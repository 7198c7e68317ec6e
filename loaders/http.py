"""HTTP behaviour shared by every marketplace: pacing, retries, clear errors.

A `ApiClient` is bound to one marketplace account. It paces requests so the account stays under
its documented rate, retries what is worth retrying (429, 5xx, timeouts, dropped connections)
with exponential back-off and jitter while honouring `Retry-After` (throttling longer than other
failures: it passes by waiting), and never retries an authentication or permission error. A wait
asked for that outlasts the run is kept for the runs after it (`loaders/cooldowns.py`). Every
failure raises an `ApiError` that names the marketplace, account and endpoint, carries the HTTP
status, and says what to do; the loaders record it against the resource that made the request
(`loaders/outcomes.py`), so one failing endpoint costs only itself. Secrets never reach a message.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import tenacity

from loaders import config, fastjson
from loaders.cooldowns import Cooldowns
from loaders.secrets import mask, register_secret

log = logging.getLogger(__name__)

# 429 and every 5xx but 501 (not implemented): a proxy or CDN in front of an API answers 520-530 too.
RETRYABLE_STATUSES = frozenset({429, 500, *range(502, 600)})
# A removed method: 404/405/410, or Ozon's code 9 "obsolete method cannot be used" (HTTP 400 or 410).
GONE_STATUSES = frozenset({404, 405, 410})
OBSOLETE_METHOD_CODE = 9
# Ozon's circuit breaker after many requests: the method "recovers within a few minutes".
BREAKER_OPEN = "circle is open"
# The longest wait a 429's Retry-After / X-Ratelimit-Retry may ask for before the endpoint is left
# for the next run (WB base tokens are told to come back in hours); API_MAX_RETRY_WAIT_SECONDS.
DEFAULT_MAX_RETRY_WAIT = 60.0
# What ends a request without an answer: no connection, a timeout, or a body that broke off or
# cannot be decoded (requests raises these two while reading it, after the headers came).
DROPPED = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
# A client's resources call it from dlt's extract threads, and its copies share `stats`.
_STATS_LOCK = threading.Lock()


class ApiError(Exception):
    """A request to a marketplace API failed; the message says where and what to do."""

    def __init__(
        self, marketplace: str, account: str, endpoint: str, detail: str, hint: str = "", status: int | None = None
    ):
        # an absolute endpoint (Wildberries', a report's link) carries the base URL, a proxy's password too
        self.marketplace, self.account, self.endpoint, self.status = marketplace, account, mask(endpoint), status
        self.detail = detail  # what the marketplace answered, without the hint
        text = f"{marketplace} account {account}: {endpoint}: {detail}"
        super().__init__(mask(f"{text.rstrip('.')}. {hint}" if hint else text))


class ApiAuthError(ApiError):
    """The marketplace refused the call: the key lacks a permission for this method (a role, a token
    category), or its credentials are rejected (ApiCredentialsRejectedError)."""


class ApiCredentialsRejectedError(ApiAuthError):
    """The marketplace rejected the credentials themselves (wrong, expired or revoked): every call fails.

    `sent` is False on the copy raised for a call that sent no request (`unsent`): its endpoint and
    status are those of the call that was refused, so the resource that made that call, and not the
    one that happens to record its error first, is the one refused there (`loaders/outcomes.py`)."""

    sent = True

    def unsent(self) -> ApiCredentialsRejectedError:
        """This error, for a later call that sent no request because of it."""
        copy = type(self).__new__(type(self), *self.args)
        copy.__dict__.update(self.__dict__, sent=False)
        return copy


class ApiRequestError(ApiError):
    """The marketplace rejected the request itself (a bug or an API change on our side)."""


class ApiEndpointGoneError(ApiRequestError):
    """The endpoint is not there (any more): the marketplace removed the method or its version."""


class ApiUnavailableError(ApiError):
    """The endpoint kept failing after every retry, or its circuit is open."""


class ApiThrottledError(ApiUnavailableError):
    """The marketplace asked to wait longer than the loader may (API_MAX_RETRY_WAIT_SECONDS), until
    `until` (UTC)."""

    def __init__(self, *args: Any, until: datetime, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.until = until


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    # Throttling (a 429, Ozon's open breaker) passes by waiting, and Ozon says neither how long nor
    # when its breaker closes: retried longer, the back-off growing to max_delay (about 3 min in all).
    throttled_attempts: int = 10
    base_delay: float = 0.5
    max_delay: float = 60.0

    def attempts_for(self, throttled: bool) -> int:
        return self.throttled_attempts if throttled else self.attempts

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not security)


class Pacer:
    """Spaces calls at least `interval` seconds apart (thread-safe)."""

    def __init__(self, per_second: float | None = None, interval: float = 0.0):
        self.interval = 1.0 / per_second if per_second else interval
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)

    def answered(self) -> None:
        """The call let through last has been answered: the next waits `interval` from now."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + self.interval)


class FirstCall:
    """Until the marketplace has answered one call of a client, its other calls wait (`ApiClient._call`):
    the resources of an account are read side by side, and a wrong key must be refused once, not
    once per resource."""

    def __init__(self) -> None:
        self.taken = threading.Lock()
        self.answered = threading.Event()


class _Transient(Exception):
    """One attempt failed in a way worth retrying: a timeout, a dropped connection, a 429 or a 5xx."""

    def __init__(
        self, failure: str, status: int | None = None, retry_after: float | None = None, throttled: bool = False
    ):
        super().__init__(failure)
        self.status, self.retry_after, self.throttled = status, retry_after, throttled


def max_retry_wait() -> float:
    return config.positive_number("API_MAX_RETRY_WAIT_SECONDS", DEFAULT_MAX_RETRY_WAIT, "number of seconds")


# Given the status and parsed body of a non-2xx answer, says whether it is an auth failure.
AuthErrorTest = Callable[[int, Any], bool]


@dataclass
class ApiClient:
    """HTTP client of one marketplace account.

    `requests_per_second` paces every call of the account; `endpoint_intervals` adds a minimum
    spacing in seconds per endpoint (e.g. 60 for an endpoint limited to one request a minute).
    After `breaker_threshold` consecutive calls to one endpoint have failed every retry, the
    endpoint's circuit opens: further calls fail at once, without a request, for this client's life.
    With `cooldowns`, a 429 asking to wait longer than `max_retry_wait` is remembered there, and the
    endpoint is not called, in this run or the next, until that time.
    """

    marketplace: str
    account: str
    base_url: str
    headers: dict[str, str]
    secrets: tuple[str, ...]
    is_auth_error: AuthErrorTest
    auth_hint: str
    # Says whether an auth error rejects the credentials themselves (a wrong key), not one endpoint:
    # then every later call of this client fails at once, without a request.
    rejects_credentials: AuthErrorTest = lambda status, body: False
    # The hint of an auth error that refuses one method, not the credentials (a key without the role
    # or category the method needs); auth_hint when empty.
    permission_hint: str = ""
    # The hint of an endpoint that never answered (refused or timed out connections, no HTTP status):
    # the variable that points the client at another host, which a typo there makes look like an outage.
    unreachable_hint: str = ""
    requests_per_second: float | None = None
    endpoint_intervals: dict[str, float] = field(default_factory=dict)
    shared_pacing: dict[str, str] = field(default_factory=dict)  # endpoint -> the endpoint whose spacing it shares
    # Space an endpoint's calls from the answer to the previous one, not from its start: for a
    # marketplace that measures the spacing on arrival, where a start delayed by this process (a
    # thread waiting for the interpreter while another parses a page) would shorten it.
    pace_from_answers: bool = False
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker_threshold: int = 2
    timeout: float = 60.0
    max_retry_wait: float = field(default_factory=max_retry_wait)
    cooldowns: Cooldowns | None = None
    session: requests.Session = field(default_factory=requests.Session)
    stats: dict[str, int] = field(default_factory=lambda: {"requests": 0, "failed": 0, "retries": 0, "throttled": 0})
    # The error that rejected the credentials, if one did; shared, like `stats`, with copies of this client.
    # A later call raises a copy of it (`unsent`) without a request.
    rejected: list[ApiCredentialsRejectedError] = field(default_factory=list)
    first_call: FirstCall = field(default_factory=FirstCall, repr=False)  # shared with copies too
    # Every answer of this API is a JSON object (Ozon's): `null`, a list or a number is no answer.
    object_answers: bool = False

    def __post_init__(self) -> None:
        for secret in self.secrets:
            register_secret(secret)
        self.session.headers.update(self.headers)
        self._pacer = Pacer(self.requests_per_second)
        self._endpoint_pacers = {
            endpoint: Pacer(interval=interval) for endpoint, interval in self.endpoint_intervals.items()
        }
        for endpoint, shared_with in self.shared_pacing.items():
            self._endpoint_pacers[endpoint] = self._endpoint_pacers[shared_with]
        self._consecutive_failures: dict[str, int] = {}

    def post(self, endpoint: str, body: dict[str, Any]) -> Any:
        """POST a JSON body and return the parsed JSON answer."""
        return self._json(endpoint, self._call("POST", endpoint, json=body))

    def get(self, endpoint: str, params: dict[str, Any] | None = None) -> Any:
        """GET with query parameters and return the parsed JSON answer."""
        return self._json(endpoint, self._call("GET", endpoint, params=params))

    def download(self, endpoint_or_url: str, params: dict[str, Any] | None = None) -> bytes:
        """GET a file (a report): an endpoint of this API or an absolute URL; returns the raw bytes."""
        return self._call("GET", endpoint_or_url, params=params).content

    def fetch(
        self, endpoint_or_url: str, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> requests.Response:
        """GET (or, with a JSON `body`, POST) and return the whole successful response, for answers
        whose status matters (e.g. 204 "no data" versus an empty 200) or that are read as a stream."""
        if body is not None:
            return self._call("POST", endpoint_or_url, params=params, json=body)
        return self._call("GET", endpoint_or_url, params=params)

    def _call(self, method: str, endpoint: str, **kwargs: Any) -> requests.Response:
        if self.rejected:
            raise self.rejected[0].unsent()
        if not self.first_call.answered.is_set():
            if self.first_call.taken.acquire(blocking=False):
                try:
                    return self._call_endpoint(method, endpoint, **kwargs)
                finally:
                    self.first_call.answered.set()  # or refused, in `rejected`: either way the others may go
            self.first_call.answered.wait()
            if self.rejected:
                raise self.rejected[0].unsent()
        return self._call_endpoint(method, endpoint, **kwargs)

    def _call_endpoint(self, method: str, endpoint: str, **kwargs: Any) -> requests.Response:
        until = self.cooldowns.until(self.marketplace, self.account, endpoint) if self.cooldowns else None
        if until is not None:
            raise ApiThrottledError(
                self.marketplace,
                self.account,
                endpoint,
                f"waiting until {until:%Y-%m-%d %H:%M} UTC, as an earlier 429 asked; no request sent",
                f"Skipped until then, as a request before it would extend the penalty ({self.cooldowns.file}).",
                until=until,
            )
        if self._consecutive_failures.get(endpoint, 0) >= self.breaker_threshold:
            raise ApiUnavailableError(
                self.marketplace,
                self.account,
                endpoint,
                f"circuit open after {self.breaker_threshold} calls failed every retry; no request sent",
                "The endpoint is down for this account; the next scheduled run will try again.",
            )
        try:
            response = self._call_with_retries(method, endpoint, **kwargs)
        except ApiUnavailableError:
            self._consecutive_failures[endpoint] = self._consecutive_failures.get(endpoint, 0) + 1
            raise
        self._consecutive_failures[endpoint] = 0
        return response

    def _call_with_retries(self, method: str, endpoint: str, **kwargs: Any) -> requests.Response:
        """One call, retried by tenacity while it fails transiently (`_Transient`); every other error
        (auth, a removed method, a 429 asking to wait too long) ends it at once."""
        url = endpoint if endpoint.startswith(("http://", "https://")) else self.base_url.rstrip("/") + endpoint
        endpoint_pacer = self._endpoint_pacers.get(endpoint)

        def attempt() -> requests.Response:
            self._pacer.wait()
            if endpoint_pacer:
                endpoint_pacer.wait()
            self._count("requests")
            try:
                # A client that carries credentials follows no redirect: requests would send the
                # Ozon Api-Key and Client-Id (custom headers) to whatever host the answer names.
                response = self.session.request(
                    method, url, timeout=self.timeout, allow_redirects=not self.secrets, **kwargs
                )
            except DROPPED as exc:
                self.first_call.answered.set()  # no refusal of the key either: the others need not wait
                raise _Transient(type(exc).__name__) from exc
            finally:
                if endpoint_pacer and self.pace_from_answers:
                    endpoint_pacer.answered()
            if response.is_redirect:
                self.first_call.answered.set()
                self._refuse_redirect(endpoint, response)
            if response.ok:
                self.first_call.answered.set()
                return response
            self._count("failed")
            throttled = _throttled(response)
            if not throttled:
                self._raise_if_final(endpoint, response)
            self.first_call.answered.set()  # a 429 or a 5xx is no refusal of the key
            retry_after = _retry_after(response)
            if response.status_code == 429:
                self._count("throttled")
                if retry_after is not None and retry_after > self.max_retry_wait:
                    self._hold_off(endpoint, retry_after)
            raise _Transient(f"HTTP {response.status_code}", response.status_code, retry_after, throttled)

        def before_sleep(state: tenacity.RetryCallState) -> None:
            self._count("retries")
            log.warning(
                "%s account %s: %s: %s, retry %d/%d in %.1fs",
                self.marketplace,
                self.account,
                endpoint,
                state.outcome.exception(),
                state.attempt_number,
                self.retry.attempts_for(state.outcome.exception().throttled) - 1,
                state.upcoming_sleep,
            )

        def wait(state: tenacity.RetryCallState) -> float:
            asked = state.outcome.exception().retry_after
            if asked is not None and asked <= self.max_retry_wait:
                return asked  # all of it: WB extends the penalty of a retry that comes early
            return self.retry.delay(state.attempt_number, asked)

        retrying = tenacity.Retrying(
            stop=lambda state: state.attempt_number >= self.retry.attempts_for(state.outcome.exception().throttled),
            wait=wait,
            retry=tenacity.retry_if_exception_type(_Transient),
            before_sleep=before_sleep,
            sleep=lambda seconds: time.sleep(seconds),
        )
        try:
            return retrying(attempt)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            if last.status is None:
                host = urlsplit(url).netloc
                hint = f"No answer from {host}: {self.unreachable_hint} the network, or the marketplace is down; "
            else:
                hint = "The marketplace is overloaded or down; "
            raise ApiUnavailableError(
                self.marketplace,
                self.account,
                endpoint,
                f"still failing after {exc.last_attempt.attempt_number} attempts (last: {last})",
                hint + "the next scheduled run will retry.",
                status=last.status,
            ) from None

    def _hold_off(self, endpoint: str, retry_after: float) -> None:
        """A 429 asked to wait longer than this run may: the endpoint is left, and the wait is kept
        for the runs after it."""
        if self.cooldowns is None:
            until = datetime.now(UTC) + timedelta(seconds=retry_after)
            hint = "Skipped for this run; the next run picks it up."
        else:
            until = self.cooldowns.hold(self.marketplace, self.account, endpoint, retry_after)
            hint = f"Skipped; the first run after {until:%Y-%m-%d %H:%M} UTC picks it up (none calls it before)."
        raise ApiThrottledError(
            self.marketplace,
            self.account,
            endpoint,
            f"HTTP 429 asks to wait {retry_after:g} s, more than the {self.max_retry_wait:g} s "
            "allowed (API_MAX_RETRY_WAIT_SECONDS)",
            hint,
            status=429,
            until=until,
        )

    def _refuse_redirect(self, endpoint: str, response: requests.Response) -> None:
        host = urlsplit(response.headers.get("Location", "")).netloc or "the same host"
        raise ApiRequestError(
            self.marketplace,
            self.account,
            endpoint,
            f"HTTP {response.status_code} redirect to {host}: not followed, so that the credentials go nowhere else",
            "Check the base URL variable of this marketplace; if the marketplace moved the method, "
            "update this project to a release that calls its new address.",
            status=response.status_code,
        )

    def _count(self, stat: str) -> None:
        with _STATS_LOCK:
            self.stats[stat] += 1

    def _raise_if_final(self, endpoint: str, response: requests.Response) -> None:
        if response.status_code in RETRYABLE_STATUSES:
            return
        body = _parse(response)
        status = response.status_code
        detail = f"HTTP {status} {_describe(body)}".rstrip()
        if self.is_auth_error(status, body):
            rejected = self.rejects_credentials(status, body)
            hint = self.auth_hint if rejected or not self.permission_hint else self.permission_hint
            kind = ApiCredentialsRejectedError if rejected else ApiAuthError
            error = kind(self.marketplace, self.account, endpoint, detail, hint, status=status)
            if rejected:
                self.rejected.append(error)
            raise error
        if status in GONE_STATUSES or (isinstance(body, dict) and body.get("code") == OBSOLETE_METHOD_CODE):
            raise ApiEndpointGoneError(
                self.marketplace,
                self.account,
                endpoint,
                detail,
                "The marketplace no longer serves this method (withdrawn, or replaced by a newer version): "
                "update this project to a release that reads its successor; the other resources still load.",
                status=status,
            )
        raise ApiRequestError(
            self.marketplace,
            self.account,
            endpoint,
            detail,
            "The request was rejected as invalid; check the endpoint version against the API notes.",
            status=status,
        )

    def _json(self, endpoint: str, response: requests.Response) -> Any:
        try:
            answer = _decoded(response)
        except ValueError as exc:
            raise ApiRequestError(
                self.marketplace,
                self.account,
                endpoint,
                f"answer is not JSON ({len(response.content)} bytes)",
            ) from exc
        refuse_error_body(self, endpoint, response.status_code, answer)
        return json_object(self, endpoint, answer) if self.object_answers else answer


class CursorTrail:
    """The cursors and pages of one paged read. `follow` gives the cursor of the next page, unless the
    answer gives back a cursor the read was already asked with, or serves again a page it already
    read (with a new cursor that never advances): the marketplace would serve the same pages
    forever, so the read fails, naming the endpoint."""

    def __init__(self, client: ApiClient, endpoint: str, first: Any) -> None:
        self.client, self.endpoint = client, endpoint
        self._cursors = {_digest(first)}
        self._pages: set[str] = set()

    def follow(self, answered: Any, page: Any) -> Any:
        cursor, served = _digest(answered), _digest(page)
        if cursor in self._cursors:
            self._fail(f"the answer gives back the cursor it was asked with ({str(answered)[:80]})")
        if served in self._pages:  # an empty page too: two of them, each with a new cursor, go nowhere
            self._fail(f"the answer serves again a page already read, with a new cursor ({str(answered)[:80]})")
        self._cursors.add(cursor)
        self._pages.add(served)
        return answered

    def _fail(self, detail: str) -> None:
        raise ApiRequestError(
            self.client.marketplace,
            self.client.account,
            self.endpoint,
            f"{detail}, so paging cannot go on",
            "The rows read so far are kept; the next run reads again.",
        )


def _digest(value: Any) -> str:
    return hashlib.sha1(fastjson.canonical(value), usedforsecurity=False).hexdigest()


def json_object(client: ApiClient, endpoint: str, answer: Any) -> dict:
    """`answer` when it is a JSON object, as the endpoint's specification says; otherwise (`null`, a
    list, a number) the read fails, naming the endpoint: such a page is not an empty one."""
    if not isinstance(answer, dict):
        raise page_refused(client, endpoint, f"the answer is not a JSON object: {str(answer)[:80]}")
    return answer


def page_refused(client: ApiClient, endpoint: str, detail: str) -> ApiRequestError:
    """The error of a page whose answer is not of the shape specified: it is not read at all."""
    return ApiRequestError(
        client.marketplace, client.account, endpoint, detail, "Nothing of this page was read; the next run reads again."
    )


def member(answer: Any, *path: str) -> Any:
    """The value at `path` in a JSON answer, or None where a level is missing, null or not an
    object: a field the marketplace may leave out (every response field is optional in its specs)."""
    for name in path:
        if not isinstance(answer, dict):
            return None
        answer = answer.get(name)
    return answer


def rows_at(client: ApiClient, endpoint: str, answer: Any, *path: str, objects: bool = True) -> list:
    """The list at `path` in a JSON answer (the answer itself without `path`): [] where a level is
    missing or null (protobuf JSON leaves an empty list out; every response field is optional in the
    specs). A level that is there in another shape (an object where the list goes, a list where an
    object goes) fails the read, naming the endpoint: read as empty, an Ozon stock answer
    `{"items": {}}` loaded as "ok, 0 rows" and the account's FBO stock read 0 in the marts. So does
    an element that is no JSON object (`objects`; a reader that quarantines such a row says False):
    `{"items": ["x"]}` ended in a bare TypeError without the endpoint."""
    value = answer
    for depth, name in enumerate((*path, None)):
        if value is None:
            return []
        expected = "list" if name is None else "object"
        if not isinstance(value, list if name is None else dict):
            where = ".".join(path[:depth]) or "the answer"
            raise page_refused(client, endpoint, f"{where} is not a JSON {expected} as specified: {str(value)[:80]}")
        if name is not None:
            value = value.get(name)
    if objects:
        for row in value:
            json_row(client, endpoint, row, *path)
    return value


def json_row(client: ApiClient, endpoint: str, row: Any, *path: str) -> dict:
    """`row`, an element of the list at `path` in an answer, when it is a JSON object, as every list the
    loaders read holds; otherwise the read fails, naming the endpoint."""
    if not isinstance(row, dict):
        where = ".".join(path) or "the answer"
        raise page_refused(
            client, endpoint, f"{where} holds a {type(row).__name__} where a JSON object goes: {str(row)[:80]}"
        )
    return row


def has_next_page(client: ApiClient, endpoint: str, answer: Any, rows: int, limit: int) -> bool:
    """Whether a cursor-paged answer has a page after it: `has_next` as sent (true or false, also as
    text); without it, when the page was full; never without a cursor, except that `has_next` true
    without one fails the read, naming the endpoint: the rows after this page cannot be asked for,
    and stopping there would lose them without a word."""
    flag = member(answer, "has_next")
    if isinstance(flag, str) and flag.strip().lower() in ("true", "false"):
        flag = flag.strip().lower() == "true"
    if not member(answer, "cursor"):
        if flag is True:
            raise ApiRequestError(
                client.marketplace,
                client.account,
                endpoint,
                "the answer says has_next but sends no cursor, so the pages after it cannot be read",
                "The rows read so far are kept; the next run reads again.",
            )
        return False
    return flag if isinstance(flag, bool) else rows >= limit


# Seconds to wait, as Ozon (`Retry-After`) and Wildberries (`X-Ratelimit-Retry`) say it.
RETRY_HEADERS = ("Retry-After", "X-Ratelimit-Retry")
# The longest wait honoured as asked (a day; WB asks base tokens for hours): a longer one, as a
# broken header may ask (years, `inf`), would keep the endpoint from every run until it is over.
LONGEST_RETRY_AFTER = 86_400.0


def _retry_after(response: requests.Response) -> float | None:
    """Seconds to wait as the answer asks: a number, or (Retry-After, RFC 9110) an HTTP date."""
    for header in RETRY_HEADERS:
        value = response.headers.get(header, "").strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                moment = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                continue
            if moment.tzinfo is None:
                continue
            seconds = math.ceil((moment - datetime.now(UTC)).total_seconds())
        if math.isfinite(seconds):
            return min(max(0.0, seconds), LONGEST_RETRY_AFTER)
    return None


def _throttled(response: requests.Response) -> bool:
    """A 429, or a refusal by Ozon's breaker (its status is not documented; its message is)."""
    return response.status_code == 429 or BREAKER_OPEN in response.text[:500].lower()


def _decoded(response: requests.Response) -> Any:
    """The JSON of an answer, decoded from its bytes (UTF-8, with or without a BOM): requests would
    decode a `text/plain` answer without a charset as ISO-8859-1, which garbles Cyrillic."""
    return fastjson.loads(response.content)


def _parse(response: requests.Response) -> Any:
    try:
        return _decoded(response)
    except ValueError:
        return response.text[:200]


def refuse_error_body(client: ApiClient, endpoint: str, status: int, answer: Any) -> None:
    """Fails the read when a successful answer's body is an error (is_error_body)."""
    if not is_error_body(answer):
        return
    raise ApiRequestError(
        client.marketplace,
        client.account,
        endpoint,
        f"HTTP {status} with an error in its body {_describe(answer)}",
        "Nothing of this answer was read (it is no empty page); the next run reads it again.",
        status=status,
    ) from None  # raised where WB's file pages failed to parse as a list: that error is no part of it


def is_error_body(answer: Any) -> bool:
    """Whether a successful answer is an error in disguise, as a proxy or an overloaded API sends
    one with status 200: Ozon's error object (code and message, nothing else but details), WB's
    problem details (title and detail), its statistics' `errors` list or its content API's `error`
    true / `errorText`. Read as a page, it would be an empty one, and its rows lost without a word."""
    if not isinstance(answer, dict):
        return False
    if {"code", "message"} <= answer.keys() <= {"code", "message", "details"}:
        return True
    if {"title", "detail"} <= answer.keys():
        return True
    return bool(answer.get("errors")) or answer.get("error") is True or bool(answer.get("errorText"))


# The fields of an error body that say what went wrong: Ozon's code and message, WB's problem
# details (title, detail), its statistics' `errors` list and its content API's `errorText`.
ERROR_FIELDS = ("code", "message", "title", "detail", "errors", "errorText")


def _describe(body: Any) -> str:
    """An error body in one line: its telling fields, or the start of a body that is not JSON (an
    HTML error page) with its whitespace collapsed."""
    if isinstance(body, dict):
        parts = [f"{key} {body[key]}" for key in ERROR_FIELDS if body.get(key) not in (None, "", [])]
        return "(" + ", ".join(parts) + ")" if parts else ""
    text = " ".join(str(body).split())
    return f"({text})" if text else ""
