"""One resource's failure costs only itself: each resource of each marketplace is answered as a
removed (or forbidden) method in turn; the load is partial, the failing resource (and what it
feeds) is recorded with the reason, and every other resource's raw rows equal a full run's."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

import duckdb
import pytest

from loaders import config
from loaders.config import OzonAccount, WildberriesAccount
from loaders.http import ApiAuthError, ApiCredentialsRejectedError
from loaders.marketplaces import MARKETPLACES
from loaders.outcomes import Outcomes
from loaders.ozon import settings as ozon_settings
from loaders.pipeline import run, with_feeders
from loaders.wildberries import helpers as wb_helpers
from loaders.wildberries import settings as wb_settings
from loaders.wildberries import wildberries_source
from sandbox import Sandbox
from sandbox.server import ApiError as SandboxApiError
from scripts import database
from tests.support.operations import run_script
from tests.support.sandbox_fixtures import TEST_PACE, paced_seller

SELLER = paced_seller(seed=5, products=40, warehouses=4, history_days=3)

# The first endpoint each resource calls, and what else fails with it.
ENDPOINTS = {
    "ozon": {
        "product_list_items": ozon_settings.PRODUCT_LIST,
        "products": ozon_settings.PRODUCT_INFO_LIST,
        "product_stocks": ozon_settings.PRODUCT_STOCKS,
        "analytics_stocks": ozon_settings.ANALYTICS_STOCKS,
        "warehouses": ozon_settings.WAREHOUSE_LIST,
        "clusters": ozon_settings.CLUSTER_LIST,
        "warehouse_stock_report": ozon_settings.WAREHOUSE_STOCK_REPORT,
        "postings_fbo": ozon_settings.POSTING_FBO_LIST,
        "postings_fbs": ozon_settings.POSTING_FBS_LIST,
    },
    "wildberries": {
        "cards": wb_settings.CARDS_LIST[1],
        "cards_trash": wb_settings.CARDS_TRASH[1],
        "orders": wb_settings.ORDERS[1],
        "sales": wb_settings.SALES[1],
        "warehouse_remains": wb_settings.WAREHOUSE_REMAINS[1],
        "wb_warehouse_stocks": wb_settings.WB_WAREHOUSE_STOCKS[1],
        "seller_warehouses": wb_settings.SELLER_WAREHOUSES[1],
        "offices": wb_settings.OFFICES[1],
    },
}
ALSO_NOT_LOADED = {
    # products and analytics stock are read for the listed products; the FBS stock report for the
    # seller's warehouses, which it lists itself.
    "product_list_items": {"products": "skipped", "analytics_stocks": "skipped"},
    "warehouses": {"warehouse_stock_report": "failed"},
}
# Raw tables written by a resource whose name they do not start with.
TABLE_OWNERS = {
    "ozon": {"report_requests": "warehouse_stock_report"},
    "wildberries": {"report_requests": "warehouse_remains"},
}


@pytest.fixture(scope="module")
def seller():
    with Sandbox(SELLER) as sandbox:
        yield sandbox


@pytest.fixture
def scaled(workdir, monkeypatch, seller):
    for variable in ("OZON_RATE_LIMIT_SCALE", "WB_RATE_LIMIT_SCALE"):
        monkeypatch.setenv(variable, str(TEST_PACE))
    monkeypatch.setenv("LOADER_NOW", seller.clock.now().isoformat())
    return seller


def account(sandbox: Sandbox, marketplace: str):
    if marketplace == "ozon":
        acc = sandbox.ozon.accounts[0]
        return OzonAccount("shop", acc.client_id, acc.api_key, sandbox.ozon.base_url)
    return WildberriesAccount("shop", sandbox.wildberries.accounts[0].token, sandbox.wildberries.base_url)


def api(sandbox: Sandbox, marketplace: str):
    return sandbox.ozon if marketplace == "ozon" else sandbox.wildberries


def raw_counts(marketplace: str) -> dict[str, int]:
    """Rows per raw table (dlt's own tables and the outcomes left out)."""
    dataset = MARKETPLACES[marketplace].dataset
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        tables = [
            name
            for (name,) in db.execute(
                "select table_name from information_schema.tables where table_schema = ?", [dataset]
            ).fetchall()
            if not name.startswith("_dlt") and name != "resource_outcomes"
        ]
        return {name: db.execute(f"select count(*) from {dataset}.{name}").fetchone()[0] for name in tables}


def owner(marketplace: str, table: str) -> str:
    return TABLE_OWNERS[marketplace].get(table) or table.split("__")[0].removesuffix("_quarantine")


@pytest.fixture(scope="module")
def full_runs(seller, tmp_path_factory) -> dict[str, dict[str, int]]:
    """Raw rows per table of a run with every endpoint served, per marketplace."""
    saved = {name: os.environ.get(name) for name in ("DUCKDB_PATH", "DLT_PIPELINES_DIR", "LOADER_NOW")}
    folder = tmp_path_factory.mktemp("full")
    counts = {}
    try:
        os.environ.update(
            DUCKDB_PATH=str(folder / "full.duckdb"),
            DLT_PIPELINES_DIR=str(folder / "dlt"),
            LOADER_NOW=seller.clock.now().isoformat(),
            OZON_RATE_LIMIT_SCALE=str(TEST_PACE),
            WB_RATE_LIMIT_SCALE=str(TEST_PACE),
        )
        for marketplace in ENDPOINTS:
            result = run(MARKETPLACES[marketplace], account(seller, marketplace))
            assert result.status == "complete", result.resources
            counts[marketplace] = raw_counts(marketplace)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return counts


CASES = [(marketplace, resource) for marketplace, endpoints in ENDPOINTS.items() for resource in endpoints]


@pytest.mark.parametrize(("marketplace", "resource"), CASES, ids=[f"{m}-{r}" for m, r in CASES])
def test_a_removed_endpoint_costs_only_its_resource(scaled, full_runs, marketplace, resource):
    path = ENDPOINTS[marketplace][resource]
    api(scaled, marketplace).disable_endpoint(path, "removed")
    try:
        result = run(MARKETPLACES[marketplace], account(scaled, marketplace))
    finally:
        api(scaled, marketplace).enable_endpoint(path)

    expected = {resource: "failed", **ALSO_NOT_LOADED.get(resource, {})}
    outcomes = {o["resource"]: o for o in result.resources}
    assert result.status == "partial"
    assert {name: o["status"] for name, o in outcomes.items() if o["status"] != "ok"} == expected
    failed = outcomes[resource]
    assert failed["endpoint"].endswith(path) and failed["http_status"] in (400, 404, 410), failed
    assert "no longer serves" in failed["message"] or "obsolete" in failed["message"]
    assert "update this project" in failed["message"] and ".py" not in failed["message"]  # what a seller can do
    assert "unreachable" not in failed["message"], failed["message"]  # removed, not out of reach for now
    full = full_runs[marketplace]
    loaded = raw_counts(marketplace)
    kept = {table: rows for table, rows in full.items() if owner(marketplace, table) not in expected}
    assert {table: loaded.get(table) for table in kept} == kept
    written = [t for t in loaded if owner(marketplace, t) == resource and loaded[t] and t != "report_requests"]
    assert not written, "none of its rows are written (a report's request is: it says why)"

    dataset = MARKETPLACES[marketplace].dataset
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        recorded = dict(db.execute(f"select resource, status from {dataset}.resource_outcomes").fetchall())
    assert recorded == {name: o["status"] for name, o in outcomes.items()}


@pytest.mark.parametrize(
    ("marketplace", "path", "resource", "says"),
    [
        ("ozon", ozon_settings.CLUSTER_LIST, "clusters", "without the role the method needs"),
        ("wildberries", wb_settings.OFFICES[1], "offices", "the token works, but lacks the category"),
    ],
)
def test_an_endpoint_refused_for_the_token_is_failed_as_refused(scaled, marketplace, path, resource, says):
    api = getattr(scaled, marketplace)
    api.disable_endpoint(path, "forbidden")
    try:
        result = run(MARKETPLACES[marketplace], account(scaled, marketplace))
    finally:
        api.enable_endpoint(path)
    [refused] = [o for o in result.resources if o["status"] != "ok"]
    assert (refused["resource"], refused["http_status"], refused["auth"]) == (resource, 403, True)
    assert result.status == "partial"
    # the key lacks the method's right: the message says so, not that the key may be wrong
    assert says in refused["message"] and "rejected" not in refused["message"], refused["message"]
    # and names the setting that leaves the resource out of every run (the runner takes no --resources)
    assert account(scaled, marketplace).variable("SKIP_RESOURCES") in refused["message"]


def account_env(sandbox: Sandbox, marketplace: str, **settings: str) -> dict[str, str]:
    """The environment of one sandbox account named shop of `marketplace` (WB_ACCOUNTS=shop, ...), plus `settings`."""
    if marketplace == "ozon":
        acc = sandbox.ozon.accounts[0]
        variables = {"OZON_SHOP_CLIENT_ID": acc.client_id, "OZON_SHOP_API_KEY": acc.api_key}
        return {"OZON_ACCOUNTS": "shop", "OZON_API_BASE_URL": sandbox.ozon.base_url, **variables, **settings}
    token = sandbox.wildberries.accounts[0].token
    return {
        "WB_ACCOUNTS": "shop",
        "WB_SHOP_API_TOKEN": token,
        "WB_API_BASE_URL": sandbox.wildberries.base_url,
        **settings,
    }


@pytest.mark.parametrize(
    ("marketplace", "path", "skip"),
    [
        ("ozon", ozon_settings.CLUSTER_LIST, {"OZON_SHOP_SKIP_RESOURCES": "clusters"}),
        ("wildberries", wb_settings.OFFICES[1], {"WB_SHOP_SKIP_RESOURCES": " offices , cards_trash"}),
    ],
)
def test_an_account_leaves_out_what_its_key_may_not_read_and_loads_complete(scaled, marketplace, path, skip):
    """A key without the rights to one method: listed in the account's <PREFIX>_SKIP_RESOURCES, that
    resource is not called (the sandbox refuses it here) and the account's load is complete, as cron's
    runs of such a key should read, not partial on every run."""
    api = getattr(scaled, marketplace)
    api.disable_endpoint(path, "forbidden")
    try:
        done = run_script("loaders", marketplace, env=account_env(scaled, marketplace, **skip), timeout=180)
    finally:
        api.enable_endpoint(path)
    output = done.stdout + done.stderr
    [(variable, value)] = skip.items()
    resources = MARKETPLACES[marketplace].resources
    left_out = [name for name in resources if name in {item.strip() for item in value.split(",")}]
    assert done.returncode == 0, output
    assert f"shop: {', '.join(left_out)} left out by {variable}" in output
    dataset = MARKETPLACES[marketplace].dataset
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        recorded = dict(db.execute(f"select resource, status from {dataset}.resource_outcomes").fetchall())
    # what it leaves out is recorded as such: the marts know its older rows are no news of today
    assert recorded == {name: "left_out" if name in left_out else "ok" for name in resources}


def test_a_load_of_a_transformer_stores_what_fed_it():
    """The stock group loads analytics_stocks, which asks for the SKUs of the product list it reads: the
    list is stored with it (int_ozon_stock_products_unasked compares the two). Left out, it reads none."""
    needs = MARKETPLACES["ozon"].needs
    stock = ("product_stocks", "analytics_stocks", "warehouse_stock_report")
    assert with_feeders(stock, needs) == ("product_list_items", *stock)
    assert with_feeders(("product_stocks", "warehouse_stock_report"), needs) == (
        "product_stocks",
        "warehouse_stock_report",
    )
    catalogue = ("product_list_items", "products", "warehouses", "clusters")
    assert with_feeders(catalogue, needs) == catalogue


def test_a_load_whose_every_resource_is_left_out_records_that_and_is_complete(scaled):
    """A token without the Statistics category, orders and sales left out: the runner's orders step
    still runs the loader, which reads nothing and records both as left out."""
    env = account_env(scaled, "wildberries", WB_SHOP_SKIP_RESOURCES="orders,sales")
    done = run_script("loaders", "wildberries", "--resources", "orders", "sales", env=env, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        recorded = db.execute("select resource, status, message from raw_wildberries.resource_outcomes order by 1")
        assert recorded.fetchall() == [
            ("orders", "left_out", "left out by WB_SHOP_SKIP_RESOURCES"),
            ("sales", "left_out", "left out by WB_SHOP_SKIP_RESOURCES"),
        ]


@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ({"OZON_SHOP_SKIP_RESOURCES": "clusters,stocks"}, "OZON_SHOP_SKIP_RESOURCES: no resource named stocks;"),
        (
            {"OZON_SHOP_SKIP_RESOURCES": "product_list_items"},
            "OZON_SHOP_SKIP_RESOURCES: products, analytics_stocks need product_list_items, which it leaves out",
        ),
    ],
)
def test_a_bad_resource_to_leave_out_stops_the_loader_naming_the_variable(scaled, setting, says):
    done = run_script("loaders", "ozon", env=account_env(scaled, "ozon", **setting), timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [line for line in done.stderr.splitlines() if "SKIP_RESOURCES" in line]
    assert says in line


def test_the_cli_exits_4_on_a_partial_load_and_says_what_did_not_load(scaled, tmp_path):
    path = ozon_settings.WAREHOUSE_LIST
    scaled.ozon.disable_endpoint(path, "removed")
    acc = scaled.ozon.accounts[0]
    try:
        completed = run_script(
            "loaders",
            "ozon",
            "--stats-file",
            str(tmp_path / "stats.json"),
            env={
                "OZON_CLIENT_ID": acc.client_id,
                "OZON_API_KEY": acc.api_key,
                "OZON_API_BASE_URL": scaled.ozon.base_url,
            },
            timeout=180,
        )
    finally:
        scaled.ozon.enable_endpoint(path)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 4, output
    assert "partial (warehouses failed, warehouse_stock_report failed)" in output
    assert acc.api_key not in output + Path(tmp_path / "stats.json").read_text(encoding="utf-8")


def test_a_wait_longer_than_allowed_skips_the_resource_for_this_run(scaled, monkeypatch):
    monkeypatch.setenv("API_MAX_RETRY_WAIT_SECONDS", "30")
    path = wb_settings.ORDERS[1]
    scaled.wildberries.inject_fault(path, status=429, headers={"X-Ratelimit-Retry": "7200"})
    result = run(MARKETPLACES["wildberries"], account(scaled, "wildberries"))

    [skipped] = [o for o in result.resources if o["status"] != "ok"]
    assert (skipped["resource"], skipped["status"], skipped["http_status"]) == ("orders", "skipped", 429)
    assert "7200" in skipped["message"] and "the first run after" in skipped["message"]
    requests = [r for r in scaled.wildberries.requests if r.path == path]
    assert [r.status for r in requests[-1:]] == [429], "no retry into a longer penalty"

    # The next run, within the two hours, skips the endpoint without a request: one would extend the penalty.
    again = run(MARKETPLACES["wildberries"], account(scaled, "wildberries"), resources=("orders",))
    [waiting] = again.resources
    assert (waiting["status"], waiting["http_status"]) == ("skipped", None), waiting
    assert "waiting until" in waiting["message"] and "no request sent" in waiting["message"]
    assert [r for r in scaled.wildberries.requests if r.path == path] == requests

    # Once the wait is over, the endpoint is called again.
    cooldowns = config.pipelines_dir().parent / "cooldowns.json"
    waits = json.loads(cooldowns.read_text(encoding="utf-8"))
    assert list(waits) == [f"Wildberries|shop|{wb_helpers.url(account(scaled, 'wildberries'), wb_settings.ORDERS)}"]
    cooldowns.write_text(json.dumps(dict.fromkeys(waits, "2020-01-01T00:00:00+00:00")), encoding="utf-8")
    assert run(MARKETPLACES["wildberries"], account(scaled, "wildberries"), resources=("orders",)).status == "complete"


def test_a_stock_report_wb_asks_to_request_hours_later_is_skipped_and_recorded(scaled, monkeypatch):
    monkeypatch.setenv("API_MAX_RETRY_WAIT_SECONDS", "30")
    path = wb_settings.WAREHOUSE_REMAINS[1]
    scaled.wildberries.inject_fault(path, status=429, headers={"X-Ratelimit-Retry": "900"})
    result = run(MARKETPLACES["wildberries"], account(scaled, "wildberries"), resources=("warehouse_remains",))

    [outcome] = result.resources
    assert (outcome["status"], outcome["http_status"]) == ("skipped", 429), outcome
    assert "asks to wait 900 s" in outcome["message"]
    with duckdb.connect(os.environ["DUCKDB_PATH"], read_only=True) as db:
        recorded = db.execute("select task_id, outcome, http_status from raw_wildberries.report_requests").fetchall()
    assert recorded == [("", "unreachable", 429)], "the request is recorded with why it was not made"


def test_a_transformer_refused_on_items_under_way_side_by_side_is_recorded_and_logged_once(caplog):
    """dlt runs a transformer's items side by side: those under way when the first call was refused are
    refused too (an Ozon key without the analytics role logged its 403 once per batch of SKUs)."""
    outcomes = Outcomes("Ozon account shop")
    refusals = [
        ApiAuthError("Ozon", "shop", "/v1/analytics/stocks", f"HTTP 403 (batch {batch})", "hint", status=403)
        for batch in (1, 2)
    ]
    with caplog.at_level(logging.ERROR, logger="loaders.outcomes"):
        for refusal in refusals:
            outcomes.record("analytics_stocks", refusal)
    assert [record.getMessage().count("analytics_stocks failed") for record in caplog.records] == [1]
    assert "batch 1" in outcomes.failures["analytics_stocks"].message


# What WB answers for a token it cannot use at all (a 401 without "scope" in its detail).
TOKEN_REJECTED = {"title": "unauthorized", "detail": "token problem; token is malformed: bad signature", "status": 401}


def test_rejected_credentials_are_said_by_the_resource_whose_request_was_refused_whoever_records_first(
    scaled, monkeypatch
):
    """The client refuses every call after the token was rejected, without a request, and resources
    run side by side: the one that records first was given the 401 of another one's endpoint, and
    the one refused said "see <the other>". Here orders' request is refused, and offices, which calls
    after that, records first (orders' clean-up outlasts it, as a read's window bookkeeping may)."""
    wb = scaled.wildberries
    monkeypatch.setattr(wb, "disabled", lambda path, mode: SandboxApiError(401, TOKEN_REJECTED))
    wb.disable_endpoint(wb_settings.ORDERS[1], "forbidden")
    shop = account(scaled, "wildberries")
    client = wb_helpers.make_client(shop)
    outcomes = Outcomes("Wildberries account shop")
    offices_recorded = threading.Event()

    @outcomes.guard
    def orders():
        try:
            yield client.get(wb_helpers.url(shop, wb_settings.ORDERS), {"dateFrom": "2026-01-01"})
        finally:
            offices_recorded.wait(30)

    @outcomes.guard
    def offices():
        yield client.get(wb_helpers.url(shop, wb_settings.OFFICES))

    refused = threading.Thread(target=lambda: list(orders()))
    try:
        refused.start()
        deadline = time.monotonic() + 30
        while not client.rejected and time.monotonic() < deadline:
            time.sleep(0.01)
        assert list(offices()) == []
        offices_recorded.set()
        refused.join(30)
    finally:
        offices_recorded.set()
        wb.enable_endpoint(wb_settings.ORDERS[1])
    failures = outcomes.failures
    orders_endpoint = wb_helpers.url(shop, wb_settings.ORDERS)
    said = failures["orders"]
    assert (said.endpoint, said.http_status, said.auth) == (orders_endpoint, 401, True), said
    assert "token is malformed" in said.message and "WB_API_TOKEN" in said.message, said.message
    pointed = failures["offices"]
    assert (pointed.endpoint, pointed.http_status, pointed.auth) == (None, None, True), pointed
    assert pointed.message == f"not read: the credentials were rejected at {orders_endpoint}"
    assert said.error_class == pointed.error_class == "ApiCredentialsRejectedError"  # the run log's class
    assert [request.path for request in wb.requests if request.status == 401] == [wb_settings.ORDERS[1]]


def test_a_resource_refused_after_a_call_of_its_own_was_refused_says_so_whichever_came_first():
    """A transformer's items run side by side: one's request is refused, another's call is refused
    without a request; the resource carries the refused request's endpoint, status and hint."""
    rejected = ApiCredentialsRejectedError("Ozon", "shop", "/v1/analytics/stocks", "HTTP 401", "hint", status=401)
    outcomes = Outcomes("Ozon account shop")
    outcomes.record("analytics_stocks", rejected.unsent())
    outcomes.record("analytics_stocks", rejected)
    outcomes.record("analytics_stocks", rejected.unsent())
    failure = outcomes.failures["analytics_stocks"]
    assert (failure.endpoint, failure.http_status, failure.message) == ("/v1/analytics/stocks", 401, str(rejected))


def test_wb_warehouse_stocks_refused_for_rejected_credentials_says_so_not_that_its_token_type_is_wrong():
    """wb_warehouse_stocks gives a refusal the hint on the token types it accepts: a call it never sent,
    refused for a token WB rejected at another endpoint, was said as its own 401 with that hint."""
    shop = WildberriesAccount("shop", "wb-test-token-value", "http://127.0.0.1:9")
    client = wb_helpers.make_client(shop)
    cards = wb_helpers.url(shop, wb_settings.CARDS_LIST)
    client.rejected.append(
        ApiCredentialsRejectedError("Wildberries", "shop", cards, "HTTP 401", wb_helpers.AUTH_HINT, status=401)
    )
    outcomes = Outcomes("Wildberries account shop")
    assert list(wildberries_source(shop, client=client, outcomes=outcomes).with_resources("wb_warehouse_stocks")) == []
    failure = outcomes.failures["wb_warehouse_stocks"]
    assert (failure.message, failure.endpoint, failure.error_class) == (
        f"not read: the credentials were rejected at {cards}",
        None,
        "ApiCredentialsRejectedError",
    )


@pytest.mark.parametrize(
    ("said", "stored"),
    [("bad value \x00 here", "bad value  here"), ("bad value \ud800 here", "bad value \ufffd here")],
    ids=["nul", "lone-surrogate"],
)
def test_an_error_message_holding_what_no_database_stores_costs_only_its_resource(
    scaled, destination, monkeypatch, said, stored
):
    """A marketplace's error message is stored as the data is (loaders/storable.py): a NUL failed the
    account's whole load on PostgreSQL, on every run, and a lone surrogate failed the extract on both
    engines, with the real cause recorded nowhere."""
    path = ozon_settings.CLUSTER_LIST
    body = json.dumps({"code": 3, "message": said}).encode()  # escaped: "bad value \u0000 here"
    monkeypatch.setattr(scaled.ozon, "disabled", lambda path, mode: SandboxApiError(400, body))
    scaled.ozon.disable_endpoint(path, "removed")
    try:
        resources = ("warehouses", "clusters")
        result = run(MARKETPLACES["ozon"], account(scaled, "ozon"), destination_name=destination, resources=resources)
    finally:
        scaled.ozon.enable_endpoint(path)
    assert result.status == "partial"
    assert {o["resource"]: o["status"] for o in result.resources} == {"warehouses": "ok", "clusters": "failed"}
    with database.connect(destination, read_only=True) as db:
        [(message,)] = db.execute("select message from raw_ozon.resource_outcomes where resource = 'clusters'")
    assert f"message {stored}" in message, message
    assert f"message {stored}" in result.resources[1]["message"]
