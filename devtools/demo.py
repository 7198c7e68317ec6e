"""`make demo`: the production runner (`make run`'s scripts/run.py) against the local sandbox.

Starts the sandbox (two seller accounts on Ozon and two on Wildberries, each with 90 days of order
history) and points the runner at it: a first run loads the catalogue and the stock of every
account; as the simulated days go by, runs load new stock snapshots (the marketplaces keep no stock
history, so velocity over in-stock days needs them); the last run loads every group, the orders'
90 days included, and runs `dbt build`. Each run has its run log, lock, quality checks and alerts,
as in production. Then the summary, and the commands to try next. The runners' output (dlt, dbt) goes to a log file; the
screen gets one line per run.

The database is the one every command uses: DUCKDB_PATH, by default data/warehouse.duckdb. The demo
writes it only when it does not exist or holds nothing but an earlier demo (no run since); otherwise
it stops and says so. Into a database of its own (DUCKDB_PATH not the default) its dlt state, run
lock and cool-downs go beside it, in `<database>.state/`, unless DLT_PIPELINES_DIR is set for it (not
by `.env`, which holds your own settings): they never touch those of your runs. Alert channels and
accounts of your settings are not used by the demo.

`--faults` (`make demo-faults`) switches every data fault of the sandbox on along the way, one run a
simulated day: malformed, duplicated and drifting rows in the order feeds, stock reports with a
broken row, truncated or in the wrong format, a frozen stock feed and a 40 % stock drop at one
warehouse. Those runs fail as the loaders refuse what they cannot store; the rest goes on, the marts
build, the summary lists the data quality issues and anomalies, and `make reconcile`'s check runs:
the demo exits non-zero when it does not add up.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from loaders import cli, config
from loaders.writer_lock import LockBusy, RunLock, lock_path, recorded_holder
from sandbox import Sandbox, SandboxConfig
from sandbox.ozon import PRODUCT_STOCKS
from sandbox.ozon_postings import FBO_LIST
from sandbox.wildberries import REMAINS_CREATE
from scripts import database, ops_config, reconcile, runlog, steps, summary

# Limits 600 times looser than the marketplaces' (Wildberries statistics: ten requests a second,
# not one a minute), so that a run takes seconds; the loaders pace themselves to match.
RATE_LIMIT_SCALE = 600
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
MARKETPLACE_NAMES = ("ozon", "wildberries")
# Settings of the user's own that must not reach the demo's runs: real accounts, real alert channels.
USER_SETTINGS = ("OZON_", "WB_", "ALERT_")
EXIT_REFUSED = 2
EXIT_BUSY = database.EXIT_BUSY  # another run holds the demo's run lock


@dataclass(frozen=True)
class Schedule:
    days: tuple[int, ...]  # the simulated days with a run; the last one loads every group and builds
    first: tuple[str, ...]  # the groups the first run loads (none named: every group)
    between: tuple[str, ...]  # the groups the runs in between load

    def run_arguments(self, index: int) -> tuple[str, ...]:
        if index == len(self.days) - 1:
            return ()
        return (*(self.between if index else self.first), "--no-transform")


# A stock snapshot every other day for eight days (the marts carry the last known stock over the
# day between; further apart, supplies arrive unseen in transit and show as stock jumps), and the
# orders, 90 days back, once in the last run: each load and the build cost seconds, and the demo
# has to stay short.
CLEAN = Schedule(days=(0, 2, 4, 6, 8), first=("catalogue", "stock"), between=("stock",))
# The faults need a run each day: each is injected just before the run of its day.
FAULTS = Schedule(days=tuple(range(9)), first=(), between=("orders", "stock"))


class DemoRefused(Exception):
    """The database holds something the demo must not overwrite."""


class DemoBusy(Exception):
    """Another run holds the run lock of the demo's state: a run of the demo was refused (75)."""


