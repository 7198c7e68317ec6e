"""A load killed part way through dlt's load step (kill -9) and finished by its account's next run
loses nothing, though another account of the marketplace loaded in between: each account merges
through a staging dataset of its own (loaders/pipeline.py, staging_dataset_layout). A load killed
while dlt's normalize commits a package does not stop the account's later loads."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from dlt.common.storages.load_storage import LoadStorage, ParsedLoadJobFileName
from dlt.load.load import Load
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders.cli import EXIT_STOPPED
from loaders.config import OzonAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import settings as ozon_settings
from loaders.pipeline import run
from loaders.writer_lock import RunLock
from sandbox import Sandbox, SandboxConfig
from scripts import database
from scripts.steps import PROJECT_DIR
from tests.loaders.test_ozon_orders_loader import ORDER_RESOURCES, truth_lines

KILLED = 137
CHAIN = {"postings_fbo", "postings_fbo__products"}  # a root table and its nested table, merged together
SHOPS = ("shop0", "shop1")


def load_orders(sandbox: Sandbox, account_number: int, destination_name: str) -> None:
    account = sandbox.ozon.accounts[account_number]
    ozon = OzonAccount(SHOPS[account_number], account.client_id, account.api_key, sandbox.ozon.base_url)
    run(MARKETPLACES["ozon"], ozon, destination_name, resources=ORDER_RESOURCES)


def load_killed_between_copies(sandbox: Sandbox, destination_name: str) -> None:
    """shop0's orders load, ended as by kill -9 when dlt's load step starts copying the second table
    of CHAIN into staging, the first one copied; run in a forked process."""
    submit = Load.submit_job

    def submit_or_die(self, file_path, load_id, schema, restore=False):
        jobs = self.load_storage.normalized_packages.list_all_jobs_with_states(load_id)
        copied = {info.table_name for state, info in jobs if state == "completed_jobs"}
        if ParsedLoadJobFileName.parse(file_path).table_name in CHAIN and copied & CHAIN:
            os._exit(KILLED)
        return submit(self, file_path, load_id, schema, restore)

    Load.submit_job = submit_or_die
    load_orders(sandbox, 0, destination_name)


def raw_lines(destination_name: str, table: str, account: str) -> dict[str, tuple]:
    with database.connect(destination_name, read_only=True) as db:
        rows = db.execute(
            f"select p.posting_number, l.sku, l.quantity from raw_ozon.{table} as p"
            f" left join raw_ozon.{table}__products as l on l._dlt_parent_id = p._dlt_id where p.account = ?",
            (account,),
        )
    return {number: (sku, quantity) for number, sku, quantity in rows}


@pytest.mark.parametrize("destination_name", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_killed_load_finished_after_another_accounts_load_keeps_every_posting_line(
    destination_name, workdir, request, monkeypatch
):
    if destination_name == "postgres":
        request.getfixturevalue("postgres_database")
    monkeypatch.setenv("LOAD__WORKERS", "1")  # one load job at a time: the kill falls between two copies
    monkeypatch.setenv("OZON_ORDERS_LOOKBACK_DAYS", "1")  # older postings rest on the resumed load alone
    seller = SandboxConfig(seed=9, products=50, warehouses=5, history_days=8, accounts=2, rate_limit_rps=None)
    with Sandbox(seller) as sandbox:
        monkeypatch.setenv("LOADER_NOW", sandbox.clock.now().isoformat())
        killed = multiprocessing.get_context("fork").Process(
            target=load_killed_between_copies, args=(sandbox, destination_name)
        )
        killed.start()
        killed.join()
        assert killed.exitcode == KILLED, "the load was killed in its load step"

        load_orders(sandbox, 1, destination_name)
        load_orders(sandbox, 0, destination_name)  # finishes the killed load first

        for account_number, account in enumerate(SHOPS):
            for scheme, table in (("fbo", "postings_fbo"), ("fbs", "postings_fbs")):
                expected = truth_lines(sandbox, scheme, account_number)
                assert raw_lines(destination_name, table, account) == {
                    number: (line["sku"], line["quantity"]) for number, line in expected.items()
                }, f"{account}'s {table} with one line each"


def load_killed_while_committing(sandbox: Sandbox) -> None:
    """shop0's orders load, killed as by kill -9 in dlt's normalize after it committed the data
    package to the load storage, while it deleted the extracted copy (its jobs gone, the rest not)."""
    commit = LoadStorage.commit_new_load_package

    def commit_and_die(self, load_id, *args, **kwargs):
        commit(self, load_id, *args, **kwargs)
        extracted = Path(self.storage.storage_path).parent / "normalize" / "extracted" / load_id
        shutil.rmtree(extracted / "new_jobs")
        os._exit(KILLED)

    LoadStorage.commit_new_load_package = commit_and_die
    load_orders(sandbox, 0, "duckdb")


def test_a_load_killed_while_normalize_commits_does_not_block_the_account(workdir, monkeypatch, caplog):
    seller = SandboxConfig(seed=9, products=50, warehouses=5, history_days=8, accounts=1, rate_limit_rps=None)
    with Sandbox(seller) as sandbox:
        monkeypatch.setenv("LOADER_NOW", sandbox.clock.now().isoformat())
        killed = multiprocessing.get_context("fork").Process(target=load_killed_while_committing, args=(sandbox,))
        killed.start()
        killed.join()
        assert killed.exitcode == KILLED, "the load was killed in its normalize step"

        load_orders(sandbox, 0, "duckdb")

        assert "removed the leftover of package" in caplog.text
        for scheme, table in (("fbo", "postings_fbo"), ("fbs", "postings_fbs")):
            expected = truth_lines(sandbox, scheme, 0)
            assert raw_lines("duckdb", table, SHOPS[0]) == {
                number: (line["sku"], line["quantity"]) for number, line in expected.items()
            }


@pytest.mark.postgres
def test_a_pending_load_the_database_refuses_again_is_aborted_and_read_afresh(
    ozon_sandbox, workdir, postgres_database, caplog
):
    """A package PostgreSQL refuses (here a CHECK constraint rejects one value; a value a real account
    sends could do the same) stays pending. When the next run cannot finish it either, it is aborted
    and dlt's state restored, so that run reads the data afresh and loads, the value no longer sent;
    before, it failed on the same package in every later run."""
    ozon = ozon_sandbox.ozon
    account = OzonAccount("shop", ozon.accounts[0].client_id, ozon.accounts[0].api_key, ozon.base_url)

    def load():
        return run(MARKETPLACES["ozon"], account, "postgres", ("product_list_items", "analytics_stocks"))

    assert load().status == "complete"
    with database.connect("postgres") as db:
        db.execute("alter table raw_ozon.analytics_stocks add constraint refused check (available_stock_count <> 4242)")

    def refused_value(call, body):
        body["items"][0]["available_stock_count"] = 4242
        return body

    ozon.reshapes[ozon_settings.ANALYTICS_STOCKS] = refused_value
    with pytest.raises(PipelineStepFailed):
        load()
    del ozon.reshapes[ozon_settings.ANALYTICS_STOCKS]

    assert load().status == "complete"
    assert (
        "the load an earlier run left pending failed again, so it is aborted and this run reads its data afresh:"
        ' dlt\'s load step: CheckViolation: new row for relation "analytics_stocks" violates check constraint'
        in caplog.text
    )
    with database.connect("postgres", read_only=True) as db:
        loads = db.execute(
            "select count(distinct a._dlt_load_id), count(*) from raw_ozon.analytics_stocks as a"
            " inner join raw_ozon._dlt_loads as l on a._dlt_load_id = l.load_id"
        )
    [[completed_loads, rows]] = loads
    assert completed_loads == 2 and rows % 2 == 0, "the first load and the one read afresh, alike"


CTRL_C_DURING_A_QUERY = """
import os, signal, threading
import duckdb
from loaders import cli
from loaders.__main__ import side_by_side
from loaders.writer_lock import writer_lock

def work(_):
    duckdb.connect().execute("select count(*) from range(100000000000)").fetchall()

def main():
    signal.signal(signal.SIGINT, signal.default_int_handler)  # a shell running the suite in the background ignores it
    threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    with writer_lock("load-ozon", "now"):
        side_by_side(work, [0], 1)
    return 0

cli.run(main, duckdb_in_threads=True)  # as python -m loaders runs
"""


def test_a_ctrl_c_while_an_account_loads_in_duckdb_ends_the_loader_with_130(tmp_path, monkeypatch):
    """The accounts load in threads (loaders/__main__.py side_by_side); a Ctrl-C while one is inside
    DuckDB's native code aborted the process in C++ ("terminate called without an active exception",
    exit 134) instead of the loader's exit code for a stop. Its writer lock is released as before: a
    loader started by hand left none behind for health to call stale."""
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "dlt"))
    done = subprocess.run(
        [sys.executable, "-c", CTRL_C_DURING_A_QUERY], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )
    assert (done.returncode, done.stderr) == (EXIT_STOPPED, "")
    with RunLock("after-the-stop", "now") as lock:
        assert lock.stale is None, "the stopped loader left its lock"
