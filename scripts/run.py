"""`python -m scripts.run [GROUP ...]`: load every configured source in dependency order, then `dbt build`.

Each load step is one marketplace account's group of resources, with a record of its own; the
steps of one group and marketplace share a loader process (`python -m loaders ... --account A B`).
A catalogue load whose credentials the marketplace rejected skips that account's stock and orders
loads (a catalogue that failed otherwise costs only itself), and within a load
a failing resource costs only itself (the load is `partial`). `dbt build` then rebuilds every mart:
an account whose loads failed keeps its older rows, which the marts show with their sync times.
A lock keeps runs from overlapping; SIGTERM or SIGINT stops the run after the current step (a
second one also stops the step). Every run, step and resource is recorded in the run log
(`scripts/runlog.py`), then alerts are sent (`scripts/alerts.py`).

Exit codes: 0 success, 1 a step failed or was skipped, 2 configuration, 4 partial (some resources
of some loads failed, everything else loaded and built), 75 another run holds the lock, 130
stopped by a signal.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import signal
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from loaders import cli, config, outcomes
from loaders.http import ApiCredentialsRejectedError
from loaders.marketplaces import MARKETPLACES
from loaders.secrets import install_log_masking, mask
from loaders.settings_check import check_settings
from loaders.writer_lock import LockBusy, RunLock
from scripts import alerts, database, ops_config, plan, runlog, schema_changes, steps
from serving import publish

log = logging.getLogger("run")

EXIT_OK, EXIT_FAILED, EXIT_CONFIG, EXIT_PARTIAL, EXIT_BUSY, EXIT_STOPPED = 0, 1, 2, 4, 75, 130
LOADER_EXIT_MEANINGS = {1: "load failed", 2: "configuration error", 3: "authentication failed", 4: "partial"}
# A load step's status by the loader's exit code (anything else: failed).
LOADER_STATUSES = {0: "success", 4: "partial"}
# A load step's status by its account's result in the loader's stats (anything else: failed).
ACCOUNT_STATUSES = {"complete": "success", "partial": "partial"}
# Loads whose account a dependent group may build on: a partial catalogue still lists the products.
USABLE = ("success", "partial")


def blocks_dependents(status: str | None, error_class: str | None) -> bool:
    """Whether a prerequisite load that ended so (None: it did not run) stops its account's dependent
    loads. A failed one stops them only when the marketplace rejected the account's credentials,
    as every call would fail; one that failed otherwise (every method refused for the key's role or
    token category, endpoints removed, a server down) costs only itself: the orders and stock of a key
    that may not read the catalogue still load."""
    if status in USABLE:
        return False
    return status != "failed" or error_class == ApiCredentialsRejectedError.__name__


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m scripts.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(plan.GROUP_NAMES)}; default: all"
    )
    parser.add_argument("--target", choices=database.TARGETS, help="default: TARGET (environment or .env), else duckdb")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--no-transform", action="store_true", help="load only, no dbt build")
    mode.add_argument("--transform-only", action="store_true", help="dbt build only, no loads")
    parser.add_argument("--dry-run", action="store_true", help="print what would run and exit")
    args = parser.parse_args(argv)
    unknown = [group for group in args.groups if group not in plan.GROUP_NAMES]
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; choose from {', '.join(plan.GROUP_NAMES)}")
    if args.transform_only and args.groups:
        parser.error("--transform-only takes no groups")
    return args


def configured_marketplaces() -> tuple[dict[str, tuple[tuple[str, ...], list[str]]], list[str]]:
    """name -> (resources, account names) of every configured marketplace, and why others are left out."""
    configured, notes = {}, []
    for name, marketplace in MARKETPLACES.items():
        unplanned = plan.unplanned_resources(name, marketplace.resources)
        if unplanned:
            raise config.ConfigError(
                f"{name}: resource(s) {', '.join(unplanned)} belong to no group in scripts/plan.py"
            )
        try:
            configured[name] = (marketplace.resources, [account.name for account in marketplace.accounts()])
        except config.NotConfigured as exc:
            notes.append(f"{name}: not loaded: {exc}")
    return configured, notes


def build_failure(returncode: int, problems: list[dict], logged_error: str | None = None) -> str:
    """The run log's one line for a failed dbt build with these failing nodes (dbt's run results): the
    database's reason first when some could not run (a statement timeout, a lost connection), so that
    it does not read as tests that found rows. A build that stopped before any node ran (a var that
    failed its check, a project that did not parse) has no results: the reason its log gave
    (`logged_error`, runlog.dbt_logged_error)."""
    if not problems and logged_error:
        return f"dbt build exit code {returncode}, stopped before any node ran: {logged_error}"
    errored = [r for r in problems if r["status"] in runlog.DBT_COULD_NOT_RUN]
    reasons = runlog.dbt_error_reasons([r.get("message") for r in errored])
    why = f" ({len(errored)} could not run: {reasons})" if errored else ""
    summary = "; ".join(f"{r['unique_id']}: {r['status']}" for r in problems[:10]) or "see the dbt log"
    return f"dbt build exit code {returncode}, {len(problems)} failing{why}: {summary}"


def dbt_target_path() -> Path:
    return steps.dbt_folder("DBT_TARGET_PATH", "target")


def dbt_log_file() -> Path:
    return steps.dbt_folder("DBT_LOG_PATH", "logs") / "dbt.log"


def dbt_log_size() -> int:
    try:
        return dbt_log_file().stat().st_size
    except OSError:
        return 0


def dbt_log_error(since: int) -> str | None:
    """The reason of the last error dbt wrote to its log after byte `since` (runlog.dbt_logged_error);
    from the log's start when dbt rotated it meanwhile."""
    try:
        with dbt_log_file().open("rb") as file:
            file.seek(since if file.seek(0, 2) >= since else 0)
            return runlog.dbt_logged_error(file.read().decode("utf-8", "replace"))
    except OSError:
        return None


