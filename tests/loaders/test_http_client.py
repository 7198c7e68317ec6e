"""The shared HTTP client against a real local server: retries, retry headers, pacing, circuit breaker."""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import ThreadingHTTPServer

import pytest
import requests

from loaders import http
from loaders.config import OzonAccount, WildberriesAccount
from loaders.http import ApiClient, ApiRequestError, ApiThrottledError, ApiUnavailableError, RetryPolicy
from loaders.ozon import helpers, postings
from loaders.ozon import reports as ozon_reports
from loaders.ozon import settings as ozon_settings
from loaders.wildberries import helpers as wb_helpers
from tests.support.operations import QuietHandler

PRODUCT_LIST = "/v3/product/list"
LIST_BODY = {"filter": {"visibility": "ALL"}, "last_id": "", "limit": 10}
NOW = datetime(2026, 1, 1, tzinfo=UTC)
WB_ACCOUNT = WildberriesAccount("shop", "token", "http://127.0.0.1:9")


def client_for(sandbox, **options) -> ApiClient:
    account = sandbox.ozon.accounts[0]
    defaults = {"retry": RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05), "timeout": 0.5}
    return ApiClient(
        marketplace="Ozon",
        account=account.client_id,
        base_url=sandbox.ozon.base_url,
        headers={"Client-Id": account.client_id, "Api-Key": account.api_key},
        secrets=(account.api_key,),
        is_auth_error=helpers.is_auth_error,
        auth_hint="check the key",
        **{**defaults, **options},
    )


def calls_to(sandbox, path: str) -> list:
    return [request for request in sandbox.ozon.requests if request.path == path]


def test_a_dropped_connection_and_a_timeout_are_retried(ozon_sandbox):
    ozon_sandbox.ozon.inject_reset(PRODUCT_LIST)
    ozon_sandbox.ozon.inject_delay(PRODUCT_LIST, seconds=1.5)
    client = client_for(ozon_sandbox)

    answer = client.post(PRODUCT_LIST, LIST_BODY)

    assert len(answer["result"]["items"]) == 10
    assert client.stats["retries"] == 2
    assert [request.status for request in calls_to(ozon_sandbox, PRODUCT_LIST)][0] == 0  # the reset one


def test_wildberries_retry_header_sets_the_wait(ozon_sandbox, caplog):
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=429, headers={"X-Ratelimit-Retry": "0.2"})
    retry = RetryPolicy(attempts=3, throttled_attempts=3, base_delay=0.01, max_delay=1.0)
    client = client_for(ozon_sandbox, retry=retry)

    with caplog.at_level(logging.WARNING, logger="loaders.http"):
        client.post(PRODUCT_LIST, LIST_BODY)

    assert "HTTP 429, retry 1/2 in 0.2s" in caplog.text
    assert client.stats["throttled"] == 1


THROTTLE_PATIENT = RetryPolicy(attempts=2, throttled_attempts=5, base_delay=0.01, max_delay=0.05)


def test_throttling_is_retried_longer_than_a_failing_server(ozon_sandbox):
    client = client_for(ozon_sandbox, retry=THROTTLE_PATIENT)
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=429, times=4)  # no Retry-After, as Ozon sends it

    assert len(client.post(PRODUCT_LIST, LIST_BODY)["result"]["items"]) == 10
    assert client.stats["throttled"] == 4

    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=500, times=2)
    with pytest.raises(ApiUnavailableError, match="still failing after 2 attempts"):
        client.post(PRODUCT_LIST, LIST_BODY)


def test_ozon_breaker_is_waited_out_like_a_429(ozon_sandbox):
    client = client_for(ozon_sandbox, retry=THROTTLE_PATIENT)
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=503, times=4, message="Circle is open")

    assert len(client.post(PRODUCT_LIST, LIST_BODY)["result"]["items"]) == 10
    assert [request.status for request in calls_to(ozon_sandbox, PRODUCT_LIST)] == [503] * 4 + [200]


def test_endpoint_interval_spaces_calls_to_that_endpoint(ozon_sandbox):
    client = client_for(ozon_sandbox, endpoint_intervals={PRODUCT_LIST: 0.25})
    started = time.monotonic()
    for _ in range(3):
        client.post(PRODUCT_LIST, LIST_BODY)
    assert time.monotonic() - started >= 0.5  # two full intervals between three calls


