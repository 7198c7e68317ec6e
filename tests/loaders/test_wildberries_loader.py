"""The Wildberries loader against the sandbox: every resource equals the truth over several pages,
the listed and the trashed cards together make the whole catalogue, reruns are idempotent,
incremental runs read only what changed, the inclusive statistics boundary makes no duplicates,
failed reports load no stock, 429 storms are survived, and a wrong token fails only its account
without ever showing a token."""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from loaders import config
from loaders.config import WildberriesAccount
from loaders.http import ApiClient, ApiUnavailableError
from loaders.marketplaces import MARKETPLACES
from loaders.pipeline import run
from loaders.wildberries import helpers, settings
from sandbox import Sandbox
from tests.support.operations import drop_settings, run_script
from tests.support.sandbox_fixtures import TEST_PACE, paced_seller

CONFIG = paced_seller(seed=11, products=60, history_days=12)
PAGE_ROWS = 60  # statistics rows per response: several pages per run

ORDERS, SALES = settings.ORDERS[1], settings.SALES[1]
CARDS, REMAINS = settings.CARDS_LIST[1], settings.WAREHOUSE_REMAINS[1]
TRASH = settings.CARDS_TRASH[1]
TOTAL_ON_WAREHOUSES = "Всего находится на складах"


@pytest.fixture(autouse=True)
def restore_loader_now(monkeypatch):
    """`load` sets LOADER_NOW to the sandbox clock; put it back after each test (empty is the wall
    clock; a `delenv` of an unset variable would record nothing to restore)."""
    monkeypatch.setenv("LOADER_NOW", "")