def _min_quality_score() -> float:
    """ops.toml [health] min_quality_score, for the transform step's data quality line."""
    try:
        return ops_config.load().min_quality_score
    except config.ConfigError:
        return 0.99


def transform_detail(stale: list[str], loaded_before: set[str]) -> str:
    """What a build after loads that failed or were skipped (`stale`) holds of their sources: the rows
    of an earlier run where one loaded something (`loaded_before`), else nothing yet."""
    kept = [step for step in stale if step in loaded_before]
    missing = [step for step in stale if step not in loaded_before]
    return "; ".join(
        ["full build"]
        + ([f"older data kept for: {', '.join(kept)}"] if kept else [])
        + ([f"no data yet for: {', '.join(missing)}"] if missing else [])
    )


class Runner:
    def __init__(self, run_id: str, target: str, groups: tuple[str, ...], marketplaces: tuple[str, ...] = ()):
        self.run_id, self.target, self.groups = run_id, target, groups
        self.marketplaces = marketplaces  # the configured ones: dbt builds them and those the database has
        self.step_timeout = steps.step_timeout_minutes()
        self.stop_signal: str | None = None
        self._process = None
        # (group, marketplace, account) -> (status, error class)
        self._outcomes: dict[tuple[str, str, str], tuple[str, str | None]] = {}

    # -- signals ----------------------------------------------------------------------------
    def _on_signal(self, signum, _frame) -> None:
        if self.stop_signal and self._process and self._process.poll() is None:
            log.warning("second %s: stopping the current step", signal.Signals(signum).name)
            self._process.terminate()
        self.stop_signal = signal.Signals(signum).name
        log.warning("%s received: the run stops after the current step", self.stop_signal)

    def _started(self, process) -> None:
        self._process = process

    # -- recording --------------------------------------------------------------------------
    def _write(self, record: runlog.StepRecord) -> None:
        with database.connect(self.target) as db:
            runlog.write_step(db, record)

    # -- steps ------------------------------------------------------------------------------
    def _unmet_prerequisite(self, step: plan.LoadStep) -> str | None:
        for group in step.group.after:
            if group in self.groups:
                status, error_class = self._outcomes.get((group, step.marketplace, step.account), (None, None))
                if blocks_dependents(status, error_class):
                    ended = _ended(status, error_class)
                    return f"{group} load of {step.marketplace}/{step.account} {ended} in this run"
                continue
            with database.connect(self.target) as db:
                status, error_class = runlog.last_statuses(db, group, step.marketplace).get(step.account, (None, None))
            if blocks_dependents(status, error_class):
                latest = f"was {_ended(status, error_class)}" if status else "never ran"
                return f"the last {group} load of {step.marketplace}/{step.account} {latest}"
        return None

    def _load_together(self, batch: list[plan.LoadStep]) -> list[runlog.StepRecord]:
        """The loads of one group of one marketplace: every account whose prerequisites are met in
        one loader process (starting one costs about a second, as much as a small load), each with
        a record of its own. An account the process did not report on (it died before or during its
        load) is loaded again in a process of its own, so that a crash costs only the account it
        hit."""
        records, ready = [], []
        for step in batch:
            record = self._load_record(step)
            unmet = self._unmet_prerequisite(step)
            if unmet:
                record.finish("skipped", detail=f"skipped: {unmet}")
            else:
                self._write(record)
                ready.append((step, record))
            records.append(record)
        for step, record in self._load_accounts(ready):
            log.info("%s: loaded again on its own (the shared loader process did not report on it)", step.name)
            self._load_accounts([(step, record)])
        return records

    def _load_accounts(self, ready: list[tuple[plan.LoadStep, runlog.StepRecord]]) -> list:
        """One loader process for `ready` (steps of one group and marketplace); fills in their
        records. Returns the (step, record) pairs of the accounts it has no result for, when it
        loaded several (a process of one account is judged by its exit code)."""
        if not ready:
            return []
        first = ready[0][0]
        dataset = MARKETPLACES[first.marketplace].dataset
        with database.connect(self.target) as db:
            before = schema_changes.baseline(db, dataset)
        with tempfile.TemporaryDirectory(prefix="run-") as scratch:
            stats_file = Path(scratch) / "stats.json"
            command = steps.load_command(
                first.marketplace,
                self.target,
                "--account",
                *(step.account for step, _ in ready),
                "--resources",
                *first.resources,
                "--stats-file",
                str(stats_file),
            )
            finished = steps.run_measured(command, started=self._started, deadline_minutes=self.step_timeout)
            stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else []
        by_account = {entry.get("account"): entry for entry in stats}
        unreported = []
        for step, record in ready:
            entry = by_account.get(step.account)
            if entry is None and len(ready) > 1 and not finished.timed_out:
                unreported.append((step, record))
                continue
            _finish_load(record, step, entry or {}, finished)
        with database.connect(self.target) as db:
            changes = schema_changes.changes_since(db, dataset, before)
            runlog.write_schema_changes(db, self.run_id, first.name, changes)
        for schema_name, version, table, column, change in changes:
            log.warning("schema change in %s (v%s): %s %s %s", schema_name, version, change, table, column)
        return unreported

    def _transform(self, loads: list[runlog.StepRecord]) -> runlog.StepRecord:
        """`dbt build` of every mart (an account whose loads failed keeps its older rows); skipped if
        no load loaded anything."""
        record = runlog.StepRecord(self.run_id, "transform", "transform")
        if loads and not any(load.status in USABLE for load in loads):
            record.finish("skipped", detail="skipped: no load succeeded; the marts keep their last build")
            return record
        stale = [load.step for load in loads if load.status not in USABLE]
        loaded_before = set()
        if stale:
            with database.connect(self.target) as db:
                loaded_before = runlog.loaded_before(db, self.run_id, stale)
        record.detail = transform_detail(stale, loaded_before)
        self._write(record)
        if problem := steps.dbt_folders_problem():
            record.finish("failed", error_class="DbtFolderNotWritable", error_message=problem)
            return record
        run_results = dbt_target_path() / "run_results.json"
        run_results.unlink(missing_ok=True)
        log_since = dbt_log_size()
        # the marketplaces that have accounts or data in the database, unless MARKETPLACES says otherwise
        env = {"MARKETPLACES": database.dbt_marketplaces(self.target, self.marketplaces)}
        finished = steps.run_measured(
            steps.dbt_command("build", self.target, *steps.SCHEDULED_BUILD), env, self._started, self.step_timeout
        )
        results = json.loads(run_results.read_text(encoding="utf-8"))["results"] if run_results.exists() else []
        problems = [r for r in results if r["status"] in ("error", "fail", "runtime error")]
        values = {"peak_memory_mb": finished.peak_memory_mb}
        if finished.returncode == 0:
            record.finish("success", **values)
        elif finished.timed_out:
            record.finish(
                "failed", error_class=TIMED_OUT, error_message=timed_out_message("dbt build", finished), **values
            )
        else:
            record.finish(
                "failed",
                error_class="DbtBuildFailed",
                error_message=build_failure(
                    finished.returncode, problems, None if results else dbt_log_error(log_since)
                ),
                **values,
            )
        with database.connect(self.target) as db:
            runlog.write_dbt_results(db, self.run_id, record.step, results)
            quality = runlog.quality_summary(db, _min_quality_score())
        if quality:
            record.detail = f"{record.detail}; {quality}"
        return record

    # -- the run ----------------------------------------------------------------------------
    def stop_on_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._on_signal)

    def _load_record(self, step: plan.LoadStep) -> runlog.StepRecord:
        return runlog.StepRecord(self.run_id, step.name, "load", step.group.name, step.marketplace, step.account)

    def _stopped(self, record: runlog.StepRecord) -> runlog.StepRecord:
        """`record` skipped: the run was stopped before it. A load keeps its source (group, marketplace,
        account): without them health took the skipped rows for a source never loaded, for 90 days."""
        record.finish("skipped", detail=f"skipped: run stopped by {self.stop_signal}")
        return record

    def _steps(self, load_steps: list[plan.LoadStep], transform: bool) -> list[runlog.StepRecord]:
        records = []
        for _, batch in itertools.groupby(load_steps, key=lambda step: (step.group.name, step.marketplace)):
            batch = list(batch)
            if self.stop_signal:
                done = [self._stopped(self._load_record(step)) for step in batch]
            else:
                for step in batch:
                    log.info("%s: %s", step.name, ", ".join(step.resources))
                done = self._load_together(batch)
            for step, record in zip(batch, done, strict=True):
                self._outcomes[(step.group.name, step.marketplace, step.account)] = (record.status, record.error_class)
                records.append(record)
                self._finished(record)
        if transform:
            if self.stop_signal:
                record = self._stopped(runlog.StepRecord(self.run_id, "transform", "transform"))
            else:
                record = self._transform(records)
            records.append(record)
            self._finished(record)
        return records

    def _finished(self, record: runlog.StepRecord) -> None:
        """The step's line in the runner's output (cron's log), with why it failed (as recorded in the
        run log), then its record."""
        detail = f" ({record.detail})" if record.detail else ""
        why = (
            f": {reason_in_one_line(record.error_message)}"
            if record.status == "failed" and record.error_message
            else ""
        )
        log.info("%s: %s%s%s", record.step, record.status, detail, why)
        self._write(record)

    def execute(self, load_steps: list[plan.LoadStep], transform: bool, notes: list[str], lock: RunLock) -> str:
        run = runlog.StepRecord(
            self.run_id, "run", "run", detail="; ".join([f"groups: {' '.join(self.groups)}", *notes])
        )
        with database.connect(self.target) as db:
            if lock.stale:
                killed = runlog.mark_killed(db, lock.stale.run_id)
                log.warning("cleared a stale lock of %s (%d steps marked killed)", lock.stale.describe(), killed)
                run.detail += f"; cleared stale lock of {lock.stale.describe()}"
            died = runlog.close_dead_runs(db, self.run_id)
            if died:
                log.warning("%d run-log rows of earlier runs were still 'running': closed as died", died)
            runlog.write_step(db, run)
        try:
            records = self._steps(load_steps, transform)
        except Exception as exc:
            run.finish("failed", error_class=type(exc).__name__, error_message=f"the runner failed: {exc}")
            self._write(run)
            raise
        finally:
            self._process = None
        if self.stop_signal:
            status = "interrupted"
        elif any(record.status in ("failed", "skipped") for record in records):
            status = "failed"
        elif any(record.status == "partial" for record in records):
            status = "partial"
        else:
            status = "success"
        problems = [
            f"{r.step}: {r.error_message or r.detail}" for r in records if r.status in ("failed", "skipped", "partial")
        ]
        peak_memory_mb = max((r.peak_memory_mb or 0 for r in records), default=None)
        run.finish(status, peak_memory_mb=peak_memory_mb, error_message="; ".join(problems) or None)
        self._write(run)
        # the server's read-only snapshot (DuckDB), of the marts if they were built and of this run's row
        built = any(record.kind == "transform" and record.status == "success" for record in records)
        unpublished = publish.publish_after_run(self.target, built)
        if unpublished:  # the server answers from the snapshot before: not a success
            status = "partial" if status == "success" else status
            run.finish(status, peak_memory_mb=peak_memory_mb, error_message="; ".join([*problems, unpublished]))
            self._write(run)
        return status


