"""`make health` (python -m scripts.health) exit codes and report for a healthy, a stale and a failed state."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace

import pytest

from loaders.writer_lock import lock_path
from scripts import database, runlog
from scripts import health as health_module
from scripts.steps import PROJECT_DIR
from tests.support.operations import BOT_TOKEN, HttpReceiver, closed_port, hold_lock, isolated_ops, query, run_script


@pytest.fixture
def ops(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    return tmp_path


def record_run(run_id: str, hours_ago: float, catalogue_status: str = "success") -> None:
    """A run as the runner records it: catalogue and stock loads of one account, then dbt."""
    started = runlog.utcnow() - timedelta(hours=hours_ago)
    with database.connect("duckdb") as db:
        steps = [
            ("load catalogue ozon/shop", "load", "catalogue", catalogue_status),
            ("load stock ozon/shop", "load", "stock", "success" if catalogue_status == "success" else "skipped"),
            ("transform", "transform", None, "success"),
        ]
        for step, kind, group, status in steps:
            record = runlog.StepRecord(run_id, step, kind, group, "ozon" if group else None, "shop" if group else None)
            record.started_at = started
            record.finish(status)
            record.finished_at = started + timedelta(minutes=5)
            runlog.write_step(db, record)
        runlog.write_dbt_results(
            db, run_id, "transform", [{"unique_id": "test.marketplace_elt.not_null_x", "status": "pass"}]
        )
        run = runlog.StepRecord(run_id, "run", "run")
        run.started_at = started
        run.finish("success" if catalogue_status == "success" else "failed", error_message=None)
        runlog.write_step(db, run)


@contextmanager
def locked(run_id: str, hours_ago: float | None = None) -> Iterator[subprocess.Popen]:
    """Another process holding the run lock as `run_id` (started `hours_ago`) while the block runs."""
    started = "then" if hours_ago is None else (runlog.utcnow() - timedelta(hours=hours_ago)).isoformat()
    holder = hold_lock(run_id, started)
    try:
        yield holder
    finally:
        holder.kill()
        holder.wait()


def health(env: dict[str, str] | None = None) -> tuple[int, dict]:
    done = run_script("scripts.health", "--json", env=env)
    return done.returncode, {check["name"]: check for check in json.loads(done.stdout)["checks"]}


def test_healthy_after_a_recent_successful_run(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    code, checks = health()
    assert code == 0
    assert {name: check["status"] for name, check in checks.items()} == {
        "data folder": "ok",
        "database": "ok",
        "last run": "ok",
        "freshness ozon/shop catalogue": "ok",
        "freshness ozon/shop stock": "ok",
        "dbt tests": "ok",
        "lock": "ok",
        "log files": "ok",
    }
    text = run_script("scripts.health")
    assert text.returncode == 0 and text.stdout.startswith("health: HEALTHY")


def test_a_build_stopped_before_its_tests_is_no_build_whose_tests_passed(ops):
    """A build stopped at STEP_TIMEOUT_MINUTES writes no run_results: health said "all passed" for it."""
    record_run("20260101T020000-aaaaaa", hours_ago=3)
    with database.connect("duckdb") as db:
        record = runlog.StepRecord("20260101T040000-bbbbbb", "transform", "transform")
        record.finish("failed", error_class="StepTimedOut", error_message="dbt build ran longer than 120 min")
        runlog.write_step(db, record)
    _, checks = health()
    assert checks["dbt tests"]["status"] == "warn"
    assert checks["dbt tests"]["message"] == (
        "the dbt build of run 20260101T040000-bbbbbb recorded no results (see its transform step in the run log)"
    )


def test_stale_when_the_last_successful_load_is_older_than_its_threshold(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=10)  # stock threshold 6 h, catalogue 26 h
    code, checks = health()
    assert code == 1
    assert checks["freshness ozon/shop catalogue"]["status"] == "ok"
    stock = checks["freshness ozon/shop stock"]
    assert stock["status"] == "fail" and "threshold 6 h" in stock["message"]


def record_stock_load(run_id: str, hours_ago: float, outcomes: dict[str, str]) -> None:
    """One stock load of ozon/shop whose resources ended as `outcomes` (resource: ok | failed)."""
    record = runlog.StepRecord(run_id, "load stock ozon/shop", "load", "stock", "ozon", "shop")
    record.started_at = runlog.utcnow() - timedelta(hours=hours_ago)
    record.resources = [{"resource": name, "status": status, "message": None} for name, status in outcomes.items()]
    record.finish("success" if set(outcomes.values()) <= {"ok", "left_out"} else "partial")
    record.finished_at = record.started_at + timedelta(minutes=5)
    with database.connect("duckdb") as db:
        runlog.write_step(db, record)


def test_a_resource_a_partial_load_left_out_goes_stale_though_its_group_loaded(ops):
    """A stock feed failing run after run inside a partial load: the group loaded an hour ago, but the marts
    still count the feed's 10-hour-old rows as current stock, so its freshness fails. A feed that never
    loaded left no old rows behind: it stays a partial source (degraded), not a stale one."""
    record_run("20260101T000000-aaaaaa", hours_ago=10)
    record_stock_load(
        "20260101T000000-aaaaaa", 10, {"analytics_stocks": "ok", "product_stocks": "ok", "warehouse_stock_report": "ok"}
    )
    record_stock_load("20260101T090000-bbbbbb", 1, {"analytics_stocks": "failed", "product_stocks": "ok"})
    code, checks = health()
    stock = checks["freshness ozon/shop stock"]
    assert code == 1 and stock["status"] == "fail", stock
    assert "analytics_stocks last loaded 9.9 h ago" in stock["message"] and "product_stocks" not in stock["message"]

    record_stock_load("20260101T100000-cccccc", 0.5, {"analytics_stocks": "ok", "product_stocks": "ok"})
    assert health()[1]["freshness ozon/shop stock"]["status"] == "ok"

    record_stock_load("20260101T103000-dddddd", 0.2, {"analytics_stocks": "ok", "reports": "failed"})
    code, checks = health()
    assert checks["freshness ozon/shop stock"]["status"] == "ok"
    assert checks["partial ozon/shop stock"]["status"] == "degraded" and code == 3

    # a resource the account's setting leaves out (OZON_SKIP_RESOURCES) is no gap: nothing stale, nothing partial
    record_stock_load("20260101T104500-eeeeee", 0.1, {"analytics_stocks": "ok", "warehouse_stock_report": "left_out"})
    code, checks = health()
    assert checks["freshness ozon/shop stock"]["status"] == "ok" and "partial ozon/shop stock" not in checks
    assert code == 0, checks


def test_the_last_run_names_what_did_not_succeed_failed_first_without_every_hint(ops):
    """A run whose stock load was partial and whose build failed: the last-run line names the failed
    build first with its message's first sentence, then the resources the load did not load; the whole
    messages (two refusals with their hints: about 900 characters) stay in the run log and the alerts."""
    refusal = "HTTP 403 (code 7, message Api-Key is missing a required role). " + "Give the key the role. " * 15
    started = runlog.utcnow() - timedelta(hours=1)
    with database.connect("duckdb") as db:
        stock = runlog.StepRecord("20260101T090000-bbbbbb", "load stock ozon/shop", "load", "stock", "ozon", "shop")
        stock.resources = [
            {"resource": name, "status": "failed", "message": f"{name}: {refusal}"}
            for name in ("analytics_stocks", "product_stocks")
        ]
        transform = runlog.StepRecord("20260101T090000-bbbbbb", "transform", "transform")
        run = runlog.StepRecord("20260101T090000-bbbbbb", "run", "run")
        for record, status, message in (
            (stock, "partial", "; ".join(f"{o['resource']} failed: {o['message']}" for o in stock.resources)),
            (transform, "failed", "dbt build exit code 1, 1 failing: test.unique_x. Fix the model."),
            (run, "failed", f"load stock ozon/shop: {refusal * 2}; transform: dbt build exit code 1"),
        ):
            record.started_at = started
            record.finish(status, error_message=message)
            runlog.write_step(db, record)
    line = health()[1]["last run"]
    assert line["status"] == "fail"
    assert line["message"] == (
        "run 20260101T090000-bbbbbb failed: transform failed: dbt build exit code 1, 1 failing: test.unique_x; "
        "load stock ozon/shop partial: analytics_stocks failed, product_stocks failed"
    )


def test_unhealthy_after_a_failed_run_and_a_failing_dbt_test(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=3)
    record_run("20260101T050000-bbbbbb", hours_ago=0.5, catalogue_status="failed")
    with database.connect("duckdb") as db:
        runlog.write_dbt_results(
            db,
            "20260101T050000-bbbbbb",
            "transform",
            [{"unique_id": "test.marketplace_elt.unique_y", "status": "fail"}],
        )
    code, checks = health()
    assert code == 1
    assert checks["last run"]["status"] == "fail" and "20260101T050000-bbbbbb failed" in checks["last run"]["message"]
    assert checks["dbt tests"]["status"] == "fail" and "unique_y" in checks["dbt tests"]["message"]
    assert checks["freshness ozon/shop stock"]["status"] == "ok"  # the 3-hour-old load is still fresh


def test_a_test_the_database_could_not_run_is_told_from_one_that_found_rows_with_the_reason(ops):
    """A statement timeout or a lost connection during the build errs tests: that is no finding about
    the data, and health said "2 failing" with nothing of the reason."""
    record_run("20260101T050000-bbbbbb", hours_ago=0.5)
    timeout = (
        "Database Error in test not_negative_fact_orders_quantity (dbt_project/models/marts/_marts__models.yml)\n"
        "  canceling statement due to statement timeout\n  compiled code at target/run/not_negative.sql"
    )
    with database.connect("duckdb") as db:
        runlog.write_dbt_results(
            db,
            "20260101T050000-bbbbbb",
            "transform",
            [
                {
                    "unique_id": "test.marketplace_elt.not_negative_fact_orders_quantity",
                    "status": "error",
                    "message": timeout,
                },
                {"unique_id": "test.marketplace_elt.not_null_inventory_sku", "status": "error", "message": timeout},
                {"unique_id": "test.marketplace_elt.unique_y", "status": "fail", "message": "Got 2 results"},
            ],
        )
    code, checks = health()
    assert code == 1
    assert checks["dbt tests"]["status"] == "fail"
    assert checks["dbt tests"]["message"] == (
        "1 failing (found rows): test.marketplace_elt.unique_y; 2 could not run (canceling statement due to"
        " statement timeout): test.marketplace_elt.not_negative_fact_orders_quantity,"
        " test.marketplace_elt.not_null_inventory_sku"
    )


def test_unhealthy_without_a_database_or_with_too_many_logs(ops):
    code, checks = health()
    assert code == 1 and checks["database"]["status"] == "fail"
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    config = ops / "ops.toml"
    config.write_text(config.read_text().replace("max_total_mb = 500", "max_total_mb = 0.1"))
    (ops / "logs").mkdir()
    (ops / "logs" / "cron-stock.log").write_bytes(b"x" * 50_000)
    assert health()[0] == 0
    (ops / "logs" / "cron-health.log").write_bytes(b"x" * 60_000)
    code, checks = health()
    assert code == 1 and "make prune" in checks["log files"]["message"]


def test_alert_flag_sends_a_stale_source_to_the_webhook_once(ops, monkeypatch):
    record_run("20260101T020000-aaaaaa", hours_ago=10)
    receiver = HttpReceiver()
    monkeypatch.setenv("ALERT_SLACK_WEBHOOK_URL", f"{receiver.url}/hook")
    try:
        assert run_script("scripts.health", "--alert").returncode == 1
        assert run_script("scripts.health", "--alert").returncode == 1  # within the cool-down: no second message
    finally:
        receiver.server.shutdown()
    (message,) = receiver.texts("/hook", "text")
    assert "Unhealthy: freshness ozon/shop stock" in message and "threshold 6 h" in message


@pytest.mark.parametrize(
    ("variable", "address"),
    [("ALERT_SLACK_WEBHOOK_URL", "http://[::1/hooks/T000/B000/secret"), ("ALERT_TELEGRAM_API_BASE_URL", "http://h:8x")],
)
def test_an_alert_address_that_cannot_be_read_costs_only_its_channel_and_not_the_verdict(
    ops, receivers, monkeypatch, variable, address
):
    """`http://[::1/...` (urlsplit's "Invalid IPv6 URL") ended health --alert in a traceback, exit 1
    when healthy, and no channel got anything (operations audit)."""
    http, smtp = receivers
    monkeypatch.setenv(variable, address)
    record_run("20260101T020000-aaaaaa", hours_ago=10)  # a stale source: health alerts
    unhealthy = run_script("scripts.health", "--alert")
    assert unhealthy.returncode == 1 and "Traceback" not in unhealthy.stderr, unhealthy.stderr
    assert f"{variable} is not a valid address" in unhealthy.stderr and "that channel is left out" in unhealthy.stderr
    assert len(smtp.messages) == 1, "the other channels still alert"
    webhook, telegram = (
        http.texts("/hooks/T000/B000/secret", "text"),
        http.texts(f"/bot{BOT_TOKEN}/sendMessage", "text"),
    )
    assert len(webhook + telegram) == 1 and "Unhealthy: freshness" in (webhook + telegram)[0]
    record_run("20260101T030000-bbbbbb", hours_ago=1)
    healthy = run_script("scripts.health", "--alert")
    assert healthy.returncode == 0 and "Traceback" not in healthy.stderr, healthy.stderr


def test_a_run_writing_the_duckdb_file_makes_the_database_busy_not_unhealthy(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time, duckdb; from loaders import config; from loaders.writer_lock import RunLock; "
            "RunLock('20260101T040000-cccccc', 'now').acquire(); db = duckdb.connect(str(config.duckdb_path())); "
            "print('writing', flush=True); time.sleep(600)",
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout.readline().strip() == "writing"
        code, checks = health()
    finally:
        writer.kill()
        writer.wait()
    assert code == 0
    assert checks["database"]["status"] == "warn" and "20260101T040000-cccccc" in checks["database"]["message"]


def test_health_leaves_the_duckdb_file_alone_while_a_run_holds_the_lock(ops):
    """Between its steps a run holds the lock but not the file: health must not open it then, as
    DuckDB would refuse the run's next writer (a loader, dbt) while health reads."""
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    with locked("20260101T040000-dddddd"):
        code, checks = health()
    assert code == 0
    assert checks["database"]["status"] == "warn" and "20260101T040000-dddddd" in checks["database"]["message"]
    assert set(checks) == {"data folder", "database", "last run", "lock", "log files"}, "no check read the file"
    assert checks["last run"]["message"] == "run 20260101T040000-dddddd in progress"


@pytest.mark.parametrize(
    "command",
    [("scripts.summary",), ("scripts.reconcile",), ("scripts.docs", "--no-serve"), ("serving.publish",), ("serving",)],
)
def test_readers_leave_the_duckdb_file_alone_while_a_run_holds_the_lock(ops, command):
    """As health: their read-only open made the run's next loader fail on the file's lock, which failed
    the run (the audit's make summary during a make run; docs read the file before taking the lock; a
    publish by hand, or make serve's first one, failed the run's next load and the run log's write).
    They say who writes and exit 75."""
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    with locked("20260101T040000-eeeeee"):
        done = run_script(*command, env={"SERVE_PORT": str(closed_port())}, timeout=60)
    assert done.returncode == 75, done.stdout + done.stderr
    assert "run 20260101T040000-eeeeee" in done.stderr and "try again when it has ended" in done.stderr
    assert not any(ops.glob("*.published"))


def record_running(run_id: str, hours_ago: float) -> None:
    """What a runner writes when it starts; a runner that dies leaves it so."""
    with database.connect("duckdb") as db:
        record = runlog.StepRecord(run_id, "run", "run")
        record.started_at = runlog.utcnow() - timedelta(hours=hours_ago)
        runlog.write_step(db, record)


def test_health_closes_a_run_whose_process_is_gone_without_waiting_for_the_next_run(ops):
    record_running("20260101T010000-dead01", hours_ago=2)  # e.g. its database connection dropped
    record_run("20260101T020000-aaaaaa", hours_ago=1)  # a later run succeeded
    code, checks = health()
    assert code == 1
    assert checks["dead runs"]["status"] == "fail" and "20260101T010000-dead01" in checks["dead runs"]["message"]
    assert query("select status from ops.run_log where run_id = '20260101T010000-dead01'") == [("died",)]
    code, checks = health()
    assert code == 0 and "dead runs" not in checks, "closed once, reported once"


def test_health_clears_the_stale_lock_of_a_killed_run_and_marks_it_killed(ops):
    holder = hold_lock("20200101T000000-dead00")
    record_running("20200101T000000-dead00", hours_ago=0.5)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    code, checks = health()
    assert code == 1
    assert "cleared the stale lock of run 20200101T000000-dead00" in checks["dead runs"]["message"]
    assert checks["lock"]["status"] == "ok"
    assert query("select status from ops.run_log where run_id = '20200101T000000-dead00'") == [("killed",)]
    assert checks["last run"]["status"] == "fail" and "killed" in checks["last run"]["message"]


@pytest.mark.postgres
def test_a_read_only_role_reports_a_dead_run_without_closing_it_or_clearing_its_lock(ops, postgres_database):
    """A role that may only read (the API's health) took the lock, clearing the stale one, then failed to
    write the run log (`create table if not exists` asks for CREATE on ops): one failed database check in
    place of all the others, and the writer's next health said "closed as died", not "marked killed". A
    role that may write the run log's rows, not create tables in ops, could not close it either."""
    run_id = "20200101T000000-dead00"
    holder = hold_lock(run_id)
    with database.connect("postgres") as db:
        record = runlog.StepRecord(run_id, "run", "run")
        record.started_at = runlog.utcnow() - timedelta(hours=0.5)
        runlog.write_step(db, record)
    holder.send_signal(signal.SIGKILL)  # the runner killed during its build
    holder.wait()
    role = f"health_{uuid.uuid4().hex[:12]}"
    with database.connect("postgres") as db:
        db.execute(f'create role {role} login; grant connect on database "{postgres_database["PGDATABASE"]}" to {role}')
        db.execute(f"grant usage on schema ops to {role}; grant select on all tables in schema ops to {role}")
    try:
        code, checks = health({"TARGET": "postgres", "PGUSER": role})
        assert code == 1 and checks["database"]["status"] == "ok", checks
        assert checks["dead runs"]["status"] == "fail" and "not closed" in checks["dead runs"]["message"]
        assert checks["last run"]["status"] == "fail" and "it died" in checks["last run"]["message"]
        assert checks["lock"]["status"] == "fail" and run_id in checks["lock"]["message"]
        with database.connect("postgres") as db:
            assert db.execute("select status from ops.run_log where run_id = ?", (run_id,)) == [("running",)]
        # The runner's role, which may write the run log's rows but create nothing in ops, closes it.
        with database.connect("postgres") as db:
            db.execute(f"grant insert, update, delete on all tables in schema ops to {role}")
        code, checks = health({"TARGET": "postgres", "PGUSER": role})
        assert "cleared the stale lock of run 20200101T000000-dead00" in checks["dead runs"]["message"], checks
        assert checks["lock"]["status"] == "ok"
        with database.connect("postgres") as db:
            assert db.execute("select status from ops.run_log where run_id = ?", (run_id,)) == [("killed",)]
    finally:
        with database.connect("postgres") as db:
            db.execute(f"drop owned by {role}; drop role {role}")


def test_a_live_run_older_than_the_stuck_timeout_is_unhealthy_and_left_running(ops):
    config = ops / "ops.toml"
    config.write_text(config.read_text().replace("stuck_after_hours = 6", "stuck_after_hours = 1"))
    record_run("20260101T000000-aaaaaa", hours_ago=3)
    record_running("20260101T010000-slow01", hours_ago=0.5)
    # While the run holds the lock health judges it by the lock (the run's start), not the file.
    with locked("20260101T010000-slow01", hours_ago=0.5):
        code, checks = health()
    assert code == 0 and checks["last run"]["status"] == "ok" and "stuck run" not in checks
    with locked("20260101T010000-slow01", hours_ago=2.5) as holder:
        code, checks = health()
    assert code == 1
    stuck = checks["stuck run"]
    assert stuck["status"] == "fail" and "20260101T010000-slow01" in stuck["message"]
    assert f"kill {holder.pid}" in stuck["message"] and "limit 1 h" in stuck["message"]
    assert query("select status from ops.run_log where run_id = '20260101T010000-slow01'") == [("running",)]


def test_unhealthy_when_the_data_folder_cannot_be_written(ops, monkeypatch, tmp_path):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the dlt state folder's parent should be")
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(blocker / "dlt"))  # the lock lives in its parent
    code, checks = health()
    assert code == 1
    assert checks["data folder"]["status"] == "fail" and "is a file, not a folder" in checks["data folder"]["message"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a folder without write permission")
def test_unhealthy_when_the_data_folder_is_read_only(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    folder = lock_path().parent
    folder.chmod(0o555)
    try:
        code, checks = health()
    finally:
        folder.chmod(0o755)
    assert code == 1 and "cannot write" in checks["data folder"]["message"]


def test_a_file_that_is_not_a_duckdb_database_is_unhealthy_with_the_fix(ops):
    database_path = ops / "warehouse.duckdb"
    database_path.write_bytes(os.urandom(4096))
    code, checks = health()
    assert code == 1
    message = checks["database"]["message"]
    assert "is not a DuckDB database" in message and "DUCKDB_PATH" in message


def test_unhealthy_when_the_data_folder_has_no_room(ops, monkeypatch):
    """A full disk: every run failed on it while health, whose probe is an empty file, said HEALTHY."""
    full = SimpleNamespace(total=64 * 1024, used=64 * 1024, free=0)
    monkeypatch.setattr(health_module.shutil, "disk_usage", lambda path: full)
    check = health_module.data_folder(lock_path().parent)
    assert check.status == health_module.FAIL
    assert check.message == f"only 0 MB free on the device of {lock_path().parent} (runs need 100 MB): free some space"


def test_unhealthy_when_the_clock_went_back(ops):
    """A run that failed after the clock went back a day sorted before the one that had succeeded:
    health said HEALTHY and the failed run alerted nobody (operations audit)."""
    record_run("20260102T020000-aaaaaa", hours_ago=-24)  # recorded before the clock went back
    record_run("20260101T030000-bbbbbb", hours_ago=1, catalogue_status="failed")
    code, checks = health()
    assert code == 1
    assert checks["clock"]["status"] == "fail" and "the clock went back (check NTP)" in checks["clock"]["message"]
    assert "24.0 h after this machine's clock" in checks["clock"]["message"]


def test_a_dbt_reason_is_masked_before_it_is_cut(monkeypatch):
    """Cut to 200 characters first, a secret across the cut lost its end and `mask` no longer knew it."""
    secret = "SECRETKEY0123456789abcdefghijklmn"
    monkeypatch.setattr("loaders.secrets._secrets", {secret})
    reason = runlog.dbt_error_reason("Database Error in test t (x.sql)\n  " + "x" * 190 + secret)
    assert "SECRET" not in reason and reason.startswith("x" * 190)