def test_circuit_opens_after_repeated_failures_and_sends_nothing_more(ozon_sandbox):
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=503, times=100)
    client = client_for(ozon_sandbox, breaker_threshold=2)

    for _ in range(2):
        with pytest.raises(ApiUnavailableError, match="still failing after 3 attempts"):
            client.post(PRODUCT_LIST, LIST_BODY)
    sent = len(calls_to(ozon_sandbox, PRODUCT_LIST))
    with pytest.raises(ApiUnavailableError, match="circuit open"):
        client.post(PRODUCT_LIST, LIST_BODY)

    assert sent == 6
    assert len(calls_to(ozon_sandbox, PRODUCT_LIST)) == sent, "an open circuit must not send requests"
    assert client.stats["failed"] == 6


def test_a_success_closes_the_count_of_consecutive_failures(ozon_sandbox):
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=503, times=3)
    client = client_for(ozon_sandbox, breaker_threshold=2)
    with pytest.raises(ApiUnavailableError):
        client.post(PRODUCT_LIST, LIST_BODY)
    client.post(PRODUCT_LIST, LIST_BODY)  # the fourth request succeeds and resets the count
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=503, times=3)
    with pytest.raises(ApiUnavailableError, match="still failing"):
        client.post(PRODUCT_LIST, LIST_BODY)
    assert client.post(PRODUCT_LIST, LIST_BODY)["result"]["items"]


@pytest.mark.parametrize(
    ("body", "described"),
    [
        ({"code": 7, "message": "Permission denied", "details": []}, "(code 7, message Permission denied)"),
        ({"code": "AccessDenied", "message": ""}, "(code AccessDenied)"),
        ({"errors": ["dateFrom: invalid"]}, "(errors ['dateFrom: invalid'])"),
        ({"data": None, "error": True, "errorText": "Неверный запрос"}, "(errorText Неверный запрос)"),
        ("<html>\n  <h1>502 Bad Gateway</h1>\n</html>", "(<html> <h1>502 Bad Gateway</h1> </html>)"),
        ("", ""),
    ],
)
def test_an_error_body_is_described_in_one_line_with_its_telling_fields(body, described):
    assert http._describe(body) == described


class SamePageForever:
    """A marketplace that answers every page request with `answer`: a cursor that never moves."""

    marketplace, account = "Ozon", "shop"

    def __init__(self, answer: dict) -> None:
        self.answer, self.calls = answer, 0

    def post(self, endpoint, body):
        self.calls += 1
        assert self.calls < 5, "paging went on past a cursor that did not move"
        return self.answer


ONE = [{"product_id": 1, "offer_id": "A", "sku": 1, "warehouse_id": 1, "nmID": 1, "updatedAt": "2026-01-01"}]


@pytest.mark.parametrize(
    ("pages", "answer"),
    [
        (lambda c: helpers.product_list_pages(c, "ALL"), {"result": {"items": ONE * 1000, "last_id": "WzFd"}}),
        (helpers.product_stock_pages, {"items": ONE, "cursor": "next"}),
        (
            lambda c: postings.posting_pages(c, "/v3/posting/fbo/list", NOW, NOW),
            {"postings": ONE, "has_next": True, "cursor": "c"},
        ),
        (ozon_reports.warehouse_pages, {"warehouses": ONE, "has_next": True, "cursor": "c"}),
        (
            lambda c: wb_helpers.card_pages(c, WB_ACCOUNT, {"updatedAt": "2026-01-01", "nmID": 1}),
            {"cards": ONE * 100, "cursor": {"updatedAt": "2026-01-01", "nmID": 1, "total": 100}},
        ),
        (
            lambda c: wb_helpers.trash_cards(c, WB_ACCOUNT),
            {"cards": ONE * 100, "cursor": {"trashedAt": "2026-01-01", "nmID": 1, "total": 100}},
        ),
    ],
)
def test_a_cursor_that_does_not_move_fails_the_read_instead_of_looping(pages, answer):
    client = SamePageForever(answer)
    with pytest.raises(ApiRequestError, match="gives back the cursor it was asked with"):
        list(pages(client))
    assert client.calls <= 2