TIMED_OUT = "StepTimedOut"
# How much of a failed step's error message its line in the runner's output shows (all of it is in the
# run log): a dbt build's names ten failing nodes.
REASON_LENGTH = 300


def reason_in_one_line(message: str) -> str:
    """A step's error message masked, in one line, cut at REASON_LENGTH characters."""
    return runlog.shortened(" ".join(mask(message).split()), REASON_LENGTH)


def timed_out_message(what: str, finished: steps.Finished) -> str:
    return f"{what} ran longer than {finished.stopped_after_minutes:g} min ({steps.STEP_TIMEOUT}) and was stopped"


def _finish_load(record: runlog.StepRecord, step: plan.LoadStep, entry: dict, finished: steps.Finished) -> None:
    """`record` finished from the loader's result for its account (`entry`, empty when there is
    none) and the process's exit code."""
    record.resources = entry.get("resources", [])
    values = {
        "rows": entry.get("rows", {}),
        "api_requests": entry.get("requests"),
        "api_failed_requests": entry.get("failed"),
        "api_retries": entry.get("retries"),
        "api_throttled": entry.get("throttled"),
        "peak_memory_mb": finished.peak_memory_mb,
        "detail": f"resources: {', '.join(step.resources)}",
    }
    if entry.get("seconds") is not None:  # its own part of a process shared with other accounts
        record.started_at = runlog.utcnow() - timedelta(seconds=entry["seconds"])
    status = ACCOUNT_STATUSES.get(entry.get("status")) if entry else LOADER_STATUSES.get(finished.returncode)
    if status == "success":
        record.finish(status, **values)
        return
    if finished.timed_out and not entry:
        record.finish(
            "failed", error_class=TIMED_OUT, error_message=timed_out_message("the loader", finished), **values
        )
        return
    meaning = LOADER_EXIT_MEANINGS.get(finished.returncode, f"exit code {finished.returncode}")
    not_ok = [o for o in record.resources if outcomes.missed(o["status"])]
    record.finish(
        status or "failed",
        error_class=entry.get("error_class") or _error_class(not_ok),
        error_message=entry.get("error")
        or "; ".join(f"{o['resource']} {o['status']}: {o['message']}" for o in not_ok)
        or f"{meaning} (exit code {finished.returncode})",
        **values,
    )


