"""Answers another implementation of the APIs may send, and the sandbox does not unless told to
(its `reshapes`): every response field is optional in the marketplaces' specs, enums come in
either case, numbers as text. Each loads what the answer holds, completely, without an error."""

from __future__ import annotations

import duckdb
import pytest

from loaders import config
from loaders.config import OzonAccount, WildberriesAccount
from loaders.http import ApiRequestError, has_next_page, member, rows_at
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import helpers as ozon_helpers
from loaders.ozon import settings as ozon_settings
from loaders.ozon.helpers import FirstSeen
from loaders.pipeline import run
from loaders.wildberries import settings as wb_settings
from sandbox import Sandbox, SandboxConfig

# A client for the paging helpers' messages (they make no request).
CLIENT = ozon_helpers.make_client(OzonAccount("shop", "100001", "key", "http://127.0.0.1:9"))

WB_SCALE = 600  # the sandbox's WB limits off, the loader's pacing and report polling 600 times faster


def ozon_account(sandbox: Sandbox) -> OzonAccount:
    acc = sandbox.ozon.accounts[0]
    return OzonAccount("shop", acc.client_id, acc.api_key, sandbox.ozon.base_url)


def wb_account(sandbox: Sandbox) -> WildberriesAccount:
    return WildberriesAccount("shop", sandbox.wildberries.accounts[0].token, sandbox.wildberries.base_url)


def scalar(sql: str, params: tuple = ()):
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.execute(sql, params).fetchone()[0]


def load_ozon(sandbox: Sandbox, *resources: str):
    return run(MARKETPLACES["ozon"], ozon_account(sandbox), resources=resources)


def load_wb(sandbox: Sandbox, *resources: str):
    return run(MARKETPLACES["wildberries"], wb_account(sandbox), resources=resources)


def archived_pass_without_a_list(call, body):
    return {"result": None} if call.body["filter"]["visibility"] == "ARCHIVED" else body


@pytest.mark.parametrize(
    ("path", "reshape", "resources"),
    [
        (ozon_settings.PRODUCT_LIST, archived_pass_without_a_list, ("product_list_items", "products")),
        (ozon_settings.ANALYTICS_STOCKS, lambda call, body: {}, ("product_list_items", "analytics_stocks")),
        (ozon_settings.PRODUCT_INFO_LIST, lambda call, body: {"items": None}, ("product_list_items", "products")),
    ],
    ids=["archived-pass-result-null", "analytics-stocks-no-items", "product-info-items-null"],
)
def test_an_ozon_list_sent_without_its_items_is_an_empty_list(ozon_sandbox, workdir, path, reshape, resources):
    ozon_sandbox.ozon.reshapes[path] = reshape

    result = load_ozon(ozon_sandbox, *resources)

    assert result.status == "complete", result.resources
    assert scalar("select count(*) from raw_ozon.product_list_items") > 0


