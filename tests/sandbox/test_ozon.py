"""The Ozon sandbox speaks the documented contract (shapes, paging, errors, limits) and its truth
matches what it serves."""

from __future__ import annotations

import base64
import json
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
import requests

from sandbox import Sandbox, SandboxConfig
from sandbox.ozon import OzonApi
from sandbox.ozon_warehouses import CANONICAL_WAREHOUSES, VARIANT_KINDS
from tests.support.ozon_requests import ok, post
from tests.support.sandbox_fixtures import OZON_FIXTURE_CONFIG

PRODUCT_LIST = "/v3/product/list"
PRODUCT_INFO_LIST = "/v3/product/info/list"
PRODUCT_STOCKS = "/v4/product/info/stocks"
ANALYTICS_STOCKS = "/v1/analytics/stocks"

BAD_CLIENT_ID = {"code": 3, "message": "Client-Id header value should be positive integer", "details": []}
BAD_KEY = {"code": 5, "message": "Invalid Api-Key, please check the key and try again", "details": []}
RATE_LIMITED = {"code": 8, "message": "You have reached request rate limit per second", "details": []}
RFC3339_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def truth_of(sandbox: Sandbox, account=None):
    return sandbox.ozon.truth((account or sandbox.ozon.accounts[0]).client_id)


def list_pages(sandbox: Sandbox, visibility: str, limit: int) -> tuple[list[list[dict]], list[int]]:
    pages, totals, last_id = [], [], ""
    while True:
        result = ok(
            post(sandbox, PRODUCT_LIST, {"filter": {"visibility": visibility}, "last_id": last_id, "limit": limit})
        )["result"]
        pages.append(result["items"])
        totals.append(result["total"])
        if not result["items"]:
            assert result["last_id"] == ""
            return pages, totals
        assert json.loads(base64.b64decode(result["last_id"])) == [result["items"][-1]["product_id"]] * 2
        last_id = result["last_id"]


def analytics_rows(sandbox: Sandbox, skus: list[int]) -> list[dict]:
    rows = []
    for start in range(0, len(skus), 100):
        rows += ok(post(sandbox, ANALYTICS_STOCKS, {"skus": [str(sku) for sku in skus[start : start + 100]]}))["items"]
    return rows


# --- catalogue ----------------------------------------------------------------------------------


