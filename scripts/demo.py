"""`make demo`: the whole job end to end against the local sandbox, on DuckDB.

Starts the sandbox (two seller accounts on Ozon and two on Wildberries, each with 90 days of order
history), loads everything with the real loader CLI into a fresh `data/demo.duckdb`, then, as cron
would, loads stock and orders again once a simulated day for a week and a bit (the marketplaces
keep no stock history, so velocity over in-stock days needs snapshots), runs `dbt build` (models and tests), stops the
sandbox and prints a summary. Exits non-zero when any step or dbt test fails.

`--faults` (`make demo-faults`, into data/demo_faults.duckdb) switches every data fault of the
sandbox on along the way: malformed, duplicated and drifting rows in the order feeds, stock reports
with a broken row, truncated or in the wrong format, a frozen stock feed and a 40 % stock drop at
one warehouse. Their loads fail as the loaders refuse what they cannot store; the rest goes on, the
marts build, the summary lists the data quality issues and anomalies, and `make reconcile`'s check
runs: the demo exits non-zero when it does not add up.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import timedelta

from loaders import config
from loaders.sandbox import Sandbox, SandboxConfig
from loaders.sandbox.ozon import PRODUCT_STOCKS
from loaders.sandbox.wildberries import REMAINS_CREATE
from scripts import reconcile, steps, summary

DEMO_DATABASE = "data/demo.duckdb"
DEMO_PIPELINES = "data/demo_dlt"
FAULTS_DATABASE = "data/demo_faults.duckdb"
FAULTS_PIPELINES = "data/demo_faults_dlt"
# Limits 60 times looser than the marketplaces' (Wildberries statistics: one request a second, not
# a minute), so that nine loads of two accounts take seconds; the loaders pace themselves to match.
RATE_LIMIT_SCALE = 60
DEMO_SELLER = SandboxConfig(
    seed=42,
    products=400,
    warehouses=20,
    archived_share=0.1,
    accounts=2,
    history_days=90,
    rate_limit_scale=RATE_LIMIT_SCALE,
)
ACCOUNT_NAMES = ("shop", "outlet")
DAILY_LOADS = 8
DAILY_RESOURCES = {
    # The catalogue too, as cron runs it daily: products archived since are flagged, and the stock
    # written off with them is not an anomaly.
    "ozon": (
        "product_list_items",
        "products",
        "product_stocks",
        "analytics_stocks",
        "warehouse_stock_report",
        "postings_fbo",
        "postings_fbs",
    ),
    "wildberries": ("cards", "cards_trash", "orders", "sales", "warehouse_remains", "wb_warehouse_stocks"),
}


def fresh_demo_environment(database: str, pipelines: str) -> dict[str, str]:
    env = {"DUCKDB_PATH": database, "DLT_PIPELINES_DIR": pipelines, "MARKETPLACES": ",".join(DAILY_RESOURCES)}
    os.environ.update(env)
    config.duckdb_path().unlink(missing_ok=True)
    shutil.rmtree(config.pipelines_dir(), ignore_errors=True)
    return env


def sandbox_accounts(sandbox: Sandbox) -> dict[str, str]:
    env = {
        "OZON_ACCOUNTS": ",".join(ACCOUNT_NAMES),
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "WB_ACCOUNTS": ",".join(ACCOUNT_NAMES),
        "WB_API_BASE_URL": sandbox.wildberries.base_url,
        "WB_RATE_LIMIT_SCALE": str(RATE_LIMIT_SCALE),
    }
    for name, account in zip(ACCOUNT_NAMES, sandbox.ozon.accounts, strict=True):
        env[f"OZON_{name.upper()}_CLIENT_ID"] = account.client_id
        env[f"OZON_{name.upper()}_API_KEY"] = account.api_key
    for name, account in zip(ACCOUNT_NAMES, sandbox.wildberries.accounts, strict=True):
        env[f"WB_{name.upper()}_API_TOKEN"] = account.token
    return env


def inject_feed_faults(sandbox: Sandbox) -> str:
    """Every data fault of the order feeds once per list, and a stock report with a broken row (Ozon)
    or malformed (Wildberries) for every account. A feed takes one fault per page, in this order:
    the malformed row first, so that even a single page gets it (a repeated page needs a page before
    it; Wildberries serves short statistics pages for that)."""
    accounts = len(sandbox.ozon.accounts)
    for fault in ("malformed_row", "duplicate_across_pages", "new_field", "missing_field"):
        sandbox.ozon.postings.inject(fault)
    sandbox.ozon.reports.inject("broken_row", times=accounts)
    sandbox.wildberries.statistics_page_rows = 50
    for fault in ("malformed_row", "duplicate_rows", "new_field", "missing_field"):
        sandbox.wildberries.faults.inject(fault)
    sandbox.wildberries.faults.inject("report_malformed", times=accounts)
    return "malformed, duplicated, new and missing fields in the order feeds; stock reports with a bad row"


def inject_broken_reports(sandbox: Sandbox) -> str:
    sandbox.ozon.reports.inject("truncated")
    sandbox.ozon.reports.inject("wrong_delimiter")
    sandbox.wildberries.faults.inject("report_truncated", times=len(sandbox.wildberries.accounts))
    return "stock reports truncated or with the wrong delimiter"


def freeze_first_account(sandbox: Sandbox) -> str:
    sandbox.ozon.freeze_feed(PRODUCT_STOCKS, sandbox.ozon.accounts[0].client_id)
    sandbox.wildberries.freeze_feed(REMAINS_CREATE, sandbox.wildberries.accounts[0].token)
    return f"stock feeds of account {ACCOUNT_NAMES[0]} frozen (Ozon {PRODUCT_STOCKS}, Wildberries warehouse_remains)"


def drop_stock_at_one_warehouse(sandbox: Sandbox) -> str:
    client_id = sandbox.ozon.accounts[0].client_id
    by_warehouse = sandbox.ozon.truth(client_id).fbo_available_by_warehouse()
    warehouse = max(by_warehouse, key=by_warehouse.get)
    sandbox.ozon.stock_drop(warehouse, share=0.4, client_id=client_id)
    return f"40 % of the available units gone from Ozon warehouse {warehouse} of account {ACCOUNT_NAMES[0]}"


# Injected just before the daily load of that number; the loads of the report faults fail.
FAULT_PLAN: dict[int, Callable[[Sandbox], str]] = {
    2: inject_feed_faults,
    3: inject_broken_reports,
    4: freeze_first_account,
    7: drop_stock_at_one_warehouse,
}
FAILING_LOADS = (2, 3)


def load_daily(sandbox: Sandbox, env: dict[str, str], faults: bool) -> None:
    accounts = sandbox_accounts(sandbox)
    for day in range(DAILY_LOADS + 1):
        now = {"LOADER_NOW": sandbox.clock.now().isoformat()}
        print(f"\nload at simulated {now['LOADER_NOW']}", flush=True)
        if faults and day in FAULT_PLAN:
            print(f"faults injected: {FAULT_PLAN[day](sandbox)}", flush=True)
        for marketplace, resources in DAILY_RESOURCES.items():
            daily = () if day == 0 else ("--resources", *resources)
            try:
                steps.load(marketplace, "duckdb", {**env, **accounts, **now}, *daily)
            except steps.StepFailed as exc:
                if not (faults and day in FAILING_LOADS):
                    raise
                print(f"as expected, the {marketplace} load refused the injected faults: {exc}", flush=True)
        if day < DAILY_LOADS:
            sandbox.clock.advance(timedelta(days=1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", action="store_true", help="switch every data fault of the sandbox on")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    database = FAULTS_DATABASE if args.faults else DEMO_DATABASE
    env = fresh_demo_environment(database, FAULTS_PIPELINES if args.faults else DEMO_PIPELINES)
    started = time.monotonic()
    try:
        with Sandbox(DEMO_SELLER) as sandbox:
            print(
                f"sandbox: Ozon API at {sandbox.ozon.base_url}, Wildberries API at {sandbox.wildberries.base_url}, "
                f"accounts {', '.join(ACCOUNT_NAMES)} on each"
            )
            load_daily(sandbox, env, args.faults)
        steps.dbt("build", "duckdb", env)
    except steps.StepFailed as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    summary.main()
    status = 0
    if args.faults:
        print("\nreconcile (raw = mart + excluded rows):")
        status = reconcile.main(["--target", "duckdb"])
    print(f"\ndemo finished in {time.monotonic() - started:.0f}s; the data is in {database}")
    return status


if __name__ == "__main__":
    sys.exit(main())
