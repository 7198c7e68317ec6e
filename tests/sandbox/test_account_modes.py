"""The sandbox reproduces real accounts: endpoints removed or forbidden for one account or all of
them, answered as each marketplace answers them, and sparse answers that leave out every field the
API schemas do not require (except the keys the loaders need)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import requests

from loaders.ozon import settings as ozon_settings
from loaders.wildberries import settings as wb_settings
from sandbox import Sandbox, SandboxConfig
from sandbox.__main__ import main, parse_args
from sandbox.server import FORBIDDEN, REMOVED
from sandbox.sparse import EMPTY, KEEP, NULL, SHAPES, SPEC_REQUIRED, prune
from tests.support.ozon_requests import ok, post

PRODUCT_LIST, ANALYTICS_STOCKS = "/v3/product/list", "/v1/analytics/stocks"
ORDERS, SALES, CARDS = "/api/v1/supplier/orders", "/api/v1/supplier/sales", "/content/v2/get/cards/list"
REMAINS, TRASH = "/api/v1/warehouse_remains", "/content/v2/get/cards/trash"
WB_WAREHOUSES, SELLER_WAREHOUSES, OFFICES = (
    "/api/analytics/v1/stocks-report/wb-warehouses",
    "/api/v3/warehouses",
    "/api/v3/offices",
)
GROUPS = {"locale": "ru", "groupByNm": "true", "groupByBarcode": "true", "groupBySize": "true"}
SINCE_TO = {"since": "2025-11-01T00:00:00Z", "to": "2025-11-20T00:00:00Z"}

OBSOLETE = {"code": 9, "message": "obsolete method cannot be used", "details": []}
PERMISSION_DENIED = {"code": 7, "message": "Api-Key is missing a required role for a method", "details": []}
SMALL = {"seed": 5, "products": 20, "warehouses": 4, "history_days": 10, "rate_limit_rps": 0}


def wb_call(sb: Sandbox, path: str, account: int = 0, params: dict | None = None, body: dict | None = None):
    headers = {"Authorization": sb.wildberries.accounts[account].token}
    url = sb.wildberries.base_url + path
    if body is None:
        return requests.get(url, params=params, headers=headers, timeout=10)
    return requests.post(url, json=body, headers=headers, timeout=10)


WB_CALLS = {  # path -> (query, JSON body or None for a GET)
    ORDERS: ({"dateFrom": "2025-11-01"}, None),
    SALES: ({"dateFrom": "2025-11-01"}, None),
    REMAINS: (GROUPS, None),
    CARDS: (None, {"settings": {"cursor": {"limit": 5}}}),
    TRASH: (None, {"settings": {"sort": {"ascending": True}, "cursor": {"limit": 100}}}),
    WB_WAREHOUSES: (None, {"limit": 100}),
    SELLER_WAREHOUSES: (None, None),
    OFFICES: (None, None),
}


def wb_request(sb: Sandbox, path: str, account: int = 0):
    query, body = WB_CALLS[path]
    return wb_call(sb, path, account, params=query, body=body)


# --- removed and forbidden endpoints: Ozon ----------------------------------------------------------


def test_ozon_removed_for_one_account_by_config():
    with Sandbox(SandboxConfig(accounts=2, removed_endpoints=(f"1:{PRODUCT_LIST}",), **SMALL)) as sb:
        first, second = sb.ozon.accounts
        body = {"filter": {}, "limit": 10}
        removed = post(sb, PRODUCT_LIST, body, second)
        assert (removed.status_code, removed.json()) == (400, OBSOLETE)
        assert ok(post(sb, PRODUCT_LIST, body, first))["result"]["items"], "the other account is served"
        assert ok(post(sb, ANALYTICS_STOCKS, {"skus": ["1"]}, second)) == {"items": []}, "other endpoints too"
        assert sb.ozon.requests[0] == (second.client_id, PRODUCT_LIST, 400)

        sb.ozon.removed_status = 410  # Ozon has been seen answering a removed method with 410 too
        gone = post(sb, PRODUCT_LIST, body, second)
        assert (gone.status_code, gone.json()) == (410, OBSOLETE)


def test_ozon_forbidden_comes_after_auth_and_before_faults_and_limits():
    with Sandbox(SandboxConfig(accounts=2, **SMALL)) as sb:
        first, second = sb.ozon.accounts
        sb.ozon.disable_endpoint(ANALYTICS_STOCKS, FORBIDDEN, account=int(first.client_id))
        sb.ozon.inject_fault(ANALYTICS_STOCKS, status=503)
        sb.ozon.limiter.limit_path(ANALYTICS_STOCKS, requests=1, per_seconds=3600)
        body = {"skus": ["1"]}

        wrong_key = post(sb, ANALYTICS_STOCKS, body, headers={"Client-Id": first.client_id, "Api-Key": "nope"})
        assert wrong_key.status_code == 404 and wrong_key.json()["code"] == 5, "authentication comes first"
        for _ in range(3):  # neither the queued fault nor the rate limit is reached
            forbidden = post(sb, ANALYTICS_STOCKS, body, first)
            assert (forbidden.status_code, forbidden.json()) == (403, PERMISSION_DENIED)
        assert post(sb, PRODUCT_LIST, {"filter": {}, "limit": 1}, first).status_code == 200

        sb.ozon.enable_endpoint(ANALYTICS_STOCKS, account=first.client_id)
        assert post(sb, ANALYTICS_STOCKS, body, first).status_code == 503, "the fault was still queued"
        assert post(sb, ANALYTICS_STOCKS, body, first).status_code == 200
        assert post(sb, ANALYTICS_STOCKS, body, first).status_code == 429
        assert post(sb, ANALYTICS_STOCKS, body, second).status_code == 200

        listing = {"filter": {}, "limit": 1}
        sb.ozon.disable_endpoint(PRODUCT_LIST, REMOVED)  # every account
        sb.ozon.disable_endpoint(PRODUCT_LIST, FORBIDDEN, account=second)  # an OzonAccount names one too
        assert [post(sb, PRODUCT_LIST, listing, a).json() for a in (first, second)] == [OBSOLETE, PERMISSION_DENIED]
        sb.ozon.enable_endpoint(PRODUCT_LIST)  # every account, whatever was disabled
        assert [post(sb, PRODUCT_LIST, listing, a).status_code for a in (first, second)] == [200, 200]


def test_disable_endpoint_checks_its_arguments():
    with pytest.raises(ValueError, match="no Ozon or Wildberries route"):
        Sandbox(SandboxConfig(removed_endpoints=("/v2/product/list",), **SMALL))
    with pytest.raises(ValueError, match="account index"):
        SandboxConfig(forbidden_endpoints=(f"1:{PRODUCT_LIST}",), **SMALL)
    with pytest.raises(ValueError, match="INDEX:PATH"):
        SandboxConfig(forbidden_endpoints=("v3/product/list",), **SMALL)
    with pytest.raises(TypeError):
        SandboxConfig(removed_endpoints=PRODUCT_LIST, **SMALL)
    sb = Sandbox(SandboxConfig(**SMALL))
    with pytest.raises(ValueError, match="mode"):
        sb.ozon.disable_endpoint(PRODUCT_LIST, "gone")
    with pytest.raises(ValueError, match="Client-Id"):
        sb.ozon.disable_endpoint(PRODUCT_LIST, REMOVED, account="999")
    with pytest.raises(ValueError, match="no route"):
        sb.wildberries.disable_endpoint(PRODUCT_LIST, REMOVED)
    with pytest.raises(ValueError, match="wb7"):
        sb.wildberries.disable_endpoint(ORDERS, REMOVED, account="wb7")


# --- removed and forbidden endpoints: Wildberries ---------------------------------------------------


def test_wb_removed_remains_create_for_one_account(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.disable_endpoint(REMAINS, REMOVED, account="wb2")
    removed = wb_request(wb_sandbox, REMAINS, account=1)
    assert removed.status_code == 404 and removed.headers["Content-Type"] == "application/problem+json"
    body = removed.json()
    assert (body["title"], body["detail"], body["status"]) == ("not found", "path not found", 404)
    assert body == {**wb_call(wb_sandbox, "/api/v1/supplier/stocks", 1).json(), "requestId": body["requestId"]}, (
        "as WB answers a path it removed"
    )
    served = wb_request(wb_sandbox, REMAINS, account=0)
    assert served.status_code == 200 and served.json()["data"]["taskId"]
    assert wb_request(wb_sandbox, ORDERS, account=1).status_code == 200
    assert wb.requests[0] == ("wb2", REMAINS, 404)


@pytest.mark.parametrize(
    ("path", "status", "content_type", "expected"),
    [
        (CARDS, 403, "application/json", {"data": None, "error": True, "errorText": "Access denied"}),
        (TRASH, 403, "application/json", {"data": None, "error": True, "errorText": "Access denied"}),
        (ORDERS, 401, "application/problem+json", {"title": "unauthorized", "detail": "token scope not allowed"}),
        (SALES, 401, "application/problem+json", {"title": "unauthorized", "detail": "token scope not allowed"}),
        (REMAINS, 401, "application/problem+json", {"title": "unauthorized", "detail": "token scope not allowed"}),
        (WB_WAREHOUSES, 403, "application/json", {"title": "Authorization error", "origin": "analytic-open-api"}),
        (SELLER_WAREHOUSES, 403, "application/json", {"code": "AccessDenied", "message": "", "data": None}),
        (OFFICES, 403, "application/json", {"code": "AccessDenied", "message": "", "data": None}),
    ],
)
def test_wb_forbidden_answers_each_hosts_refusal(wb_sandbox, path, status, content_type, expected):
    wb = wb_sandbox.wildberries
    wb.disable_endpoint(path, FORBIDDEN, account=wb.accounts[0].token)
    refused = wb_request(wb_sandbox, path, account=0)
    assert refused.status_code == status and refused.headers["Content-Type"] == content_type
    body = refused.json()
    assert expected.items() <= body.items()
    required = {
        401: {"code", "requestId", "origin", "status", "statusText", "timestamp"},
        403: {"requestId"} if "title" in body else set(),
    }[status]
    assert required <= set(body)
    assert wb_request(wb_sandbox, path, account=1).status_code == 200, "the other account is served"
    assert wb_request(wb_sandbox, OFFICES if path != OFFICES else ORDERS, account=0).status_code == 200


def test_wb_modes_by_config_and_account_index():
    config = SandboxConfig(accounts=2, forbidden_endpoints=(f"0:{CARDS}",), removed_endpoints=(SALES,), **SMALL)
    with Sandbox(config) as sb:
        assert [wb_request(sb, CARDS, account).status_code for account in (0, 1)] == [403, 200]
        assert [wb_request(sb, SALES, account).status_code for account in (0, 1)] == [404, 404]
        assert [wb_request(sb, ORDERS, account).status_code for account in (0, 1)] == [200, 200]


# --- sparse mode --------------------------------------------------------------------------------------


def test_every_endpoint_the_loaders_use_has_a_sparse_shape_and_every_shape_a_route():
    sb = Sandbox(SandboxConfig(**SMALL))
    ozon = {
        getattr(ozon_settings, name)
        for name in dir(ozon_settings)
        if isinstance(getattr(ozon_settings, name), str) and getattr(ozon_settings, name).startswith("/v")
    }
    wb = {value[1] for value in vars(wb_settings).values() if isinstance(value, tuple) and len(value) == 2}
    wb = {path for path in wb if isinstance(path, str) and path.startswith("/")}
    assert ozon | wb == set(SHAPES) == set(SPEC_REQUIRED)
    assert all(sb.ozon.has_route(path) or sb.wildberries.has_route(path) for path in SHAPES)


def test_prune_keeps_nulls_and_empties_and_leaves_out_the_rest():
    shape = {"a": KEEP, "b": NULL, "c": EMPTY, "d": {"e": KEEP}, "missing": KEEP}
    value = [{"a": 1, "b": 2, "c": [3], "d": [{"e": 4, "f": 5}, None], "g": 6}, "text"]
    assert prune(value, shape) == [{"a": 1, "b": None, "c": [], "d": [{"e": 4}, None]}, "text"]


def test_ozon_sparse_answers_keep_the_keys_and_page_the_same():
    with Sandbox(SandboxConfig(**SMALL)) as full, Sandbox(SandboxConfig(sparse=True, **SMALL)) as sparse:
        body = {"filter": {"visibility": "ALL"}, "limit": 7}
        [page] = [ok(post(sparse, PRODUCT_LIST, body))["result"]]
        assert set(page) == {"items", "last_id"}, "total is not required"
        assert {tuple(item) for item in page["items"]} == {("product_id", "offer_id", "sku")}, "archived, quants, ..."
        full_page = ok(post(full, PRODUCT_LIST, body))["result"]
        assert page["last_id"] == full_page["last_id"]
        assert page["items"] == [{k: item[k] for k in ("product_id", "offer_id", "sku")} for item in full_page["items"]]

        ids = [str(item["product_id"]) for item in page["items"]]
        [info] = ok(post(sparse, "/v3/product/info/list", {"product_id": ids[:1]}))["items"]
        assert info == {"id": int(ids[0]), "offer_id": page["items"][0]["offer_id"], "sku": page["items"][0]["sku"]} | {
            "barcodes": []
        }

        warehouses = ok(post(sparse, "/v2/warehouse/list", {"limit": 200}))
        assert set(warehouses) == {"cursor", "has_next", "warehouses"}
        assert all(w == {"warehouse_id": w["warehouse_id"], "pause_at": None} for w in warehouses["warehouses"])

        request = {"limit": 5, "filter": SINCE_TO, "with": {"analytics_data": True, "financial_data": True}}
        fbo = ok(post(sparse, "/v3/posting/fbo/list", request))
        full_fbo = ok(post(full, "/v3/posting/fbo/list", request))
        assert (fbo["cursor"], fbo["has_next"]) == (full_fbo["cursor"], full_fbo["has_next"])
        for posting, served in zip(fbo["postings"], full_fbo["postings"], strict=True):
            assert posting["posting_number"] == served["posting_number"]
            assert posting["created_at"] == served["created_at"] and posting["in_process_at"] is None
            assert posting["products"] == [{"sku": p["sku"], "offer_id": p["offer_id"]} for p in served["products"]]
            assert "status" not in posting and "analytics_data" not in posting and "financial_data" not in posting

        analytics = ok(post(sparse, ANALYTICS_STOCKS, {"skus": [str(item["sku"]) for item in page["items"]]}))
        assert analytics["items"] and all(
            set(row) == {"sku", "offer_id", "warehouse_id", "item_tags"} and row["item_tags"] == []
            for row in analytics["items"]
        )

        bad = post(sparse, PRODUCT_LIST, {"limit": 0})  # errors are not pruned
        assert bad.status_code == 400 and set(bad.json()) == {"code", "message", "details"}


def report_file(sb: Sandbox) -> tuple[dict, bytes]:
    """The report info of a warehouse stock report on the first warehouse, and its file."""
    sb.ozon.reports.polls_until_ready = 0
    warehouse = ok(post(sb, "/v2/warehouse/list", {"limit": 1}))["warehouses"][0]["warehouse_id"]
    code = ok(post(sb, "/v1/report/warehouse/stock", {"warehouseId": [str(warehouse)]}))["result"]
    info = ok(post(sb, "/v1/report/info", code))["result"]
    account = sb.ozon.accounts[0]
    file = requests.get(info["file"], headers={"Client-Id": account.client_id, "Api-Key": account.api_key}, timeout=10)
    assert file.status_code == 200 and file.headers["Content-Type"] == "text/csv"
    return info, file.content


def test_ozon_report_file_stays_csv_in_sparse_mode():
    with Sandbox(SandboxConfig(**SMALL)) as full, Sandbox(SandboxConfig(sparse=True, **SMALL)) as sparse:
        info, content = report_file(sparse)
        assert set(info) == {"code", "status", "file"} and info["status"] == "success"
        assert content == report_file(full)[1] and content.count(b"\n") > 1


def test_wb_sparse_answers_keep_the_keys():
    with Sandbox(SandboxConfig(sparse=True, **SMALL)) as sb:
        orders = wb_request(sb, ORDERS).json()
        assert orders and {tuple(sorted(row)) for row in orders} == {
            ("barcode", "lastChangeDate", "nmId", "srid", "supplierArticle")
        }, "totalPrice, spp, date, warehouseName, ... are left out"
        sales = wb_request(sb, SALES).json()
        assert sales and all({"saleID", "srid", "lastChangeDate"} <= set(row) and "forPay" not in row for row in sales)

        cards = wb_request(sb, CARDS).json()
        assert set(cards["cursor"]) == {"updatedAt", "nmID", "total"} and cards["cursor"]["total"] == 5
        for card in cards["cards"]:
            assert set(card) == {"nmID", "vendorCode", "sizes", "photos", "tags", "updatedAt"}, "title, ... left out"
            assert card["photos"] == card["tags"] == [] and all(set(s) == {"chrtID", "skus"} for s in card["sizes"])

        stock = wb_request(sb, WB_WAREHOUSES).json()["data"]["items"]  # every field is required by the spec
        assert stock and {len(row) for row in stock} == {8}

        offices = wb_request(sb, OFFICES).json()
        assert offices and all(office == {"id": office["id"], "federalDistrict": None} for office in offices)

        task = wb_request(sb, REMAINS).json()
        assert set(task) == {"data"} and set(task["data"]) == {"taskId"}
        status_path = f"{REMAINS}/tasks/{task['data']['taskId']}"
        statuses = [wb_call(sb, f"{status_path}/status").json() for _ in range(3)]
        assert statuses[-1] == {"data": {"status": "done"}}, "the task id is not required"
        rows = wb_call(sb, f"{status_path}/download").json()
        assert rows and all(set(row) == {"nmId", "barcode", "vendorCode", "warehouses"} for row in rows)
        assert all(set(entry) == {"warehouseName", "quantity"} for row in rows for entry in row["warehouses"])

        sb.clock.advance(timedelta(days=30))  # this seller trashes its first cards within the month
        trash = wb_request(sb, TRASH).json()
        assert trash["cards"] and set(trash["cursor"]) == {"trashedAt", "nmID", "total"}
        for card in trash["cards"]:
            assert set(card) == {"nmID", "vendorCode", "sizes", "trashedAt"}, "subjectName, photos, ... left out"
            assert all(set(size) == {"chrtID", "skus", "techSize"} for size in card["sizes"])


def test_sparse_mode_leaves_the_truth_alone(tmp_path):
    written = {}
    for sparse in (False, True):
        sb = Sandbox(SandboxConfig(accounts=2, sparse=sparse, **SMALL))
        directory = tmp_path / str(sparse)
        files = sb.ozon.export_truth(directory) + sb.wildberries.export_truth(directory)
        written[sparse] = {path.name: json.loads(path.read_text(encoding="utf-8")) for path in files}
    assert written[True] == written[False] and len(written[True]) == 4


# --- the command line ---------------------------------------------------------------------------------


def test_cli_flags_parse(capsys):
    config, _ = parse_args(
        ["--accounts", "2", "--remove", PRODUCT_LIST, "--remove", f"1:{ORDERS}", "--forbid", OFFICES, "--sparse"]
    )
    assert config.removed_endpoints == (PRODUCT_LIST, f"1:{ORDERS}")
    assert config.forbidden_endpoints == (OFFICES,) and config.sparse
    defaults, _ = parse_args([])
    assert (defaults.removed_endpoints, defaults.forbidden_endpoints, defaults.sparse) == ((), (), False)
    assert not defaults.ozon_product_stocks_with_fbo, "Ozon's announced /v4/product/info/stocks by default"
    assert parse_args(["--ozon-product-stocks-with-fbo"])[0].ozon_product_stocks_with_fbo
    with pytest.raises(SystemExit):
        parse_args(["--forbid", f"1:{ORDERS}"])  # one account: index 1 does not exist
    assert main(["--products", "5", "--remove", "/v2/product/list"]) == 2  # no such route
    assert "no Ozon or Wildberries route" in capsys.readouterr().err
