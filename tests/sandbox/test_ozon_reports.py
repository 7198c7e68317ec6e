"""The sandbox's Ozon warehouses, clusters and warehouse stock report follow the contract notes
(shapes, paging, errors, the report status sequence and file format) and its fault knobs work."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
import requests

from sandbox import Sandbox, SandboxConfig
from sandbox.ozon_reports import HEADER
from sandbox.ozon_warehouses import CANONICAL_WAREHOUSES
from tests.support.ozon_requests import ok, post

WAREHOUSE_LIST = "/v2/warehouse/list"
CLUSTER_LIST = "/v1/cluster/list"
STOCK_REPORT = "/v1/report/warehouse/stock"
REPORT_INFO = "/v1/report/info"
BAD_KEY = {"code": 5, "message": "Invalid Api-Key, please check the key and try again", "details": []}


def seller_warehouses(sandbox: Sandbox, account=None) -> list[dict]:
    return ok(post(sandbox, WAREHOUSE_LIST, {"limit": 200}, account))["warehouses"]


def create_report(sandbox: Sandbox, account=None) -> str:
    ids = [str(w["warehouse_id"]) for w in seller_warehouses(sandbox, account)]
    return ok(post(sandbox, STOCK_REPORT, {"warehouseId": ids, "language": "DEFAULT"}, account))["result"]["code"]


def poll(sandbox: Sandbox, code: str, times: int) -> list[dict]:
    return [ok(post(sandbox, REPORT_INFO, {"code": code}))["result"] for _ in range(times)]


def download(sandbox: Sandbox, url: str) -> requests.Response:
    account = sandbox.ozon.accounts[0]
    return requests.get(url, headers={"Client-Id": account.client_id, "Api-Key": account.api_key}, timeout=10)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --- warehouses and clusters ---------------------------------------------------------------------


def test_warehouse_list_pages_the_sellers_fbs_and_rfbs_warehouses_with_a_cursor(ozon_sandbox):
    pages, cursor = [], ""
    while True:
        answer = ok(post(ozon_sandbox, WAREHOUSE_LIST, {"limit": 1, "cursor": cursor}))
        pages.append(answer["warehouses"])
        if not answer["has_next"]:
            assert answer["cursor"] == ""
            break
        cursor = answer["cursor"]

    warehouses = [w for page in pages for w in page]
    assert [len(page) for page in pages] == [1, 1, 1]
    assert warehouses == seller_warehouses(ozon_sandbox)
    assert sorted(w["is_rfbs"] for w in warehouses) == [False, False, True]
    assert all(10**13 <= w["warehouse_id"] < 10**16 and w["status"] == "created" for w in warehouses)
    assert {"address_info", "first_mile", "working_days", "timetable", "postings_limit"} <= set(warehouses[0])


def test_warehouse_list_filters_by_id_and_each_account_has_its_own():
    with Sandbox(SandboxConfig(products=5, accounts=2)) as sandbox:
        first, second = sandbox.ozon.accounts
        mine = seller_warehouses(sandbox, first)
        theirs = seller_warehouses(sandbox, second)
        one = ok(post(sandbox, WAREHOUSE_LIST, {"limit": 10, "warehouse_ids": [str(mine[1]["warehouse_id"])]}, first))

    assert not {w["warehouse_id"] for w in mine} & {w["warehouse_id"] for w in theirs}
    assert one["warehouses"] == [mine[1]]


@pytest.mark.parametrize("body", [{}, {"limit": 0}, {"limit": 201}, {"limit": 5, "cursor": "%%%"}])
def test_warehouse_list_rejects_bad_arguments_with_code_3(ozon_sandbox, body):
    response = post(ozon_sandbox, WAREHOUSE_LIST, body)
    assert response.status_code == 400 and response.json()["code"] == 3


def test_cluster_list_serves_every_canonical_warehouse_once_with_its_cluster(ozon_sandbox):
    clusters = [
        cluster
        for cluster_type in ("CLUSTER_TYPE_OZON", "CLUSTER_TYPE_CIS")
        for cluster in ok(post(ozon_sandbox, CLUSTER_LIST, {"cluster_type": cluster_type}))["clusters"]
    ]

    served = {
        w["warehouse_id"]: (w["name"], cluster["id"], cluster["name"])
        for cluster in clusters
        for logistic in cluster["logistic_clusters"]
        for w in logistic["warehouses"]
    }
    expected = {w.warehouse_id: (w.canonical_name, w.cluster_id, w.cluster_name) for w in CANONICAL_WAREHOUSES}
    assert served == expected
    assert {c["name"] for c in clusters if c["type"] == "CLUSTER_TYPE_CIS"} == {"Беларусь", "Казахстан"}
    assert set(clusters[0]) == {"id", "name", "type", "macrolocal_cluster_id", "logistic_clusters"}


def test_cluster_list_filters_by_id_requires_a_type_and_includes_unknown_warehouses():
    with Sandbox(SandboxConfig(products=5, unknown_warehouses=2)) as sandbox:
        everything = ok(post(sandbox, CLUSTER_LIST, {"cluster_type": "CLUSTER_TYPE_OZON"}))["clusters"]
        chosen = ok(post(sandbox, CLUSTER_LIST, {"cluster_type": "CLUSTER_TYPE_OZON", "cluster_ids": ["999"]}))
        missing_type = post(sandbox, CLUSTER_LIST, {})

    assert [c["name"] for c in chosen["clusters"]] == ["Новые склады"]
    names = [w["name"] for w in chosen["clusters"][0]["logistic_clusters"][0]["warehouses"]]
    assert names == ["ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_1", "ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_2"]
    assert len(everything) > 1
    assert missing_type.status_code == 400 and missing_type.json()["code"] == 3


@pytest.mark.parametrize("path", [WAREHOUSE_LIST, CLUSTER_LIST, STOCK_REPORT, REPORT_INFO])
def test_every_new_endpoint_wants_the_right_api_key(ozon_sandbox, path):
    account = ozon_sandbox.ozon.accounts[0]
    headers = {"Client-Id": account.client_id, "Api-Key": "wrong"}
    response = requests.post(ozon_sandbox.ozon.base_url + path, json={}, headers=headers, timeout=10)
    assert (response.status_code, response.json()) == (404, BAD_KEY)


def test_the_per_client_rate_limit_covers_the_new_endpoints():
    with Sandbox(SandboxConfig(products=5, rate_limit_rps=2)) as sandbox:
        statuses = [post(sandbox, WAREHOUSE_LIST, {"limit": 10}).status_code for _ in range(6)]
        statuses += [post(sandbox, REPORT_INFO, {"code": "x"}).status_code for _ in range(2)]
    assert 429 in statuses and statuses[0] == 200


# --- the report flow -----------------------------------------------------------------------------


def test_report_goes_waiting_processing_success_and_serves_ozons_csv(ozon_sandbox):
    ozon_sandbox.ozon.reports.polls_until_ready = 2
    code = create_report(ozon_sandbox)

    infos = poll(ozon_sandbox, code, 3)

    assert code.startswith(f"REPORT_seller_stock_{ozon_sandbox.ozon.accounts[0].client_id}_")
    assert [info["status"] for info in infos] == ["waiting", "processing", "success"]
    assert infos[0]["file"] == "" and infos[2]["file"].startswith(ozon_sandbox.ozon.base_url)
    assert infos[2]["report_type"] == "SELLER_STOCK" and infos[2]["error"] == "" and infos[2]["expires_at"]
    data = download(ozon_sandbox, infos[2]["file"]).content
    assert data.startswith(b'\xef\xbb\xbf"') and b"\r" not in data and data.endswith(b"\n")
    rows = read_csv(data)
    assert tuple(rows[0]) == HEADER
    assert all(len(row) == len(HEADER) and row[0].startswith("'") and row[0][1:].isdigit() for row in rows[1:])
    assert all(row[4].isdigit() and row[5].isdigit() for row in rows[1:])


def test_report_totals_equal_the_fbs_stock_of_the_truth(ozon_sandbox):
    code = create_report(ozon_sandbox)
    rows = read_csv(download(ozon_sandbox, poll(ozon_sandbox, code, 2)[-1]["file"]).content)[1:]
    truth = ozon_sandbox.ozon.truth(ozon_sandbox.ozon.accounts[0].client_id)
    active = {p["product_id"]: p["offer_id"] for p in truth.products if not p["archived"]}

    present, reserved = Counter(), Counter()
    for row in rows:
        article = row[2].removeprefix("'")
        present[article] += int(row[4]) + int(row[5])
        reserved[article] += int(row[5])
    expected_present, expected_reserved = Counter(), Counter()
    for stock in truth.fbs_stock:
        if stock["product_id"] in active:
            expected_present[active[stock["product_id"]]] += stock["present"]
            expected_reserved[active[stock["product_id"]]] += stock["reserved"]
    assert present == expected_present and reserved == expected_reserved
    assert sum(present.values()) > 0


def test_report_covers_only_the_requested_warehouses(ozon_sandbox):
    warehouse = seller_warehouses(ozon_sandbox)[0]
    code = ok(post(ozon_sandbox, STOCK_REPORT, {"warehouseId": [str(warehouse["warehouse_id"])]}))["result"]["code"]
    rows = read_csv(download(ozon_sandbox, poll(ozon_sandbox, code, 2)[-1]["file"]).content)[1:]
    assert rows and {(row[0], row[1]) for row in rows} == {(f"'{warehouse['warehouse_id']}", warehouse["name"])}


@pytest.mark.parametrize(
    "body", [{}, {"warehouseId": []}, {"warehouseId": ["x"]}, {"warehouseId": ["1"]}, {"warehouseId": ["1"] * 51}]
)
def test_report_creation_rejects_bad_warehouse_ids_with_code_3(ozon_sandbox, body):
    response = post(ozon_sandbox, STOCK_REPORT, body)
    assert response.status_code == 400 and response.json()["code"] == 3


def test_report_info_of_an_unknown_or_foreign_code_is_not_found():
    with Sandbox(SandboxConfig(products=5, accounts=2)) as sandbox:
        code = create_report(sandbox, sandbox.ozon.accounts[1])
        foreign = post(sandbox, REPORT_INFO, {"code": code})
        unknown = post(sandbox, REPORT_INFO, {"code": "REPORT_nothing"})
        missing = post(sandbox, REPORT_INFO, {})
    assert foreign.status_code == unknown.status_code == 404 and foreign.json()["code"] == 5
    assert missing.status_code == 400


def test_the_file_is_not_served_before_the_report_is_ready(ozon_sandbox):
    ozon_sandbox.ozon.reports.polls_until_ready = 2
    code = create_report(ozon_sandbox)
    poll(ozon_sandbox, code, 1)
    file_name = ozon_sandbox.ozon.reports._reports[code].file_name
    assert download(ozon_sandbox, f"{ozon_sandbox.ozon.base_url}/s3/seller-reports/{file_name}").status_code == 404


# --- fault knobs ---------------------------------------------------------------------------------


def test_a_failed_report_says_failed_with_an_error_and_has_no_file(ozon_sandbox):
    ozon_sandbox.ozon.reports.inject("failed")
    failed, fine = create_report(ozon_sandbox), create_report(ozon_sandbox)

    last = poll(ozon_sandbox, failed, 3)[-1]

    assert (last["status"], last["error"], last["file"]) == ("failed", "REPORT_GENERATION_FAILED", "")
    assert poll(ozon_sandbox, fine, 2)[-1]["status"] == "success", "a fault hits only the next report"


def test_a_stuck_report_stays_processing(ozon_sandbox):
    ozon_sandbox.ozon.reports.inject("stuck")
    code = create_report(ozon_sandbox)
    assert [info["status"] for info in poll(ozon_sandbox, code, 6)] == ["waiting"] + ["processing"] * 5


def test_a_truncated_file_stops_mid_row(ozon_sandbox):
    ozon_sandbox.ozon.reports.inject("truncated")
    data = download(ozon_sandbox, poll(ozon_sandbox, create_report(ozon_sandbox), 2)[-1]["file"]).content
    text = data.decode("utf-8-sig")
    assert not text.endswith("\n") and text.startswith('"Идентификатор склада"')


def test_a_file_with_the_wrong_delimiter_uses_commas(ozon_sandbox):
    ozon_sandbox.ozon.reports.inject("wrong_delimiter")
    data = download(ozon_sandbox, poll(ozon_sandbox, create_report(ozon_sandbox), 2)[-1]["file"]).content
    header = data.decode("utf-8-sig").splitlines()[0]
    assert ";" not in header and header.count(",") >= len(HEADER) - 1


def test_a_broken_row_misses_one_field(ozon_sandbox):
    ozon_sandbox.ozon.reports.inject("broken_row")
    rows = read_csv(download(ozon_sandbox, poll(ozon_sandbox, create_report(ozon_sandbox), 2)[-1]["file"]).content)
    assert Counter(len(row) for row in rows) == {len(HEADER): len(rows) - 1, len(HEADER) - 1: 1}


def test_unknown_faults_are_refused(ozon_sandbox):
    with pytest.raises(ValueError, match="unknown report fault"):
        ozon_sandbox.ozon.reports.inject("explode")
