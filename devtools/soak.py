"""`python -m devtools.soak` (`make soak`): days of scheduled runs under random faults, then the marts
checked against the sandbox's truth.

The production runner (`python -m scripts.run`, as cron starts it) runs once a simulated day against
the sandbox (Ozon and Wildberries, two accounts each), in a folder of its own (DuckDB file or a fresh
PostgreSQL database, dlt state, dbt output, run log). Before each run, faults are drawn from every
knob of the sandbox: data faults of the order feeds, broken stock reports, HTTP 503s, 429s, timeouts
and dropped connections on any route; on some days `kill -9` strikes part way (the runner with the
loader or dbt it is running, or only that step), and once on PostgreSQL the database connections are
terminated mid-run. Failing and killed runs are expected. Then the marketplaces recover (every fault
still queued is dropped), two clean runs follow an hour apart, and every figure must equal the
truth: the catalogue per marketplace and account, stock per product × warehouse, order lines with
their final statuses; `scripts.health` and `scripts.reconcile` must pass. Exit 0 when all of it
holds, 1 otherwise. The seed is printed: the same seed replays the same faults on the same days.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TextIO

import psycopg2

from devtools import demo, soak_checks, soak_faults
from loaders import cli, config
from sandbox import Sandbox, SandboxConfig
from scripts import steps

DEFAULT_SEED = 20260117
DEFAULT_PRODUCTS = 60
DEFAULT_FOLDER = Path("data/soak")  # kept after the soak: its database and logs are the evidence
# Limits 600 times looser than the marketplaces' (as in the demo), so that a run takes seconds.
RATE_LIMIT_SCALE = demo.RATE_LIMIT_SCALE
# A stuck report is given up after this many seconds (600 in production).
REPORT_TIMEOUT_SECONDS = "15"
KILL_SHARE = 0.2  # of the days: the runner, or the step it is running, is killed part way
DEFAULT_RUN_SECONDS = 30.0  # a kill on the first day strikes within this
CLEAN_RUNS = 2
DISCONNECT_POLL_SECONDS = 0.1
RUNS_LOG = "runs.log"  # the runs' output, in the soak's folder


@dataclass
class Outcome:
    """What happened on the soak's days."""

    exit_codes: Counter = field(default_factory=Counter)
    faults: Counter = field(default_factory=Counter)
    run_seconds: list[float] = field(default_factory=list)
    journal: list[str] = field(default_factory=list)


def seller(seed: int, products: int, accounts: int) -> SandboxConfig:
    return SandboxConfig(
        seed=seed,
        products=products,
        warehouses=8,
        archived_share=0.1,
        accounts=accounts,
        history_days=30,
        rate_limit_scale=RATE_LIMIT_SCALE,
    )


def prepare_folder(folder: Path) -> dict[str, str]:
    """An empty `folder` for the soak's files, and the settings that point every program at it
    (the ops.toml copy there sends the run log files to `folder/logs`). A folder holding anything but
    an earlier soak's files is refused, not emptied."""
    if folder.exists() and any(folder.iterdir()) and not (folder / RUNS_LOG).exists():
        raise config.ConfigError(f"--folder {folder} holds files of its own (no {RUNS_LOG}): choose another folder")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ops = (steps.PROJECT_DIR / "ops.toml").read_text(encoding="utf-8")
    (folder / "ops.toml").write_text(ops.replace('dir = "logs"', f'dir = "{folder / "logs"}"'), encoding="utf-8")
    return {
        "OPS_CONFIG": str(folder / "ops.toml"),
        "DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DLT_PIPELINES_DIR": str(folder / "dlt"),
        "DBT_TARGET_PATH": str(folder / "dbt_target"),
        "DBT_LOG_PATH": str(folder / "dbt_logs"),
    }


class PostgresDatabase:
    """A database of the soak's own on the PostgreSQL server, dropped on exit."""

    def __init__(self) -> None:
        self.name = f"soak_{uuid.uuid4().hex[:12]}"
        self.server = config.postgres_settings()  # read before PGDATABASE names the soak's database

    def _admin(self, sql: str, params: tuple = ()) -> list[tuple]:
        with contextlib.closing(psycopg2.connect(**self.server, connect_timeout=10)) as connection:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall() if cursor.description else []

    def __enter__(self) -> PostgresDatabase:
        self._admin(f'create database "{self.name}"')
        return self

    def disconnect(self) -> int:
        """Terminate every connection to the database, as a server restart or a network cut would;
        returns how many there were."""
        return len(
            self._admin(
                "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                (self.name,),
            )
        )

    def __exit__(self, *exc_info: object) -> None:
        self._admin(f'drop database if exists "{self.name}" with (force)')