@pytest.fixture
def wb(workdir, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    with Sandbox(CONFIG) as sandbox:
        sandbox.wildberries.statistics_page_rows = PAGE_ROWS
        monkeypatch.setenv("LOADER_NOW", sandbox.clock.now().isoformat())
        yield sandbox


def account_of(sandbox, index: int = 0, **overrides) -> WildberriesAccount:
    acc = sandbox.wildberries.accounts[index]
    return WildberriesAccount(
        **{"name": acc.name, "token": acc.token, "base_url": sandbox.wildberries.base_url, **overrides}
    )


def load(sandbox, *resources: str, index: int = 0, **options):
    """One run the way the CLI does it (a failing resource is recorded in the result's `resources`)."""
    os.environ["LOADER_NOW"] = sandbox.clock.now().isoformat()
    return run(MARKETPLACES["wildberries"], account_of(sandbox, index), resources=resources, **options)


def rows(sql: str) -> list[tuple]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.sql(sql).fetchall()


def scalar(sql: str):
    return rows(sql)[0][0]


def requests_since(sandbox, start: int) -> Counter:
    paths = Counter()
    for _, path, status in sandbox.wildberries.requests[start:]:
        kind = "status" if path.endswith("/status") else "download" if path.endswith("/download") else path
        paths[(kind, status)] += 1
    return paths


def truth(sandbox, index: int = 0):
    return sandbox.wildberries.truth(sandbox.wildberries.accounts[index].token)


def test_every_resource_equals_the_truth_over_several_pages(wb, monkeypatch):
    monkeypatch.setattr(settings, "CARDS_PAGE_SIZE", 10)
    result = load(wb)

    t = truth(wb)
    served = requests_since(wb, 0)
    assert served[(ORDERS, 200)] > 3 and served[(SALES, 200)] > 3, "statistics must be paged"
    assert served[(CARDS, 200)] > 2, "cards must be paged"
    assert not [key for key in served if key[1] == 429], f"pacing must keep under the limits: {served}"
    assert {r[0] for r in rows("select srid from raw_wildberries.orders")} == {o["srid"] for o in t.orders}
    assert {r[0] for r in rows("select sale_id from raw_wildberries.sales")} == {s["sale_id"] for s in t.sales}
    assert result.rows["orders"] == len(t.orders), "no row is extracted twice within a run"
    cards = {c["nm_id"] for c in t.cards if not c["trashed"]}
    assert {r[0] for r in rows("select nm_id from raw_wildberries.cards")} == cards
    skus = rows("select count(*) from raw_wildberries.cards__sizes__skus")[0][0]
    assert skus == len({c["barcode"] for c in t.cards if not c["trashed"]})

    stock_by_barcode = Counter()
    for cell in t.stock:
        stock_by_barcode[cell["barcode"]] += cell["quantity"]
    loaded = rows(
        "select r.barcode, w.quantity from raw_wildberries.warehouse_remains r join"
        " raw_wildberries.warehouse_remains__warehouses w on w._dlt_parent_id = r._dlt_id"
        f" where w.warehouse_name = '{TOTAL_ON_WAREHOUSES}'"
    )
    assert dict(loaded) == {barcode: n for barcode, n in stock_by_barcode.items() if n}
    # each report row with its place in the file: the stock models take the first of a row sent twice
    assert rows(
        "select min(row_number), max(row_number), count(distinct row_number) from raw_wildberries.warehouse_remains"
    ) == [(1, len(loaded), len(loaded))]
    assert scalar("select sum(quantity) from raw_wildberries.wb_warehouse_stocks") == sum(stock_by_barcode.values())
    assert scalar("select count(*) from raw_wildberries.seller_warehouses") >= 1
    assert scalar("select count(*) from raw_wildberries.offices") >= 1
    [request] = rows("select report_type, status, outcome, error, rows from raw_wildberries.report_requests")
    assert request == ("warehouse_remains", "done", "loaded", "", len(loaded))

    stamped = ("cards", "cards_trash", "orders", "sales", "warehouse_remains", "wb_warehouse_stocks")
    for table in (*stamped, "seller_warehouses"):
        assert rows(f"select count(*) from raw_wildberries.{table} where account is null or synced_at is null") == [
            (0,)
        ]
        assert scalar(f"select min(account) from raw_wildberries.{table}") == wb.wildberries.accounts[0].name
    types = dict(
        rows(
            "select column_name, data_type from information_schema.columns where table_schema = 'raw_wildberries'"
            " and table_name = 'orders'"
        )
    )
    assert types["last_change_date"] == "VARCHAR" and types["date"] == "VARCHAR", "timestamps stay text as sent"
    assert types["total_price"] == "DOUBLE" and types["synced_at"].startswith("TIMESTAMP")
    sent = {o["srid"]: o["last_change_date"] for o in t.orders}
    assert dict(rows("select srid, last_change_date from raw_wildberries.orders")) == sent, "Moscow time as sent"


def trashed_in_truth(sandbox, index: int = 0) -> dict[int, str]:
    return {c["nm_id"]: c["trashed_at"] for c in truth(sandbox, index).cards if c["trashed"]}


def current_trash() -> set[int]:
    """The nmIDs in the trash as of the last complete read, as a staging model is to find them: the
    account's latest `ok` cards_trash outcome (latest by the outcome row's own load) names the data
    load of that read, and the rows of that load are the trash (none when the read loaded nothing:
    an empty trash leaves `data_load_id` null)."""
    found = rows(
        "with latest as (select account, data_load_id, row_number() over (partition by account"
        " order by _dlt_load_id desc) as n from raw_wildberries.resource_outcomes"
        " where resource = 'cards_trash' and status = 'ok')"
        " select t.nm_id from raw_wildberries.cards_trash t"
        " join latest l on l.account = t.account and l.n = 1 and l.data_load_id = t._dlt_load_id"
    )
    return {nm_id for (nm_id,) in found}


def test_cards_trash_holds_the_trashed_cards_and_completes_the_catalogue(wb, monkeypatch):
    monkeypatch.setattr(settings, "CARDS_TRASH_PAGE_SIZE", 2)
    wb.clock.advance(timedelta(days=40))  # cards trashed while they still sell and hold stock

    result = load(wb)

    assert result.status == "complete", result.resources
    t, trashed = truth(wb), trashed_in_truth(wb)
    served = requests_since(wb, 0)
    assert served[(TRASH, 200)] == len(trashed) // 2 + 1 > 2, "paged to the short page"
    # Only the content routes: a statistics 429 on a busy machine is retried and is another bucket's.
    throttled = [key for key in served if key[1] == 429 and key[0].startswith("/content/")]
    assert not throttled, f"cards and cards_trash share the Контент pacing: {served}"
    assert dict(rows("select nm_id, trashed_at from raw_wildberries.cards_trash")) == trashed
    sizes = rows(
        "select t.nm_id, s.chrt_id, s.tech_size, k.value from raw_wildberries.cards_trash t"
        " join raw_wildberries.cards_trash__sizes s on s._dlt_parent_id = t._dlt_id"
        " join raw_wildberries.cards_trash__sizes__skus k on k._dlt_parent_id = s._dlt_id"
    )
    expected = {(c["nm_id"], c["chrt_id"], c["tech_size"], c["barcode"]) for c in t.cards if c["trashed"]}
    assert sorted(sizes) == sorted(expected)
    assert rows("select count(*) from raw_wildberries.cards_trash where account is null or synced_at is null") == [(0,)]
    assert scalar("select min(vendor_code) from raw_wildberries.cards_trash") is not None

    listed = {r[0] for r in rows("select nm_id from raw_wildberries.cards")}
    in_trash = set(trashed)
    assert not listed & in_trash and current_trash() == in_trash
    named = {o["nm_id"] for o in t.orders} | {s["nm_id"] for s in t.stock}
    assert named & in_trash - listed, "orders and stock name trashed cards, which cards/list leaves out"
    assert named <= listed | in_trash, "together the cards and the trash hold every card sold or stocked"
    for table in ("orders", "sales", "warehouse_remains", "wb_warehouse_stocks"):
        assert {r[0] for r in rows(f"select distinct nm_id from raw_wildberries.{table}")} <= listed | in_trash


def test_a_card_restored_from_the_trash_is_no_longer_in_the_current_trash(wb, monkeypatch):
    load(wb, "cards", "cards_trash")
    before = trashed_in_truth(wb)
    restored = min(before)

    wb.clock.advance(timedelta(days=40))
    wb.wildberries.restore_card(wb.wildberries.accounts[0].token, restored)
    load(wb, "cards", "cards_trash")

    now = trashed_in_truth(wb)
    assert restored not in now and set(now) - set(before), "one card restored, others trashed since"
    assert current_trash() == set(now), "the latest complete read is the trash"
    kept = {r[0] for r in rows("select nm_id from raw_wildberries.cards_trash")}
    assert kept == set(now) | {restored}, "a card that left the trash keeps its last row"
    assert restored in {r[0] for r in rows("select nm_id from raw_wildberries.cards")}, "listed again"

    # A read that fails part-way loads nothing: the trash stays the one of the last complete read.
    wb.clock.advance(timedelta(days=5))
    monkeypatch.setattr(settings, "CARDS_TRASH_PAGE_SIZE", 1)
    post, pages = ApiClient.post, []

    def second_page_fails(client, endpoint, body):
        if endpoint.endswith(TRASH):
            pages.append(body)
            if len(pages) == 2:
                raise ApiUnavailableError("Wildberries", client.account, endpoint, "still failing", "")
        return post(client, endpoint, body)

    monkeypatch.setattr(ApiClient, "post", second_page_fails)
    failed = load(wb, "cards_trash")
    assert len(pages) == 2 and [o["status"] for o in failed.resources] == ["failed"]
    assert current_trash() == set(now) and "cards_trash" not in failed.rows
    monkeypatch.setattr(ApiClient, "post", post)

    # An emptied trash loads no row (and no data load): no row is current any more.
    for nm_id in trashed_in_truth(wb):
        wb.wildberries.restore_card("wb1", nm_id)
    emptied = load(wb, "cards_trash")
    assert emptied.status == "complete" and not trashed_in_truth(wb) and current_trash() == set()


def test_a_rerun_changes_no_merged_table_and_appends_a_stock_snapshot(wb):
    load(wb)
    merged = ("cards", "orders", "sales", "seller_warehouses", "offices", "cards__sizes")
    merged += ("cards_trash", "cards_trash__sizes", "cards_trash__sizes__skus")
    before = {table: scalar(f"select count(*) from raw_wildberries.{table}") for table in merged}
    stock = scalar("select count(*) from raw_wildberries.warehouse_remains")

    load(wb)

    assert {table: scalar(f"select count(*) from raw_wildberries.{table}") for table in merged} == before
    assert scalar("select count(*), count(distinct synced_at) from raw_wildberries.orders") == before["orders"]
    assert rows("select count(*), count(distinct task_id) from raw_wildberries.warehouse_remains") == [(2 * stock, 2)]
    assert scalar("select count(*) from raw_wildberries.report_requests") == 2
    assert current_trash() == set(trashed_in_truth(wb)) != set(), "every row read again: all current"


def test_incremental_runs_read_only_what_changed(wb, monkeypatch):
    monkeypatch.setattr(settings, "CARDS_PAGE_SIZE", 10)
    full = load(wb, "cards", "orders", "sales")
    first = requests_since(wb, 0)
    start = len(wb.wildberries.requests)

    again = load(wb, "cards", "orders", "sales")

    second = requests_since(wb, start)
    assert first[(CARDS, 200)] > 2 and second[(CARDS, 200)] == 1 and "cards" not in again.rows
    assert second[(ORDERS, 200)] < first[(ORDERS, 200)] and second[(SALES, 200)] < first[(SALES, 200)]
    assert 0 < again.rows["orders"] < full.rows["orders"], "only the look-back window is read again"

    # A full refresh forgets the cursors and reads everything again.
    start = len(wb.wildberries.requests)
    load(wb, "cards", "orders", full_refresh=True)
    refreshed = requests_since(wb, start)
    assert refreshed[(CARDS, 200)] == first[(CARDS, 200)] and refreshed[(ORDERS, 200)] == first[(ORDERS, 200)]


def test_changes_after_a_clock_advance_are_picked_up_by_the_next_run(wb):
    load(wb, "cards", "orders", "sales")
    cancelled_before = scalar("select count(*) from raw_wildberries.orders where is_cancel")

    wb.clock.advance(timedelta(days=3))
    load(wb, "cards", "orders", "sales")

    t = truth(wb)
    loaded = dict(rows("select srid, is_cancel from raw_wildberries.orders"))
    assert loaded == {o["srid"]: o["is_cancel"] for o in t.orders}
    assert sum(loaded.values()) > cancelled_before, "a cancellation after the advance must be picked up"
    changed = dict(rows("select srid, last_change_date from raw_wildberries.orders"))
    assert changed == {o["srid"]: o["last_change_date"] for o in t.orders}
    assert {r[0] for r in rows("select sale_id from raw_wildberries.sales")} == {s["sale_id"] for s in t.sales}
    money = dict(rows("select sale_id, for_pay from raw_wildberries.sales"))
    assert money == {s["sale_id"]: s["for_pay"] for s in t.sales}, "money filled in later is picked up"
    cards = {c["nm_id"] for c in t.cards if not c["trashed"]}
    assert cards <= {r[0] for r in rows("select nm_id from raw_wildberries.cards")}


@pytest.mark.parametrize("page_rows", [3, 7])
def test_the_inclusive_boundary_and_duplicate_rows_make_no_duplicates(wb, monkeypatch, page_rows):
    monkeypatch.setenv("WB_ORDERS_INITIAL_DAYS", "4")  # fewer rows: tiny pages mean many paced requests
    wb.wildberries.statistics_page_rows = page_rows
    wb.wildberries.faults.inject("duplicate_rows", times=3, path=ORDERS)
    wb.wildberries.faults.inject("duplicate_rows", times=3, path=SALES)

    result = load(wb, "orders", "sales")

    t = truth(wb)
    since = helpers.parse_moscow(helpers.start_date_from(None, wb.clock.now()))
    orders = {o["srid"] for o in t.orders if helpers.parse_moscow(o["last_change_date"]) >= since}
    sales = {s["sale_id"] for s in t.sales if helpers.parse_moscow(s["last_change_date"]) >= since}
    assert len(orders) > 5 * page_rows and len(sales) > 3 * page_rows
    assert rows("select count(*), count(distinct srid) from raw_wildberries.orders") == [(len(orders),) * 2]
    assert {r[0] for r in rows("select srid from raw_wildberries.orders")} == orders
    assert rows("select count(*), count(distinct sale_id) from raw_wildberries.sales") == [(len(sales),) * 2]
    assert result.rows["orders"] == len(orders) and result.rows["sales"] == len(sales), "deduped within the run"


@pytest.mark.parametrize(
    "sent", ["2025-12-31T10:00:00.5", "2025-12-31T07:00:00.5Z", "2025-12-31T07:00:00.5z", "2025-12-31T12:00:00.5+05:00"]
)
def test_a_statistics_time_is_moscow_time_unless_it_names_its_zone(sent):
    """ "If the time zone is not given, Moscow time (UTC+3) is taken" (the statistics API's words)."""
    assert helpers.parse_moscow(sent) == datetime(2025, 12, 31, 10, 0, 0, 500000)


def test_rows_that_cannot_be_stored_are_quarantined_and_the_load_goes_on(wb):
    wb.wildberries.faults.inject("malformed_row", times=1, path=ORDERS)
    wb.wildberries.faults.inject("new_field", times=1, path=SALES)
    wb.wildberries.faults.inject("missing_field", times=1, path=CARDS)

    load(wb, "orders", "sales", "cards")

    [(endpoint, reason, raw, account)] = rows(
        "select endpoint, reason, raw_row, account from raw_wildberries.statistics_quarantine"
    )
    assert endpoint == ORDERS and "no srid" in reason and "lastChangeDate" in reason and "N/A" in raw
    assert account == wb.wildberries.accounts[0].name
    assert scalar("select count(*) from raw_wildberries.orders") == len(truth(wb).orders) - 1
    assert scalar("select count(sandbox_new_field) from raw_wildberries.sales") > 0


def test_an_undocumented_report_status_ends_the_wait_at_once(wb, monkeypatch):
    """Polled until the deadline, an "error" status took WB_REPORT_TIMEOUT_SECONDS (20 minutes by
    default) of each run and then read as a timeout (API audit)."""
    monkeypatch.setenv("WB_REPORT_TIMEOUT_SECONDS", "3")

    def error_status(call, body: dict) -> dict:
        body["data"]["status"] = "error"
        return body

    wb.wildberries.reshapes[settings.WAREHOUSE_REMAINS_STATUS[1]] = error_status
    result = load(wb, "warehouse_remains")
    assert result.status != "complete"
    [request] = rows("select outcome, error, polls from raw_wildberries.report_requests")
    assert request == ("failed", "WB answers a status it does not document: 'error'", 1)


@pytest.mark.parametrize(
    "fault, outcome",
    [
        ("report_canceled", "failed"),
        ("report_purged", "failed"),
        ("report_stuck", "timed_out"),
        ("report_truncated", "malformed"),
        ("report_malformed", "malformed"),
    ],
)
def test_a_failed_report_loads_no_stock_but_is_recorded(wb, monkeypatch, fault, outcome):
    monkeypatch.setenv("WB_REPORT_TIMEOUT_SECONDS", "0.3")
    wb.wildberries.faults.inject(fault)

    result = load(wb, "warehouse_remains", "seller_warehouses")

    assert result.status == "partial"
    [failure] = [o for o in result.resources if o["status"] != "ok"]
    assert failure["resource"] == "warehouse_remains" and "No stock row" in failure["message"]

    [request] = rows(
        "select report_type, outcome, error, rows, polls, finished_at from raw_wildberries.report_requests"
    )
    assert request[:2] == ("warehouse_remains", outcome) and request[2] and request[3] == 0
    assert request[4] >= 1 and request[5] is not None
    tables = {r[0] for r in rows("select table_name from information_schema.tables")}
    assert "warehouse_remains" not in tables or scalar("select count(*) from raw_wildberries.warehouse_remains") == 0
    assert scalar("select count(*) from raw_wildberries.seller_warehouses") >= 1, "other resources still load"
    if fault == "report_malformed":
        assert scalar("select count(*) from raw_wildberries.warehouse_remains_quarantine") >= 1

    # The next run, without the fault, loads the snapshot.
    load(wb, "warehouse_remains")
    assert scalar("select count(*) from raw_wildberries.warehouse_remains") > 0
    assert [r[0] for r in rows("select outcome from raw_wildberries.report_requests order by requested_at")] == [
        outcome,
        "loaded",
    ]


def test_an_empty_report_is_an_empty_successful_snapshot(workdir, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    with Sandbox(paced_seller(seed=11, products=0)) as sandbox:
        load(sandbox, "warehouse_remains")
    assert rows("select outcome, rows from raw_wildberries.report_requests") == [("loaded", 0)]


def test_a_429_storm_is_survived_within_the_limits(wb):
    storm = {"X-Ratelimit-Retry": "0.05"}
    for path in (ORDERS, SALES, CARDS, settings.WB_WAREHOUSE_STOCKS[1]):
        wb.wildberries.inject_fault(path, status=429, times=4, headers=storm)

    result = load(wb, "orders", "sales", "cards", "wb_warehouse_stocks")

    served = requests_since(wb, 0)
    assert result.throttled == 16 and result.retries == 16
    assert {key: n for key, n in served.items() if key[1] == 429} == {
        (path, 429): 4 for path in (ORDERS, SALES, CARDS, settings.WB_WAREHOUSE_STOCKS[1])
    }, "only the injected 429s: the retries themselves stay under the limits"
    assert scalar("select count(*) from raw_wildberries.orders") == len(truth(wb).orders)


def test_a_base_token_refused_by_wb_warehouses_fails_only_that_resource(workdir, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    with Sandbox(paced_seller(seed=11, products=30, wb_base_token_accounts=1)) as sandbox:
        assert sandbox.wildberries.accounts[0].token_type == "base"
        result = load(sandbox, "cards", "wb_warehouse_stocks", "seller_warehouses")
        token = sandbox.wildberries.accounts[0].token
    [failure] = [o for o in result.resources if o["status"] != "ok"]
    assert (failure["resource"], failure["http_status"], result.status) == ("wb_warehouse_stocks", 403, "partial")
    message = failure["message"]
    assert "403" in message and "base token" in message and "personal" in message and token not in message
    assert scalar("select count(*) from raw_wildberries.cards") > 0
    assert scalar("select count(*) from raw_wildberries.seller_warehouses") > 0


def test_a_base_token_waits_for_its_report_as_long_as_wb_asks(workdir, monkeypatch):
    """A plain base token may poll a report's status 4 times an hour: the report flow waits as long
    as WB's 429 asks, past API_MAX_RETRY_WAIT_SECONDS but within WB_REPORT_TIMEOUT_SECONDS, rather
    than give the report up (and with it every base-token account's stock)."""
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))  # the 15 min between polls become 1.5 s
    monkeypatch.setenv("API_MAX_RETRY_WAIT_SECONDS", "0.5")
    with Sandbox(paced_seller(seed=11, products=30, wb_base_token_accounts=1)) as sandbox:
        result = load(sandbox, "warehouse_remains")
        served = requests_since(sandbox, 0)
    assert result.status == "complete", result.resources
    assert served[("status", 429)] >= 1 and served[("download", 200)] == 1, served
    assert scalar("select count(*) from raw_wildberries.report_requests where outcome = 'loaded'") == 1
    assert scalar("select count(*) from raw_wildberries.warehouse_remains") > 0


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run_script("loaders", "wildberries", *args, env=env, timeout=180)


def test_a_wrong_token_fails_only_its_account_and_no_token_is_logged(workdir, monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    with Sandbox(paced_seller(seed=11, products=30, accounts=2, history_days=3)) as sandbox:
        good, other = sandbox.wildberries.accounts
        wrong = other.token[:-6] + "AAAAAA"
        completed = run_cli(
            {
                "WB_ACCOUNTS": "shop,outlet",
                "WB_SHOP_API_TOKEN": good.token,
                "WB_OUTLET_API_TOKEN": wrong,
                "WB_API_BASE_URL": sandbox.wildberries.base_url,
                "LOADER_NOW": sandbox.clock.now().isoformat(),
            }
        )
        refused = [r for r in sandbox.wildberries.requests if r[2] == 401]
    output = completed.stdout + completed.stderr
    assert completed.returncode == 3, output
    assert "Wildberries account outlet" in output and "WB_API_TOKEN" in output and "401" in output
    assert "wildberries account shop: orders:" in output, "the good account still loads"
    assert len(refused) == 1, "an auth error is not retried"
    for secret in (good.token, wrong, other.token):
        assert secret not in output
    assert scalar("select count(distinct account) from raw_wildberries.orders") == 1


def test_the_accounts_of_one_process_load_side_by_side_into_the_same_rows(workdir, tmp_path):
    """Each account's requests go out while the other account loads (LOADER_ACCOUNTS_AT_ONCE=2), and
    the raw rows are those of the same loads one after another (=1)."""
    rows, orders = {}, {}
    with Sandbox(paced_seller(seed=11, products=30, accounts=2, history_days=3)) as sandbox:
        first, second = sandbox.wildberries.accounts
        for at_once in (1, 2):
            database = tmp_path / f"at_once_{at_once}.duckdb"
            served = len(sandbox.wildberries.requests)
            completed = run_cli(
                {
                    "WB_ACCOUNTS": "shop,outlet",
                    "WB_SHOP_API_TOKEN": first.token,
                    "WB_OUTLET_API_TOKEN": second.token,
                    "WB_API_BASE_URL": sandbox.wildberries.base_url,
                    "WB_RATE_LIMIT_SCALE": str(TEST_PACE),
                    "LOADER_NOW": sandbox.clock.now().isoformat(),
                    "LOADER_ACCOUNTS_AT_ONCE": str(at_once),
                    "DUCKDB_PATH": str(database),
                    "DLT_PIPELINES_DIR": str(tmp_path / f"dlt_{at_once}"),
                }
            )
            assert completed.returncode == 0, completed.stderr[-3000:]
            orders[at_once] = [r.client_id for r in sandbox.wildberries.requests[served:]]
            with duckdb.connect(str(database), read_only=True) as db:
                rows[at_once] = {
                    table: db.execute(
                        f"select account, count(*) from raw_wildberries.{table} group by account order by account"
                    ).fetchall()
                    for table in ("cards", "orders", "sales", "warehouse_remains", "wb_warehouse_stocks")
                }
    names = (first.name, second.name)

    def span(clients: list, name: str) -> tuple[int, int]:
        positions = [index for index, client in enumerate(clients) if client == name]
        return positions[0], positions[-1]

    (_, first_ends), (second_starts, _) = span(orders[1], names[0]), span(orders[1], names[1])
    assert first_ends < second_starts, "one at a time: the second account starts when the first is done"
    (_, first_ends), (second_starts, _) = span(orders[2], names[0]), span(orders[2], names[1])
    assert second_starts < first_ends, "side by side: the second account's requests start while the first loads"
    assert rows[2] == rows[1]
    assert all(len(counts) == 2 for counts in rows[2].values()), rows[2]


@pytest.mark.parametrize(
    ("variable", "expected"),
    [
        ("LOADER_ACCOUNTS_AT_ONCE", "accounts between 1 and 64"),
        ("LOADER_NORMALIZE_WORKERS", "processes between 1 and 16"),
    ],
)
def test_a_bad_loader_setting_stops_the_loader_with_one_line(workdir, variable, expected):
    completed = run_cli({"WB_API_TOKEN": "token-never-used", variable: "0"})
    assert completed.returncode == 2
    assert f"{variable} must be a whole number of {expected}, not '0'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_accounts_come_from_the_environment(monkeypatch):
    drop_settings(monkeypatch, "WB_")
    with pytest.raises(config.ConfigError, match="WB_API_TOKEN"):
        config.wildberries_accounts()
    monkeypatch.setenv("WB_API_TOKEN", "secret-token-value")
    [account] = config.wildberries_accounts()
    assert (account.name, account.token, account.base_url) == ("default", "secret-token-value", "")
    assert "secret-token-value" not in repr(account)
    monkeypatch.setenv("WB_ACCOUNTS", "a,b")
    with pytest.raises(config.ConfigError, match="WB_API_TOKEN is set, but with WB_ACCOUNTS"):  # not ignored
        config.wildberries_accounts()
    monkeypatch.delenv("WB_API_TOKEN")
    monkeypatch.setenv("WB_A_API_TOKEN", "token-a")
    monkeypatch.setenv("WB_API_BASE_URL", "http://127.0.0.1:9")
    with pytest.raises(config.ConfigError, match="WB_B_API_TOKEN"):
        config.wildberries_accounts()
    monkeypatch.setenv("WB_B_API_TOKEN", "token-b")
    assert [(a.name, a.token, a.base_url) for a in config.wildberries_accounts()] == [
        ("a", "token-a", "http://127.0.0.1:9"),
        ("b", "token-b", "http://127.0.0.1:9"),
    ]


def test_pacing_never_delays_the_first_call_and_follows_the_scale(monkeypatch):
    import time

    from loaders.http import Pacer
    from loaders.wildberries.helpers import interval, make_client

    pacer = Pacer(interval=30)
    started = time.monotonic()
    pacer.wait()
    assert time.monotonic() - started < 0.05, "the first call of an endpoint must not wait"

    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", "60")
    assert interval(settings.ORDERS) == pytest.approx(60 * settings.PACING_MARGIN / 60)
    monkeypatch.delenv("WB_RATE_LIMIT_SCALE")
    client = make_client(WildberriesAccount("shop", "secret-token-1234", ""))
    assert client.session.headers["Authorization"] == "secret-token-1234", "raw token, no Bearer"
    orders_url = "https://statistics-api.wildberries.ru/api/v1/supplier/orders"
    assert client._endpoint_pacers[orders_url].interval == pytest.approx(60 * settings.PACING_MARGIN)
    content = "https://content-api.wildberries.ru/content/v2/get/cards/"
    assert client._endpoint_pacers[content + "trash"] is client._endpoint_pacers[content + "list"], "one bucket"


def test_a_table_the_database_lost_is_created_again_and_read_in_full(wb, caplog):
    """The cards cursor says every card was read; with `cards__sizes` gone, an incremental read would
    bring back only the cards changed since and leave the sizes of the others missing for good."""
    load(wb, "cards")
    sizes = scalar("select count(*) from raw_wildberries.cards__sizes")
    with duckdb.connect(str(config.duckdb_path())) as db:
        db.execute("drop table raw_wildberries.cards__sizes")

    with caplog.at_level("WARNING", logger="loaders.resync"):
        result = load(wb, "cards")

    assert "lost table(s) cards__sizes" in caplog.text and "reading cards in full" in caplog.text
    assert result.status == "complete"
    assert scalar("select count(*) from raw_wildberries.cards__sizes") == sizes > 0


def test_a_quarantined_order_is_read_again_until_it_is_stored(wb, monkeypatch):
    monkeypatch.setenv("WB_ORDERS_LOOKBACK_HOURS", "1")
    load(wb, "orders")
    wb.clock.advance(timedelta(days=2))
    wb.wildberries.faults.inject("malformed_row", times=1, path=ORDERS)
    load(wb, "orders")
    wb.clock.advance(timedelta(days=2))
    load(wb, "orders")

    reads = rows(
        "select window_since, quarantined_rows from raw_wildberries.resource_outcomes "
        "where resource = 'orders' order by _dlt_load_id"
    )
    assert reads[1][1] == 1 and reads[2] == (reads[1][0], 0)
    assert {srid for (srid,) in rows("select srid from raw_wildberries.orders")} == {
        o["srid"] for o in truth(wb).orders
    }


def test_the_resources_of_an_account_are_read_side_by_side(wb):
    # The first status poll of the stock report (made once the token is known good) answers after
    # 2 s: read one resource after another, most orders and sales pages would be answered after it.
    wb.wildberries.inject_delay(settings.WAREHOUSE_REMAINS_STATUS[1], seconds=2)

    result = load(wb)

    assert result.status == "complete"
    answered = [path for _, path, _ in wb.wildberries.requests]
    while_waiting = answered[: next(i for i, path in enumerate(answered) if path.endswith("/status"))]
    for statistics in (ORDERS, SALES):
        assert while_waiting.count(statistics) == answered.count(statistics) > 2


def test_a_look_back_date_from_is_in_whole_seconds_never_later_than_the_look_back(monkeypatch):
    """WB takes dateFrom "to the second or millisecond": a lastChangeDate with a fraction gives a
    look-back cut to the second below, not six fraction digits."""
    monkeypatch.setenv("WB_ORDERS_LOOKBACK_HOURS", "24")
    now = datetime(2025, 11, 21, tzinfo=UTC)
    assert helpers.start_date_from("2025-11-20T00:47:56.18", now) == "2025-11-19T00:47:56"
    assert helpers.start_date_from("2025-11-20T00:47:56", now) == "2025-11-19T00:47:56"
    assert helpers.start_date_from(None, datetime(2025, 11, 21, 9, 30, 15, 999999, tzinfo=UTC)).endswith("12:30:15")
