"""Command line: `python -m loaders <marketplace> [--resources ...] [--account ...]
[--destination duckdb|postgres] [--full-refresh] [--stats-file PATH]`.

The database is --destination, else TARGET (environment or .env), else duckdb.

Loads every configured account of the marketplace (or those named with --account). One account's
failure is reported and the others still load, and within an account one resource's failure (a
removed method, an endpoint refused for this token, an endpoint still failing after its retries)
costs only that resource. Exit codes, the worst over the accounts: 0 every resource loaded,
4 partial (some resources failed or were skipped, the rest loaded), 1 failed, 2 configuration,
3 every resource refused the credentials, 75 another run holds the run lock (a loader started by the
runner or `make load-*` writes under their lock; started by hand, it takes the lock itself).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import psycopg2

from loaders import cli, config, dlt_warnings, outcomes
from loaders.http import ApiAuthError, ApiError
from loaders.marketplaces import MARKETPLACES
from loaders.pipeline import DESTINATIONS, run
from loaders.secrets import install_log_masking, mask
from loaders.settings_check import accounts_at_once, check_settings
from loaders.writer_lock import LockBusy, writer_lock

log = logging.getLogger("loaders")

EXIT_FAILED, EXIT_CONFIG, EXIT_AUTH, EXIT_PARTIAL, EXIT_BUSY = 1, 2, 3, 4, 75
# Worst first: which code wins when accounts end differently.
SEVERITY = (EXIT_CONFIG, EXIT_AUTH, EXIT_FAILED, EXIT_PARTIAL, 0)


def worse(first: int, second: int) -> int:
    return min(first, second, key=SEVERITY.index)


def exit_code(result) -> int:
    if result.status == "complete":
        return 0
    if result.status == "partial":
        return EXIT_PARTIAL
    failed = [outcome for outcome in result.resources if outcome["status"] == "failed"]
    return EXIT_AUTH if failed and all(outcome["auth"] for outcome in failed) else EXIT_FAILED


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loaders", description=__doc__)
    parser.add_argument("marketplace", choices=tuple(MARKETPLACES))
    parser.add_argument("--resources", nargs="+", metavar="RESOURCE", help="load only these resources")
    parser.add_argument("--account", nargs="+", metavar="NAME", help="load only these accounts")
    parser.add_argument("--destination", choices=DESTINATIONS)
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="drop this source's tables and state first (on PostgreSQL also the views reading them, which"
        " the next dbt build creates again)",
    )
    parser.add_argument("--stats-file", metavar="PATH", help="write per-account results as JSON (for the run log)")
    args = parser.parse_args(argv)
    known = MARKETPLACES[args.marketplace].resources
    unknown = [name for name in args.resources or () if name not in known]
    if unknown:
        parser.error(f"unknown resource(s) {', '.join(unknown)} for {args.marketplace}; choose from {', '.join(known)}")
    return args


def api_error_in(exc: BaseException) -> ApiError | None:
    """dlt wraps resource errors several times; find ours in the chain."""
    return next((error for error in cli.causes(exc) if isinstance(error, ApiError)), None)


def load_account(marketplace, account, destination: str, args: argparse.Namespace, alone: bool) -> tuple[int, dict]:
    """Load one account (`alone`: no other at the same time); its exit code and its result (or
    error), logged."""
    label = f"{marketplace.name} account {account.name}"
    try:
        result = run(marketplace, account, destination, tuple(args.resources or ()), args.full_refresh, alone)
    except Exception as exc:  # noqa: BLE001 - reported per account, then the exit code says it failed
        api_error = api_error_in(exc)
        reason = api_error or cli.in_one_line(exc)
        log.error("%s: load failed: %s", label, reason)
        error = api_error or exc
        code = EXIT_AUTH if isinstance(api_error, ApiAuthError) else EXIT_FAILED
        return code, {"account": account.name, "error_class": type(error).__name__, "error": mask(str(reason))}
    for table, rows in sorted(result.rows.items()):
        log.info("%s: %s: %d rows", label, table, rows)
    not_loaded = [f"{o['resource']} {o['status']}" for o in result.resources if outcomes.missed(o["status"])]
    log.log(
        logging.WARNING if not_loaded else logging.INFO,
        "%s: %s%s in %.1fs with %d requests (%d retries) into %s",
        label,
        result.status,
        f" ({', '.join(not_loaded)})" if not_loaded else "",
        result.seconds,
        result.requests,
        result.retries,
        destination,
    )
    return exit_code(result), dataclasses.asdict(result)


def side_by_side(work: Callable[[Any], Any], items: list, at_once: int) -> list:
    """`work(item)` for every item, at most `at_once` at a time, each in a thread; the results in the
    items' order. Daemon threads: a Ctrl-C ends the process without waiting for them, as a kill would
    (a load cut short is finished by the account's next run; cli.run)."""
    results: list = [None] * len(items)
    turns = threading.BoundedSemaphore(at_once)

    def one(index: int, item: Any) -> None:
        with turns:
            results[index] = work(item)

    threads = [threading.Thread(target=one, args=pair, daemon=True) for pair in enumerate(items)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class StatsFile:
    """The accounts' results for the runner (--stats-file), written again as each account ends, so
    that a loader stopped part way (the runner's STEP_TIMEOUT_MINUTES: another account's API trickling
    its answer in) still reports the accounts it loaded: they were stored, and counted as failed."""

    def __init__(self, path: str | None):
        self.path, self.entries, self._lock = path, [], threading.Lock()

    def add(self, entry: dict) -> None:
        if not self.path:
            return
        with self._lock:
            self.entries.append(entry)
            partial = f"{self.path}.partial"
            with open(partial, "w", encoding="utf-8") as file:
                json.dump(self.entries, file, ensure_ascii=False)
            os.replace(partial, self.path)  # the runner never reads half a file


def load_accounts(
    marketplace,
    accounts: list,
    destination: str,
    args: argparse.Namespace,
    at_once: int,
    report: Callable[[dict], None],
) -> int:
    """Load the accounts side by side, `at_once` at a time (they take turns with the database, see
    loaders/pipeline.py); `report` gets each account's result (or error) as it ends. The worst exit
    code."""
    alone = at_once == 1 or len(accounts) == 1
    if not alone:
        # dlt imports pyarrow on first use (normalize's parquet writer) and elsewhere looks it up in
        # sys.modules to tell Arrow items apart: an extract beside that first import found the module
        # half initialised ("partially initialized module 'pyarrow'"). So it is imported before.
        importlib.import_module("dlt.common.libs.pyarrow")

    def load_and_report(account) -> int:
        code, stats = load_account(marketplace, account, destination, args, alone)
        report(stats)
        return code

    status = 0
    for code in side_by_side(load_and_report, accounts, at_once):
        status = worse(status, code)
    return status


def _postgres_in_utf8() -> None:
    """ConfigError for a PostgreSQL database not in UTF8 (config.require_utf8), before any load."""
    try:
        connection = psycopg2.connect(**config.postgres_settings(), connect_timeout=10)
    except psycopg2.OperationalError:
        return  # unreachable: each account's load says so
    try:
        config.require_utf8(connection)
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    dlt_warnings.install()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    marketplace = MARKETPLACES[args.marketplace]
    try:
        destination = config.target(args.destination)
        accounts = config.select_accounts(marketplace.accounts(), args.account)
        check_settings()  # a bad value stops the loader now, not when a resource reaches it
        if destination == "postgres":
            _postgres_in_utf8()
        # Accounts load side by side: each waits on its own rate limits, so several take about as long
        # as the slowest, where one after another they took the sum.
        at_once = accounts_at_once()
    except config.ConfigError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    try:
        with writer_lock(f"load-{args.marketplace}", config.now().isoformat()):
            return load_accounts(marketplace, accounts, destination, args, at_once, StatsFile(args.stats_file).add)
    except LockBusy as exc:
        log.error("%s", exc)
        return EXIT_BUSY


if __name__ == "__main__":
    cli.run(main, duckdb_in_threads=True)
