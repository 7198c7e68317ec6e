"""The Wildberries sandbox speaks the documented contract (shapes, paging, errors, limits, faults)
and its truth matches what it serves, as simulated time moves."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
import requests

from sandbox import Sandbox, SandboxConfig
from sandbox.wildberries_data import (
    IN_WAY_FROM_CLIENT,
    IN_WAY_TO_CLIENT,
    MASKED_RF,
    MASKED_RF_OVERSIZED,
    TOTAL_ON_WAREHOUSES,
)

CARDS = "/content/v2/get/cards/list"
TRASH = "/content/v2/get/cards/trash"
ORDERS = "/api/v1/supplier/orders"
SALES = "/api/v1/supplier/sales"
REMAINS = "/api/v1/warehouse_remains"
WB_WAREHOUSES = "/api/analytics/v1/stocks-report/wb-warehouses"
PSEUDO = {IN_WAY_TO_CLIENT, IN_WAY_FROM_CLIENT, TOTAL_ON_WAREHOUSES}
MSK_NAIVE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?$")
UTC_MICROS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
GROUPS = {"locale": "ru", "groupByNm": "true", "groupByBarcode": "true", "groupBySize": "true"}


def token(sb: Sandbox, account: int = 0) -> str:
    return sb.wildberries.accounts[account].token


def get(sb: Sandbox, path: str, params: dict | None = None, account: int = 0, bearer: bool = False):
    auth = token(sb, account)
    return requests.get(
        sb.wildberries.base_url + path,
        params=params,
        headers={"Authorization": f"Bearer {auth}" if bearer else auth},
        timeout=10,
    )


def post(sb: Sandbox, path: str, body: dict, account: int = 0):
    return requests.post(
        sb.wildberries.base_url + path, json=body, headers={"Authorization": token(sb, account)}, timeout=10
    )


def all_cards(sb: Sandbox, limit: int = 7, ascending: bool = True, account: int = 0, cursor=None):
    cards, cursor = [], dict(cursor or {})
    while True:
        body = {"settings": {"cursor": {"limit": limit, **cursor}, "filter": {"withPhoto": -1}}}
        body["settings"]["sort"] = {"ascending": ascending}
        response = post(sb, CARDS, body, account)
        assert response.status_code == 200, response.text
        page = response.json()
        cards += page["cards"]
        assert page["cursor"]["total"] == len(page["cards"])
        cursor = {"updatedAt": page["cursor"]["updatedAt"], "nmID": page["cursor"]["nmID"]}
        if page["cursor"]["total"] < limit:
            return cards, cursor


def all_trash(sb: Sandbox, limit: int = 3, ascending: bool = True, account: int = 0, cursor=None, search=None):
    """Every page of cards/trash from `cursor`, as the spec says to page: until `total < limit`."""
    cards, cursor = [], dict(cursor or {})
    while True:
        body = {"settings": {"sort": {"ascending": ascending}, "cursor": {"limit": limit, **cursor}}}
        if search is not None:
            body["settings"]["filter"] = {"textSearch": search}
        response = post(sb, TRASH, body, account)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"cards", "cursor"} and page["cursor"]["total"] == len(page["cards"])
        cards += page["cards"]
        cursor = {"trashedAt": page["cursor"]["trashedAt"], "nmID": page["cursor"]["nmID"]}
        if page["cursor"]["total"] < limit:
            return cards, cursor


def all_rows(sb: Sandbox, path: str, date_from: str = "2019-06-20", account: int = 0) -> list[list[dict]]:
    """Pages of a statistics method; `dateFrom` is inclusive, so the walk ends on `[]` or on a page
    that only repeats rows at the boundary."""
    pages = []
    while True:
        response = get(sb, path, {"dateFrom": date_from}, account)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append(page)
        if not page or (len(pages) > 1 and all(row["lastChangeDate"] == date_from for row in page)):
            return pages
        date_from = page[-1]["lastChangeDate"]
        if len(pages) > 500:
            raise AssertionError("statistics paging does not end")


def unique(pages: list[list[dict]], key: str) -> dict[str, dict]:
    rows = {}
    for page in pages:
        for row in page:
            rows[row[key]] = row  # later pages carry the newer version
    return rows


def remains(sb: Sandbox, account: int = 0):
    task = get(sb, REMAINS, GROUPS, account).json()["data"]["taskId"]
    statuses = [get(sb, f"{REMAINS}/tasks/{task}/status", account=account).json()["data"]["status"] for _ in range(3)]
    return statuses, get(sb, f"{REMAINS}/tasks/{task}/download", account=account)


# --- auth and errors ------------------------------------------------------------------------------


def test_accounts_tokens_and_auth(wb_sandbox):
    wb = wb_sandbox.wildberries
    assert [a.name for a in wb.accounts] == ["wb1", "wb2"]
    assert all(a.token_type == "personal" and a.token.count(".") == 2 for a in wb.accounts)
    assert len({a.token for a in wb.accounts}) == 2
    assert Sandbox(wb_sandbox.config).wildberries.accounts[0].token == wb.accounts[0].token  # deterministic

    for headers in ({}, {"Authorization": "nonsense"}, {"Authorization": "Bearer a.b.c"}):
        response = requests.get(wb.base_url + SALES, params={"dateFrom": "2025-11-01"}, headers=headers, timeout=5)
        assert response.status_code == 401
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["title"] == "unauthorized" and body["status"] == 401 and body["statusText"] == "Unauthorized"
        assert body["origin"].startswith("s2s-api-auth") and {"code", "requestId", "timestamp", "detail"} <= set(body)
    assert get(wb_sandbox, SALES, {"dateFrom": "2025-11-01"}).status_code == 200
    assert get(wb_sandbox, SALES, {"dateFrom": "2025-11-01"}, bearer=True).status_code == 200
    log = wb.requests
    assert [entry.status for entry in log] == [401, 401, 401, 200, 200]
    assert log[0].client_id is None and log[-1].client_id == "wb1" and log[-1].path == SALES


def test_removed_endpoints_and_unknown_paths_are_404(wb_sandbox):
    for path in ("/api/v1/supplier/stocks", "/api/v5/supplier/reportDetailByPeriod", "/api/v1/supplier/incomes"):
        response = get(wb_sandbox, path, {"dateFrom": "2025-11-01"})
        assert response.status_code == 404
        assert response.json()["title"] == "not found"


def test_statistics_date_from_errors(wb_sandbox):
    for path in (ORDERS, SALES):
        missing = get(wb_sandbox, path, {})
        assert missing.status_code == 400 and missing.json() == {"errors": ["dateFrom: field required"]}
        invalid = get(wb_sandbox, path, {"dateFrom": "yesterday"})
        assert invalid.status_code == 400 and invalid.json() == {"errors": "dateFrom: Value not validated"}


# --- content cards --------------------------------------------------------------------------------


def test_cards_cursor_paging_excludes_trashed(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb_sandbox.clock.advance(timedelta(days=40))
    truth = wb.truth(token(wb_sandbox))
    served, _ = all_cards(wb_sandbox, limit=7)
    nm_ids = [card["nmID"] for card in served]
    assert len(nm_ids) == len(set(nm_ids))
    assert set(nm_ids) == {row["nm_id"] for row in truth.cards if not row["trashed"]}
    assert any(row["trashed"] for row in truth.cards)
    keys = [(card["updatedAt"], card["nmID"]) for card in served]
    assert keys == sorted(keys)
    descending, _ = all_cards(wb_sandbox, limit=9, ascending=False)
    assert [card["nmID"] for card in descending] == [card["nmID"] for card in reversed(served)]
    card = served[0]
    assert UTC_MICROS.match(card["createdAt"]) and UTC_MICROS.match(card["updatedAt"])
    assert 10_000_000 <= card["nmID"] < 1_000_000_000
    assert {
        "imtID",
        "nmUUID",
        "subjectID",
        "subjectName",
        "vendorCode",
        "brand",
        "title",
        "photos",
        "dimensions",
    } <= set(card)
    chrts = {(row["nm_id"], row["chrt_id"], row["barcode"]) for row in truth.cards if not row["trashed"]}
    assert {(c["nmID"], s["chrtID"], s["skus"][0]) for c in served for s in c["sizes"]} == chrts
    assert any(len(c["sizes"]) > 1 for c in served) and any(c["sizes"][0]["techSize"] == "0" for c in served)


TRASH_CARD_FIELDS = {
    "nmID", "vendorCode", "kizMarked", "subjectID", "subjectName", "photos", "video", "wholesale", "sizes",
    "dimensions", "characteristics", "createdAt", "trashedAt",
}  # fmt: skip


def test_cards_trash_pages_serve_exactly_what_the_cards_list_leaves_out(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb_sandbox.clock.advance(timedelta(days=40))
    truth = wb.truth(token(wb_sandbox))
    trashed = {row["nm_id"]: row["trashed_at"] for row in truth.cards if row["trashed"]}
    served, cursor = all_trash(wb_sandbox, limit=3)
    assert len(served) == len(trashed) > 2 * 3, "several pages"
    assert {card["nmID"]: card["trashedAt"] for card in served} == trashed
    keys = [(card["trashedAt"], card["nmID"]) for card in served]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert cursor == {"trashedAt": served[-1]["trashedAt"], "nmID": served[-1]["nmID"]}
    listed, _ = all_cards(wb_sandbox, limit=100)
    assert not {card["nmID"] for card in listed} & set(trashed)
    assert {card["nmID"] for card in listed} | set(trashed) == {row["nm_id"] for row in truth.cards}
    chrts = {(row["nm_id"], row["chrt_id"], row["barcode"], row["tech_size"]) for row in truth.cards if row["trashed"]}
    assert {(c["nmID"], s["chrtID"], s["skus"][0], s["techSize"]) for c in served for s in c["sizes"]} == chrts
    for card in served:
        assert set(card) == TRASH_CARD_FIELDS, "the spec's fields: no imtID, title, brand, updatedAt"
        assert UTC_MICROS.match(card["trashedAt"]) and card["createdAt"] < card["trashedAt"]
    descending, _ = all_trash(wb_sandbox, limit=4, ascending=False)
    assert descending == served[::-1]
    default = post(wb_sandbox, TRASH, {"settings": {}}).json()
    assert default["cards"] == served[::-1][:10], "10 cards, newest first, without sort or cursor"
    other = {row["nm_id"] for row in wb.truth(token(wb_sandbox, 1)).cards if row["trashed"]}
    assert {card["nmID"] for card in all_trash(wb_sandbox, account=1)[0]} == other, "each account its own trash"
    assert other and not other & set(trashed)


def test_cards_blank_tech_size_sends_it_as_empty_in_the_cards_alone(wb_sandbox):
    """wb_cards_blank_tech_size: cards/list and cards/trash send techSize "" for a card of one size,
    orders and the stock report go on sending "0" for that size."""
    wb = wb_sandbox.wildberries
    wb_sandbox.clock.advance(timedelta(days=40))
    truth = wb.truth(token(wb_sandbox))
    one_size = {row["nm_id"] for row in truth.cards if row["tech_size"] == "0"}
    wb.cards_blank_tech_size = True
    served = all_cards(wb_sandbox, limit=100)[0] + all_trash(wb_sandbox, limit=100)[0]
    sizes = {(card["nmID"], size["techSize"]) for card in served for size in card["sizes"]}
    assert one_size and {(nm_id, "") for nm_id in one_size} <= sizes and not any(t == "0" for _, t in sizes)
    assert any(t not in ("", "0") for _, t in sizes)
    orders = unique(all_rows(wb_sandbox, ORDERS), "srid").values()
    assert {row["techSize"] for row in orders if row["nmId"] in one_size} == {"0"}
    assert {row["techSize"] for row in remains(wb_sandbox)[1].json() if row["nmId"] in one_size} == {"0"}


def test_cards_trash_cursor_reads_only_cards_trashed_since(wb_sandbox):
    wb = wb_sandbox.wildberries
    before, cursor = all_trash(wb_sandbox, limit=100)
    assert 0 < len(before) < 100
    wb_sandbox.clock.advance(timedelta(days=40))
    later, _ = all_trash(wb_sandbox, limit=2, cursor=cursor)
    assert later and all((card["trashedAt"], card["nmID"]) > (cursor["trashedAt"], cursor["nmID"]) for card in later)
    now = {row["nm_id"] for row in wb.truth(token(wb_sandbox)).cards if row["trashed"]}
    assert {card["nmID"] for card in before + later} == now
    empty = post(wb_sandbox, TRASH, {"settings": {"sort": {"ascending": True}, "cursor": {"limit": 5, **_last(later)}}})
    assert empty.json() == {"cards": [], "cursor": {**_last(later), "total": 0}}, "past the end: the cursor stays"


def _last(cards: list[dict]) -> dict:
    return {"trashedAt": cards[-1]["trashedAt"], "nmID": cards[-1]["nmID"]}


def test_cards_trash_text_search(wb_sandbox):
    wb_sandbox.clock.advance(timedelta(days=40))
    served, _ = all_trash(wb_sandbox, limit=100)
    card = served[1]
    barcode = card["sizes"][-1]["skus"][0]
    for text in (str(card["nmID"]), barcode, card["vendorCode"], card["vendorCode"].lower()):
        assert [c["nmID"] for c in all_trash(wb_sandbox, limit=100, search=text)[0]] == [card["nmID"]], text
    assert all_trash(wb_sandbox, limit=100, search="no such card")[0] == []
    assert all_trash(wb_sandbox, limit=100, search="")[0] == served


def test_cards_trash_errors_in_the_content_shape(wb_sandbox):
    for settings in (
        {"cursor": {"limit": 101}},
        {"cursor": {"limit": 0}},
        {"cursor": {"limit": "5"}},
        {"cursor": {"limit": 5, "trashedAt": "yesterday", "nmID": 1}},
        {"cursor": {"limit": 5, "trashedAt": "2025-11-01T00:00:00Z", "nmID": "1"}},
        {"cursor": {"limit": 5, "nmID": 1}},
        {"sort": {"ascending": "yes"}},
        {"filter": {"textSearch": 5}},
        {"cursor": "limit=5"},
    ):
        response = post(wb_sandbox, TRASH, {"settings": settings})
        assert response.status_code == 400, settings
        body = response.json()
        assert body["data"] is None and body["error"] is True and body["errorText"] and "additionalErrors" in body
    bad_json = requests.post(
        wb_sandbox.wildberries.base_url + TRASH,
        data=b"{not json",
        headers={"Authorization": token(wb_sandbox), "Content-Type": "application/json"},
        timeout=5,
    )
    assert bad_json.status_code == 400 and bad_json.text == "Request body can not be decoded"
    unauthorized = requests.post(wb_sandbox.wildberries.base_url + TRASH, json={}, timeout=5)
    assert unauthorized.status_code == 401 and unauthorized.json()["title"] == "unauthorized"
    assert requests.get(wb_sandbox.wildberries.base_url + TRASH, timeout=5).status_code == 405


def test_a_restored_card_leaves_the_trash_and_is_listed_again(wb_sandbox):
    wb = wb_sandbox.wildberries
    served, _ = all_trash(wb_sandbox, limit=100)
    restored = served[0]["nmID"]
    wb_sandbox.clock.advance(timedelta(hours=1))
    wb.restore_card("wb1", restored)
    assert restored not in {card["nmID"] for card in all_trash(wb_sandbox, limit=100)[0]}
    [listed] = [card for card in all_cards(wb_sandbox, limit=100)[0] if card["nmID"] == restored]
    assert listed["updatedAt"] == wb.truth("wb1").as_of, "a restore is an edit: the incremental cursor sees it"
    rows = [row for row in wb.truth("wb1").cards if row["nm_id"] == restored]
    assert rows and all(not row["trashed"] and row["trashed_at"] is None for row in rows)
    with pytest.raises(ValueError, match="not in the trash"):
        wb.restore_card("wb1", restored)


def test_cards_limit_over_100_is_400(wb_sandbox):
    response = post(wb_sandbox, CARDS, {"settings": {"cursor": {"limit": 101}}})
    assert response.status_code == 400
    body = response.json()
    assert body["data"] is None and body["error"] is True and body["errorText"] and "additionalErrors" in body


def test_cards_incremental_cursor_picks_up_edits(wb_sandbox):
    first, cursor = all_cards(wb_sandbox, limit=100)
    wb_sandbox.clock.advance(timedelta(days=30))
    later, _ = all_cards(wb_sandbox, limit=100, cursor=cursor)
    assert later, "some cards are edited (or created) within 30 days"
    assert all((card["updatedAt"], card["nmID"]) > (cursor["updatedAt"], cursor["nmID"]) for card in later)
    before = {card["nmID"]: card["updatedAt"] for card in first}
    assert any(card["nmID"] in before and card["updatedAt"] > before[card["nmID"]] for card in later)


# --- statistics -----------------------------------------------------------------------------------


def test_orders_paging_inclusive_boundary_and_truth(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.statistics_page_rows = 50
    pages = all_rows(wb_sandbox, ORDERS)
    assert len(pages) > 3 and all(len(page) <= 50 for page in pages) and len(pages[0]) == 50
    for previous, page in zip(pages, pages[1:], strict=False):
        assert page[0]["lastChangeDate"] == previous[-1]["lastChangeDate"]  # inclusive >=
        assert previous[-1] in page
    last = pages[-1][-1]["lastChangeDate"]
    after = last + ".001" if "." not in last else last + "1" if len(last.split(".")[1]) < 6 else None
    if after:
        assert get(wb_sandbox, ORDERS, {"dateFrom": after}).json() == []
    served = unique(pages, "srid")
    truth = {row["srid"]: row for row in wb.truth(token(wb_sandbox)).orders if row["retained"]}
    assert set(served) == set(truth)
    for srid, row in served.items():
        expected = truth[srid]
        assert row["date"] == expected["date_msk"] and row["lastChangeDate"] == expected["last_change_date"]
        assert row["isCancel"] == expected["is_cancel"] and row["nmId"] == expected["nm_id"]
        assert row["warehouseName"] == expected["warehouse_name"] and row["barcode"] == expected["barcode"]
        assert row["cancelDate"] == (expected["cancel_date"] or "0001-01-01T00:00:00")
        assert MSK_NAIVE.match(row["date"]) and MSK_NAIVE.match(row["lastChangeDate"])
    fields = set(next(iter(served.values())))
    assert fields == {
        "date", "lastChangeDate", "warehouseName", "warehouseType", "countryName", "oblastOkrugName",
        "regionName", "supplierArticle", "nmId", "barcode", "category", "subject", "brand", "techSize",
        "incomeID", "isSupply", "isRealization", "totalPrice", "discountPercent", "spp", "finishedPrice",
        "priceWithDisc", "isCancel", "cancelDate", "sticker", "gNumber", "srid",
    }  # fmt: skip
    assert {row["warehouseType"] for row in served.values()} == {"Склад WB", "Склад продавца"}
    assert any("." in row["lastChangeDate"] for row in served.values())
    assert any("." not in row["lastChangeDate"] for row in served.values())


def test_orders_flag_1_is_one_calendar_day_without_cap(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.statistics_page_rows = 5
    day = "2025-11-10"
    rows = get(wb_sandbox, ORDERS, {"dateFrom": f"{day}T17:30:00", "flag": 1}).json()
    assert len(rows) > 5 and all(row["date"].startswith(day) for row in rows)
    truth = {row["srid"] for row in wb.truth(token(wb_sandbox)).orders if row["date_msk"].startswith(day)}
    assert {row["srid"] for row in rows} == truth


def test_clock_moves_new_orders_cancellations_and_sale_money(wb_sandbox):
    wb = wb_sandbox.wildberries
    first = unique(all_rows(wb_sandbox, ORDERS), "srid")
    sales_first = unique(all_rows(wb_sandbox, SALES), "saleID")
    watermark = max(row["lastChangeDate"] for row in first.values())
    wb_sandbox.clock.advance(timedelta(days=3))
    changed = unique(all_rows(wb_sandbox, ORDERS, watermark), "srid")
    assert any(srid not in first for srid in changed), "new orders appear"
    cancelled = [
        srid for srid, row in changed.items() if srid in first and row["isCancel"] and row["lastChangeDate"] > watermark
    ]
    assert cancelled and all(not first[srid]["isCancel"] for srid in cancelled)
    assert all(changed[srid]["lastChangeDate"] > first[srid]["lastChangeDate"] for srid in cancelled)
    # sales that were fresh (money 0) are filled three days later, with a newer lastChangeDate
    fresh = [sale_id for sale_id, row in sales_first.items() if row["forPay"] == 0]
    assert fresh
    sales_later = unique(all_rows(wb_sandbox, SALES), "saleID")
    for sale_id in fresh:
        row = sales_later[sale_id]
        assert row["forPay"] != 0 and row["priceWithDisc"] != 0 and row["finishedPrice"] != 0
        assert row["lastChangeDate"] > sales_first[sale_id]["lastChangeDate"]
    assert {row["saleID"][0] for row in sales_later.values()} == {"S", "R"}
    truth_sales = {row["sale_id"]: row for row in wb.truth(token(wb_sandbox)).sales if row["retained"]}
    assert set(truth_sales) == set(sales_later)
    assert all(truth_sales[s]["for_pay"] == row["forPay"] for s, row in sales_later.items())
    statuses = Counter(row["order_status"] for row in wb.truth(token(wb_sandbox)).orders)
    assert set(statuses) == {"ordered", "cancelled", "delivered", "returned"}


def test_statistics_rows_older_than_90_days_are_not_served():
    with Sandbox(SandboxConfig(seed=3, products=15, accounts=1, history_days=100, rate_limit_rps=0)) as sb:
        truth = sb.wildberries.truth(token(sb)).orders
        served = unique(all_rows(sb, ORDERS), "srid")
        assert any(not row["retained"] for row in truth)
        assert set(served) == {row["srid"] for row in truth if row["retained"]}


# --- stock ----------------------------------------------------------------------------------------


def test_stock_reports_match_truth_masked(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb_sandbox.clock.advance(timedelta(hours=5))
    truth = wb.truth(token(wb_sandbox))
    items = post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [], "chrtIds": [], "limit": 250000, "offset": 0}).json()
    items = items["data"]["items"]
    assert len(items) == len(truth.stock)
    assert {(i["warehouseId"], i["warehouseName"], i["regionName"]) for i in items} == {
        (-999999, "Склад WB", "Склад WB")
    }
    key = ("quantity", "inWayToClient", "inWayFromClient")
    served = sorted((i["nmId"], i["chrtId"], *(i[k] for k in key)) for i in items)
    expected = sorted(
        (r["nm_id"], r["chrt_id"], r["quantity"], r["in_way_to_client"], r["in_way_from_client"]) for r in truth.stock
    )
    assert served == expected
    assert max(Counter((i["nmId"], i["chrtId"]) for i in items).values()) > 1  # masked rows repeat

    statuses, download = remains(wb_sandbox)
    assert statuses == ["new", "processing", "done"] and download.status_code == 200
    by_barcode: dict[str, Counter] = defaultdict(Counter)
    for row in truth.stock:
        served_name = row["served_name"]
        by_barcode[row["barcode"]][served_name] += row["quantity"]
        by_barcode[row["barcode"]][TOTAL_ON_WAREHOUSES] += row["quantity"]
        by_barcode[row["barcode"]][IN_WAY_TO_CLIENT] += row["in_way_to_client"]
        by_barcode[row["barcode"]][IN_WAY_FROM_CLIENT] += row["in_way_from_client"]
    rows = download.json()
    for row in rows:
        assert all(entry["quantity"] != 0 for entry in row["warehouses"])
        assert {"brand", "subjectName", "vendorCode", "nmId", "barcode", "techSize", "volume"} <= set(row)
        got = Counter({entry["warehouseName"]: entry["quantity"] for entry in row["warehouses"]})
        assert got == +by_barcode[row["barcode"]]
        real = {name for name in got if name not in PSEUDO}
        assert real <= {MASKED_RF, MASKED_RF_OVERSIZED, "Минск"}
        assert got[TOTAL_ON_WAREHOUSES] == sum(got[name] for name in real)
    assert {row["barcode"] for row in rows} == {b for b, counts in by_barcode.items() if +counts}


def test_stock_changes_over_time(wb_sandbox):
    wb = wb_sandbox.wildberries
    before = {(r["chrt_id"], r["warehouse_name"]): r["quantity"] for r in wb.truth(token(wb_sandbox)).stock}
    wb_sandbox.clock.advance(timedelta(days=10))
    after = {(r["chrt_id"], r["warehouse_name"]): r["quantity"] for r in wb.truth(token(wb_sandbox)).stock}
    assert before != after
    assert all(quantity >= 0 for quantity in after.values())
    items = post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [], "limit": 250000, "offset": 0}).json()["data"]["items"]
    served = Counter()
    for item in items:
        served[item["chrtId"]] += item["quantity"]
    expected = Counter()
    for (chrt_id, _), quantity in after.items():
        expected[chrt_id] += quantity
    assert +served == +expected
    assert any(row["arrived"] for row in wb.truth(token(wb_sandbox)).supplies)


def test_wb_warehouses_offset_limit_and_filters(wb_sandbox):
    full = post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [], "limit": 250000, "offset": 0}).json()["data"]["items"]
    paged, offset = [], 0
    while True:
        page = post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [], "limit": 40, "offset": offset}).json()["data"]["items"]
        paged += page
        offset += 40
        if len(page) < 40:
            break
    assert paged == full and len(full) > 80
    nm = full[0]["nmId"]
    only = post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [nm], "limit": 1000, "offset": 0}).json()["data"]["items"]
    assert only and {item["nmId"] for item in only} == {nm}
    assert post(wb_sandbox, WB_WAREHOUSES, {"nmIds": [], "limit": 250001, "offset": 0}).status_code == 400
    empty_body = requests.post(
        wb_sandbox.wildberries.base_url + WB_WAREHOUSES, headers={"Authorization": token(wb_sandbox)}, timeout=5
    )
    assert empty_body.status_code == 400 and empty_body.json()["origin"] == "analytic-open-api"


def test_base_token_is_refused_by_wb_warehouses():
    config = SandboxConfig(seed=5, products=10, accounts=2, wb_base_token_accounts=1, rate_limit_rps=0)
    with Sandbox(config) as sb:
        assert [a.token_type for a in sb.wildberries.accounts] == ["personal", "base"]
        assert post(sb, WB_WAREHOUSES, {"nmIds": [], "limit": 10, "offset": 0}, account=0).status_code == 200
        refused = post(sb, WB_WAREHOUSES, {"nmIds": [], "limit": 10, "offset": 0}, account=1)
        assert refused.status_code == 403
        assert set(refused.json()) == {"title", "detail", "requestId", "origin"}
        assert refused.json()["origin"] == "analytic-open-api"


def test_unmasked_warehouse_names():
    config = SandboxConfig(
        seed=11, products=60, accounts=1, history_days=30, rate_limit_rps=0, wb_masked_warehouses=False
    )
    with Sandbox(config) as sb:
        items = post(sb, WB_WAREHOUSES, {"nmIds": [], "limit": 250000, "offset": 0}).json()["data"]["items"]
        names = {item["warehouseName"] for item in items}
        assert len(names) == 8 and "Минск" in names and all(item["warehouseId"] > 0 for item in items)
        orders = unique(all_rows(sb, ORDERS), "srid").values()
        served = {row["warehouseName"] for row in orders if row["warehouseType"] == "Склад WB"}
        assert names < served  # canonical names plus spelling variants
        normalized = {" ".join(name.replace("-", " ").split()).lower().replace("o", "о") for name in served}
        assert normalized == {" ".join(name.replace("-", " ").split()).lower() for name in names}
        first_late = sb.wildberries.seller("wb1").new_variant_at
        early = {r["warehouseName"] for r in orders if r["warehouseType"] == "Склад WB" and r["date"] < "2025-11-10"}
        late = served - early
        assert first_late and late, "a new spelling appears later in simulated time"
        _, download = remains(sb)
        remain_names = {e["warehouseName"] for row in download.json() for e in row["warehouses"]} - PSEUDO
        assert MASKED_RF not in remain_names and len(remain_names) >= 8


# --- warehouse_remains tasks ----------------------------------------------------------------------


def test_remains_task_errors_and_isolation(wb_sandbox):
    empty = get(wb_sandbox, REMAINS, {**GROUPS, "groupByNm": ""})
    assert empty.status_code == 400
    assert empty.json()["detail"] == 'parameter "groupByNm" in query has an error: empty value is not allowed'
    assert empty.json()["origin"] == "api-statistics" and empty.json()["title"] == "Bad Request"
    bad = get(wb_sandbox, f"{REMAINS}/tasks/not-a-uuid/status")
    assert bad.status_code == 400 and "invalid UUID length" in bad.json()["detail"]
    unknown = get(wb_sandbox, f"{REMAINS}/tasks/{uuid.uuid4()}/status")
    assert unknown.status_code == 404 and unknown.json()["detail"] == "not found"
    assert unknown.json()["title"] == "Not Found"
    task = get(wb_sandbox, REMAINS, GROUPS).json()["data"]["taskId"]
    assert get(wb_sandbox, f"{REMAINS}/tasks/{task}/status", account=1).status_code == 404
    assert get(wb_sandbox, f"{REMAINS}/tasks/{task}/status").json() == {"data": {"id": task, "status": "new"}}


def test_remains_content_fixed_at_creation_and_204_without_stock(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.reports.polls_until_ready = 0
    task = get(wb_sandbox, REMAINS, GROUPS).json()["data"]["taskId"]
    assert get(wb_sandbox, f"{REMAINS}/tasks/{task}/status").json()["data"]["status"] == "done"
    first = get(wb_sandbox, f"{REMAINS}/tasks/{task}/download").json()
    wb_sandbox.clock.advance(timedelta(days=5))
    assert get(wb_sandbox, f"{REMAINS}/tasks/{task}/download").json() == first
    with Sandbox(SandboxConfig(products=0, rate_limit_rps=0)) as sb:
        sb.wildberries.reports.polls_until_ready = 0
        _, download = remains(sb)
        assert download.status_code == 204 and download.content == b""


# --- faults ---------------------------------------------------------------------------------------


def test_report_faults(wb_sandbox):
    faults = wb_sandbox.wildberries.faults
    for fault, status in (("report_stuck", "processing"), ("report_canceled", "canceled"), ("report_purged", "purged")):
        faults.inject(fault)
        statuses, download = remains(wb_sandbox)
        assert statuses[-1] == status and download.status_code in (400, 404)
    faults.inject("report_truncated")
    _, download = remains(wb_sandbox)
    with pytest.raises(json.JSONDecodeError):
        json.loads(download.content)
    faults.inject("report_malformed")
    _, download = remains(wb_sandbox)
    rows = download.json()
    broken = [row for row in rows if "nmId" not in row]
    assert len(broken) == 1 and any(e["quantity"] < 0 for e in broken[0]["warehouses"])
    _, download = remains(wb_sandbox)
    assert all("nmId" in row for row in download.json())


def test_statistics_faults(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.statistics_page_rows = 30
    clean = all_rows(wb_sandbox, ORDERS)
    boundary = clean[0][-1]["lastChangeDate"]

    wb.faults.inject("duplicate_rows", path=ORDERS)
    first = get(wb_sandbox, ORDERS, {"dateFrom": "2019-01-01"}).json()
    assert first == clean[0]  # the first page has nothing before it to repeat
    second = get(wb_sandbox, ORDERS, {"dateFrom": boundary}).json()
    assert [row["lastChangeDate"] < boundary for row in second[:3]] == [True] * 3
    assert second[3:] == clean[1]

    wb.faults.inject("malformed_row", path=ORDERS)
    page = get(wb_sandbox, ORDERS, {"dateFrom": boundary}).json()
    broken = [row for row in page if "srid" not in row]
    assert len(broken) == 1 and "lastChangeDate" not in broken[0] and broken[0]["totalPrice"] == "N/A"
    assert page.index(broken[0]) == len(page) // 2

    wb.faults.inject("new_field")
    assert all(row["sandboxNewField"] == "sandbox" for row in get(wb_sandbox, SALES, {"dateFrom": "2019-01-01"}).json())
    assert all("sandboxNewField" in row for row in get(wb_sandbox, ORDERS, {"dateFrom": "2019-01-01"}).json())
    wb.faults.inject("missing_field", path=SALES)
    assert all("spp" not in row for row in get(wb_sandbox, SALES, {"dateFrom": "2019-01-01"}).json())
    assert all("spp" in row for row in get(wb_sandbox, SALES, {"dateFrom": "2019-01-01"}).json())
    with pytest.raises(ValueError):
        wb.faults.inject("no_such_fault")


def test_cards_faults(wb_sandbox):
    faults = wb_sandbox.wildberries.faults
    clean, _ = all_cards(wb_sandbox, limit=10)
    faults.inject("duplicate_rows", path=CARDS)
    faulty, _ = all_cards(wb_sandbox, limit=10)
    repeats = [nm for nm, count in Counter(card["nmID"] for card in faulty).items() if count > 1]
    assert repeats == [clean[9]["nmID"]]  # the second page starts with the first page's last card
    assert len(faulty) == len(clean) + 1 and {c["nmID"] for c in faulty} == {c["nmID"] for c in clean}
    faults.inject("missing_field", path=CARDS)
    page = post(wb_sandbox, CARDS, {"settings": {"cursor": {"limit": 5}}}).json()["cards"]
    assert all("characteristics" not in card for card in page)
    faults.inject("new_field", path=CARDS)
    page = post(wb_sandbox, CARDS, {"settings": {"cursor": {"limit": 5}}}).json()["cards"]
    assert all(card["sandboxNewField"] == "sandbox" for card in page)


def test_http_faults(wb_sandbox):
    wb = wb_sandbox.wildberries
    wb.inject_fault(SALES, status=429, retry_after=3)
    limited = get(wb_sandbox, SALES, {"dateFrom": "2025-11-01"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"
    assert limited.headers["Content-Type"] == "application/problem+json" and limited.json()["status"] == 429
    wb.inject_fault(ORDERS, status=429, headers={"X-Ratelimit-Retry": "7"})
    limited = get(wb_sandbox, ORDERS, {"dateFrom": "2025-11-01"})
    assert limited.headers["X-Ratelimit-Retry"] == "7" and "Retry-After" not in limited.headers
    wb.inject_fault(CARDS, status=503)
    assert post(wb_sandbox, CARDS, {"settings": {"cursor": {"limit": 5}}}).status_code == 503
    wb.inject_reset(ORDERS)
    with pytest.raises(requests.ConnectionError):
        get(wb_sandbox, ORDERS, {"dateFrom": "2025-11-01"})
    assert get(wb_sandbox, ORDERS, {"dateFrom": "2025-11-01"}).status_code == 200


# --- rate limits ----------------------------------------------------------------------------------


def test_rate_limits_and_headers():
    with Sandbox(SandboxConfig(seed=5, products=10, accounts=2)) as sb:
        first = get(sb, SALES, {"dateFrom": "2025-11-19"})
        assert first.status_code == 200 and first.headers["X-Ratelimit-Remaining"] == "0"
        limited = get(sb, SALES, {"dateFrom": "2025-11-19"})
        assert limited.status_code == 429 and "Retry-After" not in limited.headers
        assert 50 <= int(limited.headers["X-Ratelimit-Retry"]) <= 60
        assert int(limited.headers["X-Ratelimit-Reset"]) >= 50 and limited.headers["X-Ratelimit-Limit"] == "1"
        body = limited.json()
        assert body["title"] == "too many requests" and body["statusText"] == "Too Many Requests"
        assert get(sb, SALES, {"dateFrom": "2025-11-19"}, account=1).status_code == 200  # per account
        statuses = [get(sb, ORDERS, {"dateFrom": "2025-11-19"}).status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]  # burst 10
        assert post(sb, WB_WAREHOUSES, {"limit": 1}).status_code == 200
        assert post(sb, WB_WAREHOUSES, {"limit": 1}).status_code == 429
        # one bucket for the Контент category: cards/list and cards/trash draw on the same burst of 5
        cards = [post(sb, CARDS, {"settings": {"cursor": {"limit": 1}}}).status_code for _ in range(3)]
        trash = [post(sb, TRASH, {"settings": {"cursor": {"limit": 1}}}).status_code for _ in range(3)]
        assert cards + trash == [200] * 5 + [429]
        assert post(sb, TRASH, {"settings": {}}, account=1).status_code == 200


def test_rate_limit_scale_speeds_limits_up():
    with Sandbox(SandboxConfig(seed=5, products=10, rate_limit_scale=60)) as sb:
        assert get(sb, SALES, {"dateFrom": "2025-11-19"}).status_code == 200
        limited = get(sb, SALES, {"dateFrom": "2025-11-19"})
        assert limited.status_code == 429 and limited.headers["X-Ratelimit-Retry"] == "1"


# --- marketplace, accounts, truth export ----------------------------------------------------------


def test_seller_warehouses_and_offices(wb_sandbox):
    own = get(wb_sandbox, "/api/v3/warehouses").json()
    assert 1 <= len(own) <= 2
    assert set(own[0]) == {"name", "officeId", "id", "cargoType", "deliveryType", "isDeleting", "isProcessing"}
    offices = get(wb_sandbox, "/api/v3/offices").json()
    assert {"Коледино", "Минск"} <= {office["name"] for office in offices}
    minsk = next(office for office in offices if office["name"] == "Минск")
    assert minsk["federalDistrict"] is None
    assert set(offices[0]) == {
        "address", "name", "city", "id", "longitude", "latitude", "cargoType", "deliveryType", "federalDistrict",
        "selected",
    }  # fmt: skip
    seller_orders = [
        row
        for row in get(wb_sandbox, ORDERS, {"dateFrom": "2019-01-01"}).json()
        if row["warehouseType"] == "Склад продавца"
    ]
    assert seller_orders and {row["warehouseName"] for row in seller_orders} <= {w["name"] for w in own}


def test_accounts_have_their_own_data_and_truth_export(wb_sandbox, tmp_path):
    wb = wb_sandbox.wildberries
    one, two = (wb.truth(account.token) for account in wb.accounts)
    assert not {row["nm_id"] for row in one.cards} & {row["nm_id"] for row in two.cards}
    served_two = get(wb_sandbox, ORDERS, {"dateFrom": "2019-01-01"}, account=1).json()
    assert {row["srid"] for row in served_two} == {row["srid"] for row in two.orders if row["retained"]}
    written = wb.export_truth(tmp_path)
    assert sorted(path.name for path in written) == ["wildberries_wb1.json", "wildberries_wb2.json"]
    content = json.loads(written[0].read_text(encoding="utf-8"))
    assert {"clock", "cards", "stock", "orders", "sales"} <= set(content)
    assert len(content["orders"]) == len(one.orders)


# --- scale: the statistics index ------------------------------------------------------------------


def test_statistics_pages_are_served_from_the_index(wb_sandbox):
    """A flag=0 page looks at exactly the rows it serves (a bisect for dateFrom, then a walk), and
    its JSON text is what json.dumps writes for those rows."""
    wb = wb_sandbox.wildberries
    seller = wb.seller("wb1")
    wb.statistics_page_rows = 40
    for path in (ORDERS, SALES):
        feed = wb.feed(seller, path, seller.now())
        assert len(feed.keys) > 10 * wb.statistics_page_rows
        pages = all_rows(wb_sandbox, path)
        assert len(pages) > 10
        for page in pages[1:-1]:
            assert get(wb_sandbox, path, {"dateFrom": page[0]["lastChangeDate"]}).json() == page
            assert feed.examined == len(page) <= wb.statistics_page_rows
        start, end = feed.page(seller.now(), 0, 1_000_000)
        assert (
            feed.json_rows(start, end, seller.now())
            == json.dumps(feed.rows(start, end, seller.now()), ensure_ascii=False).encode()
        )
    day = get(wb_sandbox, ORDERS, {"dateFrom": "2025-11-10", "flag": 1}).json()
    orders = wb.feed(seller, ORDERS, seller.now())
    assert len(day) <= orders.examined < len(orders.keys) / 3  # the day and the week after it


def test_history_does_not_depend_on_how_it_was_simulated():
    config = SandboxConfig(seed=4, products=40, accounts=1, history_days=20, rate_limit_rps=0)
    with Sandbox(config) as stepwise, Sandbox(config) as at_once:
        stepwise.prepare()
        for _ in range(4):
            all_rows(stepwise, ORDERS)
            post(stepwise, WB_WAREHOUSES, {"nmIds": [], "limit": 1000, "offset": 0})
            stepwise.clock.advance(timedelta(hours=19))
        at_once.clock.advance(timedelta(hours=76))
        for path in (ORDERS, SALES):
            assert all_rows(stepwise, path) == all_rows(at_once, path)
        assert stepwise.wildberries.truth("wb1") == at_once.wildberries.truth("wb1")
