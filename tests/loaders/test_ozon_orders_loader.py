"""The Ozon orders loader (`postings_fbo`, `postings_fbs`) against the sandbox's simulated seller:
paging, merged reruns, the dlt cursor with its look-back, quarantine, schema drift and 429s."""

from __future__ import annotations

import json
import logging
import math
import os
import shutil
from collections.abc import Iterator
from datetime import timedelta

import duckdb
import pytest

from loaders import config, waiting_room
from loaders.config import OzonAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import postings, settings
from loaders.pipeline import LoaderMemoryError, run
from sandbox import Sandbox, SandboxConfig
from sandbox.ozon_postings import FBO_LIST, FBS_LIST

SELLER = SandboxConfig(seed=9, products=50, warehouses=5, history_days=8, rate_limit_rps=None)
ORDER_RESOURCES = ("postings_fbo", "postings_fbs")
PAGE = 25


@pytest.fixture
def sandbox(workdir, monkeypatch) -> Iterator[Sandbox]:
    monkeypatch.setattr(settings, "POSTING_PAGE_SIZE", PAGE)
    with Sandbox(SELLER) as running:
        yield running


def load_orders(sandbox: Sandbox, monkeypatch, account_number: int = 0) -> None:
    monkeypatch.setenv("LOADER_NOW", sandbox.clock.now().isoformat())
    account = sandbox.ozon.accounts[account_number]
    ozon = OzonAccount(f"shop{account_number}", account.client_id, account.api_key, sandbox.ozon.base_url)
    run(MARKETPLACES["ozon"], ozon, resources=ORDER_RESOURCES)


def raw(sql: str) -> list[tuple]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.sql(sql).fetchall()


def truth_lines(sandbox: Sandbox, scheme: str, account_number: int = 0) -> dict[str, dict]:
    lines = sandbox.ozon.truth(sandbox.ozon.accounts[account_number].client_id).order_lines
    return {line["posting_number"]: line for line in lines if line["scheme"] == scheme}


def requests_to(sandbox: Sandbox, path: str) -> int:
    return sum(1 for request in sandbox.ozon.requests if request.path == path)


def test_postings_and_their_product_lines_land_in_raw(sandbox, monkeypatch):
    load_orders(sandbox, monkeypatch)
    for scheme, table in (("fbo", "postings_fbo"), ("fbs", "postings_fbs")):
        expected = truth_lines(sandbox, scheme)
        rows = raw(f"select posting_number, status, account, synced_at from raw_ozon.{table}")
        assert {number: status for number, status, *_ in rows} == {n: line["status"] for n, line in expected.items()}
        assert {(account, str(synced_at)) for *_, account, synced_at in rows} == {("shop0", str(sandbox.clock.now()))}
        lines = raw(
            f"select p.posting_number, l.sku, l.quantity, l.price__amount from raw_ozon.{table} as p "
            f"join raw_ozon.{table}__products as l on l._dlt_parent_id = p._dlt_id"
        )
        assert {number: (sku, quantity, amount) for number, sku, quantity, amount in lines} == {
            n: (line["sku"], line["quantity"], str(line["price"])) for n, line in expected.items()
        }
    assert requests_to(sandbox, FBO_LIST) == math.ceil(len(truth_lines(sandbox, "fbo")) / PAGE) > 3


def test_a_rerun_changes_nothing_and_accounts_stay_apart(sandbox, monkeypatch):
    load_orders(sandbox, monkeypatch)
    snapshot = "select * exclude (_dlt_load_id, _dlt_id, synced_at) from raw_ozon.postings_fbo order by posting_number"
    first = raw(snapshot)
    load_orders(sandbox, monkeypatch)
    assert raw(snapshot) == first

    with Sandbox(SandboxConfig(seed=9, products=50, warehouses=5, history_days=8, accounts=2)) as two_accounts:
        load_orders(two_accounts, monkeypatch, account_number=1)
        second_shop = truth_lines(two_accounts, "fbo", account_number=1)
    counts = dict(raw("select account, count(*) from raw_ozon.postings_fbo group by account"))
    assert counts == {"shop0": len(first), "shop1": len(second_shop)}


