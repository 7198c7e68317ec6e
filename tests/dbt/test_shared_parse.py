"""The dbt the tests run (tests/support/shared_parse_dbt.py) reuses one parse of the project across
DuckDB files of the same name, and parses anew for a file of another name (another database name in
every node)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scripts import steps

pytestmark = pytest.mark.e2e  # three parses of the project


def parse(shared: Path, target: Path, database: Path) -> str:
    """`dbt parse` on DuckDB file `database` with dbt's target folder `target`; dbt's output."""
    env = {
        "SHARED_DBT_PARSE_DIR": str(shared),
        "DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target.parent / "logs"),
        "MARKETPLACES": "ozon",
    }
    done = subprocess.run(
        steps.dbt_command("parse", "duckdb"),
        cwd=steps.PROJECT_DIR,
        env=steps.environment(env),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


def test_a_duckdb_file_of_the_same_name_reuses_the_parse_and_one_of_another_name_does_not(tmp_path):
    assert os.environ["DBT"] != steps.DBT, "conftest.py names the tests' dbt"
    shared = tmp_path / "shared"
    shared.mkdir()
    first, second = tmp_path / "first", tmp_path / "second"
    started = parse(shared, first / "target", first / "warehouse.duckdb")
    assert "Unable to do partial parsing because saved manifest not found" in started
    assert "Unable to do partial parsing" not in parse(shared, second / "target", second / "warehouse.duckdb")
    renamed = parse(shared, first / "target", first / "other.duckdb")
    assert "Unable to do partial parsing because profile has changed" in renamed
