"""The shared HTTP client against a real local server: retries, retry headers, pacing, circuit breaker."""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from loaders import http
from loaders.config import WildberriesAccount
from loaders.http import ApiClient, ApiRequestError, ApiThrottledError, ApiUnavailableError, RetryPolicy
from loaders.ozon import helpers, postings
from loaders.ozon import reports as ozon_reports
from loaders.ozon import settings as ozon_settings
from loaders.wildberries import helpers as wb_helpers

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