def test_later_runs_read_only_the_look_back_and_pick_up_late_changes(sandbox, monkeypatch):
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "3")
    monkeypatch.setenv("OZON_ORDERS_STATUS_DAYS", "3")  # the day's status re-read reads no further back
    load_orders(sandbox, monkeypatch)
    newest = max(line["created_at"] for line in truth_lines(sandbox, "fbo").values())
    before = dict(raw("select posting_number, status from raw_ozon.postings_fbo"))
    late = {
        n
        for n, in_process_at in raw("select posting_number, in_process_at from raw_ozon.postings_fbo")
        if not in_process_at
    }
    first_run = requests_to(sandbox, FBO_LIST)

    sandbox.clock.advance(timedelta(days=2))
    load_orders(sandbox, monkeypatch)

    since = newest - timedelta(days=3)
    now = truth_lines(sandbox, "fbo")
    in_window = [line for line in now.values() if line["created_at"] >= since]
    assert requests_to(sandbox, FBO_LIST) - first_run == math.ceil(len(in_window) / PAGE) < first_run
    after = dict(raw("select posting_number, status from raw_ozon.postings_fbo"))
    assert set(after) == set(now), "new postings arrived and nothing was lost"
    assert all(after[line["posting_number"]] == line["status"] for line in in_window)
    assert sum(1 for number, status in before.items() if after[number] != status) > 10, "statuses moved on"
    assert late and not [
        n
        for n, value in raw("select posting_number, in_process_at from raw_ozon.postings_fbo")
        if n in late and not value
    ]


def test_a_status_change_weeks_after_creation_is_read_by_the_days_status_reread(sandbox, monkeypatch):
    """A posting older than the look-back changes status (a return after weeks on the way): the
    hourly loads do not re-read it, the first load a day after the last status re-read does."""
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "2")
    monkeypatch.setenv("OZON_ORDERS_STATUS_DAYS", "6")
    load_orders(sandbox, monkeypatch)
    first = sandbox.clock.now()
    # older than the look-back of the next loads, within the status re-read a day later
    late = min(
        n
        for n, line in truth_lines(sandbox, "fbo").items()
        if first - timedelta(days=4.5) < line["created_at"] < first - timedelta(days=3)
    )
    assert raw(f"select status from raw_ozon.postings_fbo where posting_number = '{late}'") != [("cancelled",)]

    def cancelled_late(call, body: dict) -> dict:
        for posting in body["postings"]:
            if posting["posting_number"] == late:
                posting["status"] = "cancelled"
        return body

    sandbox.ozon.reshapes[FBO_LIST] = cancelled_late
    sandbox.clock.advance(timedelta(hours=1))
    load_orders(sandbox, monkeypatch)
    assert raw(f"select status from raw_ozon.postings_fbo where posting_number = '{late}'") != [("cancelled",)]
    sandbox.clock.advance(timedelta(hours=23))
    load_orders(sandbox, monkeypatch)
    assert raw(f"select status from raw_ozon.postings_fbo where posting_number = '{late}'") == [("cancelled",)]


def test_the_first_run_reads_the_initial_window_only(sandbox, monkeypatch):
    monkeypatch.setenv("OZON_ORDERS_INITIAL_DAYS", "2")
    load_orders(sandbox, monkeypatch)
    since = sandbox.clock.now() - timedelta(days=2)
    expected = {n for n, line in truth_lines(sandbox, "fbs").items() if line["created_at"] >= since}
    assert {n for (n,) in raw("select posting_number from raw_ozon.postings_fbs")} == expected


def test_a_window_longer_than_one_load_holds_goes_on_in_loads_that_resume_where_the_last_ended(sandbox, monkeypatch):
    monkeypatch.setenv("OZON_ORDERS_INITIAL_DAYS", "9")
    monkeypatch.setenv("OZON_ORDERS_WINDOW_DAYS", "3")
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "2")
    windows = []
    read_pages = postings.posting_pages

    def recorded(client, endpoint, since, to):
        windows.append((endpoint, since, to))
        yield from read_pages(client, endpoint, since, to)

    monkeypatch.setattr(postings, "posting_pages", recorded)
    load_orders(sandbox, monkeypatch)
    now = sandbox.clock.now()
    for endpoint in (settings.POSTING_FBO_LIST, settings.POSTING_FBS_LIST):
        assert [(since, to) for path, since, to in windows if path == endpoint] == [
            (now - timedelta(days=9 - 3 * k), now - timedelta(days=6 - 3 * k)) for k in range(3)
        ], "three loads of three days, each from where the last ended"
    for scheme, table in (("fbo", "postings_fbo"), ("fbs", "postings_fbs")):
        assert {n for (n,) in raw(f"select posting_number from raw_ozon.{table}")} == set(truth_lines(sandbox, scheme))
    assert raw("select count(distinct _dlt_load_id) from raw_ozon.postings_fbo") == [(3,)]

    windows.clear()
    sandbox.clock.advance(timedelta(hours=6))
    load_orders(sandbox, monkeypatch)
    assert [path for path, *_ in windows] == [settings.POSTING_FBO_LIST, settings.POSTING_FBS_LIST], (
        "the look-back and six hours fit one load"
    )


