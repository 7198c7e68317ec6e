"""The run plan (groups in dependency order), the run log's documented columns, and pruning."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import yaml

from loaders.marketplaces import MARKETPLACES
from scripts import database, plan, prune, runlog
from scripts.steps import PROJECT_DIR
from tests.support.operations import TWO_OZON_ACCOUNTS_LOAD_STEPS, isolated_ops


def test_every_loader_resource_belongs_to_a_group():
    for name, marketplace in MARKETPLACES.items():
        assert plan.unplanned_resources(name, marketplace.resources) == [], "add them to scripts/plan.py GROUPS"


def test_catalogue_loads_first_per_account_and_unknown_resources_are_ignored():
    marketplaces = {"ozon": (("products", "product_list_items", "product_stocks", "postings_fbo"), ["shop", "outlet"])}
    steps = plan.load_steps(("stock", "orders", "catalogue"), marketplaces)
    assert [step.name for step in steps] == TWO_OZON_ACCOUNTS_LOAD_STEPS
    assert steps[0].resources == ("product_list_items", "products")
    assert steps[-1].resources == ("product_stocks",)
    assert plan.load_steps(("stock",), {"ozon": ((), ["shop"])}) == []


def test_the_ops_source_documents_exactly_the_run_log_tables():
    path = PROJECT_DIR / "dbt_project" / "models" / "monitoring" / "_ops__sources.yml"
    (source,) = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    documented = {
        table["name"]: tuple((column["name"], column["data_type"]) for column in table["columns"])
        for table in source["tables"]
    }
    assert documented == runlog.TABLES


def test_prune_rotates_big_logs_and_deletes_old_logs_and_runs(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "cron-stock.log").write_bytes(b"x" * (11 * 1024 * 1024))
    (logs / "cron-health.log").write_text("recent\n")
    old = logs / "cron-stock.log.20250101T000000"
    old.write_text("old\n")
    ancient = time.time() - 91 * 86400
    os.utime(old, (ancient, ancient))
    # whatever else the folder holds stays, however old: `[logs] dir = ""` once named the project
    foreign = [logs / "Makefile", logs / "notes" / "plan.txt", logs / "crontab-backups" / "mine.txt"]
    for path in foreign:
        path.parent.mkdir(exist_ok=True)
        path.write_text("not a log\n")
        os.utime(path, (ancient, ancient))
    with database.connect("duckdb") as db:
        for run_id, days_ago in (("old-run", 100), ("new-run", 1)):
            record = runlog.StepRecord(run_id, "run", "run")
            record.started_at = runlog.utcnow() - timedelta(days=days_ago)
            record.finish("success")
            runlog.write_step(db, record)
            runlog.write_dbt_results(db, run_id, "transform", [{"unique_id": "model.x.y", "status": "success"}])

    assert prune.main([]) == 0

    names = sorted(path.name for path in Path(logs).iterdir())
    assert "cron-stock.log" not in names and "cron-health.log" in names
    assert any(name.startswith("cron-stock.log.2") for name in names)
    assert old.name not in names
    assert all(path.exists() for path in foreign)
    with database.connect("duckdb", read_only=True) as db:
        assert db.execute("select distinct run_id from ops.run_log") == [("new-run",)]
        assert db.execute("select distinct run_id from ops.dbt_results") == [("new-run",)]


def test_prune_deletes_the_oldest_rotated_logs_while_the_folder_is_over_its_limit(workdir, tmp_path, monkeypatch):
    """Health says `make prune` when the log folder is over max_total_mb; prune only rotated logs
    newer than the retention, so the folder stayed over it and health said the same again."""
    isolated_ops(tmp_path, monkeypatch)
    ops = tmp_path / "ops.toml"
    ops.write_text(ops.read_text().replace("max_total_mb = 500", "max_total_mb = 5"))
    logs = tmp_path / "logs"
    logs.mkdir()
    now = time.time()
    for hours_ago, name in (
        (3, "cron-stock.log.20261201T000000"),
        (2, "cron-stock.log.20261202T000000"),
        (0, "cron-stock.log"),
    ):
        (logs / name).write_bytes(b"x" * (3 * 1024 * 1024))
        os.utime(logs / name, (now - hours_ago * 3600, now - hours_ago * 3600))

    assert prune.main([]) == 0

    # the oldest rotated logs went until the folder was within 5 MB; the log being written stays
    assert sorted(path.name for path in logs.iterdir()) == ["cron-stock.log"]


def test_prune_creates_no_database(workdir, tmp_path, monkeypatch):
    """A DUCKDB_PATH naming no file: prune created an empty database there, and health then said "no
    run recorded yet" instead of that the database does not exist (operations audit)."""
    isolated_ops(tmp_path, monkeypatch)
    assert prune.main([]) == 0
    assert not Path(workdir["DUCKDB_PATH"]).exists()
