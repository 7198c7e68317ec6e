"""The Ozon sandbox's simulated seller: posting lists as documented (fields, keyset cursor, filters,
limits, faults), and stock that moves with its orders and supplies as the clock advances."""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from sandbox import Sandbox, SandboxConfig, ozon_postings
from sandbox.ozon import OzonApi
from sandbox.ozon_postings import FBO_LIST, FBS_LIST, METHOD_LIMITS
from sandbox.server import ApiCall
from tests.support.ozon_requests import post

SELLER = SandboxConfig(seed=5, products=60, warehouses=5, history_days=20, rate_limit_rps=None)
RFC3339_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
AWAITING = ("awaiting_packaging", "awaiting_deliver")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SELLER) as running:
        yield running


def rfc3339(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def list_body(sandbox: Sandbox, limit: int = 100, days: int = 60, **changes) -> dict:
    now = sandbox.clock.now()
    period = {"since": rfc3339(now - timedelta(days=days)), "to": rfc3339(now)}
    body = {"limit": limit, "cursor": "", "filter": period, "with": {"analytics_data": True, "financial_data": True}}
    return {**body, **changes}


def all_postings(sandbox: Sandbox, path: str, body: dict) -> tuple[list[dict], int]:
    """Every posting the list serves for `body`, following the cursor; and the number of pages."""
    postings, pages = [], 0
    while True:
        answer = post(sandbox, path, body)
        assert answer.status_code == 200, answer.text
        answer = answer.json()
        postings += answer["postings"]
        pages += 1
        if not answer["has_next"]:
            assert answer["cursor"] == ""
            return postings, pages
        body = {**body, "cursor": answer["cursor"]}


def truth(sandbox: Sandbox, at: datetime | None = None):
    return sandbox.ozon.truth(sandbox.ozon.accounts[0].client_id, at=at)


# --- the lists' contract -------------------------------------------------------------------------


def test_postings_carry_the_documented_fields_and_types(sandbox):
    fbo = post(sandbox, FBO_LIST, list_body(sandbox, limit=5)).json()["postings"][0]
    assert set(fbo) >= {
        "posting_number", "order_id", "order_number", "status", "substatus", "cancel_reason_id", "cancellation",
        "created_at", "in_process_at", "products", "analytics_data", "financial_data", "legal_info",
        "external_order", "additional_data",
    }  # fmt: skip
    assert re.fullmatch(r"\d{10}-\d{4}-1", fbo["posting_number"]) and isinstance(fbo["order_id"], int)
    assert fbo["order_number"] == fbo["posting_number"][:-2] and RFC3339_MICROS.match(fbo["created_at"])
    (line,) = fbo["products"]
    assert (
        isinstance(line["sku"], int) and line["price"]["currency"] == "RUB" and isinstance(line["price"]["amount"], str)
    )
    assert set(fbo["analytics_data"]) >= {"warehouse_id", "warehouse_name", "delivery_type", "city"}
    assert set(fbo["financial_data"]["products"][0]["commission"]) == {"amount", "percent", "currency"}

    fbs_postings, _ = all_postings(sandbox, FBS_LIST, list_body(sandbox))
    seller_warehouses = post(sandbox, "/v2/warehouse/list", {"limit": 200}).json()["warehouses"]
    rfbs_ids = {w["warehouse_id"] for w in seller_warehouses if w["is_rfbs"]}
    for posting in fbs_postings:
        assert "created_at" not in posting and RFC3339_MICROS.match(posting["in_process_at"])
        assert posting["delivery_method"]["warehouse_id"] in {w["warehouse_id"] for w in seller_warehouses}
        rfbs = posting["delivery_method"]["warehouse_id"] in rfbs_ids
        assert (posting["delivery_schema"], posting["tpl_integration_type"] != "ozon") == (
            ("rfbs", True) if rfbs else ("fbs", False)
        )
    assert {p["delivery_schema"] for p in fbs_postings} == {"fbs", "rfbs"}

    without_blocks = post(sandbox, FBO_LIST, list_body(sandbox, limit=1, **{"with": {}})).json()["postings"][0]
    assert without_blocks["analytics_data"] is None and without_blocks["financial_data"] is None


@pytest.mark.parametrize(("path", "time_field"), [(FBO_LIST, "created_at"), (FBS_LIST, "in_process_at")])
def test_keyset_cursor_pages_both_ways_without_gaps_or_repeats(sandbox, path, time_field):
    ascending, pages = all_postings(sandbox, path, list_body(sandbox, limit=9))
    descending, _ = all_postings(sandbox, path, list_body(sandbox, limit=9, sort_dir="DESC"))
    scheme = "fbo" if path == FBO_LIST else "fbs"
    expected = {line["posting_number"] for line in truth(sandbox).order_lines if line["scheme"] == scheme}

    numbers = [posting["posting_number"] for posting in ascending]
    assert pages > 3 and len(numbers) == len(set(numbers)) and set(numbers) == expected
    assert [p["posting_number"] for p in descending] == numbers[::-1]
    times = [posting[time_field] for posting in ascending]
    assert times == sorted(times)

    cursor = post(sandbox, path, list_body(sandbox, limit=9)).json()["cursor"]
    time_key, id_key = json.loads(base64.b64decode(cursor))["fields"]
    assert time_key == {"name": f"osp.{time_field}", "dir": "asc", "val": times[8]}
    assert id_key["name"] == "osp.id" and int(id_key["val"]) == ascending[8]["order_id"]


def test_filters_select_by_time_status_warehouse_and_last_status_change(sandbox):
    now = sandbox.clock.now()
    lines = truth(sandbox).order_lines
    since, to = now - timedelta(days=5), now - timedelta(days=2)
    window, _ = all_postings(sandbox, FBO_LIST, list_body(sandbox, filter={"since": rfc3339(since), "to": rfc3339(to)}))
    assert {p["posting_number"] for p in window} == {
        line["posting_number"] for line in lines if line["scheme"] == "fbo" and since <= line["created_at"] <= to
    }

    body = list_body(sandbox)
    body["filter"]["statuses"] = ["cancelled"]
    cancelled, _ = all_postings(sandbox, FBO_LIST, body)
    assert cancelled and {p["status"] for p in cancelled} == {"cancelled"}
    assert len(cancelled) == sum(1 for line in lines if line["scheme"] == "fbo" and line["status"] == "cancelled")

    fbs, _ = all_postings(sandbox, FBS_LIST, list_body(sandbox))
    warehouse_id = fbs[0]["delivery_method"]["warehouse_id"]
    body = list_body(sandbox)
    body["filter"]["warehouse_ids"] = [str(warehouse_id)]
    in_one_warehouse, _ = all_postings(sandbox, FBS_LIST, body)
    assert in_one_warehouse == [p for p in fbs if p["delivery_method"]["warehouse_id"] == warehouse_id]

    changed_since = now - timedelta(days=1)
    body = list_body(sandbox)
    body["filter"]["last_changed_status_date"] = {"from": rfc3339(changed_since), "to": rfc3339(now)}
    changed, _ = all_postings(sandbox, FBS_LIST, body)
    assert {p["posting_number"] for p in changed} == {
        line["posting_number"]
        for line in lines
        if line["scheme"] == "fbs" and line["status_changed_at"] >= changed_since
    }
    assert 0 < len(changed) < len(fbs)


def test_posting_lists_have_their_own_scaled_rate_limit():
    requests_per_second, _ = METHOD_LIMITS[FBO_LIST]
    scale = 2 / requests_per_second  # two requests a second: a burst of five gets 429 for the last three
    with Sandbox(SandboxConfig(seed=5, products=20, warehouses=3, history_days=2, rate_limit_scale=scale)) as sandbox:
        statuses = [post(sandbox, FBO_LIST, list_body(sandbox, limit=1)).status_code for _ in range(5)]
        limited = post(sandbox, FBO_LIST, list_body(sandbox, limit=1))
        other = post(sandbox, "/v3/product/list", {"filter": {}, "limit": 1})
    assert statuses[:2] == [200, 200] and 429 in statuses[2:]
    assert limited.status_code == 429 and limited.json()["code"] == 8
    assert other.status_code == 200, "the global limit (50 x scale = 5 a second) still has room"


# --- faults --------------------------------------------------------------------------------------


def test_data_faults_hit_only_the_list_they_are_injected_into(sandbox):
    sandbox.ozon.postings.inject("malformed_row", path=FBS_LIST)
    sandbox.ozon.postings.inject("duplicate_across_pages", path=FBO_LIST)
    fbo, _ = all_postings(sandbox, FBO_LIST, list_body(sandbox, limit=10))
    fbs, _ = all_postings(sandbox, FBS_LIST, list_body(sandbox, limit=10))

    fbo_numbers = [posting["posting_number"] for posting in fbo]
    (repeated,) = [number for number, count in Counter(fbo_numbers).items() if count > 1]
    assert fbo_numbers.index(repeated) == 9 and fbo_numbers[10] == repeated, "page 2 starts with page 1's last"
    (malformed,) = [posting for posting in fbs if "posting_number" not in posting]
    assert malformed["products"] is None and set(malformed) == {"order_id", "order_number", "status", "products"}
    assert fbs.index(malformed) == 5, "the middle row of the first page"


def test_schema_faults_add_or_drop_a_field_on_one_page(sandbox):
    sandbox.ozon.postings.inject("new_field", path=FBO_LIST)
    sandbox.ozon.postings.inject("missing_field", path=FBO_LIST)
    first = post(sandbox, FBO_LIST, list_body(sandbox, limit=3)).json()["postings"]
    second = post(sandbox, FBO_LIST, list_body(sandbox, limit=3)).json()["postings"]
    third = post(sandbox, FBO_LIST, list_body(sandbox, limit=3)).json()["postings"]
    assert all(p["sandbox_new_field"] == "added by the marketplace" for p in first)
    assert all("substatus" not in p for p in second)
    assert all("substatus" in p and "sandbox_new_field" not in p for p in third)


# --- simulated time: orders and stock ------------------------------------------------------------


def test_fbo_stock_moves_with_orders_cancellations_returns_and_supplies(sandbox):
    start = sandbox.clock.now() - timedelta(days=SELLER.history_days)
    before, now = truth(sandbox, at=start), truth(sandbox)
    expected = Counter(
        {(r["product_id"], r["warehouse_id"]): r["available"] for r in before.stock if r["stock_type"] == "fbo"}
    )
    for line in now.order_lines:
        if line["scheme"] == "fbo":
            pair = (line["product_id"], line["warehouse_id"])
            expected[pair] -= line["quantity"]
            if line["status"] == "cancelled":  # cancelled before shipping, or returned by the buyer
                expected[pair] += line["quantity"]
    for supply in now.supplies:
        if supply["stock_type"] == "fbo" and start < supply["available_at"] <= now.as_of:
            expected[(supply["product_id"], supply["warehouse_id"])] += supply["quantity"]
    served = Counter(
        {(r["product_id"], r["warehouse_id"]): r["available"] for r in now.stock if r["stock_type"] == "fbo"}
    )
    assert +served == +expected
    assert min(expected.values()) >= 0, "no stock ever goes negative"

    unshipped = Counter()
    for line in now.order_lines:
        if line["scheme"] == "fbo" and line["status"] in AWAITING:
            unshipped[line["product_id"]] += line["quantity"]
    assert {p["product_id"]: p["fbo_reserved"] for p in now.products if p["fbo_reserved"]} == dict(unshipped)


def test_seller_stock_is_reserved_by_fbs_orders_until_they_ship(sandbox):
    seen_reserved = False
    for _ in range(8):  # a few moments, some of which have FBS orders waiting to ship (few sell FBS)
        now = truth(sandbox)
        awaiting = Counter()
        for line in now.order_lines:
            if line["scheme"] == "fbs" and line["status"] in AWAITING:
                awaiting[(line["product_id"], line["delivery_schema"])] += line["quantity"]
        reserved = {(r["product_id"], r["type"]): r["reserved"] for r in now.fbs_stock if r["reserved"]}
        assert reserved == dict(awaiting)
        assert all(0 <= row["reserved"] <= row["present"] for row in now.fbs_stock)
        seen_reserved = seen_reserved or bool(reserved)
        sandbox.clock.advance(timedelta(hours=9))
    assert seen_reserved


def test_the_stock_endpoints_serve_the_stock_at_the_clock(sandbox):
    def served_available() -> dict:
        skus = [str(p["sku"]) for p in truth(sandbox).products]
        rows = post(sandbox, "/v1/analytics/stocks", {"skus": skus}).json()["items"]
        return {(row["sku"], row["warehouse_id"]): row["available_stock_count"] for row in rows}

    def truth_available() -> dict:
        return {(r["sku"], r["warehouse_id"]): r["available"] for r in truth(sandbox).fbo_stock}

    first = served_available()
    assert first == truth_available()
    sandbox.clock.advance(timedelta(days=4))
    later = served_available()
    assert later == truth_available() and later != first

    items = post(sandbox, "/v4/product/info/stocks", {"filter": {}, "limit": 1000, "cursor": ""}).json()["items"]
    fbs = {(i["product_id"], s["type"]): s["present"] for i in items for s in i["stocks"] if s["type"] != "fbo"}
    active = {p["product_id"] for p in truth(sandbox).products if not p["archived"]}
    assert fbs == {
        (r["product_id"], r["type"]): r["present"] for r in truth(sandbox).fbs_stock if r["product_id"] in active
    }


def test_a_90_day_seller_has_fast_slow_idle_sold_out_and_archived_products():
    seller = SandboxConfig(seed=42, products=300, warehouses=12, history_days=90)
    with Sandbox(seller) as sandbox:
        start = sandbox.clock.now() - timedelta(days=seller.history_days)
        before, now = truth(sandbox, at=start), truth(sandbox)
    sold = Counter()
    for line in now.order_lines:
        sold[line["product_id"]] += line["quantity"]
    active = [p["product_id"] for p in before.products if not p["archived"]]
    assert sum(1 for product in active if not sold[product]) > 20, "some products never sell"
    assert max(sold.values()) > 20 * min(count for count in sold.values() if count), "some sell fast, some slowly"
    stocked_before = {
        (r["product_id"], r["warehouse_id"]) for r in before.stock if r["stock_type"] == "fbo" and r["available"]
    }
    stocked_now = {
        (r["product_id"], r["warehouse_id"]) for r in now.stock if r["stock_type"] == "fbo" and r["available"]
    }
    assert len(stocked_before - stocked_now) > 10, "some run out"
    assert sum(1 for r in now.stock if r["in_transit"]) > 5, "supplies are on their way"
    assert {s["stock_type"] for s in now.supplies} == {"fbo", "fbs", "rfbs"}
    archived_at = {p["product_id"]: p["archived_at"] for p in now.products if p["archived_at"]}
    assert archived_at and not any(p["archived"] for p in before.products if p["product_id"] in archived_at)
    assert all(line["created_at"] < archived_at.get(line["product_id"], now.as_of) for line in now.order_lines)
    own_stock = [row for row in now.stock if row["product_id"] in archived_at and row["stock_type"] != "fbo"]
    assert not any(row["available"] for row in own_stock), "the seller's own stock of them is written off"


def test_statuses_and_late_fields_change_after_creation(sandbox):
    lines = {line["posting_number"]: line for line in truth(sandbox).order_lines}
    fresh, _ = all_postings(sandbox, FBO_LIST, list_body(sandbox, days=1))
    late = [p for p in fresh if p["in_process_at"] is None]
    assert late, "Ozon fills in_process_at of some FBO postings a day or two late"
    sandbox.clock.advance(timedelta(days=3))
    body = list_body(sandbox, days=4)
    body["filter"]["posting_numbers"] = [p["posting_number"] for p in late]
    refreshed = {p["posting_number"]: p for p in all_postings(sandbox, FBO_LIST, body)[0]}
    assert set(refreshed) == {p["posting_number"] for p in late}
    assert all(RFC3339_MICROS.match(p["in_process_at"]) for p in refreshed.values())
    assert any(refreshed[number]["status"] != lines[number]["status"] for number in refreshed)


# --- ground truth --------------------------------------------------------------------------------


def test_exported_truth_is_readable_and_matches_the_truth(sandbox, tmp_path):
    (path,) = sandbox.ozon.export_truth(tmp_path)
    exported = json.loads(path.read_text(encoding="utf-8"))
    current = truth(sandbox)
    assert exported["clock"] == sandbox.clock.now().isoformat(sep=" ")
    assert len(exported["order_lines"]) == len(current.order_lines) > 100
    assert {row["order_status"] for row in exported["order_lines"]} == {"ordered", "delivered", "cancelled", "returned"}
    assert {row["stock_type"] for row in exported["stock"]} == {"fbo", "fbs", "rfbs"}
    assert sum(row["available"] for row in exported["stock"]) == sum(row["available"] for row in current.stock)
    assert {"products", "fbo_stock", "fbs_stock", "supplies"} <= set(exported)


def test_the_history_does_not_depend_on_how_or_in_what_order_it_was_simulated():
    stepped, direct = OzonApi(SELLER), OzonApi(SELLER)
    seller = stepped.seller(stepped.accounts[0].client_id)
    for listing in reversed(seller.listings):  # products first touched last to first, at the start
        seller.stock(listing)
    for _ in range(6):  # then simulated a few hours at a time
        stepped.clock.advance(timedelta(hours=11))
        seller.truth(stock_only=True)
    direct.clock.advance(timedelta(hours=66))

    def everything(api: OzonApi) -> tuple:
        client_id = api.accounts[0].client_id
        found = api.truth(client_id)
        body = {"limit": 100, "filter": {"since": "2025-10-01T00:00:00Z", "to": "2025-12-01T00:00:00Z"}}
        pages = []
        for path in (FBO_LIST, FBS_LIST):
            call = ApiCall(account=api.seller(client_id), path=path, body=body | {"with": {"analytics_data": True}})
            while True:
                pages.append(api.postings.handle(call).body)
                answer = json.loads(pages[-1])
                if not answer["has_next"]:
                    break
                call = ApiCall(call.account, path, call.body | {"cursor": answer["cursor"]})
        return found.products, found.stock, found.order_lines, found.supplies, pages

    assert everything(stepped) == everything(direct)


def test_posting_pages_are_the_json_of_the_documented_rows(sandbox):
    """The lists write each posting straight to JSON text; it must be exactly what json.dumps makes of
    the row (the form the data faults edit), whatever blocks are asked for and whatever the statuses."""
    seller = sandbox.ozon.seller(sandbox.ozon.accounts[0].client_id)
    for hours in (0, 30, 200):
        sandbox.clock.advance(timedelta(hours=hours))
        now = seller.now()
        for scheme in ("fbo", "fbs"):
            for posting in seller.postings(scheme, now):
                for blocks in (set(), {"analytics_data", "financial_data", "legal_info", "barcodes"}):
                    row = ozon_postings._render(posting, now, blocks)
                    assert ozon_postings._render_json(posting, now, blocks) == json.dumps(row, ensure_ascii=False)


def test_demand_scale_thins_the_orders_of_both_marketplaces():
    def orders(demand_scale: float) -> tuple[int, int]:
        config = dataclasses.replace(SELLER, demand_scale=demand_scale)
        with Sandbox(config) as running:
            ozon = running.ozon.truth(running.ozon.accounts[0].client_id).order_lines
            wildberries = running.wildberries.truth(running.wildberries.accounts[0].token).orders
            return len(ozon), len(wildberries)

    calibrated, quarter = orders(1.0), orders(0.25)
    assert all(0.1 * full < thinned < 0.45 * full for full, thinned in zip(calibrated, quarter, strict=True))
    with pytest.raises(ValueError, match="demand_scale must be > 0"):
        SandboxConfig(demand_scale=0)


def test_two_sandboxes_of_one_seed_each_serve_their_own_prices():
    """Sandboxes of one seed list the same products (the same listings) at other prices when their
    settings differ; a posting's JSON text, cached by listing, served the price of whichever sandbox
    answered first."""
    other = SandboxConfig(seed=5, products=60, warehouses=3, history_days=20, rate_limit_rps=None, demand_scale=1.7)
    with Sandbox(other) as first, Sandbox(SELLER) as second:
        for sandbox in (first, second):
            served, _ = all_postings(sandbox, FBO_LIST, list_body(sandbox))
            prices = {posting["posting_number"]: float(posting["products"][0]["price"]["amount"]) for posting in served}
            truth_prices = {line["posting_number"]: line["price"] for line in truth(sandbox).order_lines}
            assert prices and prices == {number: truth_prices[number] for number in prices}