def test_product_list_pages_through_every_active_product_once_in_order(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    active = sorted(p["product_id"] for p in truth.products if not p["archived"])

    pages, totals = list_pages(ozon_sandbox, "ALL", limit=50)

    served = [item["product_id"] for page in pages for item in page]
    assert served == active
    assert len(pages) == len(active) // 50 + 1 + (1 if len(active) % 50 else 0)
    assert set(totals) == {len(active)}
    first = pages[0][0]
    assert set(first) == {
        "product_id",
        "offer_id",
        "sku",
        "archived",
        "has_fbo_stocks",
        "has_fbs_stocks",
        "is_discounted",
        "quants",
    }
    assert 100_000_000 <= first["product_id"] < 10**10 and 100_000_000 <= first["sku"] < 10**10


def test_archived_products_are_listed_only_under_archived(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    archived = {p["product_id"] for p in truth.products if p["archived"]}

    everything = {item["product_id"]: item for page in list_pages(ozon_sandbox, "ALL", 1000)[0] for item in page}
    in_archive = {item["product_id"]: item for page in list_pages(ozon_sandbox, "ARCHIVED", 1000)[0] for item in page}
    visible = {item["product_id"] for page in list_pages(ozon_sandbox, "VISIBLE", 1000)[0] for item in page}

    assert archived and set(in_archive) == archived
    assert all(item["archived"] for item in in_archive.values())
    assert not set(everything) & archived and visible == set(everything)
    assert len(everything) + len(in_archive) == len(truth.products)


def test_product_list_filters_by_ids_regardless_of_visibility(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    archived = next(p for p in truth.products if p["archived"])
    active = next(p for p in truth.products if not p["archived"])

    by_id = ok(post(ozon_sandbox, PRODUCT_LIST, {"filter": {"product_id": [str(archived["product_id"])]}, "limit": 10}))
    by_sku = ok(post(ozon_sandbox, PRODUCT_LIST, {"filter": {"skus": [active["sku"]]}, "limit": 10}))
    by_offer = ok(post(ozon_sandbox, PRODUCT_LIST, {"filter": {"offer_id": [active["offer_id"]]}, "limit": 10}))

    assert [i["product_id"] for i in by_id["result"]["items"]] == [archived["product_id"]]
    assert [i["product_id"] for i in by_sku["result"]["items"]] == [active["product_id"]]
    assert [i["product_id"] for i in by_offer["result"]["items"]] == [active["product_id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"limit": 0},
        {"limit": 1001},
        {},
        {"limit": 10, "last_id": "not base64!"},
        {"limit": 10, "filter": {"visibility": "SOMETIMES"}},
    ],
)
def test_product_list_rejects_bad_arguments_with_code_3(ozon_sandbox, body):
    response = post(ozon_sandbox, PRODUCT_LIST, body)
    assert response.status_code == 400
    assert response.json()["code"] == 3


def test_product_info_list_returns_the_requested_batch(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    wanted = truth.products[:30]
    body = {
        "product_id": [str(p["product_id"]) for p in wanted[:10]],
        "sku": [p["sku"] for p in wanted[10:20]],
        "offer_id": [p["offer_id"] for p in wanted[20:]],
    }

    items = ok(post(ozon_sandbox, PRODUCT_INFO_LIST, body))["items"]

    assert {i["id"]: (i["offer_id"], i["sku"], i["name"], i["is_archived"]) for i in items} == {
        p["product_id"]: (p["offer_id"], p["sku"], p["name"], p["archived"]) for p in wanted
    }
    for item in items:
        assert RFC3339_MICROS.match(item["created_at"]) and RFC3339_MICROS.match(item["updated_at"])
        assert re.fullmatch(r"\d+\.\d\d", item["price"]) and float(item["old_price"]) >= float(item["price"])
        assert item["barcodes"][0] == f"OZN{item['sku']}"
        assert {s["source"] for s in item["stocks"]["stocks"]} >= {"fbo", "fbs"}
        assert item["sources"][0]["source"] == "sds"
        assert set(item["statuses"]) >= {"status", "status_name", "moderate_status", "validation_status"}


def test_product_info_list_rejects_more_than_1000_ids(ozon_sandbox):
    ids = [str(p["product_id"]) for p in truth_of(ozon_sandbox).products]
    response = post(ozon_sandbox, PRODUCT_INFO_LIST, {"product_id": ids, "offer_id": [str(n) for n in range(1001)]})
    assert response.status_code == 400
    assert response.json()["code"] == 3


# --- stock --------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_fbo", [False, True], ids=["fbo-in-analytics-only", "old-behaviour"])
def test_product_stocks_page_with_a_cursor_until_it_is_empty(with_fbo):
    """Since Ozon's announced change /v4 sends no FBO rows; the knob serves them as before."""
    with Sandbox(replace(OZON_FIXTURE_CONFIG, ozon_product_stocks_with_fbo=with_fbo)) as ozon_sandbox:
        check_product_stock_pages(ozon_sandbox, with_fbo)


def check_product_stock_pages(ozon_sandbox: Sandbox, with_fbo: bool) -> None:
    truth = truth_of(ozon_sandbox)
    active = {p["product_id"]: p for p in truth.products if not p["archived"]}
    available = Counter()
    for row in truth.fbo_stock:
        available[row["product_id"]] += row["available"]
    seller_stock = {(r["product_id"], r["type"]): (r["present"], r["reserved"]) for r in truth.fbs_stock}

    items, cursor, calls = [], "", 0
    while True:
        body = {"cursor": cursor, "limit": 40, "filter": {"visibility": "ALL"}}
        answer = ok(post(ozon_sandbox, PRODUCT_STOCKS, body))
        calls += 1
        assert answer["total"] == len(active)
        items += answer["items"]
        cursor = answer["cursor"]
        if not cursor:
            break

    assert calls == -(-len(active) // 40)
    assert [i["product_id"] for i in items] == sorted(active)
    for item in items:
        stocks = {s["type"]: s for s in item["stocks"]}
        if with_fbo:
            fbo = stocks.pop("fbo")
            assert fbo["present"] - fbo["reserved"] == available[item["product_id"]]
            assert fbo["reserved"] == active[item["product_id"]]["fbo_reserved"]
        assert "fbo" not in stocks
        assert {t: (s["present"], s["reserved"]) for t, s in stocks.items()} == {
            t: v for (pid, t), v in seller_stock.items() if pid == item["product_id"]
        }
        assert all(
            s["reserved"] <= s["present"] and s["shipment_type"] == "SHIPMENT_TYPE_GENERAL" for s in item["stocks"]
        )


@pytest.mark.parametrize(
    "body",
    [{"limit": 10}, {"filter": {}}, {"filter": {}, "limit": 1001}, {"filter": {}, "limit": 10, "cursor": "e30="}],
)
def test_product_stocks_rejects_bad_arguments_with_code_3(ozon_sandbox, body):
    response = post(ozon_sandbox, PRODUCT_STOCKS, body)
    assert response.status_code == 400
    assert response.json()["code"] == 3


@pytest.mark.parametrize("count", [0, 101])
def test_analytics_stocks_takes_1_to_100_skus(ozon_sandbox, count):
    skus = [str(p["sku"]) for p in truth_of(ozon_sandbox).products][:count]
    skus += [str(100_000_000 + n) for n in range(count - len(skus))]
    response = post(ozon_sandbox, ANALYTICS_STOCKS, {"skus": skus})
    assert response.status_code == 400
    assert response.json()["code"] == 3
    assert ok(post(ozon_sandbox, ANALYTICS_STOCKS, {"skus": skus[:100] or ["1"]}))["items"] is not None


def normalize_warehouse_name(name: str) -> str:
    """The dbt macro `normalize_warehouse_name`, in Python."""
    lookalikes = str.maketrans("ABCEHKMOPTXYacexopykmthb", "АВСЕНКМОРТХУАСЕХОРУКМТНВ")
    name = name.translate(lookalikes).upper().replace("Ё", "Е")
    return re.sub(r"[\s_.\-]+", "_", name).strip("_")


def resolve(name: str) -> str | None:
    """Canonical name through the macro, then through the seed `warehouse_aliases`."""
    aliases = {}
    for warehouse in CANONICAL_WAREHOUSES:
        canonical = warehouse.canonical_name
        aliases[canonical] = canonical
        aliases[re.sub(r"(_РФЦ_НОВЫЙ|_МРФЦ|_МПСЦ|_РФЦ)$", "", canonical)] = canonical
        aliases[canonical.removesuffix("_НОВЫЙ")] = canonical
    return aliases.get(normalize_warehouse_name(name))


def test_analytics_rows_carry_warehouse_name_variants_that_resolve(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    canonical_of = {(r["sku"], r["warehouse_id"]): r["canonical_warehouse"] for r in truth.fbo_stock}

    rows = analytics_rows(ozon_sandbox, [p["sku"] for p in truth.products])

    assert len(rows) == len(truth.fbo_stock)
    assert {(r["sku"], r["warehouse_id"]) for r in rows} == set(canonical_of)
    assert all(resolve(r["warehouse_name"]) == canonical_of[(r["sku"], r["warehouse_id"])] for r in rows)
    served_names = {r["warehouse_name"] for r in rows}
    assert served_names & set(canonical_of.values()), "the canonical spelling is served too"
    assert len(served_names - set(canonical_of.values())) >= 5, "and misspellings"
    assert set(rows[0]) >= {
        "available_stock_count",
        "cluster_id",
        "cluster_name",
        "macrolocal_cluster_id",
        "turnover_grade",
        "item_tags",
        "ads",
        "idc",
        "waiting_docs_stock_count",
    }


def test_a_default_dataset_serves_every_spelling_kind():
    truth = OzonApi(SandboxConfig()).truth("100001")
    kinds = Counter(row["name_variant"] for row in truth.fbo_stock)
    assert set(kinds) == set(VARIANT_KINDS)
    assert kinds["canonical"] == max(kinds.values())
    assert all(resolve(row["warehouse_name"]) == row["canonical_warehouse"] for row in truth.fbo_stock)


def test_served_fbo_stock_adds_up_to_the_truth(ozon_sandbox):
    truth = truth_of(ozon_sandbox)
    rows = analytics_rows(ozon_sandbox, [p["sku"] for p in truth.products])

    served = Counter()
    for row in rows:
        served[resolve(row["warehouse_name"])] += row["available_stock_count"]

    assert dict(served) == truth.fbo_available_by_warehouse()
    archived_skus = {p["sku"] for p in truth.products if p["archived"]}
    assert any(row["sku"] in archived_skus and row["available_stock_count"] for row in rows), (
        "archived products keep FBO stock, and the truth counts it"
    )


def test_analytics_sales_figures_are_the_products_over_28_days_all_clusters_and_per_cluster():
    """/v1/analytics/stocks' `ads` is the product's units ordered a day over the last 28 days at all its
    Ozon warehouses (all clusters), repeated on each of its rows; `ads_cluster` the same over the
    warehouses of the row's cluster; `idc`/`idc_cluster` divide the available units there by them
    (ozon.md §4.3; OpenAPI v1AnalyticsStocksResponseItem). It was each warehouse's own 60-day
    average, the figure of /v1/analytics/turnover/stocks."""
    config = SandboxConfig(seed=5, products=60, warehouses=16, history_days=45, rate_limit_rps=0)
    with Sandbox(config) as sandbox:
        truth = truth_of(sandbox)
        rows = analytics_rows(sandbox, [p["sku"] for p in truth.products])
    since = truth.as_of - timedelta(days=28)
    ordered, ordered_in_cluster = Counter(), Counter()
    for line in truth.order_lines:
        if line["scheme"] == "fbo" and since < line["created_at"] <= truth.as_of:
            ordered[line["sku"]] += line["quantity"]
            ordered_in_cluster[line["sku"], line["cluster_from"]] += line["quantity"]
    available, available_in_cluster = Counter(), Counter()
    for row in rows:
        available[row["sku"]] += row["available_stock_count"]
        available_in_cluster[row["sku"], row["cluster_name"]] += row["available_stock_count"]

    for row in rows:
        sku, cluster = row["sku"], row["cluster_name"]
        assert row["ads"] == round(ordered[sku] / 28, 2), row
        assert row["ads_cluster"] == round(ordered_in_cluster[sku, cluster] / 28, 2), row
        assert row["idc"] == (round(available[sku] / row["ads"], 1) if row["ads"] else 0.0), row
        assert row["idc_cluster"] == (
            round(available_in_cluster[sku, cluster] / row["ads_cluster"], 1) if row["ads_cluster"] else 0.0
        ), row
    rows_of = Counter(row["sku"] for row in rows)
    repeated = {row["sku"] for row in rows if rows_of[row["sku"]] > 1 and row["ads"] > 0}
    assert len(repeated) >= 10, "products selling from several warehouses carry one figure on each row"
    assert any(row["ads_cluster"] < row["ads"] for row in rows), "a cluster's figure is part of the product's"


def test_unknown_warehouses_are_served_verbatim_and_kept_apart_in_the_truth():
    with Sandbox(SandboxConfig(seed=3, products=60, warehouses=5, unknown_warehouses=2)) as sandbox:
        truth = truth_of(sandbox)
        rows = analytics_rows(sandbox, [p["sku"] for p in truth.products])

    unknown = {r["warehouse_name"] for r in rows if resolve(r["warehouse_name"]) is None}
    assert unknown == {"ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_1", "ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_2"}
    assert not unknown & set(truth.fbo_available_by_warehouse())
    with_unknown = truth.fbo_available_by_warehouse(include_unknown=True)
    assert all(with_unknown[name] > 0 for name in unknown)
    assert sum(r["available_stock_count"] for r in rows) == sum(with_unknown.values())


# --- auth, limits, faults -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ({}, 400, BAD_CLIENT_ID),
        ({"Client-Id": "abc", "Api-Key": "k"}, 400, BAD_CLIENT_ID),
        ({"Client-Id": "0", "Api-Key": "k"}, 400, BAD_CLIENT_ID),
        ({"Client-Id": "-5", "Api-Key": "k"}, 400, BAD_CLIENT_ID),
        ({"Client-Id": "999999"}, 404, BAD_KEY),
        ({"Client-Id": "100001", "Api-Key": "0badc0de-1111-2222-3333-444455556666"}, 404, BAD_KEY),
        ({"Client-Id": "100001"}, 404, BAD_KEY),
    ],
)
def test_auth_failures_have_ozons_status_and_body(ozon_sandbox, headers, status, body):
    response = post(ozon_sandbox, PRODUCT_LIST, {"limit": 10}, headers=headers)
    assert (response.status_code, response.json()) == (status, body)
    assert ozon_sandbox.ozon.requests == [(headers.get("Client-Id"), PRODUCT_LIST, status)]


def test_each_account_sees_only_its_own_catalogue():
    with Sandbox(SandboxConfig(seed=5, products=20, warehouses=3, accounts=2)) as sandbox:
        first, second = sandbox.ozon.accounts
        mine = ok(post(sandbox, PRODUCT_LIST, {"limit": 100}, account=first))["result"]["items"]
        theirs = ok(post(sandbox, PRODUCT_LIST, {"limit": 100}, account=second))["result"]["items"]
        crossed = post(
            sandbox, PRODUCT_LIST, {"limit": 100}, headers={"Client-Id": second.client_id, "Api-Key": first.api_key}
        )

    assert (first.client_id, second.client_id) == ("100001", "100002") and first.api_key != second.api_key
    assert mine and theirs and not {i["product_id"] for i in mine} & {i["product_id"] for i in theirs}
    assert crossed.status_code == 404


def test_too_many_requests_per_second_get_429_per_client_id():
    with Sandbox(SandboxConfig(seed=1, products=10, warehouses=2, accounts=2, rate_limit_rps=3)) as sandbox:
        first, second = sandbox.ozon.accounts
        burst = [post(sandbox, PRODUCT_LIST, {"limit": 5}, account=first) for _ in range(10)]
        other_account = post(sandbox, PRODUCT_LIST, {"limit": 5}, account=second)
        time.sleep(1.1)
        after_a_second = post(sandbox, PRODUCT_LIST, {"limit": 5}, account=first)

    throttled = [r for r in burst if r.status_code == 429]
    assert 5 <= len(throttled) <= 7
    assert all(r.json() == RATE_LIMITED and "Retry-After" not in r.headers for r in throttled)
    assert other_account.status_code == 200 and after_a_second.status_code == 200


def test_a_path_can_get_a_stricter_limit_of_its_own(ozon_sandbox):
    ozon_sandbox.ozon.limiter.limit_path(ANALYTICS_STOCKS, requests=1, per_seconds=60)
    sku = str(truth_of(ozon_sandbox).products[0]["sku"])

    statuses = [post(ozon_sandbox, ANALYTICS_STOCKS, {"skus": [sku]}).status_code for _ in range(2)]

    assert statuses == [200, 429]
    assert post(ozon_sandbox, PRODUCT_LIST, {"limit": 1}).status_code == 200


def test_injected_faults_hit_the_next_requests_of_that_path_only(ozon_sandbox):
    ozon_sandbox.ozon.inject_fault(PRODUCT_STOCKS, status=429, times=2)
    ozon_sandbox.ozon.inject_fault(PRODUCT_INFO_LIST, status=503, times=1, retry_after=2)
    body = {"filter": {}, "limit": 10}

    stock_answers = [post(ozon_sandbox, PRODUCT_STOCKS, body) for _ in range(3)]
    listed = post(ozon_sandbox, PRODUCT_LIST, {"limit": 1})
    info = [post(ozon_sandbox, PRODUCT_INFO_LIST, {"product_id": ["1"]}) for _ in range(2)]

    assert [r.status_code for r in stock_answers] == [429, 429, 200]
    assert stock_answers[0].json() == RATE_LIMITED
    assert listed.status_code == 200
    assert [r.status_code for r in info] == [503, 200]
    assert info[0].json() == {"code": 13, "message": "Internal error", "details": []}
    assert info[0].headers["Retry-After"] == "2"
    assert [r.status for r in ozon_sandbox.ozon.requests if r.path == PRODUCT_STOCKS] == [429, 429, 200]
    with pytest.raises(ValueError, match="429 or a 5xx"):
        ozon_sandbox.ozon.inject_fault(PRODUCT_LIST, status=404)


def test_unknown_paths_other_methods_and_broken_json_are_refused(ozon_sandbox):
    account = ozon_sandbox.ozon.accounts[0]
    auth = {"Client-Id": account.client_id, "Api-Key": account.api_key}
    base = ozon_sandbox.ozon.base_url

    missing = requests.post(base + "/v2/product/list", json={}, headers=auth, timeout=10)
    wrong_method = requests.get(base + PRODUCT_LIST, headers=auth, timeout=10)
    broken = requests.post(base + PRODUCT_LIST, data=b'{"limit": ', headers=auth, timeout=10)

    assert (missing.status_code, missing.json()["code"]) == (404, 5)
    assert wrong_method.status_code == 405
    assert (broken.status_code, broken.json()["code"]) == (400, 3)


# --- determinism, scale, CLI --------------------------------------------------------------------


def served_bytes(config: SandboxConfig) -> bytes:
    with Sandbox(config) as sandbox:
        truth = truth_of(sandbox)
        skus = [p["sku"] for p in truth.products]
        answers = [
            post(sandbox, PRODUCT_LIST, {"limit": 1000}),
            post(sandbox, PRODUCT_INFO_LIST, {"sku": skus}),
            post(sandbox, PRODUCT_STOCKS, {"filter": {"visibility": "ARCHIVED"}, "limit": 1000}),
            post(sandbox, ANALYTICS_STOCKS, {"skus": skus[:100]}),
        ]
        return sandbox.ozon.accounts[0].api_key.encode() + b"".join(ok(a) and a.content for a in answers)


def test_the_same_seed_serves_the_same_bytes_and_another_seed_does_not():
    config = SandboxConfig(seed=99, products=80, warehouses=8, unknown_warehouses=1)
    first = served_bytes(config)
    assert served_bytes(config) == first
    assert served_bytes(SandboxConfig(seed=100, products=80, warehouses=8, unknown_warehouses=1)) != first


def test_a_large_catalogue_simulates_only_the_products_a_page_serves():
    # how fast is `make bench`'s business; here: nothing beyond the page is simulated to serve it
    api = OzonApi(SandboxConfig(products=100_000, warehouses=40, rate_limit_rps=0))
    account = api.accounts[0]
    headers = {"Client-Id": account.client_id, "Api-Key": account.api_key}
    page = api.handle("POST", PRODUCT_LIST, headers, json.dumps({"limit": 1000, "filter": {}}).encode())

    assert page.status == 200 and len(page.body["result"]["items"]) == 1000
    assert page.body["result"]["total"] == 90_000
    assert len(api.seller(account.client_id).history._lives) <= 1000


def test_the_command_line_prints_credentials_and_stops_on_sigterm():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox",
            "--port",
            "0",
            "--seed",
            "4",
            "--products",
            "20",
            "--warehouses",
            "3",
            "--accounts",
            "2",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = [process.stdout.readline() for _ in range(6)]
        env = dict(line.strip().split("=", 1) for line in lines if "=" in line)
        response = requests.post(
            env["OZON_API_BASE_URL"] + PRODUCT_LIST,
            json={"limit": 5},
            timeout=10,
            headers={"Client-Id": env["OZON_CLIENT_ID"], "Api-Key": env["OZON_API_KEY"]},
        )
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=10)

    assert response.status_code == 200 and len(response.json()["result"]["items"]) == 5
    assert sum("Client-Id 10000" in line for line in lines) == 2
    assert exit_code == 0


def test_a_client_gone_mid_request_leaves_no_traceback(ozon_sandbox, capfd):
    """A loader killed mid-request resets its connection: the server goes on without printing a traceback."""
    host, port = ozon_sandbox.ozon.base_url.removeprefix("http://").split(":")
    client = socket.create_connection((host, int(port)))
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close sends a reset
    client.send(b"POST /v3/product/list HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
    client.close()
    account = ozon_sandbox.ozon.accounts[0]
    answer = requests.post(
        f"{ozon_sandbox.ozon.base_url}/v3/product/list",
        headers={"Client-Id": account.client_id, "Api-Key": account.api_key},
        json={"filter": {"visibility": "ALL"}, "limit": 1},
        timeout=5,
    )
    assert answer.status_code == 200
    assert "Traceback" not in capfd.readouterr().err