def test_a_body_that_breaks_off_is_retried_like_a_dropped_connection(ozon_sandbox):
    ozon_sandbox.ozon.inject_cut(PRODUCT_LIST)
    client = client_for(ozon_sandbox)

    assert len(client.post(PRODUCT_LIST, LIST_BODY)["result"]["items"]) == 10
    assert [request.status for request in calls_to(ozon_sandbox, PRODUCT_LIST)] == [0, 200]

    ozon_sandbox.ozon.inject_cut(PRODUCT_LIST, times=3)
    with pytest.raises(ApiUnavailableError, match="/v3/product/list: still failing after 3 attempts"):
        client.post(PRODUCT_LIST, LIST_BODY)


def test_a_host_that_never_answers_is_named_with_the_variable_that_points_there():
    """A typo in OZON_API_BASE_URL looked like an Ozon outage: "the marketplace is overloaded or down"."""
    client = ApiClient(
        marketplace="Ozon",
        account="shop",
        base_url="http://127.0.0.1:9",  # the discard port: nothing listens
        headers={},
        secrets=(),
        is_auth_error=helpers.is_auth_error,
        auth_hint="check the key",
        unreachable_hint="check OZON_API_BASE_URL if you set it,",
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05),
        timeout=0.5,
    )
    with pytest.raises(ApiUnavailableError) as raised:
        client.post(PRODUCT_LIST, LIST_BODY)
    assert "No answer from 127.0.0.1:9: check OZON_API_BASE_URL if you set it, the network" in str(raised.value)
    assert "overloaded" not in str(raised.value)


@pytest.mark.parametrize("status", [520, 524])
def test_a_5xx_of_a_proxy_in_front_of_the_api_is_retried(ozon_sandbox, status):
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=status)
    client = client_for(ozon_sandbox)

    assert len(client.post(PRODUCT_LIST, LIST_BODY)["result"]["items"]) == 10
    assert client.stats["retries"] == 1


def test_a_wait_the_answer_asks_for_is_kept_whole_within_the_allowed_maximum(ozon_sandbox, caplog):
    """The policy's back-off stops at max_delay; a wait the marketplace asks for is its own, up to
    API_MAX_RETRY_WAIT_SECONDS (an early retry extends a WB penalty)."""
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=429, headers={"X-Ratelimit-Retry": "0.3"})
    client = client_for(ozon_sandbox, max_retry_wait=1.0)  # max_delay 0.05

    with caplog.at_level(logging.WARNING, logger="loaders.http"):
        client.post(PRODUCT_LIST, LIST_BODY)

    assert "HTTP 429, retry 1/9 in 0.3s" in caplog.text


def test_retry_after_as_an_http_date_is_a_wait_until_then(ozon_sandbox):
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=429, headers={"Retry-After": later})
    client = client_for(ozon_sandbox)

    with pytest.raises(ApiThrottledError, match=r"HTTP 429 asks to wait 3(59\d|600) s"):
        client.post(PRODUCT_LIST, LIST_BODY)
    assert len(calls_to(ozon_sandbox, PRODUCT_LIST)) == 1, "held off, not retried early"


@pytest.mark.parametrize("answer", [None, [], 7])
def test_a_stock_page_that_is_not_a_json_object_fails_naming_the_endpoint(ozon_sandbox, answer):
    ozon_sandbox.ozon.reshapes[ozon_settings.PRODUCT_STOCKS] = lambda call, body: answer
    client = client_for(ozon_sandbox)

    with pytest.raises(ApiRequestError, match="/v4/product/info/stocks: the answer is not a JSON object"):
        list(helpers.product_stock_pages(client))


@pytest.mark.parametrize(
    "body",
    [
        {"code": 13, "message": "internal error", "details": []},  # Ozon's error object
        {"title": "internal server error", "detail": "try again later", "status": 500},  # WB problem details
        {"data": None, "error": True, "errorText": "Внутренняя ошибка"},  # WB content API
        {"errors": ["service unavailable"]},  # WB statistics
    ],
)
def test_an_error_answered_with_status_200_fails_the_read_instead_of_reading_as_an_empty_page(ozon_sandbox, body):
    """A proxy or an overloaded API answered an error with 200: read as a page without postings, the
    window's postings were lost for good (the cursor moved past them) and the run said ok."""
    ozon_sandbox.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = lambda call, answer: body
    client = client_for(ozon_sandbox)

    with pytest.raises(ApiRequestError, match=r"/v3/posting/fbo/list: HTTP 200 with an error in its body \("):
        list(postings.posting_pages(client, ozon_settings.POSTING_FBO_LIST, NOW - timedelta(days=1), NOW))