def test_duplicates_across_pages_do_not_duplicate_rows(sandbox, monkeypatch):
    sandbox.ozon.postings.inject("duplicate_across_pages", times=3)
    load_orders(sandbox, monkeypatch)
    for table, scheme in (("postings_fbo", "fbo"), ("postings_fbs", "fbs")):
        ((total, distinct),) = raw(f"select count(*), count(distinct posting_number) from raw_ozon.{table}")
        assert total == distinct == len(truth_lines(sandbox, scheme))
        ((lines,),) = raw(f"select count(*) from raw_ozon.{table}__products")
        assert lines == total


def test_a_malformed_posting_is_quarantined_with_its_reason_and_read_again_next_run(sandbox, monkeypatch):
    sandbox.ozon.postings.inject("malformed_row", path=FBS_LIST)
    load_orders(sandbox, monkeypatch)
    ((endpoint, number, reason, raw_posting, account),) = raw(
        "select endpoint, posting_number, reason, raw_posting, account from raw_ozon.postings_quarantine"
    )
    assert (endpoint, number, account) == (FBS_LIST, None, "shop0")
    assert reason == "no posting_number; no valid in_process_at; products is not a list"
    kept = json.loads(raw_posting)
    assert kept["products"] is None and kept["order_id"] > 0
    expected = truth_lines(sandbox, "fbs")
    loaded = {n for (n,) in raw("select posting_number from raw_ozon.postings_fbs")}
    (missing,) = set(expected) - loaded
    assert missing.startswith(kept["order_number"])

    load_orders(sandbox, monkeypatch)
    assert {n for (n,) in raw("select posting_number from raw_ozon.postings_fbs")} == set(expected)
    assert raw("select count(*) from raw_ozon.postings_quarantine") == [(1,)]


def test_posting_times_without_their_offset_are_quarantined_and_the_next_loads_go_on(sandbox, monkeypatch):
    """Times without their offset (2025-11-14T01:46:05) were stored, the newest as the cursor: dlt's
    look-back made it a datetime that the next load compared with the rows' text, and every load after
    the first failed. Now such a posting waits in quarantine until a read sends its time whole."""
    naive: set[str] = set()

    def without_offset(call, body: dict) -> dict:
        for posting in body["postings"]:
            posting["created_at"] = posting["created_at"].replace("Z", "")
            naive.add(posting["posting_number"])
        return body

    sandbox.ozon.reshapes[FBO_LIST] = without_offset
    load_orders(sandbox, monkeypatch)
    del sandbox.ozon.reshapes[FBO_LIST]
    sandbox.clock.advance(timedelta(days=1))
    load_orders(sandbox, monkeypatch)
    newest_outcome = raw(
        "select status from raw_ozon.resource_outcomes where resource = 'postings_fbo'"
        " order by _dlt_load_id desc limit 1"
    )
    assert newest_outcome == [("ok",)]  # before: failed, '>' not supported between datetime and str
    quarantined = raw("select distinct posting_number, reason from raw_ozon.postings_quarantine")
    assert naive and set(quarantined) == {(number, "no valid created_at") for number in naive}
    # the next load read their window again (the waiting room), with the offsets: stored
    stored = {n for (n,) in raw("select posting_number from raw_ozon.postings_fbo")}
    assert naive <= stored