@pytest.mark.parametrize(
    ("path", "answer", "resources", "failed", "where"),
    [
        (
            ozon_settings.ANALYTICS_STOCKS,
            {"items": {}},
            ("product_list_items", "analytics_stocks"),
            "analytics_stocks",
            "items is not a JSON list",
        ),
        (
            ozon_settings.PRODUCT_LIST,
            {"result": []},
            ("product_list_items",),
            "product_list_items",
            "result is not a JSON object",
        ),
        (
            ozon_settings.PRODUCT_STOCKS,
            {"items": {}, "cursor": ""},
            ("product_stocks",),
            "product_stocks",
            "items is not a JSON list",
        ),
        (
            ozon_settings.PRODUCT_INFO_LIST,
            {"items": {"id": 1}},
            ("product_list_items", "products"),
            "products",
            "items is not a JSON list",
        ),
        (
            ozon_settings.PRODUCT_INFO_LIST,
            {"items": ["x"]},
            ("product_list_items", "products"),
            "products",
            "items holds a str where a JSON object goes: x",
        ),
        (
            ozon_settings.PRODUCT_LIST,
            {"result": {"items": [1], "last_id": ""}},
            ("product_list_items",),
            "product_list_items",
            "result.items holds a int where a JSON object goes: 1",
        ),
        (
            ozon_settings.PRODUCT_STOCKS,
            {"items": [None], "cursor": ""},
            ("product_stocks",),
            "product_stocks",
            "items holds a NoneType where a JSON object goes: None",
        ),
        (
            ozon_settings.ANALYTICS_STOCKS,
            {"items": [["x"]]},
            ("product_list_items", "analytics_stocks"),
            "analytics_stocks",
            "items holds a list where a JSON object goes: ['x']",
        ),
        (
            ozon_settings.WAREHOUSE_LIST,
            {"warehouses": ["x"], "has_next": False},
            ("warehouses",),
            "warehouses",
            "warehouses holds a str where a JSON object goes",
        ),
        (
            ozon_settings.CLUSTER_LIST,
            {"clusters": {}},
            ("clusters",),
            "clusters",
            "clusters is not a JSON list",
        ),
        (
            ozon_settings.CLUSTER_LIST,
            {"clusters": ["x"]},
            ("clusters",),
            "clusters",
            "clusters holds a str where a JSON object goes",
        ),
    ],
    ids=[
        "analytics-stocks-items-object",
        "product-list-result-list",
        "product-stocks-items-object",
        "product-info-items-object",
        "product-info-item-text",
        "product-list-item-number",
        "product-stocks-item-null",
        "analytics-stocks-item-list",
        "warehouse-list-item-text",
        "cluster-list-clusters-object",
        "cluster-list-cluster-text",
    ],
)
def test_an_ozon_answer_of_another_shape_fails_its_resource_not_read_as_empty(
    ozon_sandbox, workdir, path, answer, resources, failed, where
):
    """Read as empty, `{"items": {}}` from /v1/analytics/stocks loaded as "ok, 0 rows" and the account's
    FBO stock read 0 in the marts (faults audit); every other resource still loads."""
    ozon_sandbox.ozon.reshapes[path] = lambda call, body: answer

    result = load_ozon(ozon_sandbox, *resources)

    outcomes = {outcome["resource"]: outcome for outcome in result.resources}
    assert outcomes[failed]["status"] == "failed", outcomes
    assert outcomes[failed]["endpoint"] == path and where in outcomes[failed]["message"], outcomes[failed]
    assert all(outcome["status"] == "ok" for name, outcome in outcomes.items() if name != failed), outcomes


def test_an_ozon_postings_page_of_another_shape_fails_the_read(ozon_with_orders, workdir, monkeypatch):
    """`"postings": {...}` was walked as a list of its keys: one row quarantined, the rest of the page lost."""
    monkeypatch.setenv("LOADER_NOW", ozon_with_orders.clock.now().isoformat())
    ozon_with_orders.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = lambda call, body: {
        **body,
        "postings": {"posting_number": "x"},
    }

    [outcome] = load_ozon(ozon_with_orders, "postings_fbo").resources

    assert outcome["status"] == "failed" and "postings is not a JSON list" in outcome["message"], outcome


def first_page_with(rows: list, at: str | None = None):
    """A reshape that adds `rows` to the list (at `at`, or the answer itself) of the first answer only."""
    added = []

    def reshape(call, body):
        if added:
            return body
        added.append(True)
        return {**body, at: body[at] + rows} if at else body + rows

    return reshape


def test_an_ozon_posting_that_is_no_object_is_quarantined_and_the_rest_load(ozon_with_orders, workdir, monkeypatch):
    """rows_at refuses a list element that is no object; the posting list keeps quarantining one."""
    monkeypatch.setenv("LOADER_NOW", ozon_with_orders.clock.now().isoformat())
    ozon_with_orders.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = first_page_with(["x"], "postings")

    [outcome] = load_ozon(ozon_with_orders, "postings_fbo").resources

    assert outcome["status"] == "ok", outcome
    assert scalar("select count(*) from raw_ozon.postings_quarantine where reason = 'not a JSON object'") == 1
    assert scalar("select count(*) from raw_ozon.postings_fbo") > 0


def test_a_wb_statistics_row_that_is_no_object_is_quarantined_and_the_rest_load(wb):
    wb.wildberries.reshapes[wb_settings.ORDERS[1]] = first_page_with(["x"])

    [outcome] = load_wb(wb, "orders").resources

    assert outcome["status"] == "ok", outcome
    quarantined = "select count(*) from raw_wildberries.statistics_quarantine where reason = 'not a JSON object'"
    assert scalar(quarantined) == 1
    assert scalar("select count(*) from raw_wildberries.orders") > 0


