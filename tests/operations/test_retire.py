"""`make retire-account`: an account removed from the settings leaves the raw data, the marts and the
run log, and comes back whole if it is configured again."""

from __future__ import annotations

import psycopg2
import pytest

from loaders import config
from sandbox import Sandbox, SandboxConfig
from scripts import database, retire, runlog, steps
from tests.support.operations import isolated_ops, run_script

SELLER = SandboxConfig(seed=5, products=30, warehouses=4, accounts=2, history_days=3)
ACCOUNTS = ("shop", "outlet")


def seller_env(sandbox: Sandbox, names: tuple[str, ...]) -> dict[str, str]:
    env = {
        "OZON_ACCOUNTS": ",".join(names),
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "LOADER_NOW": sandbox.clock.now().isoformat(),
        "MARKETPLACES": "ozon",
    }
    for name, account in zip(ACCOUNTS, sandbox.ozon.accounts, strict=True):
        if name in names:
            env[f"OZON_{name.upper()}_CLIENT_ID"] = account.client_id
            env[f"OZON_{name.upper()}_API_KEY"] = account.api_key
    return env


def rows_per_table(target: str) -> dict[str, dict[str, int]]:
    """Per raw table, its rows per account (a child table's through its root or parent row)."""
    with database.connect(target, read_only=True) as db:
        tables = {
            table
            for (table,) in db.execute(
                "select table_name from information_schema.tables where table_schema = 'raw_ozon'"
            )
        }
        counts: dict[str, dict[str, int]] = {}
        for table in sorted(tables):
            columns = {
                c
                for (c,) in db.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw_ozon' and table_name = ?",
                    (table,),
                )
            }
            if "account" in columns:
                found = db.execute(f'select account, count(*) from raw_ozon."{table}" group by account')
            elif "_dlt_parent_id" in columns:  # through its root row, else its parent; orphans count under None
                link, parent = (
                    ("_dlt_root_id", table.split("__")[0])
                    if "_dlt_root_id" in columns
                    else ("_dlt_parent_id", max((t for t in tables if table.startswith(f"{t}__")), key=len))
                )
                found = db.execute(
                    f'select parent.account, count(*) from raw_ozon."{table}" as child '
                    f'left join raw_ozon."{parent}" as parent on child.{link} = parent._dlt_id group by parent.account'
                )
            else:
                continue
            counts[table] = dict(found)
        return counts


def scalar(target: str, sql: str, params: tuple = ()):
    with database.connect(target, read_only=True) as db:
        return db.execute(sql, params)[0][0]


EXECUTE = database.Database.execute


def interrupted_at_the_staging_schema(db: database.Database, sql: str, params: tuple = ()) -> list[tuple]:
    if sql.startswith("drop schema"):
        raise KeyboardInterrupt
    return EXECUTE(db, sql, params)


def record_loads(target: str) -> None:
    """A run-log row per account, as the runner writes for each load."""
    with database.connect(target) as db:
        for account in ACCOUNTS:
            step = runlog.StepRecord(
                "20260101T000000-aaaaaa", f"load catalogue ozon/{account}", "load", "catalogue", "ozon", account
            )
            step.finish("success", rows={"products": 1})
            runlog.write_step(db, step)