def test_a_value_of_another_type_is_kept_as_sent_beside_its_null_column(sandbox, monkeypatch):
    """dlt stores a value its column cannot take in a variant column (`quantity__v_text`), the column
    null there: quality.raw_type_mismatches reads such columns under this name."""
    sandbox.ozon.postings.inject("wrong_type", path=FBS_LIST)
    load_orders(sandbox, monkeypatch)
    ((posting, quantity, as_sent),) = raw(
        "select p.posting_number, l.quantity, l.quantity__v_text from raw_ozon.postings_fbs__products as l"
        " inner join raw_ozon.postings_fbs as p on l._dlt_parent_id = p._dlt_id where l.quantity__v_text is not null"
    )
    assert quantity is None and as_sent == f"{truth_lines(sandbox, 'fbs')[posting]['quantity']} шт."
    ((lines, with_quantity),) = raw("select count(*), count(quantity) from raw_ozon.postings_fbs__products")
    assert with_quantity == lines - 1, "only the line sent as text lost its quantity"


def test_schema_drift_does_not_break_the_load(sandbox, monkeypatch):
    load_orders(sandbox, monkeypatch)
    sandbox.ozon.postings.inject("new_field", path=FBO_LIST)
    sandbox.ozon.postings.inject("missing_field", path=FBO_LIST)
    load_orders(sandbox, monkeypatch)
    columns = {
        name for (name,) in raw("select column_name from information_schema.columns where table_name = 'postings_fbo'")
    }
    assert "sandbox_new_field" in columns
    ((with_field, without_substatus, total),) = raw(
        "select count(sandbox_new_field), count(*) - count(substatus), count(*) from raw_ozon.postings_fbo"
    )
    assert (with_field, without_substatus) == (PAGE, PAGE) and total == len(truth_lines(sandbox, "fbo"))


def test_a_429_storm_from_the_scaled_method_limit_is_survived(workdir, monkeypatch):
    monkeypatch.setattr(settings, "POSTING_PAGE_SIZE", 10)
    # The posting lists allow 4 requests a second here; the loader paces them at 16 a second.
    strict = SandboxConfig(seed=9, products=60, warehouses=4, history_days=4, rate_limit_scale=0.2)
    with Sandbox(strict) as sandbox:
        load_orders(sandbox, monkeypatch)
        statuses = [request.status for request in sandbox.ozon.requests if request.path == FBO_LIST]
        expected = truth_lines(sandbox, "fbo")
    assert statuses.count(429) > 0 and statuses.count(200) == math.ceil(len(expected) / 10)
    assert raw("select count(*) from raw_ozon.postings_fbo") == [(len(expected),)]


def test_a_load_beyond_the_duckdb_memory_limit_says_what_to_raise_and_the_next_run_completes_it(sandbox, monkeypatch):
    monkeypatch.setenv("DUCKDB_LOADER_MEMORY_LIMIT", "16MB")
    with pytest.raises(LoaderMemoryError, match="limit of 16MB .* Raise DUCKDB_LOADER_MEMORY_LIMIT"):
        load_orders(sandbox, monkeypatch)
    monkeypatch.delenv("DUCKDB_LOADER_MEMORY_LIMIT")
    load_orders(sandbox, monkeypatch)
    for table, scheme in (("postings_fbo", "fbo"), ("postings_fbs", "fbs")):
        ((total, distinct),) = raw(f"select count(*), count(distinct posting_number) from raw_ozon.{table}")
        assert total == distinct == len(truth_lines(sandbox, scheme))


def test_a_database_restored_from_a_backup_is_re_synced_and_loses_no_posting(sandbox, monkeypatch, caplog):
    """The pipeline folder's cursors are days ahead of a restored backup: without a re-sync the
    look-back (one day here) would never read the postings created in between."""
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")
    load_orders(sandbox, monkeypatch)
    database = config.duckdb_path()
    backup = database.with_name("backup.duckdb")
    shutil.copy(database, backup)
    for _ in range(3):
        sandbox.clock.advance(timedelta(days=1))
        load_orders(sandbox, monkeypatch)
    os.replace(backup, database)

    sandbox.clock.advance(timedelta(days=1))
    with caplog.at_level(logging.WARNING, logger="loaders.resync"):
        load_orders(sandbox, monkeypatch)

    assert "holds an older state" in caplog.text
    for scheme, table in (("fbo", "postings_fbo"), ("fbs", "postings_fbs")):
        stored = {number for (number,) in raw(f"select posting_number from raw_ozon.{table}")}
        assert stored == set(truth_lines(sandbox, scheme))


