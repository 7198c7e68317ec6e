"""`python -m loaders ozon --full-refresh` on PostgreSQL once dbt has built: dbt's staging views read the
raw tables, and PostgreSQL refuses to drop a table a view reads. The loader drops those views first (the
next dbt build creates them again), so the refresh drops the tables and reads everything again."""

from __future__ import annotations

import os

import pytest

from loaders import __main__ as loader
from loaders import pipeline
from sandbox import Sandbox
from scripts import database, steps
from tests.support.sandbox_fixtures import ozon_env, paced_seller

SELLER = paced_seller(seed=3, products=40, warehouses=5, history_days=3)


def query(sql: str) -> list[tuple]:
    with database.connect("postgres", read_only=True) as db:
        return db.execute(sql)


def postings_loads() -> list[str]:
    return [load_id for (load_id,) in query("select distinct _dlt_load_id from raw_ozon.postings_fbs")]


def staging_views() -> set[str]:
    return {name for (name,) in query("select viewname from pg_views where schemaname = 'staging'")}


@pytest.mark.postgres
def test_full_refresh_drops_the_views_reading_raw_and_reloads(workdir, postgres_database, monkeypatch):
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon"}
    with Sandbox(SELLER) as sandbox:
        steps.load("ozon", "postgres", ozon_env(sandbox))
        steps.dbt("run", "postgres", env, "--select", "staging.ozon")
        ((postings,),) = query("select count(*) from raw_ozon.postings_fbs")
        first = postings_loads()
        assert postings > 0 and len(first) == 1 and "stg_ozon__posting_lines_fbs" in staging_views()

        steps.load("ozon", "postgres", ozon_env(sandbox), "--full-refresh")  # failed: views depend on raw

        # Everything read again into new tables: one load's rows, none of the first load's.
        assert query("select count(*) from raw_ozon.postings_fbs") == [(postings,)]
        refreshed = postings_loads()
        assert len(refreshed) == 1 and refreshed[0] > first[0]
        views = staging_views()
        assert "stg_ozon__posting_lines_fbs" not in views and "stg_ozon__products" not in views, views

        # The next build creates them again (its models alone here).
        steps.dbt("run", "postgres", env, "--select", "staging.ozon")
        assert query("select count(*) from staging.stg_ozon__posting_lines_fbs")[0][0] > 0

        # A full refresh whose load failed (as every one did before) is finished by the next load, views
        # and all: it was aborted instead, and that load read incrementally into the old tables.
        for name, value in {**ozon_env(sandbox), "DESTINATION": "postgres"}.items():
            monkeypatch.setenv(name, value)
        with monkeypatch.context() as without_the_drop:
            without_the_drop.setattr(pipeline, "_drop_views_reading", lambda *_args: None, raising=False)
            assert loader.main(["ozon", "--destination", "postgres", "--full-refresh"]) == loader.EXIT_FAILED
        assert postings_loads() == refreshed
        assert loader.main(["ozon", "--destination", "postgres"]) == 0
    again = postings_loads()
    assert len(again) == 1 and again[0] > refreshed[0]
    assert "stg_ozon__posting_lines_fbs" not in staging_views()
