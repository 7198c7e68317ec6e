"""`make bench`: how fast and how lean a large seller loads and builds, against the HTTP floor or,
paced, against the marketplaces' rate limits.

For each size (products per account) and number of accounts (`--accounts`, one by default) it
starts a sandbox with rate limits off and measures, on the same data and per marketplace
(`--marketplaces`, Ozon and Wildberries by default): the floor (a bare loop over every page the
loader reads, through the same HTTP client, nothing kept) and the full load (the loader CLI, every
resource); then a full `dbt build` of every marketplace's models; then, one simulated hour later,
an incremental load in two parts (orders only, and the stock snapshot, which is whole by nature)
and a `dbt build` of the result. Each step runs as its own process, so its peak memory is its own.

`--paced` keeps the sandbox's documented limits (Ozon: 50 requests a second per Client-Id, 20 a
second per posting list; Wildberries: its per-account method and category buckets) and the
loaders' pacing, both scaled by `--time-scale` (2 makes every limit twice as loose); it measures
the loads only (no floor, no dbt build: those are the unpaced mode's), each against its
limit-bound minimum, computed from the requests it made per rate-limit group (bench_limits.py),
and counts their 429 answers. Every bucket is refilled at the simulated hour, as an hour between
runs would.

Prints a table and the ratios the targets speak of, writes the figures as JSON under data/bench/
and exits 0: it reports, it does not judge.
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

from devtools import bench_limits, demo
from devtools.bench_limits import GroupUse
from loaders import config
from sandbox import Sandbox, SandboxConfig
from sandbox.server import MarketplaceApi
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
DBT_FULL, DBT_AFTER_INCREMENTAL = "dbt build (full)", "dbt build after the incremental load"
BOTH_PARTS = "incr. load (both parts)"
# Unpaced, the loaders' pacing is divided away: without it they (and the floor) still pace
# themselves to the real limits (WB: one statistics request a minute; Ozon: 16 posting pages a second).
UNPACED_SCALE = 100_000


@dataclass
class Figure:
    size: int
    marketplace: str
    step: str
    seconds: float
    rows: int
    peak_memory_mb: float
    accounts: int = 1
    # Paced runs: the requests of a load per rate-limit group; None unpaced and for dbt.
    limit_groups: tuple[GroupUse, ...] | None = None

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def report(self) -> dict:
        """The figure as data/bench/*.json holds it."""
        report = {**asdict(self), "rows_per_second": self.rows_per_second}
        if self.limit_groups is not None:
            longest = bench_limits.binding(self.limit_groups)
            report["limit_bound_seconds"] = bench_limits.limit_bound_seconds(self.limit_groups)
            report["limit_bound_group"] = longest.group if longest else None
            report["throttled_429"] = bench_limits.throttled(self.limit_groups)
        return report


def positive_whole_number(text: str) -> int:
    """An argparse type: a size or count of 1 or more (a -5 products was a ValueError's traceback)."""
    if not (config.is_digits(text) and int(text) > 0):
        raise argparse.ArgumentTypeError(f"must be a whole number above 0, not {text!r}")
    return int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.bench", description=__doc__)
    parser.add_argument(
        "--products", type=positive_whole_number, nargs="+", default=[2_000, 8_000], help="sizes to measure"
    )
    parser.add_argument("--warehouses", type=positive_whole_number, default=40)
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
    parser.add_argument(
        "--accounts", type=positive_whole_number, nargs="+", default=[1], help="accounts per marketplace to measure"
    )
    parser.add_argument(
        "--paced", action="store_true", help="the sandbox's limits and the loaders' pacing on, measured against them"
    )
    parser.add_argument(
        "--time-scale",
        type=float,
        default=1.0,
        help="paced: multiplies every rate limit and the loaders' pacing (60: a limit of one a minute is one a second)",
    )
    args = parser.parse_args(argv)
    if args.time_scale <= 0:
        parser.error("--time-scale must be > 0")
    return args


def incremental_step(part: str) -> str:
    return f"incr. load: {part} (+1 h)"


def measure(
    size: int,
    marketplace: str,
    step: str,
    command: list[str],
    env: dict[str, str],
    stats_file: Path | None,
    limits: MarketplaceApi | None = None,
) -> Figure:
    """Run one step; with `limits` (paced), note the requests it drew on each of their groups."""
    if stats_file:
        stats_file.unlink(missing_ok=True)
    before = limits.rate_limit_groups() if limits is not None else []
    started = time.monotonic()
    finished = steps.run_measured(command, env)
    returncode, peak_memory_mb = finished.returncode, finished.peak_memory_mb
    seconds = time.monotonic() - started
    if returncode != 0:
        raise steps.StepFailed(f"{marketplace}: {step}", returncode)
    rows = 0
    if stats_file and stats_file.exists():
        rows = sum(sum(result.get("rows", {}).values()) for result in json.loads(stats_file.read_text()))
    figure = Figure(size, marketplace, step, seconds, rows, peak_memory_mb)
    if limits is not None:
        figure.limit_groups = bench_limits.uses_between(before, limits.rate_limit_groups())
    return figure


def fresh_postgres_database() -> None:
    admin = psycopg2.connect(**config.postgres_settings())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'drop database if exists "{BENCH_DATABASE}" with (force)')
        cursor.execute(f'create database "{BENCH_DATABASE}"')
    admin.close()


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    """Every sandbox account of both marketplaces, named seller1, seller2, ..."""
    names = [f"seller{number}" for number in range(1, len(sandbox.ozon.accounts) + 1)]
    env = {
        "OZON_ACCOUNTS": ",".join(names),
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "WB_ACCOUNTS": ",".join(names),
        "WB_API_BASE_URL": sandbox.wildberries.base_url,
        "LOADER_NOW": sandbox.clock.now().isoformat(),
    }
    for name, ozon, wildberries in zip(names, sandbox.ozon.accounts, sandbox.wildberries.accounts, strict=True):
        env[f"OZON_{name.upper()}_CLIENT_ID"] = ozon.client_id
        env[f"OZON_{name.upper()}_API_KEY"] = ozon.api_key
        env[f"WB_{name.upper()}_API_TOKEN"] = wildberries.token
    return env


def bench_size(size: int, accounts: int, args: argparse.Namespace, workdir: Path) -> list[Figure]:
    seller = SandboxConfig(
        seed=1,
        products=size,
        accounts=accounts,
        warehouses=args.warehouses,
        history_days=args.history_days,
        demand_scale=args.demand_scale,
        rate_limit_rps=SandboxConfig.rate_limit_rps if args.paced else None,
        rate_limit_scale=args.time_scale if args.paced else 1.0,
    )
    pacing_scale = str(args.time_scale if args.paced else UNPACED_SCALE)
    env = {
        "DUCKDB_PATH": str(workdir / "bench.duckdb"),
        "DLT_PIPELINES_DIR": str(workdir / "dlt"),
        "DBT_TARGET_PATH": str(workdir / "dbt_target"),
        "DBT_LOG_PATH": str(workdir / "dbt_logs"),
        "MARKETPLACES": ",".join(args.marketplaces),
        "OZON_REPORT_TIMEOUT_SECONDS": "120",
        "WB_REPORT_TIMEOUT_SECONDS": "120",
        "WB_RATE_LIMIT_SCALE": pacing_scale,
        "OZON_RATE_LIMIT_SCALE": pacing_scale,
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
    label = f"size {size}, {accounts} account{'s' if accounts > 1 else ''}"
    print(f"{label}: generating the sandbox seller ...", flush=True)
    with Sandbox(seller) as sandbox:
        started = time.monotonic()
        sandbox.prepare()  # the history up to now, before the floor reads it
        print(f"{label}: seller generated in {time.monotonic() - started:.1f}s", flush=True)
        env |= sandbox_env(sandbox)
        apis = {"ozon": sandbox.ozon, "wildberries": sandbox.wildberries}
        limits = {marketplace: apis[marketplace] if args.paced else None for marketplace in args.marketplaces}
        for marketplace in args.marketplaces:
            if not args.paced:
                floor_rows.unlink(missing_ok=True)
                floor = [sys.executable, "-m", "devtools.bench_floor", marketplace]
                figures.append(measure(size, marketplace, FLOOR, floor, env, None))
                figures[-1].rows = int(floor_rows.read_text()) if floor_rows.exists() else 0
            load = [*steps.load_command(marketplace, args.destination), "--stats-file", str(stats)]
            figures.append(measure(size, marketplace, FULL_LOAD, load, env, stats, limits[marketplace]))
        if not args.paced:
            figures.append(measure(size, ALL, DBT_FULL, build, env, None))
        sandbox.clock.advance(timedelta(hours=1))
        env["LOADER_NOW"] = sandbox.clock.now().isoformat()
        for marketplace in args.marketplaces:
            apis[marketplace].refill_rate_limits()  # the hour between the runs
            for part, resources in INCREMENTAL[marketplace].items():
                load = [*steps.load_command(marketplace, args.destination), "--stats-file", str(stats)]
                command = [*load, "--resources", *resources]
                step = incremental_step(part)
                figures.append(measure(size, marketplace, step, command, env, stats, limits[marketplace]))
    if not args.paced:
        figures.append(measure(size, ALL, DBT_AFTER_INCREMENTAL, build, env, None))
        if args.destination == "duckdb":  # the server reads the published snapshot
            latency.print_figures(latency.measure(Path(env["DUCKDB_PATH"])))
    for figure in figures:
        figure.accounts = accounts
    return figures


def ratios(figures: list[Figure]) -> list[dict]:
    """The ratios of every run (one size and number of accounts), see `run_ratios`."""
    found = []
    for size, accounts in dict.fromkeys((figure.size, figure.accounts) for figure in figures):
        run = {(f.marketplace, f.step): f for f in figures if (f.size, f.accounts) == (size, accounts)}
        for marketplace, ratio, value in run_ratios(run):
            found.append(
                {"size": size, "accounts": accounts, "marketplace": marketplace, "ratio": ratio, "value": value}
            )
    return found


def run_ratios(run: dict[tuple[str, str], Figure]) -> list[tuple[str, str, float]]:
    """(marketplace, ratio, value) per marketplace: full load / floor and incremental load / full
    load, and, paced, each load / its limit-bound minimum; and the dbt build after the incremental
    load / the full dbt build."""
    seconds = {key: figure.seconds for key, figure in run.items()}
    found = []
    for marketplace in dict.fromkeys(marketplace for marketplace, _ in run if marketplace != ALL):
        full, floor = seconds.get((marketplace, FULL_LOAD)), seconds.get((marketplace, FLOOR))
        parts = {part: seconds.get((marketplace, incremental_step(part))) for part in INCREMENTAL[marketplace]}
        if full and floor:
            found.append((marketplace, "full load / floor", full / floor))
        for part, value in parts.items():
            if full and value:
                found.append((marketplace, f"incr. {part} / full load", value / full))
        if full and all(parts.values()):
            found.append((marketplace, f"{BOTH_PARTS} / full load", sum(parts.values()) / full))
        for step, (wall, bound) in limit_bounds(run, marketplace).items():
            if bound:
                found.append((marketplace, f"{step} / limit-bound minimum", wall / bound))
    full, after = seconds.get((ALL, DBT_FULL)), seconds.get((ALL, DBT_AFTER_INCREMENTAL))
    if full and after:
        found.append((ALL, "dbt build after incr. / full", after / full))
    return found


def limit_bounds(run: dict[tuple[str, str], Figure], marketplace: str) -> dict[str, tuple[float, float]]:
    """(wall seconds, limit-bound minimum) of a paced run's loads of `marketplace`: the full load,
    each incremental part, and both parts as one load (one minimum over both parts' requests)."""
    loads = {FULL_LOAD: FULL_LOAD} | {f"incr. {part}": incremental_step(part) for part in INCREMENTAL[marketplace]}
    paced = {name: run.get((marketplace, step)) for name, step in loads.items()}
    paced = {name: figure for name, figure in paced.items() if figure and figure.limit_groups is not None}
    found = {name: (f.seconds, bench_limits.limit_bound_seconds(f.limit_groups)) for name, f in paced.items()}
    parts = [figure for name, figure in paced.items() if name != FULL_LOAD]
    if len(parts) == len(INCREMENTAL[marketplace]):
        uses = bench_limits.combined(*(part.limit_groups for part in parts))
        found[BOTH_PARTS] = (sum(part.seconds for part in parts), bench_limits.limit_bound_seconds(uses))
    return found


def print_table(figures: list[Figure]) -> None:
    paced = any(figure.limit_groups is not None for figure in figures)
    limits_header = f" {'bound s':>8} {'429s':>5}  binding group" if paced else ""
    print(
        f"\n{'products':>9} {'acc':>3}  {'marketplace':<12} {'step':<32} {'seconds':>8} {'rows':>10} {'rows/s':>9} "
        f"{'peak MB':>8}{limits_header}"
    )
    for figure in figures:
        limits = ""
        if figure.limit_groups is not None:
            longest = bench_limits.binding(figure.limit_groups)
            limits = (
                f" {bench_limits.limit_bound_seconds(figure.limit_groups):>8.1f}"
                f" {bench_limits.throttled(figure.limit_groups):>5}"
                f"  {f'{longest.group} ({longest.requests} requests)' if longest else '-'}"
            )
        print(
            f"{figure.size:>9} {figure.accounts:>3}  {figure.marketplace:<12} {figure.step:<32} {figure.seconds:>8.1f} "
            f"{figure.rows:>10} {figure.rows_per_second:>9.0f} {figure.peak_memory_mb:>8.0f}{limits}"
        )
    print(f"\n{'products':>9} {'acc':>3}  {'marketplace':<12} {'ratio':<52} {'value':>6}")
    for ratio in ratios(figures):
        print(
            f"{ratio['size']:>9} {ratio['accounts']:>3}  {ratio['marketplace']:<12} {ratio['ratio']:<52} "
            f"{ratio['value']:>6.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # the sandbox's accounts only: the user's (environment or .env) would be loaded beside them, or
    # clash with them (single-account variables beside OZON_ACCOUNTS stop the loader)
    for name in [name for name in os.environ if name.startswith(demo.USER_SETTINGS)]:
        del os.environ[name]
    os.environ["ENV_FILE"] = os.devnull
    figures = []
    for size in args.products:
        for accounts in args.accounts:
            workdir = Path(tempfile.mkdtemp(prefix="bench-"))
            os.environ["BENCH_WORKDIR"] = str(workdir)
            try:
                figures += bench_size(size, accounts, args, workdir)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    print_table(figures)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    mode = f"paced{args.time_scale:g}-" if args.paced else ""
    path = BENCH_DIR / f"bench-{mode}{args.destination}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    report = {
        "destination": args.destination,
        "marketplaces": args.marketplaces,
        "products": args.products,
        "accounts": args.accounts,
        "paced": args.paced,
        "time_scale": args.time_scale if args.paced else None,
        "warehouses": args.warehouses,
        "history_days": args.history_days,
        "demand_scale": args.demand_scale,
        "cpus": os.cpu_count(),
    }
    report["figures"] = [figure.report() for figure in figures]
    report["ratios"] = ratios(figures)
    path.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"\nfigures written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