def fbo_reads() -> list[tuple[str, int]]:
    """(window_since, quarantined_rows) of each load's read of the FBO list, in order."""
    return raw(
        "select window_since, quarantined_rows from raw_ozon.resource_outcomes "
        "where resource = 'postings_fbo' order by _dlt_load_id"
    )


def test_a_quarantined_posting_is_read_again_until_it_is_stored(sandbox, monkeypatch):
    """With a one-day look-back, the window that held the malformed posting has moved on by the next
    load: only the waiting room brings the posting back."""
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")
    load_orders(sandbox, monkeypatch)
    for fault in ("malformed_row", None, None):
        sandbox.clock.advance(timedelta(days=3))
        if fault:
            sandbox.ozon.postings.inject(fault, path=FBO_LIST)
        load_orders(sandbox, monkeypatch)

    _, faulted, again, after = fbo_reads()
    assert faulted[1] == 1 and again == (faulted[0], 0), "the next load read the faulted window again, cleanly"
    assert after[0] > again[0] and after[1] == 0, "then the window closed"
    stored = {number for (number,) in raw("select posting_number from raw_ozon.postings_fbo")}
    assert stored == set(truth_lines(sandbox, "fbo"))


def test_a_field_missing_from_a_whole_page_keeps_the_window_open_until_it_is_read(sandbox, monkeypatch, caplog):
    """A page without `substatus` (sent before) stores its postings without it: a posting returned
    on that day would stay cancelled once the look-back has moved on, but the window stays open and
    the next load reads the page again, with the field."""
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")
    load_orders(sandbox, monkeypatch)
    with caplog.at_level(logging.INFO, logger="loaders.waiting_room"):
        sandbox.clock.advance(timedelta(days=3))
        sandbox.ozon.postings.inject("missing_field", path=FBO_LIST)
        load_orders(sandbox, monkeypatch)
        (_, (since, _)) = fbo_reads()
        window = f"from raw_ozon.postings_fbo where created_at::timestamptz >= '{since}'::timestamptz"
        lost = raw(f"select count(*) {window} and substatus is null")[0][0]
        sandbox.clock.advance(timedelta(days=3))
        load_orders(sandbox, monkeypatch)

    assert "substatus missing from every record of an answer page" in caplog.text
    assert "read again without a quarantined row: closed" in caplog.text
    assert fbo_reads()[-1][0] == since, "the next load read the faulted window again"
    expected = {number: line["substatus"] for number, line in truth_lines(sandbox, "fbo").items()}
    stored = dict(raw(f"select posting_number, substatus {window}"))
    assert lost > sum(1 for number in stored if expected[number] is None), "the fault blanked some"
    assert stored == {number: expected[number] for number in stored}


def test_only_a_field_sent_before_is_waited_for():
    state: dict = {}
    for page in ([{"status": "delivered"}], [{"status": "cancelled", "substatus": "x"}], [{"status": "x"}]):
        with waiting_room.read(state, "2025-01-01", "test", lambda since, rows: None) as reading:
            reading.check_fields(page, frozenset({"status", "substatus"}))
        vanished = reading.vanished
    assert vanished == {"substatus"} and state[waiting_room.KEY]["attempts"] == 1
    assert state[waiting_room.FIELDS_SEEN_KEY] == ["status", "substatus"]


def test_a_posting_still_quarantined_after_the_retries_stops_holding_the_window(sandbox, monkeypatch, caplog):
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")
    monkeypatch.setenv("QUARANTINE_RETRIES", "2")
    load_orders(sandbox, monkeypatch)
    with caplog.at_level(logging.WARNING, logger="loaders.waiting_room"):
        for fault in ("malformed_row", "malformed_row", None):
            sandbox.clock.advance(timedelta(days=3))
            if fault:  # one page with rows per load takes it: the first of the window, each time
                sandbox.ozon.postings.inject(fault, path=FBO_LIST)
            load_orders(sandbox, monkeypatch)

    _, first, second, third = fbo_reads()
    assert first[1] == second[1] == 1 and second[0] == first[0]
    assert "still quarantined after 2 reads" in caplog.text
    assert third[0] > second[0], "given up: the next load reads from its look-back"