def test_a_retired_account_leaves_every_table_and_comes_back_whole(destination, workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    monkeypatch.setenv("TARGET", destination)
    with Sandbox(SELLER) as sandbox:
        both, shop_only = seller_env(sandbox, ACCOUNTS), seller_env(sandbox, ("shop",))
        steps.load("ozon", destination, both)
        record_loads(destination)
        before = rows_per_table(destination)
        assert before["products"]["outlet"] > 0 and before["postings_fbo__products"]["outlet"] > 0

        refused = run_script("scripts.retire", "ozon", "outlet", env=both)
        assert refused.returncode == 2 and "account 'outlet' is still configured" in refused.stderr
        unknown = run_script("scripts.retire", "ozon", "outlett", env=shop_only)
        assert unknown.returncode == 2
        assert "no rows of account 'outlett' in raw_ozon (accounts there: outlet, shop)" in unknown.stderr
        dry = run_script("scripts.retire", "ozon", "outlet", "--dry-run", env=shop_only)
        assert dry.returncode == 0 and f"products {before['products']['outlet']:,}" in dry.stderr, dry.stderr
        assert rows_per_table(destination) == before

        # interrupted part way (Ctrl-C, a full disk), it deletes nothing: DuckDB committed each delete
        # on its own, and the retry found no rows left to retire while the rest stayed
        with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
            patched.setattr(database.Database, "execute", interrupted_at_the_staging_schema)
            with database.connect(destination) as db:
                retire.retire(db, "ozon", "raw_ozon", "outlet", lambda: None)
        assert rows_per_table(destination) == before

        retired = run_script("scripts.retire", "ozon", "outlet", env=shop_only)
        assert retired.returncode == 0, retired.stderr
        after = rows_per_table(destination)
        for table, accounts in before.items():
            assert after.get(table, {}) == {a: n for a, n in accounts.items() if a != "outlet"}, table
        state = "select count(*) from raw_ozon._dlt_pipeline_state where pipeline_name = ?"
        assert scalar(destination, state, ("ozon__outlet",)) == 0 and scalar(destination, state, ("ozon__shop",)) > 0
        logged = f"select count(*) from {runlog.SCHEMA}.run_log where account = ?"
        assert scalar(destination, logged, ("outlet",)) == 0 and scalar(destination, logged, ("shop",)) == 1
        staging = "select count(*) from information_schema.schemata where schema_name = ?"
        assert scalar(destination, staging, ("raw_ozon_staging_outlet",)) == 0
        assert scalar(destination, staging, ("raw_ozon_staging_shop",)) == 1
        assert (
            not (config.pipelines_dir() / "ozon__outlet").exists() and (config.pipelines_dir() / "ozon__shop").exists()
        )

        if destination == "duckdb":  # the marts are built from the raw rows alone, on either engine
            built = run_script("scripts.run", "--transform-only", env=shop_only)
            assert built.returncode == 0, built.stderr[-3000:]
            for mart in ("dim_products", "inventory", "fact_orders"):
                accounts = f"select count(*) from marts.{mart} where account = ?"
                assert scalar(destination, accounts, ("outlet",)) == 0 and scalar(destination, accounts, ("shop",)) > 0

        # configured again, it loads its whole history afresh: the state it had is gone with it
        steps.load("ozon", destination, {**both, "OZON_ACCOUNTS": "outlet"})
        again = rows_per_table(destination)
        assert {t: a.get("outlet") for t, a in again.items()} == {t: a.get("outlet") for t, a in before.items()}


@pytest.mark.postgres
def test_a_staging_schema_a_dba_created_loses_its_tables_and_stays(postgres_database, monkeypatch):
    """A DBA may create the account's staging schema and grant it to the project's role
    (docs/configuration.md); only the schema's owner may drop it, and retiring the account failed."""
    role, schema = "elt_test_retire_staging", "raw_ozon_staging_outlet"
    owner = config.postgres_settings()
    with psycopg2.connect(**owner) as admin, admin.cursor() as cursor:
        cursor.execute(f"drop role if exists {role}")
        cursor.execute(f"create role {role} login nocreatedb nosuperuser")
        cursor.execute(f"create schema {schema}")
        cursor.execute(f"grant usage, create on schema {schema} to {role}")
    try:
        monkeypatch.setenv("PGUSER", role)
        with database.connect("postgres") as db:
            db.execute(f"create table {schema}.postings_fbo (posting_number text)")
        with database.connect("postgres") as db:
            retire.drop_staging(db, schema)
        monkeypatch.setenv("PGUSER", owner["user"])
        with database.connect("postgres") as db:
            assert (
                db.execute("select table_name from information_schema.tables where table_schema = ?", (schema,)) == []
            )
            assert db.relation_exists(schema, "postings_fbo") is False
            assert db.execute("select 1 from information_schema.schemata where schema_name = ?", (schema,)) == [(1,)]
    finally:
        with psycopg2.connect(**owner) as admin, admin.cursor() as cursor:
            cursor.execute(f"drop owned by {role} cascade")
            cursor.execute(f"drop role {role}")
