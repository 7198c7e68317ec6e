"""`python -m loaders ozon --full-refresh` on PostgreSQL once dbt has built: dbt's staging views read the
raw tables, and PostgreSQL refuses to drop a table a view reads. The loader drops those views first (the
next dbt build creates them again), so the refresh drops the tables and reads everything again."""

from __future__ import annotations

import os

import pytest

from sandbox import Sandbox
from scripts import database, steps
from tests.support.sandbox_fixtures import ozon_env, paced_seller

SELLER = paced_seller(seed=3, products=40, warehouses=5, history_days=3)


def query(sql: str) -> list[tuple]:
    with database.connect("postgres", read_only=True) as db:
        return db.execute(sql)


@pytest.mark.postgres
def test_full_refresh_drops_the_views_reading_raw_and_reloads(workdir, postgres_database):
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon"}
    with Sandbox(SELLER) as sandbox:
        steps.load("ozon", "postgres", ozon_env(sandbox))
        steps.dbt("run", "postgres", env, "--select", "staging.ozon")
        ((postings,),) = query("select count(*) from raw_ozon.postings_fbs")
        first_load = query("select distinct _dlt_load_id from raw_ozon.postings_fbs")
        assert postings > 0 and len(first_load) == 1
        assert query("select count(*) from pg_views where schemaname = 'staging'")[0][0] > 0

        steps.load("ozon", "postgres", ozon_env(sandbox), "--full-refresh")  # failed: views depend on raw

        # Everything read again into new tables: one load's rows, none of the first load's.
        assert query("select count(*) from raw_ozon.postings_fbs") == [(postings,)]
        refreshed = query("select distinct _dlt_load_id from raw_ozon.postings_fbs")
        assert len(refreshed) == 1 and refreshed[0][0] > first_load[0][0]
        views = {name for (name,) in query("select viewname from pg_views where schemaname = 'staging'")}
        assert "stg_ozon__posting_lines_fbs" not in views and "stg_ozon__products" not in views, views

        # The next build creates them again (its models alone here).
        steps.dbt("run", "postgres", env, "--select", "staging.ozon")
    ((staged,),) = query("select count(*) from staging.stg_ozon__posting_lines_fbs")
    assert staged > 0
