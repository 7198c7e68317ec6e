"""`make health` (python -m scripts.health) exit codes and report for a healthy, a stale and a failed state."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from scripts import database, runlog
from scripts.steps import PROJECT_DIR
from tests.operations_support import HttpReceiver, isolated_ops, run_script


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


def health() -> tuple[int, dict]:
    done = run_script("scripts.health", "--json")
    return done.returncode, {check["name"]: check for check in json.loads(done.stdout)["checks"]}


def test_healthy_after_a_recent_successful_run(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    code, checks = health()
    assert code == 0
    assert {name: check["status"] for name, check in checks.items()} == {
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


def test_stale_when_the_last_successful_load_is_older_than_its_threshold(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=10)  # stock threshold 6 h, catalogue 26 h
    code, checks = health()
    assert code == 1
    assert checks["freshness ozon/shop catalogue"]["status"] == "ok"
    stock = checks["freshness ozon/shop stock"]
    assert stock["status"] == "fail" and "threshold 6 h" in stock["message"]


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


def test_a_run_writing_the_duckdb_file_makes_the_database_busy_not_unhealthy(ops):
    record_run("20260101T020000-aaaaaa", hours_ago=1)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time, duckdb; from loaders import config; from scripts.lock import RunLock; "
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