class Soak:
    """The runs of one soak, the faults drawn for them and what came of it."""

    def __init__(self, args: argparse.Namespace, log: TextIO, database: PostgresDatabase | None):
        self.args, self.log, self.database = args, log, database
        self.rng = random.Random(args.seed)  # noqa: S311 (replayable faults, not security)
        self.outcome = Outcome()

    def environment(self, sandbox: Sandbox) -> dict[str, str]:
        """The demo's settings for a runner against `sandbox` (its accounts, limits, no `.env`), on the
        soak's engine and folder (this process's environment), at the sandbox's time."""
        return {
            **demo.runner_environment(sandbox),
            "TARGET": self.args.engine,
            "LOADER_NOW": sandbox.clock.now().isoformat(),
            "OZON_REPORT_TIMEOUT_SECONDS": REPORT_TIMEOUT_SECONDS,
            "WB_REPORT_TIMEOUT_SECONDS": REPORT_TIMEOUT_SECONDS,
        }

    def shortest_run_seconds(self) -> float:
        """A kill strikes within this (the first run, a full load, is the longest)."""
        return min(self.outcome.run_seconds, default=DEFAULT_RUN_SECONDS)

    def run(self, sandbox: Sandbox, label: str, interruption: str = "") -> int:
        """One run of the runner, as cron starts it; `interruption` ("kill runner", "kill step",
        "disconnect") strikes part way. Returns its exit code (negative: the signal that killed it)."""
        self.log.write(f"\n=== {label}: LOADER_NOW={sandbox.clock.now().isoformat()}\n")
        self.log.flush()
        started = time.monotonic()
        process = subprocess.Popen(
            steps.runner_command(),
            cwd=steps.PROJECT_DIR,
            env=self.environment(sandbox),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        if interruption:
            try:
                process.wait(timeout=self.rng.uniform(0.1, 0.9) * self.shortest_run_seconds())
                self.outcome.faults[f"{interruption}: drawn, but the run finished first"] += 1
            except subprocess.TimeoutExpired:
                self.outcome.faults[self.interrupt(process, interruption)] += 1
        code = process.wait()
        if not interruption:
            self.outcome.run_seconds.append(time.monotonic() - started)
        self.outcome.exit_codes[code] += 1
        return code

    def interrupt(self, process: subprocess.Popen, interruption: str) -> str:
        """Strike the running runner `process`; returns what was done."""
        if interruption == "disconnect":
            return self.disconnect(process)
        runner = process.pid
        steps_running = descendants(runner)
        victims = steps_running if interruption == "kill step" and steps_running else [runner, *steps_running]
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return "kill -9 of the runner and its step" if runner in victims else "kill -9 of the step (loader or dbt)"

    def disconnect(self, process: subprocess.Popen) -> str:
        """Terminate the database's connections as soon as the run holds one (it connects between
        steps and while a step writes), unless the run ends first."""
        while process.poll() is None:
            terminated = self.database.disconnect()
            if terminated:
                print(f"  {terminated} PostgreSQL connection(s) terminated mid-run", flush=True)
                return "PostgreSQL connections terminated"
            time.sleep(DISCONNECT_POLL_SECONDS)
        return "disconnect: drawn, but the run held no connection before it finished"

    def days(self, sandbox: Sandbox) -> None:
        """A run each simulated day, with faults drawn before it."""
        disconnect_day = self.rng.randrange(self.args.days) if self.database else None
        for number in range(self.args.days):
            if number:
                sandbox.clock.advance(timedelta(days=1))
            injected = soak_faults.inject_random(self.rng, sandbox)
            self.outcome.faults.update(kind for kind, _ in injected)
            interruption = "disconnect" if number == disconnect_day else ""
            if not interruption and self.rng.random() < KILL_SHARE:
                interruption = self.rng.choice(("kill runner", "kill step"))
            code = self.run(sandbox, f"day {number}", interruption)
            what = "; ".join([detail for _, detail in injected] + ([interruption] if interruption else []))
            self.outcome.journal.append(
                f"day {number:>2} {sandbox.clock.now():%Y-%m-%d}: exit {code:>3}  {what or '-'}"
            )
            print(self.outcome.journal[-1], flush=True)

    def recover(self, sandbox: Sandbox) -> list[int]:
        """The marketplaces recover (no fault left queued), then the clean runs an hour apart; returns
        their exit codes."""
        soak_faults.clear(sandbox)
        codes = []
        for number in range(1, CLEAN_RUNS + 1):
            sandbox.clock.advance(timedelta(hours=1))
            codes.append(self.run(sandbox, f"clean run {number}"))
            print(f"clean run {number} {sandbox.clock.now():%Y-%m-%d %H:%M}: exit {codes[-1]}", flush=True)
        return codes


def descendants(pid: int) -> list[int]:
    """The processes `pid` started, theirs and so on (the runner starts each step in a session of its
    own, so the runner's process group does not hold them)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(stat.parent.name))
    found, pending = [], list(children.get(pid, []))
    while pending:
        found.append(pending.pop())
        pending.extend(children.get(found[-1], []))
    return found


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=30, help="simulated days of runs (default 30)")
    parser.add_argument("--engine", choices=config.TARGETS, help="default: TARGET (environment or .env), else duckdb")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"the faults' seed (default {DEFAULT_SEED})")
    parser.add_argument("--products", type=int, default=DEFAULT_PRODUCTS, help="per account (default %(default)s)")
    parser.add_argument("--accounts", type=int, choices=(1, 2), default=2, help="per marketplace (default 2)")
    parser.add_argument(
        "--folder", type=Path, default=DEFAULT_FOLDER, help="for the soak's files, emptied first (default: data/soak)"
    )
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    args.engine = config.target(args.engine)
    return args


def soak(args: argparse.Namespace, folder: Path) -> int:
    """The soak in `folder` (emptied first); prints the report and returns the exit code."""
    os.environ.update({**prepare_folder(folder), "TARGET": args.engine})
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        database: PostgresDatabase | None = None
        if args.engine == "postgres":
            database = stack.enter_context(PostgresDatabase())
            os.environ["PGDATABASE"] = database.name
        runner = Soak(args, stack.enter_context((folder / RUNS_LOG).open("w", encoding="utf-8")), database)
        with Sandbox(seller(args.seed, args.products, args.accounts)) as sandbox:
            runner.days(sandbox)
            clean = runner.recover(sandbox)
            expected = soak_checks.expected(sandbox)
        checks = [*soak_checks.compare(expected, soak_checks.actual(args.engine)), *soak_checks.operations()]
    print(report(args, runner.outcome, clean, checks, time.monotonic() - started))
    return 0 if all(check.passed for check in checks) else 1


def report(args, outcome: Outcome, clean: list[int], checks: list[soak_checks.Check], seconds: float) -> str:
    lines = [
        f"\nsoak report: {args.days} days, seed {args.seed}, engine {args.engine}, "
        f"{args.products} products × {args.accounts} account(s) per marketplace, wall time {seconds / 60:.1f} min",
        "runs per exit code: " + ", ".join(f"{code}: {count}" for code, count in sorted(outcome.exit_codes.items())),
        f"clean runs: exit {', '.join(map(str, clean))}",
        "faults injected: " + ", ".join(f"{kind} {count}" for kind, count in sorted(outcome.faults.items())),
    ]
    for check in checks:
        verdict = "ok" if check.passed else f"MISMATCH ({len(check.mismatches)})"
        lines.append(f"  [{verdict}] {check.name}: expected {check.expected}, actual {check.actual}")
        lines.extend(f"      {mismatch}" for mismatch in check.mismatches[: soak_checks.SHOWN_MISMATCHES])
    failed = [check.name for check in checks if not check.passed]
    lines.append(f"soak {'FAILED: ' + '; '.join(failed) if failed else 'passed'} (replay: --seed {args.seed})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    folder = args.folder if args.folder.is_absolute() else steps.PROJECT_DIR / args.folder
    print(f"soak: {args.days} days on {args.engine}, seed {args.seed}; runs' output in {folder / RUNS_LOG}", flush=True)
    return soak(args, folder)


if __name__ == "__main__":
    cli.run(main)
