"""`python -m scripts.retire MARKETPLACE ACCOUNT [--dry-run]`: forget an account no longer loaded.

An account removed from the configuration keeps its last rows: its stock as of its last snapshot
stays in the marts, and health calls its sources stale on every check. Retiring it deletes, in one
transaction, every raw row of the account (child tables through their parent rows), its dlt state
(the pipeline's state rows, staging schema and local folder), its waits in `cooldowns.json` and its
loads' rows in the run log. The next build (`make retire-account` runs one) leaves it out of every
mart. The account must no longer be configured: the next run would load it again. It takes the
run lock, so it never writes while a run does.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
from collections.abc import Callable
from functools import partial

from loaders import cli, config, cooldowns
from loaders.pipeline import staging_dataset_layout
from loaders.writer_lock import LockBusy, RunLock
from scripts import database, runlog

log = logging.getLogger("retire")

# dlt's own tables: loads and schema versions are shared by the marketplace's accounts
DLT_SHARED = {"_dlt_loads", "_dlt_version"}
PIPELINE_STATE = "_dlt_pipeline_state"


def raw_tables(db: database.Database, dataset: str) -> dict[str, set[str]]:
    """Every table of the raw dataset with its columns."""
    tables: dict[str, set[str]] = {}
    for table, column in db.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", (dataset,)
    ):
        tables.setdefault(table, set()).add(column)
    return tables


def account_rows(tables: dict[str, set[str]], dataset: str) -> dict[str, str]:
    """Per table, the SQL condition (one `?` per level, each the account's name) that selects the
    account's rows: `account` in a root table, the parent's rows' `_dlt_id` in a child table (dlt
    names it `<parent>__<field>`; the parent is the longest such table name that exists)."""
    conditions = {table: "account = ?" for table, columns in tables.items() if "account" in columns}
    for table in sorted(tables, key=len):  # a parent's name is shorter than its children's
        if table in conditions or "_dlt_parent_id" not in tables[table]:
            continue
        parents = [name for name in conditions if table.startswith(f"{name}__")]
        if parents:
            parent = max(parents, key=len)
            conditions[table] = (
                f'_dlt_parent_id in (select _dlt_id from {dataset}."{parent}" where {conditions[parent]})'
            )
    return conditions


def counted(db: database.Database, dataset: str, conditions: dict[str, str], account: str) -> dict[str, int]:
    counts = {}
    for table, condition in conditions.items():
        (count,) = db.execute(
            f'select count(*) from {dataset}."{table}" where {condition}', (account,) * condition.count("?")
        )[0]
        if count:
            counts[table] = count
    return counts


def known_accounts(db: database.Database, dataset: str, tables: dict[str, set[str]]) -> list[str]:
    names: set[str] = set()
    for table, columns in tables.items():
        if "account" in columns and table not in DLT_SHARED:
            names.update(name for (name,) in db.execute(f'select distinct account from {dataset}."{table}"'))
    return sorted(name for name in names if name)


def configured_accounts(marketplace: str) -> list[str]:
    from loaders.marketplaces import MARKETPLACES  # noqa: PLC0415 - dlt's import, only for this check

    try:
        return [account.name for account in MARKETPLACES[marketplace].accounts()]
    except config.NotConfigured:
        return []


def retire(
    db: database.Database, marketplace: str, dataset: str, account: str, forget_local: Callable[[], None] | None
) -> dict[str, int]:
    """The account's rows per table, deleted in one transaction unless `forget_local` is None (a dry
    run). `forget_local()` (its files) runs first: interrupted after it, the database still holds the
    account, and dlt takes its state from there; interrupted after the database, nothing is left."""
    tables = raw_tables(db, dataset)
    conditions = account_rows(tables, dataset)
    pipeline = f"{marketplace}__{account}"
    rows = counted(db, dataset, conditions, account)
    if not rows:
        others = ", ".join(known_accounts(db, dataset, tables)) or "none"
        raise config.ConfigError(
            f"{marketplace} has no rows of account {account!r} in {dataset} (accounts there: {others})"
        )
    state = f"select count(*) from {dataset}.{PIPELINE_STATE} where pipeline_name = ?"
    if PIPELINE_STATE in tables:
        rows[PIPELINE_STATE] = db.execute(state, (pipeline,))[0][0]
    runlog.ensure_tables(db)
    steps = f"select run_id, step from {runlog.SCHEMA}.run_log where kind = 'load' and marketplace = ? and account = ?"
    rows["run log steps"] = db.execute(f"select count(*) from ({steps}) as steps", (marketplace, account))[0][0]
    if forget_local is None:
        return rows
    forget_local()
    with db.transaction():
        for table in sorted(conditions, key=len, reverse=True):  # children before the parents they select through
            condition = conditions[table]
            db.execute(f'delete from {dataset}."{table}" where {condition}', (account,) * condition.count("?"))
        if PIPELINE_STATE in tables:
            db.execute(f"delete from {dataset}.{PIPELINE_STATE} where pipeline_name = ?", (pipeline,))
        drop_staging(db, staging_dataset_layout(account) % dataset)
        for table in reversed(runlog.TABLES):  # run_log, which selects the steps, last
            db.execute(
                f"delete from {runlog.SCHEMA}.{table} where run_id || '|' || step in "
                f"(select run_id || '|' || step from ({steps}) as steps)",
                (marketplace, account),
            )
    return rows


def drop_staging(db: database.Database, schema: str) -> None:
    """The account's staging tables, and their schema when this role may drop it: on PostgreSQL only its
    owner may, and a DBA may have created it and granted it to the project's role (docs/configuration.md)."""
    tables = db.execute("select table_name from information_schema.tables where table_schema = ?", (schema,))
    for (table,) in tables:
        db.execute(f'drop table if exists {schema}."{table}" cascade')
    owned = "select 1 from pg_namespace where nspname = ? and pg_has_role(nspowner, 'USAGE')"
    if db.target != "postgres" or db.execute(owned, (schema,)):
        db.execute(f"drop schema if exists {schema} cascade")


