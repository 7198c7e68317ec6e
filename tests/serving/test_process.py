"""`make serve` and `make build` as processes: the access log, the time zone, publishing a copied,
renamed or busy database, and the build's snapshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import duckdb
import httpx

from scripts.steps import PROJECT_DIR
from serving import keys, publish
from serving.latency import server_process
from tests.support.operations import run_script


def test_a_key_sent_in_the_query_string_is_masked_in_the_access_log(seller, tmp_path):
    key = keys.create(tmp_path / "api_keys.json", "log")
    log = tmp_path / "serve.log"
    with server_process(seller.database, tmp_path / "api_keys.json", log=log) as base_url:
        assert httpx.get(f"{base_url}/api/v1/runs", params={"api_key": key}).status_code == 401
        assert httpx.get(f"{base_url}/api/v1/runs", params={"x": key}).status_code == 401
    written = log.read_text(encoding="utf-8")
    assert "api_key=*** " in written and "/api/v1/runs?x=***" in written, written
    assert key not in written and key.split("_", 2)[1] not in written


def test_the_dashboard_shows_utc_whatever_the_servers_time_zone(seller, tmp_path):
    key = keys.create(tmp_path / "api_keys.json", "tz")
    times = {}
    for zone in ("UTC", "Asia/Vladivostok"):
        with server_process(seller.database, tmp_path / "api_keys.json", env={"TZ": zone}) as base_url:
            page = httpx.get(f"{base_url}/stock", headers={"X-API-Key": key}).text
        times[zone] = re.findall(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", page)
    assert times["UTC"] and times["UTC"] == times["Asia/Vladivostok"]


def test_a_copied_and_renamed_database_is_published(seller, tmp_path):
    """dbt's views name the catalog of the file they were built in (`warehouse.ops.run_log`)."""
    copied = tmp_path / "copied.duckdb"
    shutil.copy(seller.database, copied)
    with duckdb.connect(str(publish.publish(copied)), read_only=True) as snapshot:
        assert snapshot.execute("select count(*) from monitoring.etl_runs").fetchone()[0] > 0


def test_reconcile_reads_a_copied_and_renamed_database_as_the_one_it_was_built_as(seller, tmp_path):
    """A restored backup under another name: its staging views name the file it was built in."""
    copied = tmp_path / "backup.2026-12-01.duckdb"  # its catalog: "backup"
    shutil.copy(seller.database, copied)
    original, backup = (
        run_script("scripts.reconcile", env={"TARGET": "duckdb", "DUCKDB_PATH": str(path)}, timeout=120)
        for path in (seller.database, copied)
    )
    assert (backup.returncode, original.returncode) == (0, 0), backup.stdout + backup.stderr
    assert backup.stdout == original.stdout and " ok " in backup.stdout


def test_serve_on_a_database_a_run_writes_says_so_in_one_line_and_leaves_nothing(seller, tmp_path):
    database = tmp_path / "busy.duckdb"
    shutil.copy(seller.database, database)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys; db = duckdb.connect({str(database)!r}); print(1, flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "1"
        done = run_script("serving", env={"TARGET": "duckdb", "DUCKDB_PATH": str(database)}, timeout=60)
    finally:
        holder.communicate("")
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert "could not be published" in last and "Traceback" not in done.stderr, done.stderr
    assert not [p for p in publish.publish_dir(database).iterdir() if p.name != "current"]


FAKE_DBT = """\
    import os, sys, duckdb
    with duckdb.connect(os.environ["DUCKDB_PATH"]) as db:
        db.execute("create schema if not exists marts; create or replace table marts.built as select 1 as n")
    sys.exit(int(os.environ.get("FAKE_DBT_EXIT", "0")))
"""


def test_make_build_publishes_what_make_serve_serves(tmp_path):
    dbt = tmp_path / "fake-dbt"
    dbt.write_text(f"#!{sys.executable}\n" + textwrap.dedent(FAKE_DBT), encoding="utf-8")
    dbt.chmod(0o755)
    database = tmp_path / "warehouse.duckdb"
    env = {"TARGET": "duckdb", "DUCKDB_PATH": str(database), "DLT_PIPELINES_DIR": str(tmp_path / "dlt")}

    def make_build(**more: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            # -o: never (re)install the virtualenv from here
            [shutil.which("make"), "--no-print-directory", "-o", ".venv/.installed", "build", f"DBT={dbt}"],
            cwd=PROJECT_DIR,
            env={**os.environ, **env, **more},
            capture_output=True,
            text=True,
            check=False,
        )

    failed = make_build(FAKE_DBT_EXIT="1")
    assert failed.returncode != 0 and publish.current_snapshot(publish.publish_dir(database)) is None
    built = make_build()
    assert built.returncode == 0, built.stderr
    with duckdb.connect(str(publish.current_snapshot(publish.publish_dir(database))), read_only=True) as snapshot:
        assert snapshot.execute("select n from marts.built").fetchall() == [(1,)]
