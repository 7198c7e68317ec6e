"""`make bench`: how fast and how lean a large seller loads and builds, against the HTTP floor.

For each size (products per account) it starts a sandbox with rate limits off and measures, on the
same data: the floor (a bare loop over every page the Ozon loader reads, through the same HTTP
client, nothing kept), the full load (the loader CLI, every resource), an incremental load after one
simulated hour, a full `dbt build` and a second `dbt build`. Each step runs as its own process, so
its peak memory is its own. Prints a table, writes the figures as JSON under data/bench/ and exits 0:
it reports, it does not judge.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2

from loaders import config
from loaders.sandbox import Sandbox, SandboxConfig
from scripts import steps

BENCH_DIR = Path("data/bench")
BENCH_DATABASE = "elt_bench"


@dataclass
class Figure:
    size: int
    step: str
    seconds: float
    rows: int
    peak_memory_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.bench", description=__doc__)
    parser.add_argument("--products", type=int, nargs="+", default=[2_000, 8_000], help="sizes to measure")
    parser.add_argument("--warehouses", type=int, default=40)
    parser.add_argument("--history-days", type=int, default=14, help="days of orders before the first load")
    parser.add_argument("--destination", choices=("duckdb", "postgres"), default="duckdb")
    return parser.parse_args(argv)


def measure(size: int, step: str, command: list[str], env: dict[str, str], stats_file: Path | None) -> Figure:
    started = time.monotonic()
    finished = steps.run_measured(command, env)
    seconds = time.monotonic() - started
    if finished.returncode != 0:
        raise steps.StepFailed(step, finished.returncode)
    rows = 0
    if stats_file and stats_file.exists():
        rows = sum(sum(result.get("rows", {}).values()) for result in json.loads(stats_file.read_text()))
    return Figure(size, step, seconds, rows, finished.peak_memory_mb)


def fresh_postgres_database() -> None:
    admin = psycopg2.connect(**{**_pg(), "dbname": os.environ.get("PGDATABASE", "postgres")})
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'drop database if exists "{BENCH_DATABASE}" with (force)')
        cursor.execute(f'create database "{BENCH_DATABASE}"')
    admin.close()


def _pg() -> dict:
    creds = config.postgres_credentials()
    return {"host": creds["host"], "port": creds["port"], "user": creds["username"], "password": creds["password"]}


def bench_size(size: int, args: argparse.Namespace, workdir: Path) -> list[Figure]:
    seller = SandboxConfig(
        seed=1, products=size, warehouses=args.warehouses, history_days=args.history_days, rate_limit_rps=None
    )
    env = {
        "DUCKDB_PATH": str(workdir / "bench.duckdb"),
        "DLT_PIPELINES_DIR": str(workdir / "dlt"),
        "DBT_TARGET_PATH": str(workdir / "dbt_target"),
        "DBT_LOG_PATH": str(workdir / "dbt_logs"),
        "MARKETPLACES": "ozon",
        "OZON_REPORT_TIMEOUT_SECONDS": "120",
    }
    if args.destination == "postgres":
        fresh_postgres_database()
        env["PGDATABASE"] = BENCH_DATABASE
    figures = []
    print(f"size {size}: generating the sandbox seller ...", flush=True)
    with Sandbox(seller) as sandbox:
        account = sandbox.ozon.accounts[0]
        env |= {
            "OZON_API_BASE_URL": sandbox.ozon.base_url,
            "OZON_CLIENT_ID": account.client_id,
            "OZON_API_KEY": account.api_key,
            "LOADER_NOW": sandbox.clock.now().isoformat(),
        }
        floor = [sys.executable, "-m", "scripts.bench_floor"]
        figures.append(measure(size, "floor (HTTP only)", floor, env, None))
        figures[-1].rows = int((workdir / "floor_rows").read_text()) if (workdir / "floor_rows").exists() else 0
        stats = workdir / "stats.json"
        load = [*steps.load_command("ozon", args.destination), "--stats-file", str(stats)]
        figures.append(measure(size, "full load", load, env, stats))
        sandbox.clock.advance(timedelta(hours=1))
        env["LOADER_NOW"] = sandbox.clock.now().isoformat()
        incremental = [*load, "--resources", "product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs"]
        figures.append(measure(size, "incremental load (+1 h)", incremental, env, stats))
    build = steps.dbt_command("build", args.destination)
    figures.append(measure(size, "dbt build (full)", build, env, None))
    figures.append(measure(size, "dbt build (again)", build, env, None))
    return figures


def print_table(figures: list[Figure]) -> None:
    print(f"\n{'products':>9}  {'step':<26} {'seconds':>8} {'rows':>10} {'rows/s':>9} {'peak MB':>8}")
    for figure in figures:
        print(
            f"{figure.size:>9}  {figure.step:<26} {figure.seconds:>8.1f} {figure.rows:>10} "
            f"{figure.rows_per_second:>9.0f} {figure.peak_memory_mb:>8.0f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    figures = []
    for size in args.products:
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        os.environ["BENCH_WORKDIR"] = str(workdir)
        try:
            figures += bench_size(size, args, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(figures)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    path = BENCH_DIR / f"bench-{args.destination}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    report = {"destination": args.destination, "warehouses": args.warehouses, "history_days": args.history_days}
    report["figures"] = [{**asdict(figure), "rows_per_second": figure.rows_per_second} for figure in figures]
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\nfigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
