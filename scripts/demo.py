"""`make demo`: the whole job end to end against the local sandbox, on DuckDB.

Starts the sandbox, loads Ozon catalogue and stock with the real loader CLI into a
fresh `data/demo.duckdb`, runs `dbt build` (models and tests), stops the sandbox
and prints a summary. Exits non-zero when any step or dbt test fails.
"""

from __future__ import annotations

import os
import shutil
import sys
import time

from loaders import config
from loaders.sandbox import Sandbox, SandboxConfig
from scripts import steps, summary

DEMO_DATABASE = "data/demo.duckdb"
DEMO_PIPELINES = "data/demo_dlt"
DEMO_SELLER = SandboxConfig(seed=42, products=600, warehouses=24, archived_share=0.1)


def fresh_demo_environment() -> dict[str, str]:
    env = {"DUCKDB_PATH": DEMO_DATABASE, "DLT_PIPELINES_DIR": DEMO_PIPELINES}
    os.environ.update(env)
    config.duckdb_path().unlink(missing_ok=True)
    shutil.rmtree(config.pipelines_dir(), ignore_errors=True)
    return env


def main() -> int:
    env = fresh_demo_environment()
    started = time.monotonic()
    try:
        with Sandbox(DEMO_SELLER) as sandbox:
            account = sandbox.ozon.accounts[0]
            print(f"sandbox: Ozon API at {sandbox.ozon.base_url}, Client-Id {account.client_id}")
            ozon_env = {
                "OZON_API_BASE_URL": sandbox.ozon.base_url,
                "OZON_CLIENT_ID": account.client_id,
                "OZON_API_KEY": account.api_key,
            }
            steps.load("ozon", "duckdb", {**env, **ozon_env})
        steps.dbt("build", "duckdb", env)
    except steps.StepFailed as exc:
        print(f"demo failed: {exc}", file=sys.stderr)
        return 1
    summary.main()
    print(f"\ndemo finished in {time.monotonic() - started:.0f}s; the data is in {DEMO_DATABASE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
