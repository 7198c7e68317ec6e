"""`make bench`: how fast and how lean a large seller loads and builds, against the HTTP floor.

For each size (products per account) it starts a sandbox with rate limits off and measures, on the
same data and per marketplace (`--marketplaces`, Ozon and Wildberries by default): the floor (a bare
loop over every page the loader reads, through the same HTTP client, nothing kept) and the full load
(the loader CLI, every resource); then a full `dbt build` of every marketplace's models; then, one
simulated hour later, an incremental load in two parts (orders only, and the stock snapshot, which is
whole by nature) and a `dbt build` of the result. Each step runs as its own process, so its peak
memory is its own. Prints a table and the ratios the targets speak of, writes the figures as JSON
under data/bench/ and exits 0: it reports, it does not judge.
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
from sandbox import Sandbox, SandboxConfig
from scripts import steps
from serving import latency

BENCH_DIR = Path("data/bench")
BENCH_DATABASE = "elt_bench"


# Resources of the incremental load per marketplace: the orders read since the last run, and the
# stock, a full snapshot on every run.
INCREMENTAL = {
    "ozon": {
        "orders": ("postings_fbo", "postings_fbs"),
        "stock snapshot": ("product_stocks", "analytics_stocks"),
    },
    "wildberries": {
        "orders": ("orders", "sales"),
        "stock snapshot": ("warehouse_remains", "wb_warehouse_stocks"),
    },
}
MARKETPLACE_NAMES = tuple(INCREMENTAL)
ALL = "all"  # the marketplace column of the dbt steps, which build every marketplace's models
FLOOR, FULL_LOAD = "floor (HTTP only)", "full load"
DBT_FULL, DBT_AFTER_INCREMENTAL = "dbt build (full)", "incremental dbt build"


@dataclass
class Figure:
    size: int
    marketplace: str
    step: str
    seconds: float
    rows: int
    peak_memory_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument("--products", type=int, nargs="+", default=[2_000, 8_000], help="sizes to measure")
    parser.add_argument("--warehouses", type=int, default=40)
    parser.add_argument("--history-days", type=int, default=14, help="days of orders before the first load")
    parser.add_argument(
        "--demand-scale",
        type=float,
        default=1.0,
        help="multiplies every product's orders a day (0.125: the brief's ~2 million order lines at 100,000 x 365)",
    )
    parser.add_argument("--destination", choices=("duckdb", "postgres"), default="duckdb")
    parser.add_argument(
        "--marketplaces", nargs="+", choices=MARKETPLACE_NAMES, default=list(MARKETPLACE_NAMES), help="what to load"
    )
    return parser.parse_args(argv)


def incremental_step(part: str) -> str:
    return f"incr. load: {part} (+1 h)"


def measure(
    size: int, marketplace: str, step: str, command: list[str], env: dict[str, str], stats_file: Path | None
) -> Figure:
    if stats_file:
        stats_file.unlink(missing_ok=True)
    started = time.monotonic()
    finished = steps.run_measured(command, env)
    returncode, peak_memory_mb = finished.returncode, finished.peak_memory_mb
    seconds = time.monotonic() - started
    if returncode != 0:
        raise steps.StepFailed(f"{marketplace}: {step}", returncode)
    rows = 0
    if stats_file and stats_file.exists():
        rows = sum(sum(result.get("rows", {}).values()) for result in json.loads(stats_file.read_text()))
    return Figure(size, marketplace, step, seconds, rows, peak_memory_mb)


def fresh_postgres_database() -> None:
    admin = psycopg2.connect(**config.postgres_settings())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'drop database if exists "{BENCH_DATABASE}" with (force)')
        cursor.execute(f'create database "{BENCH_DATABASE}"')
    admin.close()


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    ozon, wildberries = sandbox.ozon.accounts[0], sandbox.wildberries.accounts[0]
    return {
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "OZON_CLIENT_ID": ozon.client_id,
        "OZON_API_KEY": ozon.api_key,
        "WB_API_BASE_URL": sandbox.wildberries.base_url,
        "WB_API_TOKEN": wildberries.token,
        "LOADER_NOW": sandbox.clock.now().isoformat(),
    }


def bench_size(size: int, args: argparse.Namespace, workdir: Path) -> list[Figure]:
    seller = SandboxConfig(
        seed=1,
        products=size,
        warehouses=args.warehouses,
        history_days=args.history_days,
        demand_scale=args.demand_scale,
        rate_limit_rps=None,
    )
    env = {
        "DUCKDB_PATH": str(workdir / "bench.duckdb"),
        "DLT_PIPELINES_DIR": str(workdir / "dlt"),
        "DBT_TARGET_PATH": str(workdir / "dbt_target"),
        "DBT_LOG_PATH": str(workdir / "dbt_logs"),
        "MARKETPLACES": ",".join(args.marketplaces),
        "OZON_REPORT_TIMEOUT_SECONDS": "120",
        "WB_REPORT_TIMEOUT_SECONDS": "120",
        # The sandbox's limits are off; without these the loaders (and the floor) still pace
        # themselves to the real limits (WB: one statistics request a minute; Ozon: 16 posting
        # pages a second).
        "WB_RATE_LIMIT_SCALE": "100000",
        "OZON_RATE_LIMIT_SCALE": "100000",
        # The first load reads the whole history (by default it reads 90 days; WB keeps no more).
        "OZON_ORDERS_INITIAL_DAYS": str(min(max(args.history_days, 1), 365)),
        "WB_ORDERS_INITIAL_DAYS": str(min(max(args.history_days, 1), 90)),
    }
    if args.destination == "postgres":
        fresh_postgres_database()
        env["PGDATABASE"] = BENCH_DATABASE
    figures = []
    stats = workdir / "stats.json"
    floor_rows = workdir / "floor_rows"
    build = steps.dbt_command("build", args.destination, *steps.SCHEDULED_BUILD)  # what a scheduled run builds
    print(f"size {size}: generating the sandbox seller ...", flush=True)
    with Sandbox(seller) as sandbox:
        started = time.monotonic()
        sandbox.prepare()  # the history up to now, before the floor reads it
        print(f"size {size}: seller generated in {time.monotonic() - started:.1f}s", flush=True)
        env |= sandbox_env(sandbox)
        for marketplace in args.marketplaces:
            floor_rows.unlink(missing_ok=True)
            floor = [sys.executable, "-m", "devtools.bench_floor", marketplace]
            figures.append(measure(size, marketplace, FLOOR, floor, env, None))
            figures[-1].rows = int(floor_rows.read_text()) if floor_rows.exists() else 0
            load = [*steps.load_command(marketplace, args.destination), "--stats-file", str(stats)]
            figures.append(measure(size, marketplace, FULL_LOAD, load, env, stats))
        figures.append(measure(size, ALL, DBT_FULL, build, env, None))
        sandbox.clock.advance(timedelta(hours=1))
        env["LOADER_NOW"] = sandbox.clock.now().isoformat()
        for marketplace in args.marketplaces:
            for part, resources in INCREMENTAL[marketplace].items():
                load = [*steps.load_command(marketplace, args.destination), "--stats-file", str(stats)]
                command = [*load, "--resources", *resources]
                figures.append(measure(size, marketplace, incremental_step(part), command, env, stats))
    figures.append(measure(size, ALL, DBT_AFTER_INCREMENTAL, build, env, None))
    if args.destination == "duckdb":  # the server reads the published snapshot
        latency.print_figures(latency.measure(Path(env["DUCKDB_PATH"])))
    return figures


def ratios(figures: list[Figure]) -> list[dict]:
    """Per size and marketplace: full load / floor and incremental load / full load; per size: the
    dbt build after the incremental load / the full dbt build, and the peak memory of the loads."""
    found = []
    for size in dict.fromkeys(figure.size for figure in figures):
        seconds = {(f.marketplace, f.step): f.seconds for f in figures if f.size == size}
        for marketplace in dict.fromkeys(f.marketplace for f in figures if f.size == size and f.marketplace != ALL):
            full, floor = seconds.get((marketplace, FULL_LOAD)), seconds.get((marketplace, FLOOR))
            parts = {part: seconds.get((marketplace, incremental_step(part))) for part in INCREMENTAL[marketplace]}
            if full and floor:
                found.append(
                    {"size": size, "marketplace": marketplace, "ratio": "full load / floor", "value": full / floor}
                )
            for part, value in parts.items():
                if full and value:
                    ratio = f"incr. {part} / full load"
                    found.append({"size": size, "marketplace": marketplace, "ratio": ratio, "value": value / full})
            if full and all(parts.values()):
                ratio = "incr. load (both parts) / full load"
                found.append(
                    {"size": size, "marketplace": marketplace, "ratio": ratio, "value": sum(parts.values()) / full}
                )
        full, after = seconds.get((ALL, DBT_FULL)), seconds.get((ALL, DBT_AFTER_INCREMENTAL))
        if full and after:
            found.append(
                {"size": size, "marketplace": ALL, "ratio": "dbt build after incr. / full", "value": after / full}
            )
    return found


def print_table(figures: list[Figure]) -> None:
    print(
        f"\n{'products':>9}  {'marketplace':<12} {'step':<32} {'seconds':>8} {'rows':>10} {'rows/s':>9} {'peak MB':>8}"
    )
    for figure in figures:
        print(
            f"{figure.size:>9}  {figure.marketplace:<12} {figure.step:<32} {figure.seconds:>8.1f} {figure.rows:>10} "
            f"{figure.rows_per_second:>9.0f} {figure.peak_memory_mb:>8.0f}"
        )
    print(f"\n{'products':>9}  {'marketplace':<12} {'ratio':<40} {'value':>6}")
    for ratio in ratios(figures):
        print(f"{ratio['size']:>9}  {ratio['marketplace']:<12} {ratio['ratio']:<40} {ratio['value']:>6.2f}")


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
    report = {
        "destination": args.destination,
        "marketplaces": args.marketplaces,
        "products": args.products,
        "warehouses": args.warehouses,
        "history_days": args.history_days,
        "demand_scale": args.demand_scale,
        "cpus": os.cpu_count(),
    }
    report["figures"] = [{**asdict(figure), "rows_per_second": figure.rows_per_second} for figure in figures]
    report["ratios"] = ratios(figures)
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\nfigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