@pytest.mark.parametrize(
    ("endpoint", "resource", "answer"),
    [
        (wb_settings.OFFICES, "offices", {"data": []}),
        (wb_settings.SELLER_WAREHOUSES, "seller_warehouses", {"title": "x"}),
    ],
)
def test_a_wb_list_answered_as_an_object_fails_its_resource(wb, endpoint, resource, answer):
    wb.wildberries.reshapes[endpoint[1]] = lambda call, body: answer

    [outcome] = load_wb(wb, resource).resources

    assert outcome["status"] == "failed" and "the answer is not a JSON list" in outcome["message"], outcome


@pytest.mark.parametrize(
    ("endpoint", "resource", "answer", "where"),
    [
        (wb_settings.CARDS_LIST, "cards", {"cards": {}}, "cards is not a JSON list"),
        (wb_settings.CARDS_LIST, "cards", {"cards": {"nmID": 1}}, "cards is not a JSON list"),
        (wb_settings.CARDS_LIST, "cards", {"cards": ["x"]}, "cards holds a str where a JSON object goes: x"),
        (wb_settings.CARDS_TRASH, "cards_trash", {"cards": {}}, "cards is not a JSON list"),
        (wb_settings.CARDS_TRASH, "cards_trash", {"cards": {"nmID": 1}}, "cards is not a JSON list"),
        (wb_settings.CARDS_TRASH, "cards_trash", {"cards": [1]}, "cards holds a int where a JSON object goes: 1"),
        (wb_settings.SELLER_WAREHOUSES, "seller_warehouses", ["x"], "the answer holds a str where a JSON object goes"),
        (wb_settings.OFFICES, "offices", [None], "the answer holds a NoneType where a JSON object goes"),
    ],
    ids=[
        "cards-empty-object",
        "cards-object",
        "cards-card-text",
        "trash-empty-object",
        "trash-object",
        "trash-card-number",
        "seller-warehouse-text",
        "office-null",
    ],
)
def test_a_wb_list_of_another_shape_or_with_an_element_not_an_object_fails_its_resource(
    wb, endpoint, resource, answer, where
):
    """`{"cards": {}}` from cards/list ended in a bare `KeyError: -1`, `["x"]` in a TypeError, neither
    naming the endpoint; cards/trash left such cards out without a word (the trash read complete)."""
    wb.wildberries.reshapes[endpoint[1]] = lambda call, body: answer

    [outcome] = load_wb(wb, resource).resources

    assert outcome["status"] == "failed", outcome
    assert outcome["endpoint"].endswith(endpoint[1]) and where in outcome["message"], outcome


def test_a_wb_warehouse_stock_row_not_an_object_fails_the_read(wb):
    """A wb-warehouses row that is no JSON object ended in a bare TypeError without the endpoint."""
    wb.wildberries.reshapes[wb_settings.WB_WAREHOUSE_STOCKS[1]] = lambda call, body: {"data": {"items": ["x"]}}

    [outcome] = load_wb(wb, "wb_warehouse_stocks").resources

    assert outcome["status"] == "failed", outcome
    assert outcome["endpoint"].endswith(wb_settings.WB_WAREHOUSE_STOCKS[1]), outcome
    assert "data.items holds a str where a JSON object goes: x" in outcome["message"], outcome


def test_rows_at_reads_missing_and_null_levels_as_no_rows_and_refuses_other_shapes():
    assert rows_at(CLIENT, "/x", {"result": {"items": [{"a": 1}]}}, "result", "items") == [{"a": 1}]
    assert rows_at(CLIENT, "/x", {"result": None}, "result", "items") == []
    assert rows_at(CLIENT, "/x", {}, "result", "items") == []
    assert rows_at(CLIENT, "/x", None) == [] and rows_at(CLIENT, "/x", [{"a": 2}]) == [{"a": 2}]
    for answer, message in [
        ({"result": []}, "result is not a JSON object"),
        ({"result": {"items": {}}}, "result.items is not a JSON list"),
        ([], "the answer is not a JSON object"),
        ({"result": {"items": [{}, "x"]}}, "result.items holds a str where a JSON object goes: x"),
        ({"result": {"items": [None]}}, "result.items holds a NoneType where a JSON object goes: None"),
    ]:
        with pytest.raises(ApiRequestError, match=message):
            rows_at(CLIENT, "/x", answer, "result", "items")


