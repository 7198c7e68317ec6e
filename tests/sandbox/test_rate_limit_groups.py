"""The sandbox counts every request per client and rate-limit group, with the group's rule: what
the paced benchmark computes its limit-bound minimum from."""

from __future__ import annotations

import pytest
import requests

from sandbox import Sandbox, SandboxConfig
from sandbox.server import LimitGroup, RateLimiter

HOUR = 3600.0
PRODUCT_LIST = "/v3/product/list"
FBO_LIST = "/v3/posting/fbo/list"
ORDERS = "/api/v1/supplier/orders"
SALES = "/api/v1/supplier/sales"


def test_a_refused_request_counts_once_in_the_group_that_refused_it():
    limiter = RateLimiter(1 / HOUR, burst=3)  # every path: 3 at once, then one an hour
    limiter.limit_path("/posting", requests=1, per_seconds=HOUR)
    answers = [limiter.allow("c1", path) for path in ("/posting", "/posting", "/other", "/other", "/other")]
    assert answers == [True, False, True, True, False]
    assert limiter.allow("c2", "/posting")  # another client, buckets of its own
    assert sorted(limiter.groups(), key=lambda group: (group.client, group.group)) == [
        LimitGroup("c1", "/posting", 1 / HOUR, 1.0, served=1, throttled=1),
        LimitGroup("c1", "all methods", 1 / HOUR, 3.0, served=3, throttled=1),
        LimitGroup("c2", "/posting", 1 / HOUR, 1.0, served=1, throttled=0),
        LimitGroup("c2", "all methods", 1 / HOUR, 3.0, served=1, throttled=0),
    ]


def test_refill_fills_the_buckets_and_keeps_the_counts():
    limiter = RateLimiter(None)
    limiter.limit_path("/a", requests=2, per_seconds=HOUR)
    assert [limiter.allow("c", "/a") for _ in range(3)] == [True, True, False]
    limiter.refill()
    assert [limiter.allow("c", "/a") for _ in range(3)] == [True, True, False]
    assert limiter.groups() == [LimitGroup("c", "/a", 2 / HOUR, 2.0, served=4, throttled=2)]


def ozon_list(sandbox: Sandbox) -> requests.Response:
    account = sandbox.ozon.accounts[0]
    headers = {"Client-Id": account.client_id, "Api-Key": account.api_key}
    return requests.post(sandbox.ozon.base_url + PRODUCT_LIST, json={"limit": 10}, headers=headers, timeout=10)


def wb_get(sandbox: Sandbox, path: str, token: str) -> requests.Response:
    params, headers = {"dateFrom": "2025-11-19"}, {"Authorization": token}
    return requests.get(sandbox.wildberries.base_url + path, params=params, headers=headers, timeout=10)


@pytest.mark.parametrize(("scale", "rate", "burst"), [(10, 500.0, 50.0), (0.1, 5.0, 5.0)])
def test_ozon_limits_per_client_id_and_posting_list_scaled(scale, rate, burst):
    with Sandbox(SandboxConfig(seed=3, products=5, warehouses=2, rate_limit_scale=scale)) as sandbox:
        assert ozon_list(sandbox).status_code == 200
        client_id = sandbox.ozon.accounts[0].client_id
        groups = {group.group: group for group in sandbox.ozon.rate_limit_groups()}
    # Time runs `scale` times faster: the rate grows with it, a burst no bigger than one real second's.
    assert groups == {"all methods": LimitGroup(client_id, "all methods", rate, burst, served=1, throttled=0)}
    assert FBO_LIST not in groups  # a posting list's own bucket exists once it is called


def test_wildberries_counts_per_account_and_method_group():
    with Sandbox(SandboxConfig(seed=5, products=10, accounts=2, rate_limit_scale=2)) as sandbox:
        first, second = (account.token for account in sandbox.wildberries.accounts)
        calls = ((SALES, first), (SALES, first), (ORDERS, first), (SALES, second))
        statuses = [wb_get(sandbox, path, token).status_code for path, token in calls]
        groups = {(group.client, group.group): group for group in sandbox.wildberries.rate_limit_groups()}
        sandbox.wildberries.refill_rate_limits()
        after_refill = wb_get(sandbox, SALES, first)
    assert statuses == [200, 429, 200, 200]
    # One a minute at scale 2 is one every 30 s; the bursts are WB's: sales 1, orders 10.
    assert groups == {
        ("wb1", "sales"): LimitGroup("wb1", "sales", 1 / 30, 1.0, served=1, throttled=1),
        ("wb1", "orders"): LimitGroup("wb1", "orders", 1 / 30, 10.0, served=1, throttled=0),
        ("wb2", "sales"): LimitGroup("wb2", "sales", 1 / 30, 1.0, served=1, throttled=0),
    }
    assert after_refill.status_code == 200


def test_limits_off_count_nothing():
    with Sandbox(SandboxConfig(seed=5, products=5, warehouses=2, rate_limit_rps=None)) as sandbox:
        assert ozon_list(sandbox).status_code == 200
        assert wb_get(sandbox, SALES, sandbox.wildberries.accounts[0].token).status_code == 200
        assert sandbox.ozon.rate_limit_groups() == [] and sandbox.wildberries.rate_limit_groups() == []