def inject_feed_faults(sandbox: Sandbox) -> str:
    """Every data fault of the order feeds once per list, and a stock report with a broken row (Ozon)
    or malformed (Wildberries) for every account. A feed takes one fault per page, in this order:
    the malformed row first, so that even a single page gets it (a repeated page needs a page before
    it; Wildberries serves short statistics pages for that), except on the FBO list, whose first page
    sends a quantity as text."""
    accounts = len(sandbox.ozon.accounts)
    sandbox.ozon.postings.inject("wrong_type", path=FBO_LIST)
    for fault in ("malformed_row", "duplicate_across_pages", "new_field", "missing_field"):
        sandbox.ozon.postings.inject(fault)
    sandbox.ozon.reports.inject("broken_row", times=accounts)
    sandbox.wildberries.statistics_page_rows = 50
    for fault in ("malformed_row", "duplicate_rows", "new_field", "missing_field"):
        sandbox.wildberries.faults.inject(fault)
    sandbox.wildberries.faults.inject("report_malformed", times=accounts)
    return (
        "malformed, duplicated, new and missing fields and a quantity as text in the order feeds;"
        " stock reports with a bad row"
    )


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


# Injected just before the run of that day; the loads of the feed and report faults fail.
FAULT_PLAN: dict[int, Callable[[Sandbox], str]] = {
    2: inject_feed_faults,
    3: inject_broken_reports,
    4: freeze_first_account,
    7: drop_stock_at_one_warehouse,
}
FAILING_RUNS = (2, 3)


def demo_marker(path: Path) -> Path:
    """Beside a database the demo wrote: the id of the demo's last run."""
    return path.with_name(f"{path.name}.demo")


def latest_run_id() -> str | None:
    with database.connect("duckdb", read_only=True) as db:
        if not db.relation_exists(runlog.SCHEMA, "run_log"):
            return None
        return db.execute(f"select max(run_id) from {runlog.SCHEMA}.run_log where kind = 'run'")[0][0]


def state_folder() -> Path:
    """The dlt state folder of the demo's runs, whose folder also holds their run lock and cool-downs
    (loaders/writer_lock.py, loaders/cooldowns.py): DLT_PIPELINES_DIR's (data/dlt) for the default
    database or when set for the demo, else `<database>.state/dlt` beside the demo's own database.
    `DUCKDB_PATH=data/demo.duckdb make demo`, as the refusal below advises, deleted the state of
    your runs in data/dlt at once, shared their run lock and cool-downs and left its pipelines there."""
    path = config.duckdb_path()
    default = config.PROJECT_DIR / config.DEFAULT_DUCKDB_PATH
    if path.resolve() == default.resolve() or config.set_outside_env_file("DLT_PIPELINES_DIR"):
        return config.pipelines_dir()
    return path.with_name(f"{path.name}.state") / "dlt"