def skus_of_each_load(table: str) -> list[set]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        loads = db.execute(f"select _dlt_load_id, list(distinct sku) from raw_ozon.{table} group by 1 order by 1")
        return [set(skus) for _, skus in loads.fetchall()]


def test_ozon_list_items_with_sku_0_or_none_get_their_stock_by_the_products_skus(ozon_sandbox, workdir):
    """`sku: 0` (protobuf style) in the list, and a product info whose SKUs are only in `sources`: the
    FBO stock of every such product was never asked for (a whole account's plan came out empty)."""
    assert load_ozon(ozon_sandbox, "product_list_items", "analytics_stocks").status == "complete"

    def zero_skus(call, body):
        for item in body["result"]["items"]:
            item["sku"] = 0
        return body

    def skus_only_in_sources(call, body):
        for item in body["items"]:
            del item["sku"]
        return body

    ozon_sandbox.ozon.reshapes[ozon_settings.PRODUCT_LIST] = zero_skus
    ozon_sandbox.ozon.reshapes[ozon_settings.PRODUCT_INFO_LIST] = skus_only_in_sources
    assert load_ozon(ozon_sandbox, "product_list_items", "analytics_stocks").status == "complete"
    plain, reshaped = skus_of_each_load("analytics_stocks")
    assert reshaped == plain and plain


def test_an_archived_product_the_all_pass_lists_too_stays_archived(workdir):
    """Where `ALL` lists archived products too and `archived` is not sent, the product's row came from
    whichever pass the merge kept: archived products came out active and were planned again."""
    archived_pass = set()

    def without_archived_flag(call, body):
        for item in body["result"]["items"]:
            del item["archived"]
            if call.body["filter"]["visibility"] == "ARCHIVED":
                archived_pass.add(item["product_id"])
        return body

    with Sandbox(
        SandboxConfig(seed=7, products=60, warehouses=4, archived_share=0.3, ozon_all_lists_archived=True)
    ) as sandbox:
        sandbox.ozon.reshapes[ozon_settings.PRODUCT_LIST] = without_archived_flag
        assert load_ozon(sandbox, "product_list_items").status == "complete"
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        listed = dict(
            db.execute("select product_id, listed_with_visibility from raw_ozon.product_list_items").fetchall()
        )
    assert archived_pass and {listed[product_id] for product_id in archived_pass} == {"ARCHIVED"}
    assert set(listed.values()) == {"ARCHIVED", "ALL"}


@pytest.fixture
def ozon_with_orders(workdir):
    with Sandbox(SandboxConfig(seed=7, products=60, warehouses=4, history_days=14)) as sandbox:
        yield sandbox


def test_ozon_postings_without_has_next_are_read_to_the_last_page(ozon_with_orders, workdir, monkeypatch, tmp_path):
    monkeypatch.setattr(ozon_settings, "POSTING_PAGE_SIZE", 20)
    monkeypatch.setenv("LOADER_NOW", ozon_with_orders.clock.now().isoformat())
    assert load_ozon(ozon_with_orders, "postings_fbo").status == "complete"
    served = scalar("select count(*) from raw_ozon.postings_fbo")
    assert served > 2 * 20, "several pages"

    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "other.duckdb"))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "other_dlt"))
    ozon_with_orders.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = lambda call, body: {
        key: value for key, value in body.items() if key != "has_next"
    }
    assert load_ozon(ozon_with_orders, "postings_fbo").status == "complete"
    assert scalar("select count(*) from raw_ozon.postings_fbo") == served


def test_an_ozon_window_sent_without_postings_is_empty(ozon_with_orders, workdir, monkeypatch):
    monkeypatch.setenv("LOADER_NOW", ozon_with_orders.clock.now().isoformat())
    no_postings = {"has_next": False, "cursor": ""}
    ozon_with_orders.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = lambda call, body: no_postings

    result = load_ozon(ozon_with_orders, "postings_fbo")

    assert result.status == "complete", result.resources


