"""`built_at` (every answer's `as_of`, the pages' "витрины собраны") is the time of the build that made the
marts served, whoever ran it: a run, `make build` or dbt by hand (dbt records it: macros/build_record.sql)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from scripts.steps import PROJECT_DIR
from serving import keys, publish
from serving.app import create_app
from serving.reader import SnapshotReader
from tests.support.serving import settings_for


def test_built_at_is_the_time_of_make_build_after_runs(seller, tmp_path):
    """It came from the run log's transforms only: after `make demo` then `make build` it stayed at the
    demo's build, and on a database only `make build` had built it was null ("витрины собраны — UTC")."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(seller.database, database)  # the seller's runs are in its run log: the demo's part
    (ran,) = seller.marts("select max(finished_at) from ops.run_log where kind = 'transform' and status = 'success'")[0]
    env = {
        **seller.env,
        "TARGET": "duckdb",
        "DUCKDB_PATH": str(database),
        "DLT_PIPELINES_DIR": str(tmp_path / "dlt"),
        "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
        "DBT_LOG_PATH": str(tmp_path / "dbt_logs"),
    }
    started = datetime.now(UTC)
    built = subprocess.run(
        [shutil.which("make"), "--no-print-directory", "-o", ".venv/.installed", "build"],
        cwd=PROJECT_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    keys_file = tmp_path / "api_keys.json"
    client = TestClient(create_app(settings_for(keys_file), SnapshotReader(publish.publish_dir(database))))
    client.headers["X-API-Key"] = keys.create(keys_file, "built")
    built_at = datetime.fromisoformat(client.get("/api/v1/runs", params={"limit": 1}).json()["as_of"]["built_at"])
    assert ran is not None and ran.replace(tzinfo=UTC) < started < built_at < datetime.now(UTC), (ran, built_at)
    page = client.get("/stock", headers={"Accept": "text/html"}).text
    assert f"витрины собраны {built_at:%d.%m.%Y %H:%M} UTC" in page
