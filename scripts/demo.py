"""`make demo`: the whole job end to end against the local sandbox, on DuckDB.

Starts the sandbox (two seller accounts on Ozon and two on Wildberries, each with 90 days of order
history), loads everything with the real loader CLI into a fresh `data/demo.duckdb`, then, as cron
would, loads stock and orders again once a simulated day for a week and a bit (the marketplaces
keep no stock history, so velocity over in-stock days needs snapshots), runs `dbt build` (models and tests), stops the
sandbox and prints a summary. Exits non-zero when any step or dbt test fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from datetime import timedelta

from loaders import config
from loaders.sandbox import Sandbox, SandboxConfig
from scripts import steps, summary

DEMO_DATABASE = "data/demo.duckdb"
DEMO_PIPELINES = "data/demo_dlt"
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
    "ozon": ("product_list_items", "products", "product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs"),
    "wildberries": ("cards", "orders", "sales", "warehouse_remains", "wb_warehouse_stocks"),
}


def fresh_demo_environment() -> dict[str, str]:
    env = {"DUCKDB_PATH": DEMO_DATABASE, "DLT_PIPELINES_DIR": DEMO_PIPELINES, "MARKETPLACES": ",".join(DAILY_RESOURCES)}
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


def main() -> int:
    env = fresh_demo_environment()
    started = time.monotonic()
    try:
        with Sandbox(DEMO_SELLER) as sandbox:
            print(
                f"sandbox: Ozon API at {sandbox.ozon.base_url}, Wildberries API at {sandbox.wildberries.base_url}, "
                f"accounts {', '.join(ACCOUNT_NAMES)} on each"
            )
            accounts = sandbox_accounts(sandbox)
            for day in range(DAILY_LOADS + 1):
                now = {"LOADER_NOW": sandbox.clock.now().isoformat()}
                print(f"\nload at simulated {now['LOADER_NOW']}", flush=True)
                for marketplace, resources in DAILY_RESOURCES.items():
                    daily = () if day == 0 else ("--resources", *resources)
                    steps.load(marketplace, "duckdb", {**env, **accounts, **now}, *daily)
                if day < DAILY_LOADS:
                    sandbox.clock.advance(timedelta(days=1))
        steps.dbt("build", "duckdb", env)
    except steps.StepFailed as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    summary.main()
    print(f"\ndemo finished in {time.monotonic() - started:.0f}s; the data is in {DEMO_DATABASE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