@pytest.mark.parametrize(("products", "reason"), [(None, "products is not a list"), ([], "products is empty")])
def test_an_ozon_posting_sent_again_without_products_keeps_the_lines_stored_for_it(
    ozon_with_orders, workdir, monkeypatch, products, reason
):
    """A posting always has products: one sent without the list (as protobuf JSON leaves out an empty
    one), or with an empty one, is quarantined and read again, not stored without lines, which would
    delete its stored ones (an empty list did: a delivered unit left the marts without a trace)."""
    monkeypatch.setenv("LOADER_NOW", ozon_with_orders.clock.now().isoformat())
    assert load_ozon(ozon_with_orders, "postings_fbo").status == "complete"
    lines = "select count(*) from raw_ozon.postings_fbo__products"
    stored = scalar(lines)

    stripped = []

    def first_without_products(call, body):
        postings = [dict(posting) for posting in body["postings"]]
        if postings and not stripped:
            stripped.append(postings[0].pop("products"))
            if products is not None:
                postings[0]["products"] = products
        return {**body, "postings": postings}

    ozon_with_orders.ozon.reshapes[ozon_settings.POSTING_FBO_LIST] = first_without_products
    load_ozon(ozon_with_orders, "postings_fbo")
    assert scalar(lines) == stored > 0
    assert scalar("select count(*) from raw_ozon.postings_quarantine where reason = ?", (reason,)) == 1


@pytest.fixture
def fast_reports(monkeypatch):
    monkeypatch.setattr(ozon_settings, "REPORT_POLL_FIRST_DELAY", 0.01)
    monkeypatch.setattr(ozon_settings, "REPORT_POLL_MAX_DELAY", 0.02)
    monkeypatch.setenv("OZON_REPORT_TIMEOUT_SECONDS", "2")


def report_status(status: str | None):
    def reshape(call, body):
        result = dict(body["result"])
        if status is None:
            result.pop("file", None)
        else:
            result["status"] = result["status"].upper()
        return {**body, "result": result}

    return reshape


def test_an_ozon_report_status_in_capitals_is_read(ozon_sandbox, workdir, fast_reports):
    ozon_sandbox.ozon.reshapes[ozon_settings.REPORT_INFO] = report_status("upper")

    result = load_ozon(ozon_sandbox, "warehouse_stock_report")

    assert result.status == "complete", result.resources
    assert scalar("select outcome from raw_ozon.report_requests") == "loaded"
    assert scalar("select count(*) from raw_ozon.warehouse_stock_report") > 0


def test_an_ozon_report_ready_without_a_file_is_recorded_as_malformed(ozon_sandbox, workdir, fast_reports):
    ozon_sandbox.ozon.reshapes[ozon_settings.REPORT_INFO] = report_status(None)

    result = load_ozon(ozon_sandbox, "warehouse_stock_report")

    [failure] = [outcome for outcome in result.resources if outcome["status"] != "ok"]
    assert "names no file" in failure["message"]
    assert scalar("select outcome from raw_ozon.report_requests") == "malformed"


@pytest.fixture
def wb(wb_sandbox, workdir, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(WB_SCALE))
    monkeypatch.setenv("LOADER_NOW", wb_sandbox.clock.now().isoformat())
    return wb_sandbox


def test_wb_cards_total_sent_as_text_pages_to_the_end(wb, monkeypatch, tmp_path):
    monkeypatch.setattr(wb_settings, "CARDS_PAGE_SIZE", 20)
    assert load_wb(wb, "cards").status == "complete"
    listed = scalar("select count(*) from raw_wildberries.cards")
    assert listed > 2 * 20, "several pages"

    def total_as_text(call, body):
        return {**body, "cursor": {**body["cursor"], "total": str(body["cursor"]["total"])}}

    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "other.duckdb"))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "other_dlt"))
    wb.wildberries.reshapes[wb_settings.CARDS_LIST[1]] = total_as_text
    assert load_wb(wb, "cards").status == "complete"
    assert scalar("select count(*) from raw_wildberries.cards") == listed


