"""`make run` end to end on the sandbox: run log, a failed catalogue skipping stock, the lock, health."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from http.server import ThreadingHTTPServer

import pytest

from devtools.soak import descendants
from loaders.ozon import settings as ozon_settings
from loaders.writer_lock import RunLock
from sandbox import Sandbox, SandboxConfig
from scripts import database, run, runlog
from scripts import steps as steps_module
from scripts.run import transform_detail
from scripts.steps import PROJECT_DIR
from tests.support.operations import TWO_OZON_ACCOUNTS_LOAD_STEPS, QuietHandler, isolated_ops, query, run_script
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

SELLER = SandboxConfig(seed=3, products=40, warehouses=4, archived_share=0.1, accounts=2, history_days=3)
WRONG_KEY = "wrong-key-0f9e8d7c"


@pytest.fixture
def ops(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    monkeypatch.setenv("MARKETPLACES", "ozon")  # the sandbox seller sells on Ozon only
    return tmp_path


def seller_env(sandbox: Sandbox, wrong_key_for: str | None = None) -> dict[str, str]:
    env = {
        "OZON_ACCOUNTS": "shop,outlet",
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "LOADER_NOW": sandbox.clock.now().isoformat(),  # the sandbox serves simulated time
    }
    for name, account in zip(("shop", "outlet"), sandbox.ozon.accounts, strict=True):
        env[f"OZON_{name.upper()}_CLIENT_ID"] = account.client_id
        env[f"OZON_{name.upper()}_API_KEY"] = WRONG_KEY if name == wrong_key_for else account.api_key
    return env


def steps_of(run_id: str) -> dict[str, tuple]:
    rows = query(
        "select step, status, error_class, error_message, detail, api_requests, rows_loaded, peak_memory_mb "
        "from ops.run_log where run_id = ?",
        (run_id,),
    )
    return {row[0]: row[1:] for row in rows}


def latest_run_id() -> str:
    (latest,) = query("select max(run_id) from ops.run_log where kind = 'run'")[0]
    return latest


def test_run_log_after_a_successful_then_a_failed_run(ops):
    with Sandbox(SELLER) as sandbox:
        done = run_script("scripts.run", env=seller_env(sandbox))
        assert done.returncode == 0, done.stderr[-3000:]
        truth = {account.client_id: sandbox.ozon.truth(account.client_id) for account in sandbox.ozon.accounts}
        first = latest_run_id()
        steps = steps_of(first)
        assert set(steps) == {"run", *TWO_OZON_ACCOUNTS_LOAD_STEPS, "transform"}
        assert {status for status, *_ in steps.values()} == {"success"}
        for step, (_, _, _, _, requests, rows, memory) in steps.items():
            if step.startswith("load"):
                assert requests > 0 and rows > 0 and memory > 0, step
        shop = sandbox.ozon.accounts[0].client_id
        tables = dict(
            query(
                "select table_name, rows_loaded from ops.run_log_tables where run_id = ? and step = ?",
                (first, "load catalogue ozon/shop"),
            )
        )
        assert tables["products"] == len(truth[shop].products)
        dbt = dict(query("select unique_id, status from ops.dbt_results where run_id = ?", (first,)))
        assert dbt["model.marketplace_elt.inventory"] == "success"
        assert not [node for node, status in dbt.items() if status in ("fail", "error")]
        healthy = run_script("scripts.health")
        assert healthy.returncode == 0, healthy.stdout
        assert "health: HEALTHY" in healthy.stdout

        sandbox.clock.advance(timedelta(hours=2))  # the next scheduled run (a repeated clock is issue 17)
        failed = run_script("scripts.run", env=seller_env(sandbox, wrong_key_for="outlet"))
    assert failed.returncode == 1
    assert WRONG_KEY not in failed.stdout + failed.stderr
    second = latest_run_id()
    steps = steps_of(second)
    assert steps["run"][0] == "failed"
    status, error_class, message, *_ = steps["load catalogue ozon/outlet"]
    assert (status, error_class) == ("failed", "ApiCredentialsRejectedError")
    assert WRONG_KEY not in message
    assert steps["load stock ozon/outlet"][0] == "skipped"
    rejected = "catalogue load of ozon/outlet failed: the marketplace rejected the credentials"
    assert rejected in steps["load stock ozon/outlet"][3]
    assert steps["load catalogue ozon/shop"][0] == steps["load stock ozon/shop"][0] == "success"
    # Every mart is rebuilt: the good account's rows are new, the failed account keeps its older ones.
    assert steps["transform"][0] == "success", steps["transform"]
    assert "older data kept for: load catalogue ozon/outlet" in steps["transform"][3]
    built = dict(query("select unique_id, status from ops.dbt_results where run_id = ?", (second,)))
    assert built["model.marketplace_elt.dim_products"] == built["model.marketplace_elt.inventory"] == "success"
    accounts = dict(query("select account, count(*) from marts.inventory group by account"))
    assert set(accounts) == {"shop", "outlet"} and all(accounts.values())
    # The summary's figures hold the outlet's older rows: it says so.
    summary = run_script("scripts.summary")
    assert summary.returncode == 0, summary.stderr
    assert "ozon/outlet catalogue: the newest load failed; rows as of " in summary.stdout
    assert "ozon/outlet stock: the newest load skipped; rows as of " in summary.stdout
    assert "ozon/shop" not in summary.stdout.split("not in these figures")[1].split("\n\n")[0]
    everything = " ".join(str(value) for row in query("select * from ops.run_log") for value in row)
    assert WRONG_KEY not in everything

    # The monitoring marts read the run log as it is now (views).
    status = query(
        "select step_group, account, last_attempt_status, success_rate_24h, last_success_run_id "
        "from monitoring.etl_source_status where account = 'outlet' order by step_group"
    )
    assert status == [
        ("catalogue", "outlet", "failed", 0.5, first),
        ("orders", "outlet", "skipped", 0.5, first),
        ("stock", "outlet", "skipped", 0.5, first),
    ]
    assert query("select run_id, status from monitoring.etl_runs order by run_id") == [
        (first, "success"),
        (second, "failed"),
    ]

    unhealthy = run_script("scripts.health", "--json")
    assert unhealthy.returncode == 1
    report = json.loads(unhealthy.stdout)
    last_run = next(check for check in report["checks"] if check["name"] == "last run")
    assert last_run["status"] == "fail" and second in last_run["message"]


# A WB token without the Контент and Маркетплейс categories: every catalogue method refuses it.
WITHOUT_CATALOGUE_CATEGORIES = paced_seller(
    seed=4,
    products=10,
    warehouses=2,
    history_days=3,
    forbidden_endpoints=(
        "/content/v2/get/cards/list",
        "/content/v2/get/cards/trash",
        "/api/v3/warehouses",
        "/api/v3/offices",
    ),
)


def test_a_catalogue_refused_to_the_token_costs_only_itself(ops, monkeypatch):
    """The token works, it may not read the catalogue: the orders and stock still load, in the run and in
    a later run of the orders alone (which reads the catalogue's last status from the run log). Before,
    both were skipped, and such a token loaded nothing."""
    monkeypatch.setenv("MARKETPLACES", "wildberries")
    with Sandbox(WITHOUT_CATALOGUE_CATEGORIES) as sandbox:
        env = wb_env(sandbox)
        done = run_script("scripts.run", "--no-transform", env=env)
        assert done.returncode == 1, done.stderr[-3000:]  # the catalogue failed
        steps = steps_of(latest_run_id())
        sandbox.clock.advance(timedelta(hours=1))
        again = run_script("scripts.run", "orders", "--no-transform", env=wb_env(sandbox))
    assert steps["load catalogue wildberries/shop"][:2] == ("failed", "ApiAuthError")
    assert steps["load orders wildberries/shop"][0] == steps["load stock wildberries/shop"][0] == "success"
    assert steps["load orders wildberries/shop"][5] > 0 and steps["load stock wildberries/shop"][5] > 0
    assert again.returncode == 0, again.stderr[-3000:]
    assert steps_of(latest_run_id())["load orders wildberries/shop"][0] == "success"


class TricklingHandler(QuietHandler):
    """An answer that never ends: a byte of its headers every half second, inside any read timeout."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.flush_headers()
        try:
            while True:
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:  # the loader was stopped
            pass


def test_a_step_that_hangs_is_stopped_at_its_deadline_and_costs_only_itself(ops, monkeypatch):
    """An Ozon API trickling its answer in (each byte within the read timeout) held the run and its
    lock for good: Wildberries was never loaded, nothing built, and every later run refused to start.
    Stopped, the loader process still reports the account it loaded beside the one that hung (it was
    recorded failed too, though stored)."""
    monkeypatch.setenv("MARKETPLACES", "ozon,wildberries")
    trickling = ThreadingHTTPServer(("127.0.0.1", 0), TricklingHandler)
    trickling.daemon_threads = True
    threading.Thread(target=trickling.serve_forever, daemon=True).start()
    try:
        with Sandbox(paced_seller(seed=3, products=20, warehouses=3)) as sandbox:
            account = sandbox.ozon.accounts[0]
            env = {
                **wb_env(sandbox),
                "OZON_ACCOUNTS": "shop,slow",
                "OZON_API_BASE_URL": sandbox.ozon.base_url,
                "OZON_RATE_LIMIT_SCALE": str(sandbox.config.rate_limit_scale),
                "OZON_SHOP_CLIENT_ID": account.client_id,
                "OZON_SHOP_API_KEY": account.api_key,
                "OZON_SLOW_API_BASE_URL": f"http://127.0.0.1:{trickling.server_address[1]}",
                "OZON_SLOW_CLIENT_ID": "100009",
                "OZON_SLOW_API_KEY": "key",
                "STEP_TIMEOUT_MINUTES": "0.2",  # 12 s
            }
            done = run_script("scripts.run", "catalogue", "--no-transform", env=env, timeout=300)
    finally:
        trickling.shutdown()
    assert done.returncode == 1, done.stderr[-3000:]
    steps = steps_of(latest_run_id())
    status, error_class, message, *_ = steps["load catalogue ozon/slow"]
    assert (status, error_class) == ("failed", "StepTimedOut")
    assert message == "the loader ran longer than 0.2 min (STEP_TIMEOUT_MINUTES) and was stopped"
    assert steps["load catalogue ozon/shop"][0] == "success", steps["load catalogue ozon/shop"]
    assert steps["load catalogue wildberries/shop"][0] == "success", steps["load catalogue wildberries/shop"]
    assert steps["run"][0] == "failed"


def test_a_build_that_hangs_is_stopped_at_its_deadline(ops, monkeypatch):
    monkeypatch.setattr(steps_module, "dbt_command", lambda *_args: ["sleep", "600"])
    monkeypatch.setenv("STEP_TIMEOUT_MINUTES", "0.02")
    assert run.main(["--transform-only"]) == run.EXIT_FAILED
    status, error_class, message, *_ = steps_of(latest_run_id())["transform"]
    assert (status, error_class) == ("failed", "StepTimedOut")
    assert message == "dbt build ran longer than 0.02 min (STEP_TIMEOUT_MINUTES) and was stopped"


# dbt's run results of a build whose statements the database cancelled or lost, beside a test that found rows.
ERRED_BUILD = [
    {
        "unique_id": "test.marketplace_elt.not_negative_fact_orders_quantity.1a2b",
        "status": "error",
        "message": "Database Error in test not_negative_fact_orders_quantity (dbt_project/models/marts/_marts.yml)\n"
        "  canceling statement due to statement timeout\n  compiled code at target/run/not_negative.sql",
    },
    {
        "unique_id": "model.marketplace_elt.inventory",
        "status": "error",
        "message": "Database Error in model inventory (dbt_project/models/marts/inventory.sql)\n"
        "  server closed the connection unexpectedly\n\tThis probably means the server terminated abnormally\n"
        "\tbefore or while processing the request.\n  compiled code at target/run/inventory.sql",
    },
    {"unique_id": "test.marketplace_elt.unique_y", "status": "fail", "message": "Got 2 results, configured to fail"},
    {"unique_id": "model.marketplace_elt.dim_products", "status": "success", "message": "SELECT 40"},
]


def test_a_build_the_database_failed_names_the_databases_reason(ops, monkeypatch):
    """A statement timeout or a lost connection mid-build read as failing tests ("1 failing: test...:
    error"): the reason was only in ops.dbt_results and the dbt log."""
    results = os.path.join(os.environ["DBT_TARGET_PATH"], "run_results.json")
    write = f"import json, sys; json.dump({{'results': {ERRED_BUILD!r}}}, open({results!r}, 'w')); sys.exit(1)"
    monkeypatch.setattr(steps_module, "dbt_command", lambda *_args: [sys.executable, "-c", write])
    assert run.main(["--transform-only"]) == run.EXIT_FAILED
    status, error_class, message, *_ = steps_of(latest_run_id())["transform"]
    assert (status, error_class) == ("failed", "DbtBuildFailed")
    assert message == (
        "dbt build exit code 1, 3 failing (2 could not run: canceling statement due to statement timeout"
        " | server closed the connection unexpectedly): test.marketplace_elt.not_negative_fact_orders_quantity.1a2b:"
        " error; model.marketplace_elt.inventory: error; test.marketplace_elt.unique_y: fail"
    )


def test_the_runners_output_says_why_a_step_failed(ops, monkeypatch, caplog):
    """Cron's log said only "transform: failed (full build)": why was in ops.run_log and health alone
    (operations audit)."""
    caplog.set_level(logging.INFO, logger="run")
    results = os.path.join(os.environ["DBT_TARGET_PATH"], "run_results.json")
    write = f"import json, sys; json.dump({{'results': {ERRED_BUILD * 3!r}}}, open({results!r}, 'w')); sys.exit(1)"
    monkeypatch.setattr(steps_module, "dbt_command", lambda *_args: [sys.executable, "-c", write])
    assert run.main(["--transform-only"]) == run.EXIT_FAILED
    message = steps_of(latest_run_id())["transform"][2]
    (line,) = [record.getMessage() for record in caplog.records if record.getMessage().startswith("transform: ")]
    assert line.startswith("transform: failed (full build): dbt build exit code 1, 9 failing (6 could not run"), line
    assert len(message) > run.REASON_LENGTH, "a long message is cut"
    assert line == f"transform: failed (full build): {message[: run.REASON_LENGTH - 1]}…"

    caplog.clear()
    monkeypatch.setenv("DBT_TARGET_PATH", str(ops / "ops.toml"))  # a file
    assert run.main(["--transform-only"]) == run.EXIT_FAILED
    assert f"transform: failed (full build): dbt cannot write its folder {ops / 'ops.toml'} (DBT_TARGET_PATH)" in (
        caplog.text
    )


def test_a_build_stopped_by_a_bad_setting_names_it_in_the_run_log_and_health(ops, monkeypatch):
    """A var that fails its check (dbt_project/macros/settings.sql) stops dbt before it runs any node,
    so it leaves no run results: the run log said only "dbt build exit code 2, 0 failing: see the dbt
    log". The line dbt logged is the reason now, and `make health` shows it."""
    dbt_command = steps_module.dbt_command
    with_var = [*dbt_command("build", "duckdb"), "--vars", "{lead_time_days: abc}"]
    monkeypatch.setattr(steps_module, "dbt_command", lambda *_args: with_var)
    assert run.main(["--transform-only"]) == run.EXIT_FAILED
    status, error_class, message, *_ = steps_of(latest_run_id())["transform"]
    assert (status, error_class) == ("failed", "DbtBuildFailed")
    line = "dbt var lead_time_days must be a whole number of days from 0 to 365, got 'abc'"
    assert message == f"dbt build exit code 2, stopped before any node ran: {line}"
    report = json.loads(run_script("scripts.health", "--json").stdout)
    last_run = next(check for check in report["checks"] if check["name"] == "last run")
    assert last_run["status"] == "fail" and line in last_run["message"], last_run


def test_a_step_deadline_that_is_no_positive_number_stops_the_run_before_it_starts(ops, monkeypatch):
    done = run_script("scripts.run", "--transform-only", env={"STEP_TIMEOUT_MINUTES": "two hours"})
    assert done.returncode == 2
    assert "STEP_TIMEOUT_MINUTES must be a positive number of minutes, not 'two hours'" in done.stderr


# One Ozon account, a week of orders: its best sellers have an ADS, and 30 SKUs ask the analytics once.
STOCK_SELLER = paced_seller(seed=3, products=30, warehouses=4, history_days=7)


def test_a_stock_only_run_stores_the_product_list_its_snapshot_asked_for(ops):
    """Cron's schedule: the full run, then `make run-stock` hours later (the stock group alone). That load
    read the product list to ask /v1/analytics/stocks for its SKUs, but stored only the snapshot: the
    stored list kept the catalogue load's time, so int_ozon_stock_products_unasked took every product for
    left out of that snapshot (a left_out_of_product_list warning each, every FBO cell's stock the last
    known one with open issues), and a cell sold out since (Ozon sends no row for it) got no out_of_stock
    alert: it kept its last known stock, or, with nothing but the failing row, was quarantined."""
    with Sandbox(STOCK_SELLER) as sandbox:
        done = run_script("scripts.run", "--no-transform", env=ozon_env(sandbox))
        assert done.returncode == 0, done.stderr[-3000:]
        truth = sandbox.ozon.truth(sandbox.ozon.accounts[0].client_id)
        # the FBO cell holding stock that sold the most sells out: the next answer has no row for it
        stocked = {
            (row["sku"], row["warehouse_id"]): row["canonical_warehouse"]
            for row in truth.fbo_stock
            if row["known"] and row["available"] > 0
        }
        sold = Counter()
        for line in truth.order_lines:
            if (line["sku"], line["warehouse_id"]) in stocked and line["order_status"] != "cancelled":
                sold[line["sku"], line["warehouse_id"]] += line["quantity"]
        ((sold_out, units),) = sold.most_common(1)
        assert units > 0

        def without_the_sold_out_cell(call, body: dict) -> dict:
            body["items"] = [row for row in body["items"] if (row["sku"], row["warehouse_id"]) != sold_out]
            return body

        sandbox.clock.advance(timedelta(hours=2))
        sandbox.ozon.reshapes[ozon_settings.ANALYTICS_STOCKS] = without_the_sold_out_cell
        stock = run_script("scripts.run", "stock", env=ozon_env(sandbox))
    assert stock.returncode == 0, stock.stderr[-3000:]
    assert steps_of(latest_run_id())["transform"][0] == "success"

    assert query("select count(*) from quality.data_quality_issues where rule = 'left_out_of_product_list'") == [(0,)]
    fbo = query(
        "select count(*), count(*) filter (where from_source_with_open_issues) from marts.inventory"
        " where stock_type = 'fbo'"
    )
    assert fbo[0][0] > 0 and fbo[0][1] == 0, fbo
    cell = (f"ozon:{stocked[sold_out]}", str(sold_out[0]))
    in_cell = "where warehouse_key = ? and product_key = (select product_key from marts.dim_products where sku = ?)"
    assert query(f"select severity, available_quantity from marts.stock_alerts {in_cell}", cell) == [
        ("out_of_stock", 0)
    ]
    assert query(f"select count(*) from marts.replenishment_plan {in_cell} and location_level = 'warehouse'", cell) == [
        (1,)
    ]


def test_a_build_after_failed_loads_says_which_sources_keep_older_rows_and_which_have_none(workdir):
    with database.connect("duckdb") as db:
        for run_id, step, status in [
            ("20260101T020000-aaaaaa", "load catalogue ozon/shop", "success"),
            ("20260101T020000-aaaaaa", "load catalogue ozon/outlet", "failed"),
            ("20260101T030000-bbbbbb", "load catalogue ozon/shop", "failed"),
            ("20260101T030000-bbbbbb", "load catalogue ozon/outlet", "failed"),
        ]:
            record = runlog.StepRecord(run_id, step, "load", "catalogue", "ozon", step.rsplit("/", 1)[1])
            record.finish(status)
            runlog.write_step(db, record)
        stale = ["load catalogue ozon/shop", "load catalogue ozon/outlet"]
        loaded = runlog.loaded_before(db, "20260101T030000-bbbbbb", stale)
    assert loaded == {"load catalogue ozon/shop"}
    assert transform_detail(stale, loaded) == (
        "full build; older data kept for: load catalogue ozon/shop; no data yet for: load catalogue ozon/outlet"
    )
    assert transform_detail([], set()) == "full build"


def test_a_second_run_refuses_while_one_holds_the_lock(ops):
    with RunLock("20260101T020000-abcdef", "2026-01-01T02:00:00"):
        second = run_script("scripts.run", "--transform-only")
    assert second.returncode == 75
    assert "another run is in progress: run 20260101T020000-abcdef" in second.stderr
    assert "not starting" in second.stderr


@pytest.mark.parametrize("target", ["load-ozon", "build"])
def test_a_make_target_that_writes_refuses_while_a_run_holds_the_lock(ops, target):
    with RunLock("20260101T020000-abcdef", "2026-01-01T02:00:00"):
        busy = subprocess.run(
            [shutil.which("make"), "--no-print-directory", target],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=False,
        )
    assert "another run is in progress: run 20260101T020000-abcdef" in busy.stderr, busy.stdout + busy.stderr
    assert busy.returncode != 0


def make_commands(target: str, *settings: str) -> str:
    """What `make <target> <settings>` would run (make -n; the virtualenv taken as installed)."""
    shown = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-n", "-o", ".venv/.installed", target, *settings],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout


@pytest.mark.parametrize("value", ["", "0", "false", "no", "OFF"])
def test_a_make_switch_set_to_off_is_off(value):
    """DRY_RUN=0 and DRY_RUN=false still made a dry run; DOCS_SERVE=false still served."""
    for target in ("run", "cron-install", "cron-remove", "retire-account"):
        assert "--dry-run" not in make_commands(target, f"DRY_RUN={value}"), target
    assert "--dry-run" in make_commands("run", "DRY_RUN=1")
    assert "--no-serve" in make_commands("docs", f"DOCS_SERVE={value}")
    assert "--no-serve" not in make_commands("docs") + make_commands("docs", "DOCS_SERVE=1")


def test_a_writer_runs_holding_the_lock_and_passes_its_exit_code_on(ops):
    done = run_script("scripts.locked", "load-ozon", sys.executable, "-c", "import sys; sys.exit(4)")
    assert done.returncode == 4
    with RunLock("20260101T020000-abcdef", "2026-01-01T02:00:00"):
        busy = run_script("scripts.locked", "load-ozon", sys.executable, "-c", "pass")
    assert busy.returncode == 75 and "load-ozon: another run is in progress" in busy.stderr


def test_a_killed_runs_stale_lock_is_reported_and_cleared(ops):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from loaders.writer_lock import RunLock; "
            "RunLock('20200101T000000-dead00', 'then').acquire(); "
            "print('locked', flush=True); time.sleep(600)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    with database.connect("duckdb") as db:  # what the killed runner had written
        runlog.write_step(db, runlog.StepRecord("20200101T000000-dead00", "run", "run"))
    holder.send_signal(signal.SIGKILL)
    holder.wait()

    # (`make health` would clear it too: tests/operations/test_health.py)
    with Sandbox(SandboxConfig(seed=4, products=10, warehouses=2)) as sandbox:
        done = run_script("scripts.run", "catalogue", "--no-transform", env=ozon_env(sandbox))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "cleared a stale lock of run 20200101T000000-dead00" in done.stderr
    assert query("select status from ops.run_log where run_id = '20200101T000000-dead00'") == [("killed",)]
    assert "cleared stale lock of run 20200101T000000-dead00" in steps_of(latest_run_id())["run"][3]


@pytest.mark.postgres
def test_the_run_log_lives_in_the_postgres_database_of_the_marts(ops, postgres_database):
    with Sandbox(SandboxConfig(seed=4, products=10, warehouses=2)) as sandbox:
        account = sandbox.ozon.accounts[0]
        env = ozon_env(sandbox)
        done = run_script("scripts.run", "catalogue", "--no-transform", "--target", "postgres", env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    with database.connect("postgres") as db:
        rows = db.execute("select step, status, rows_loaded from ops.run_log order by step")
        tables = dict(db.execute("select table_name, rows_loaded from ops.run_log_tables"))
    assert [(step, status) for step, status, _ in rows] == [
        (f"load catalogue ozon/{account.client_id}", "success"),
        ("run", "success"),
    ]
    assert tables["products"] == 10
    health = run_script("scripts.health", "--target", "postgres")
    assert health.returncode == 0, health.stdout


def test_sigterm_stops_the_run_between_steps_and_is_recorded(ops):
    with Sandbox(SandboxConfig(seed=4, products=10, warehouses=2)) as sandbox:
        account = sandbox.ozon.accounts[0]
        sandbox.ozon.inject_delay("/v3/product/list", seconds=2)
        env = ozon_env(sandbox)
        runner = subprocess.Popen(
            [sys.executable, "-m", "scripts.run", "--no-transform"],
            cwd=PROJECT_DIR,
            env={**os.environ, **env},
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in runner.stderr:  # the first step has started
            if "load catalogue" in line:
                break
        runner.send_signal(signal.SIGTERM)
        _, stderr = runner.communicate(timeout=300)
    assert runner.returncode == 130, stderr
    steps = steps_of(latest_run_id())
    assert steps["run"][0] == "interrupted"
    assert steps[f"load catalogue ozon/{account.client_id}"][0] == "success"  # the running step finished
    assert steps[f"load stock ozon/{account.client_id}"][:4:3] == ("skipped", "skipped: run stopped by SIGTERM")
    # with its source: without it health listed a source "None/None None" never loaded, for 90 days
    skipped = "select step_group, marketplace, account from ops.run_log where status = 'skipped'"
    assert sorted(query(skipped)) == [("orders", "ozon", account.client_id), ("stock", "ozon", account.client_id)]


def test_a_catalogue_skipped_by_a_stopped_run_does_not_stop_the_next_stock_load(ops):
    """A run stopped (Ctrl-C, SIGTERM) before an account's catalogue load records it skipped; the next
    `make run-stock` reads the last catalogue load that ran. Before, it read the skipped one, skipped
    the stock and failed, as every stock and orders run did until the next catalogue run."""
    with Sandbox(SandboxConfig(seed=4, products=10, warehouses=2)) as sandbox:
        account = sandbox.ozon.accounts[0]
        done = run_script("scripts.run", "catalogue", "--no-transform", env=ozon_env(sandbox))
        assert done.returncode == 0, done.stderr[-3000:]
        stopped = runlog.StepRecord(  # the row a stopped run writes for a step it did not start
            "29990101T000000-stop00", f"load catalogue ozon/{account.client_id}", "load", "catalogue", "ozon"
        )
        stopped.account = account.client_id
        stopped.finish("skipped", detail="skipped: run stopped by SIGINT")
        with database.connect("duckdb") as db:
            runlog.write_step(db, stopped)
        again = run_script("scripts.run", "stock", "--no-transform", env=ozon_env(sandbox))
    assert again.returncode == 0, again.stderr[-3000:]
    assert steps_of(latest_run_id())[f"load stock ozon/{account.client_id}"][0] == "success"


def test_accounts_share_a_loader_process_and_a_killed_one_costs_only_a_rerun(ops):
    """The two accounts' catalogue loads run in one loader process; killed before it reported, each
    account is loaded again in a process of its own, and the run succeeds."""
    with Sandbox(SELLER) as sandbox:
        sandbox.ozon.inject_delay("/v3/product/list", seconds=3)  # holds the shared process's first load
        runner = subprocess.Popen(
            [sys.executable, "-m", "scripts.run", "catalogue", "--no-transform"],
            cwd=PROJECT_DIR,
            env={**os.environ, **seller_env(sandbox)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in runner.stderr:  # the batch of both accounts has started
            if "load catalogue ozon/outlet: " in line:
                break
        waited = 0.0
        while not (shared := descendants(runner.pid)) and waited < 60:  # the runner writes its run log first
            time.sleep(0.1)
            waited += 0.1
        time.sleep(1)  # the loader is started, its first request held by the delay
        shared = descendants(runner.pid)
        for pid in shared:
            os.kill(pid, signal.SIGKILL)
        _, stderr = runner.communicate(timeout=300)
    assert len(shared) == 1, "one loader process for both accounts"
    assert runner.returncode == 0, stderr
    assert stderr.count("loaded again on its own") == 2
    steps = steps_of(latest_run_id())
    assert steps["load catalogue ozon/shop"][0] == steps["load catalogue ozon/outlet"][0] == "success"