def _ended(status: str | None, error_class: str | None) -> str:
    if status == "failed" and error_class == ApiCredentialsRejectedError.__name__:
        return "failed: the marketplace rejected the credentials"
    return status or "did not run"


def _error_class(not_ok: list[dict]) -> str:
    """The run log's error class of a load whose resources did not load: theirs when they agree."""
    classes = {o.get("error_class") or "ResourceFailed" for o in not_ok if o["status"] == "failed"}
    if not classes:
        return "ResourceSkipped"
    return classes.pop() if len(classes) == 1 else "ResourcesFailed"


def dry_run(groups: tuple[str, ...], load_steps: list[plan.LoadStep], transform: bool, notes: list[str]) -> None:
    print(f"would run groups: {' '.join(groups) or '(none)'}")
    for note in notes:
        print(f"  note: {note}")
    for step in load_steps:
        after = f" (after {', '.join(step.group.after)} of this account)" if step.group.after else ""
        print(f"  {step.name}{after}: resources {', '.join(step.resources)}")
    if transform:
        print("  transform: dbt build of every mart")


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    args = parse_args(sys.argv[1:] if argv is None else argv)
    groups = () if args.transform_only else tuple(g for g in plan.GROUP_NAMES if g in (args.groups or plan.GROUP_NAMES))
    try:
        args.target = config.target(args.target)
        database.marketplaces_setting()
        config.now()  # LOADER_NOW, which every load step reads: a bad one stops the run here, named
        check_settings()  # and every other loader setting
        steps.step_timeout_minutes()
        marketplaces, notes = configured_marketplaces()
        if not args.no_transform:
            config.dbt_profiles()
    except config.ConfigError as exc:
        log.error("%s", exc)
        return EXIT_CONFIG
    load_steps = plan.load_steps(groups, marketplaces)
    if groups and not load_steps:
        log.error("nothing to load: no marketplace is configured (%s)", "; ".join(notes))
        return EXIT_CONFIG
    transform = not args.no_transform
    if args.dry_run:
        dry_run(groups, load_steps, transform, notes)
        return EXIT_OK
    run_id = f"{runlog.utcnow():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    runner = Runner(run_id, args.target, groups, tuple(marketplaces))
    runner.stop_on_signals()
    try:
        with RunLock(run_id, runlog.utcnow().isoformat()) as lock:
            status = runner.execute(load_steps, transform, notes, lock)
    except LockBusy as exc:
        log.error("%s", exc)
        return EXIT_BUSY
    log.info("run %s: %s", run_id, status)
    alerts.notify_come_what_may(args.target)
    return {"success": EXIT_OK, "partial": EXIT_PARTIAL, "interrupted": EXIT_STOPPED}.get(status, EXIT_FAILED)


if __name__ == "__main__":
    cli.run(main)
