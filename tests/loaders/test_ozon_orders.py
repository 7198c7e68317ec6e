"""Ozon orders: the sandbox's posting lists (contract, simulated time, faults) and the incremental loader."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from loaders import config
from loaders.config import OzonAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import postings, settings
from loaders.pipeline import run
from sandbox import Sandbox, SandboxConfig
from sandbox.ozon_postings import FBO_LIST, FBS_LIST
from tests.support.ozon_requests import post

# No rate limit: the contract tests page quickly with plain requests, which do not retry a 429.
SELLER = SandboxConfig(seed=5, products=60, warehouses=5, archived_share=0.1, history_days=6, rate_limit_rps=None)
ORDER_RESOURCES = ("postings_fbo", "postings_fbs")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SELLER) as running:
        yield running


def list_body(sandbox: Sandbox, **changes) -> dict:
    now = sandbox.clock.now()
    since = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    return {"limit": 100, "cursor": "", "filter": {"since": since, "to": now.isoformat()}, **changes}


def load_orders(sandbox: Sandbox, monkeypatch) -> None:
    monkeypatch.setenv("LOADER_NOW", sandbox.clock.now().isoformat())
    account = sandbox.ozon.accounts[0]
    ozon = OzonAccount(account.client_id, account.client_id, account.api_key, sandbox.ozon.base_url)
    run(MARKETPLACES["ozon"], ozon, resources=ORDER_RESOURCES)


def raw(sql: str) -> list[tuple]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.sql(sql).fetchall()


def requests_to(sandbox: Sandbox, path: str) -> int:
    return sum(1 for request in sandbox.ozon.requests if request.path == path)


# --- the sandbox's contract ----------------------------------------------------------------------


def test_posting_lists_page_by_cursor_without_gaps_or_repeats(sandbox):
    numbers, body, pages = [], list_body(sandbox, limit=7), 0
    while True:
        answer = post(sandbox, FBO_LIST, body).json()
        numbers += [posting["posting_number"] for posting in answer["postings"]]
        pages += 1
        if not answer["has_next"]:
            break
        body["cursor"] = answer["cursor"]
    fbo_truth = {
        line["posting_number"]
        for line in sandbox.ozon.order_lines(sandbox.ozon.accounts[0].client_id)
        if line["scheme"] == "fbo"
    }
    assert pages > 3
    assert len(numbers) == len(set(numbers)) == len(fbo_truth)
    assert set(numbers) == fbo_truth


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"limit": 101}, "limit must be between 1 and 100"),
        ({"filter": {"to": "2025-11-20T00:00:00Z"}}, "filter.since is required"),
        ({"filter": {"since": "2024-01-01T00:00:00Z", "to": "2025-11-20T00:00:00Z"}}, "PERIOD_IS_TOO_LONG"),
        ({"cursor": "not a cursor"}, "invalid cursor"),
    ],
)
def test_bad_list_requests_get_ozon_error_bodies(sandbox, change, message):
    answer = post(sandbox, FBS_LIST, list_body(sandbox, **change))
    assert answer.status_code == 400
    assert answer.json()["code"] == 3 and message in answer.json()["message"]


@pytest.mark.parametrize("path", ["/v2/posting/fbo/list", "/v3/posting/fbs/list"])
def test_switched_off_lists_answer_obsolete(sandbox, path):
    answer = post(sandbox, path, list_body(sandbox))
    assert (answer.status_code, answer.json()["code"]) == (400, 9)
    assert answer.json()["message"] == "obsolete method cannot be used"


def test_statuses_move_with_the_clock(sandbox):
    client_id = sandbox.ozon.accounts[0].client_id
    before = {line["posting_number"]: line["order_status"] for line in sandbox.ozon.order_lines(client_id)}
    sandbox.clock.advance(timedelta(days=7))
    after = {line["posting_number"]: line["order_status"] for line in sandbox.ozon.order_lines(client_id)}
    assert set(before) < set(after), "new orders arrive as time passes"
    moved = {number for number in before if before[number] != after[number]}
    assert moved and all(before[number] == "ordered" for number in moved)
    assert {after[number] for number in before} == {"delivered", "cancelled", "returned"}


def test_export_truth_writes_catalogue_stock_and_order_lines(sandbox, tmp_path):
    (path,) = sandbox.ozon.export_truth(tmp_path)
    text = path.read_text(encoding="utf-8")
    for key in ('"products"', '"fbo_stock"', '"fbs_stock"', '"order_lines"', '"order_status"'):
        assert key in text


# --- the loader ----------------------------------------------------------------------------------


def test_orders_load_every_page_and_reruns_do_not_duplicate(sandbox, workdir, monkeypatch):
    monkeypatch.setattr(settings, "POSTING_PAGE_SIZE", 20)
    truth = sandbox.ozon.order_lines(sandbox.ozon.accounts[0].client_id)
    load_orders(sandbox, monkeypatch)
    load_orders(sandbox, monkeypatch)
    counts = dict(
        raw(
            "select 'fbo', count(*) from raw_ozon.postings_fbo union all "
            "select 'fbs', count(*) from raw_ozon.postings_fbs"
        )
    )
    assert counts == {
        "fbo": sum(1 for line in truth if line["scheme"] == "fbo"),
        "fbs": sum(1 for line in truth if line["scheme"] == "fbs"),
    }
    assert requests_to(sandbox, FBO_LIST) > 4


def test_incremental_run_reads_only_the_look_back_and_picks_up_late_status_changes(sandbox, workdir, monkeypatch):
    monkeypatch.setattr(settings, "POSTING_PAGE_SIZE", 20)
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")
    monkeypatch.setenv("OZON_ORDERS_STATUS_DAYS", "1")  # the day's status re-read reads no further back
    load_orders(sandbox, monkeypatch)
    first_run = requests_to(sandbox, FBO_LIST)
    sandbox.clock.advance(timedelta(days=1))
    load_orders(sandbox, monkeypatch)
    assert requests_to(sandbox, FBO_LIST) - first_run < first_run / 2, "the second run re-reads only the look-back"

    client_id = sandbox.ozon.accounts[0].client_id
    statuses = dict(raw("select posting_number, status from raw_ozon.postings_fbo"))
    now = sandbox.clock.now()
    recent = [
        line
        for line in sandbox.ozon.order_lines(client_id)
        if line["scheme"] == "fbo" and now - line["created_at"] < timedelta(days=1)
    ]
    assert recent and all(statuses[line["posting_number"]] == line["status"] for line in recent)


def test_duplicates_across_pages_and_schema_changes_do_not_break_the_load(sandbox, workdir, monkeypatch):
    monkeypatch.setattr(settings, "POSTING_PAGE_SIZE", 20)
    sandbox.ozon.postings.inject("duplicate_across_pages", times=3)
    sandbox.ozon.postings.inject("new_field", times=1)
    sandbox.ozon.postings.inject("missing_field", times=1)
    load_orders(sandbox, monkeypatch)
    ((total, distinct),) = raw("select count(*), count(distinct posting_number) from raw_ozon.postings_fbo")
    assert total == distinct
    columns = {
        name
        for (name,) in raw("select column_name from information_schema.columns where table_name like 'postings_fb_'")
    }
    assert "sandbox_new_field" in columns


def test_a_429_storm_on_the_order_list_is_survived(sandbox, workdir, monkeypatch):
    sandbox.ozon.inject_fault(FBO_LIST, status=429, times=3, retry_after=0.05)
    load_orders(sandbox, monkeypatch)
    throttled = [request for request in sandbox.ozon.requests if request.path == FBO_LIST and request.status == 429]
    assert len(throttled) == 3
    assert raw("select count(*) from raw_ozon.postings_fbo")[0][0] > 0


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        # a daily load a second earlier than the day before (cron's start-up time varies): due
        ("2025-11-20T00:00:00Z", "2025-11-20T23:59:59+00:00", True),
        ("2025-11-20T00:00:00Z", "2025-11-20T20:59:59+00:00", False),  # 23:59:59 in Moscow, the same day
        ("2025-11-20T20:30:00Z", "2025-11-20T21:00:00+00:00", True),  # 23:30 then 00:00 in Moscow
        ("2025-11-20T21:00:00Z", "2025-11-21T20:00:00+00:00", False),  # 00:00 then 23:00 in Moscow
    ],
)
def test_the_status_reread_is_due_on_the_first_load_of_each_moscow_day(last, now, due):
    since = postings.status_reread_since({postings.STATUS_REREAD_STATE: last}, datetime.fromisoformat(now))
    assert (since is not None) is due


def test_a_first_load_makes_no_status_reread():
    assert postings.status_reread_since({}, datetime(2025, 11, 20, tzinfo=UTC)) is None
