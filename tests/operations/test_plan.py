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
    with database.connect("duckdb", read_only=True) as db:
        assert db.execute("select distinct run_id from ops.run_log") == [("new-run",)]
        assert db.execute("select distinct run_id from ops.dbt_results") == [("new-run",)]