def forget_local(marketplace: str, account: str) -> None:
    """The account's files: its dlt pipeline folder and its waits in cooldowns.json."""
    shutil.rmtree(config.pipelines_dir() / f"{marketplace}__{account}", ignore_errors=True)
    cooldowns.Cooldowns().forget(marketplace, account)


def main(argv: list[str] | None = None) -> int:
    from loaders.marketplaces import MARKETPLACES  # noqa: PLC0415 - dlt's import costs `--help` 0.6 s

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m scripts.retire", description=__doc__.split("\n\n")[0])
    parser.add_argument("marketplace", choices=sorted(MARKETPLACES))
    parser.add_argument("account", help="the account's name, as in the marts' `account` column")
    parser.add_argument("--dry-run", action="store_true", help="count what would be deleted, delete nothing")
    parser.add_argument("--target", choices=database.TARGETS, help="default: TARGET (environment or .env), else duckdb")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    target = config.target(args.target)
    marketplace, account = args.marketplace, args.account
    if account in configured_accounts(marketplace):
        raise config.ConfigError(
            f"{marketplace} account {account!r} is still configured (the next run would load it again): "
            "remove it from the settings (.env) first"
        )
    if target == "duckdb" and not config.duckdb_path().exists():
        raise config.ConfigError(f"{config.duckdb_path()} does not exist: there is nothing to retire")
    now = runlog.utcnow()
    try:
        with RunLock(f"retire-{now:%Y%m%dT%H%M%S}", now.isoformat()):
            with database.connect(target) as db:
                forget = None if args.dry_run else partial(forget_local, marketplace, account)
                rows = retire(db, marketplace, MARKETPLACES[marketplace].dataset, account, forget)
    except LockBusy as exc:
        log.error("%s", exc)
        return 75
    counts = ", ".join(f"{table} {count:,}" for table, count in rows.items() if count)
    if args.dry_run:
        log.info("%s account %s: would delete %s (dry run: nothing deleted)", marketplace, account, counts)
    else:
        log.info("retired %s account %s: deleted %s, and its dlt state", marketplace, account, counts)
    return 0


if __name__ == "__main__":
    cli.run(main)