@contextmanager
def own_state(folder: Path) -> Iterator[None]:
    """DLT_PIPELINES_DIR `folder` for this process (its runs, lock, summary) until the demo ends."""
    before = os.environ.get("DLT_PIPELINES_DIR")
    os.environ["DLT_PIPELINES_DIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["DLT_PIPELINES_DIR"]
        else:
            os.environ["DLT_PIPELINES_DIR"] = before


def claim_database() -> Path:
    """The DuckDB file of every command, emptied for the demo with its dlt state: it must not exist or
    hold only an earlier demo (its last run is the demo's). The demo's run lock is held while the file
    is read and anything is deleted (LockBusy when another run holds it)."""
    path, marker = config.duckdb_path(), demo_marker(config.duckdb_path())
    if path.exists() and not marker.exists():  # not a demo's: neither read nor locked
        raise DemoRefused(refusal(path))
    with RunLock(f"{runlog.utcnow():%Y%m%dT%H%M%S}-demo-{uuid.uuid4().hex[:6]}", runlog.utcnow().isoformat()):
        if path.exists() and latest_run_id() != marker.read_text(encoding="utf-8").strip():
            raise DemoRefused(refusal(path))
        for leftover in (path, path.with_name(f"{path.name}.wal"), marker):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(config.pipelines_dir(), ignore_errors=True)
    return path


def refusal(path: Path) -> str:
    """The way out names the refused file alone (`make clean` deleted all of data/, the user's database
    beside a demo's among it) and another file than the refused one."""
    other = path.with_name("demo-2.duckdb" if path.name == "demo.duckdb" else "demo.duckdb")
    return (
        f"{path} holds data other than a finished demo's (your own, or a demo stopped part way or still "
        f"running), which the demo does not overwrite: if it is only a demo's, delete it (`rm {path}`: the "
        "demo then replaces its dlt state too); else point DUCKDB_PATH at another file, e.g. "
        f"`DUCKDB_PATH={other} make demo` (its dlt state, lock and cool-downs go beside it), and use "
        "the commands it prints after it"
    )


def runner_environment(sandbox: Sandbox) -> dict[str, str]:
    """This process's environment without the user's accounts and alert channels, and no `.env`
    (ENV_FILE), with the sandbox's accounts instead."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(USER_SETTINGS)}
    env.update(steps.QUIET_TOOLS)
    env.update(
        {
            "ENV_FILE": os.devnull,
            "TARGET": "duckdb",
            "DUCKDB_PATH": str(config.duckdb_path()),
            "DLT_PIPELINES_DIR": str(config.pipelines_dir()),
            "MARKETPLACES": ",".join(MARKETPLACE_NAMES),
            "OZON_ACCOUNTS": ",".join(ACCOUNT_NAMES[: len(sandbox.ozon.accounts)]),
            "OZON_API_BASE_URL": sandbox.ozon.base_url,
            "OZON_RATE_LIMIT_SCALE": str(RATE_LIMIT_SCALE),
            "WB_ACCOUNTS": ",".join(ACCOUNT_NAMES[: len(sandbox.wildberries.accounts)]),
            "WB_API_BASE_URL": sandbox.wildberries.base_url,
            "WB_RATE_LIMIT_SCALE": str(RATE_LIMIT_SCALE),
        }
    )
    for name, account in zip(ACCOUNT_NAMES, sandbox.ozon.accounts, strict=False):
        env[f"OZON_{name.upper()}_CLIENT_ID"] = account.client_id
        env[f"OZON_{name.upper()}_API_KEY"] = account.api_key
    for name, account in zip(ACCOUNT_NAMES, sandbox.wildberries.accounts, strict=False):
        env[f"WB_{name.upper()}_API_TOKEN"] = account.token
    return env


def describe(arguments: tuple[str, ...]) -> str:
    groups = [argument for argument in arguments if not argument.startswith("--")]
    loads = ", ".join(groups) if groups else "catalogue, orders, stock"
    return loads if "--no-transform" in arguments else f"{loads}, dbt build"


def last_run() -> tuple[str, str, str] | None:
    """(run id, status, what went wrong) of the newest run in the run log; None before the first one."""
    if not config.duckdb_path().exists():
        return None
    with database.connect("duckdb", read_only=True) as db:
        if not db.relation_exists(runlog.SCHEMA, "run_log"):
            return None
        rows = db.execute(
            f"select run_id, status, coalesce(error_message, '') from {runlog.SCHEMA}.run_log "
            "where kind = 'run' order by started_at desc limit 1"
        )
    return rows[0] if rows else None


def build_warnings(run_id: str) -> list[str]:
    with database.connect("duckdb", read_only=True) as db:
        rows = db.execute(
            f"select unique_id from {runlog.SCHEMA}.dbt_results where run_id = ? and status = 'warn' "
            "order by unique_id",
            (run_id,),
        )
    return [unique_id for (unique_id,) in rows]


def parse_project(env: dict[str, str]) -> subprocess.Popen:
    """`dbt parse`, started beside the loads: dbt keeps what it parsed (partial_parse.msgpack in its
    target path), so the build of the last run, in the same environment, reads only the files
    changed since instead of parsing the whole project while nothing else runs. Its output goes
    nowhere: should it fail, the build parses everything itself and reports what is wrong."""
    return subprocess.Popen(
        steps.dbt_command("parse", "duckdb"),
        cwd=steps.PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def run_schedule(sandbox: Sandbox, schedule: Schedule, faults: bool, log: TextIO, log_path: Path) -> str:
    """Every run of the schedule; returns the last run's id. Raises RuntimeError when a run that
    should have succeeded did not."""
    env = runner_environment(sandbox)
    parse = parse_project(env)
    try:
        return run_days(sandbox, schedule, faults, env, parse, log, log_path)
    finally:
        parse.kill()  # only if a run failed before the build waited for it
        parse.wait()


def run_days(
    sandbox: Sandbox,
    schedule: Schedule,
    faults: bool,
    env: dict[str, str],
    parse: subprocess.Popen,
    log: TextIO,
    log_path: Path,
) -> str:
    start_day = sandbox.clock.now()
    for index, day in enumerate(schedule.days):
        arguments = schedule.run_arguments(index)
        if "--no-transform" not in arguments:
            parse.wait()  # the build must not write dbt's target path while the parse does
        sandbox.clock.advance(start_day + timedelta(days=day) - sandbox.clock.now())
        if faults and day in FAULT_PLAN:
            print(f"  faults injected: {FAULT_PLAN[day](sandbox)}", flush=True)
        print(
            f"[{index + 1}/{len(schedule.days)}] day {day} ({sandbox.clock.now():%Y-%m-%d}): {describe(arguments)} ...",
            end=" ",
            flush=True,
        )
        started = time.monotonic()
        log.write(f"\n=== day {day}: python -m scripts.run {' '.join(arguments)}\n")
        returncode = steps.run_into(
            steps.runner_command(*arguments), {**env, "LOADER_NOW": sandbox.clock.now().isoformat()}, log
        )
        if returncode == EXIT_BUSY:
            print("refused", flush=True)
            holder = recorded_holder()
            raise DemoBusy(
                f"{holder.describe() if holder else 'another run'} holds the run lock {lock_path()}, so the "
                f"run of day {day} did not start: run the demo again when it has ended"
            )
        run_id, status, problem = last_run() or ("", "failed", f"exit code {returncode}, no run recorded")
        print(f"{status} in {time.monotonic() - started:.0f}s", flush=True)
        if returncode != 0 and not (faults and day in FAILING_RUNS):
            raise RuntimeError(f"the run of day {day} ended {status}: {problem[:300]} (details in {log_path})")
    return run_id


def next_commands(faults: bool, state: Path | None = None) -> list[str]:
    """What to run next on the demo's data, with the DUCKDB_PATH it used when not the default, and
    its dlt state folder `state` when the commands would not find it themselves (its run lock)."""
    prefix = f"DUCKDB_PATH={os.environ['DUCKDB_PATH']} " if os.environ.get("DUCKDB_PATH") else ""
    if state is not None:
        shown = state.relative_to(config.PROJECT_DIR) if state.is_relative_to(config.PROJECT_DIR) else state
        prefix += f"DLT_PIPELINES_DIR={shown} "
    prefix += "TARGET=duckdb " if config.text_setting("TARGET", "duckdb") != "duckdb" else ""
    makefile = (steps.PROJECT_DIR / "Makefile").read_text(encoding="utf-8")
    lines = [
        f"{prefix}make health      # is it healthy: freshness, last run, tests, quality"
        + (" (the faults make it unhealthy)" if faults else ""),
        f"{prefix}make summary     # this summary again",
        f"{prefix}make reconcile   # raw rows = mart rows + excluded rows, per entity",
        f"{prefix}make docs        # the documented models and columns of this database, in a browser",
    ]
    if re.search(r"^serve:", makefile, re.MULTILINE):
        lines.append(f"{prefix}make serve       # the dashboard")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--faults", action="store_true", help="switch every data fault of the sandbox on")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    state = state_folder()
    named = None if state == config.pipelines_dir() else state  # the commands after it would not find it
    with own_state(state):
        try:
            return demo(args.faults, named)
        except DemoBusy as exc:
            print(f"demo: {exc}", file=sys.stderr)
            return EXIT_BUSY


def demo(faults: bool, named_state: Path | None) -> int:
    """The demo, in its own dlt state folder; `named_state` is that folder when the commands after it
    need to be told."""
    started = time.monotonic()
    try:
        path = claim_database()
    except DemoRefused as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except LockBusy as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return EXIT_BUSY
    log_path = ops_config.load().logs_dir / ("demo-faults.log" if faults else "demo.log")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w", encoding="utf-8") as log, Sandbox(DEMO_SELLER) as sandbox:
        print(
            f"demo: the runner (make run) against the sandbox (Ozon and Wildberries, accounts "
            f"{' and '.join(ACCOUNT_NAMES)} on each, 90 days of orders) into {path}; its output goes to {log_path}"
        )
        try:
            run_id = run_schedule(sandbox, FAULTS if faults else CLEAN, faults, log, log_path)
        except RuntimeError as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            return 1
    demo_marker(path).write_text(run_id, encoding="utf-8")
    warnings = build_warnings(run_id)
    if warnings:
        print(f"dbt build: {len(warnings)} warning(s): {', '.join(warnings[:3])}; details in {log_path}")
    summary.main(["--target", "duckdb"])
    status = 0
    if faults:
        print("\nreconcile (raw = mart + excluded rows):")
        status = reconcile.main(["--target", "duckdb"])
    print(f"\ndemo finished in {time.monotonic() - started:.0f}s; the data is in {path}. Next:")
    for line in next_commands(faults, named_state):
        print(f"  {line}")
    return status


if __name__ == "__main__":
    cli.run(main)