def test_a_wb_report_status_in_capitals_is_read(wb):
    wb.wildberries.reshapes[wb_settings.WAREHOUSE_REMAINS_STATUS[1]] = lambda call, body: {
        **body,
        "data": {**body["data"], "status": body["data"]["status"].upper()},
    }

    assert load_wb(wb, "warehouse_remains").status == "complete"
    assert scalar("select outcome from raw_wildberries.report_requests") == "loaded"


@pytest.mark.parametrize("body", [None, b""], ids=["null", "no-body"])
def test_a_wb_report_of_null_or_nothing_is_an_empty_snapshot(wb, body):
    wb.wildberries.reshapes[wb_settings.WAREHOUSE_REMAINS_DOWNLOAD[1]] = lambda call, served: body

    assert load_wb(wb, "warehouse_remains").status == "complete"
    assert scalar("select outcome || ' ' || rows from raw_wildberries.report_requests") == "loaded 0"


@pytest.mark.parametrize(
    ("answer", "rows", "more"),
    [
        ({"has_next": True, "cursor": "c"}, 5, True),
        ({"has_next": False, "cursor": "c"}, 100, False),
        ({"has_next": "true", "cursor": "c"}, 5, True),
        ({"has_next": "False", "cursor": "c"}, 100, False),
        ({"cursor": "c"}, 100, True),  # no has_next: a full page means more
        ({"cursor": "c"}, 99, False),
        ({"has_next": False, "cursor": ""}, 100, False),  # no cursor, no next page
        ({"cursor": ""}, 100, False),
        ({"has_next": "string", "cursor": "c"}, 99, False),  # the docs' example value: as if unsent
        (None, 100, False),
    ],
)
def test_whether_a_cursor_page_has_a_next_one(answer, rows, more):
    assert has_next_page(CLIENT, "/v3/posting/fbo/list", answer, rows, 100) is more


def test_has_next_without_a_cursor_fails_the_read_rather_than_stop_there():
    """The answer says there is more and gives no way to ask for it: stopping there loaded 100 of 126
    lines with the resource `ok` (API audit)."""
    with pytest.raises(ApiRequestError, match="says has_next but sends no cursor"):
        has_next_page(CLIENT, "/v3/posting/fbo/list", {"has_next": True, "cursor": ""}, 100, 100)


def test_a_product_listed_twice_in_one_page_is_stocked_once():
    seen = FirstSeen()
    assert seen.only_new([{"product_id": 1}, {"product_id": 1}, {"product_id": 2}, {}]) == [
        {"product_id": 1},
        {"product_id": 2},
        {},
    ]
    assert seen.only_new([{"product_id": 2}, {"product_id": 3}]) == [{"product_id": 3}]


def test_member_reads_through_missing_and_null_levels():
    assert member({"result": {"items": [1]}}, "result", "items") == [1]
    assert member({"result": None}, "result", "items") is None
    assert member({"result": []}, "result", "items") is None
    assert member(None, "result") is None


@pytest.mark.parametrize("answer", [{"data": {}}, {"data": {"taskId": None}}, {"data": None}, []])
def test_a_wb_report_created_without_a_task_id_is_recorded_as_malformed(wb, answer):
    wb.wildberries.reshapes[wb_settings.WAREHOUSE_REMAINS[1]] = lambda call, body: answer

    result = load_wb(wb, "warehouse_remains")

    [failure] = [outcome for outcome in result.resources if outcome["status"] != "ok"]
    assert "no data.taskId in the answer" in failure["message"]
    assert scalar("select outcome from raw_wildberries.report_requests") == "malformed"


def test_an_ozon_product_id_that_is_no_whole_number_costs_only_its_product(ozon_sandbox, workdir, caplog):
    """Ozon refuses a /v3/product/info/list request with an id such as "2.5" whole: that id is left out."""

    def one_odd_id(call, body):
        items = body["result"]["items"]
        if call.body["filter"]["visibility"] == "ALL" and items:
            items[0]["product_id"] = "2.5"
        return body

    ozon_sandbox.ozon.reshapes[ozon_settings.PRODUCT_LIST] = one_odd_id

    result = load_ozon(ozon_sandbox, "product_list_items", "products")

    assert result.status == "complete", result.resources
    assert result.rows["products"] == result.rows["product_list_items"] - 1 > 0
    assert "product ids that are no whole number left out: '2.5'" in caplog.text