def test_an_ozon_answer_that_is_null_fails_the_read(ozon_sandbox):
    ozon_sandbox.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = lambda call, answer: None
    account = ozon_sandbox.ozon.accounts[0]
    client = helpers.make_client(OzonAccount("shop", account.client_id, account.api_key, ozon_sandbox.ozon.base_url))

    with pytest.raises(ApiRequestError, match="/v3/posting/fbo/list: the answer is not a JSON object: None"):
        list(postings.posting_pages(client, ozon_settings.POSTING_FBO_LIST, NOW - timedelta(days=1), NOW))


class SamePageNewCursor(SamePageForever):
    """A marketplace whose cursor changes on every page and never advances: the same rows each time."""

    def post(self, endpoint, body):
        answer = super().post(endpoint, body)
        return {**answer, "cursor": f"{answer['cursor']}{self.calls}"}


@pytest.mark.parametrize("page", [ONE, []])
def test_a_cursor_that_changes_but_serves_the_same_page_fails_the_read_instead_of_looping(page):
    client = SamePageNewCursor({"postings": page, "has_next": True, "cursor": "c"})
    with pytest.raises(ApiRequestError, match="serves again a page already read, with a new cursor"):
        list(postings.posting_pages(client, "/v3/posting/fbs/list", NOW, NOW))
    assert client.calls == 2


class LoopbackServer:
    """A local server that answers every request with `answer(path)`: (status, headers, body) and
    records (path, headers) of each request."""

    def __init__(self, answer):
        requests_seen = self.requests = []

        class Handler(QuietHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                requests_seen.append((self.path, dict(self.headers)))
                status, headers, body = answer(self.path)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def keyed_client(base_url: str, **options) -> ApiClient:
    return ApiClient(
        marketplace="Ozon",
        account="shop",
        base_url=base_url,
        headers={"Client-Id": "100001", "Api-Key": "api-key-secret"},
        secrets=("api-key-secret",),
        is_auth_error=helpers.is_auth_error,
        auth_hint="check the key",
        retry=RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.05),
        timeout=2.0,
        **options,
    )


def test_a_redirect_to_another_host_is_not_followed_with_the_key():
    """requests follows a redirect and strips only Authorization on the way: Ozon's Api-Key and
    Client-Id went to the host the answer named."""
    elsewhere = LoopbackServer(lambda path: (200, {}, b"{}"))
    redirecting = LoopbackServer(lambda path: (307, {"Location": elsewhere.url + path}, b""))
    try:
        with pytest.raises(ApiRequestError, match=r"HTTP 307 redirect to 127\.0\.0\.1:\d+: not followed") as raised:
            keyed_client(redirecting.url).post(PRODUCT_LIST, LIST_BODY)
        assert elsewhere.requests == []
        assert len(redirecting.requests) == 1 and "api-key-secret" not in str(raised.value)
    finally:
        elsewhere.close()
        redirecting.close()


def test_json_sent_as_text_plain_without_a_charset_is_read_as_utf8():
    """requests decodes text/* without a charset as ISO-8859-1: Cyrillic names were stored garbled."""
    body = '{"result": {"items": [{"name": "Органайзер"}]}}'.encode()
    server = LoopbackServer(lambda path: (200, {"Content-Type": "text/plain"}, b"\xef\xbb\xbf" + body))
    try:
        assert keyed_client(server.url).post(PRODUCT_LIST, LIST_BODY)["result"]["items"][0]["name"] == "Органайзер"
    finally:
        server.close()


@pytest.mark.parametrize(("asked", "waited"), [("inf", None), ("nan", None), ("99999999999999", 86400.0)])
def test_a_retry_wait_out_of_bounds_is_ignored_or_capped(asked, waited):
    """`inf` or a wait of millions of years failed the resource with an OverflowError naming nothing,
    or kept the endpoint from every run for centuries."""
    response = requests.Response()
    response.status_code, response.headers["Retry-After"] = 429, asked
    assert http._retry_after(response) == waited
