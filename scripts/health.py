"""`python -m scripts.health [--json] [--alert]`: is the pipeline healthy? Exit 0 yes, 1 no.

Checks that the data folders are writable, the database connection, the freshness of every source
(its last successful load, per marketplace, group and account, against `[health.freshness_hours]`
in ops.toml; a resource a partial load left out is stale once its own last load is), the last
run's status (a run left `running` by a process that is gone is closed as died, as the next run
would, and reported; one running longer than `[health] stuck_after_hours` is
stuck), partial loads (the resources that did not load, by name), models the last build did not
build, failing dbt tests of the last build, the data quality score of every source's newest load
(against `[health] min_quality_score`), Ozon postings without their order lines (a loss
`scripts.reconcile` finds in raw), a stale lock and the size of the log folder.
Verdict and exit code: HEALTHY 0, UNHEALTHY 1 (a check failed), DEGRADED 3 (nothing failed, but
something works only in part: a partial source).
`--alert` also sends what is wrong through the alert channels (cool-down applies).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import psycopg2

from loaders import cli, config, outcomes
from loaders.secrets import install_log_masking, mask
from loaders.writer_lock import Holder, LockBusy, RunLock, holds_lock, lock_path, recorded_holder, writing_elsewhere
from scripts import alerts, database, ops_config, prune, reconcile, runlog

log = logging.getLogger("health")

EXIT_HEALTHY, EXIT_UNHEALTHY, EXIT_DEGRADED = 0, 1, 3
OK, WARN, DEGRADED, FAIL = "ok", "warn", "degraded", "fail"
# The marts a seller reads; a build that left one of them unbuilt is unhealthy.
CORE_MARTS = ("dim_products", "dim_warehouses", "fact_orders", "inventory", "sales_velocity", "stock_alerts")


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str
    key: str = ""  # the alert condition, for `--alert`


def _age(now: datetime, then: datetime) -> str:
    hours = (now - then).total_seconds() / 3600
    if hours < 1:
        return f"{hours * 60:.0f} min ago"
    return f"{hours:.1f} h ago" if hours < 48 else f"{hours / 24:.1f} days ago"


def last_run(db: database.Database) -> Check:
    rows = db.execute(
        f"select run_id, status, started_at, finished_at, error_message from {runlog.SCHEMA}.run_log "
        "where kind = 'run' order by started_at desc limit 1"
    )
    if not rows:
        return Check("last run", FAIL, "no run recorded yet: run `make run`")
    run_id, status, started, finished, message = rows[0]
    if status == "running":
        holder = recorded_holder()
        if holder and holder.run_id == run_id and holds_lock(holder):
            return Check("last run", OK, f"run {run_id} in progress since {started:%Y-%m-%d %H:%M} UTC")
        message = (
            f"run {run_id} started {started:%Y-%m-%d %H:%M} UTC is recorded as running, but no live "
            "process holds the lock: it died (the next run or `make health` closes it)"
        )
        return Check("last run", FAIL, message, f"health:run:{run_id}")
    if status == "success":
        return Check("last run", OK, f"run {run_id} succeeded at {finished:%Y-%m-%d %H:%M} UTC")
    problems = run_problems(db, run_id) or mask(message or "")
    return Check(
        "last run",
        DEGRADED if status == "partial" else FAIL,
        f"run {run_id} {status}: {problems}",
        f"health:run:{run_id}",
    )


# How far the newest run-log time may be ahead of this machine's clock before the clock is wrong.
CLOCK_SLACK_MINUTES = 5


def clock_behind(db: database.Database, now: datetime) -> list[Check]:
    """A failed check when the run log holds times later than now: the machine's clock went back.
    The last run is the newest by its start, and every age and cool-down reads the clock, so a run
    that failed after the change sorted before the one that succeeded, and health said HEALTHY."""
    (newest,) = db.execute(f"select max(started_at) from {runlog.SCHEMA}.run_log")[0]
    if newest is None or (newest - now).total_seconds() <= CLOCK_SLACK_MINUTES * 60:
        return []
    message = (
        f"the run log holds a run started at {newest:%Y-%m-%d %H:%M} UTC, {_age(newest, now).removesuffix(' ago')} "
        "after this machine's clock: the clock went back (check NTP); until it is right, the last run, "
        "freshness and the alerts' cool-downs are judged wrongly"
    )
    return [Check("clock", FAIL, message, "health:clock")]


def run_problems(db: database.Database, run_id: str) -> str:
    """The steps of `run_id` that did not succeed, failed ones first: a partial load with the resources
    it did not load, any other with the first sentence of its message (the whole messages, hints
    included, are in ops.run_log and the alerts)."""
    rows = db.execute(
        f"""
        select step, status, coalesce(error_message, detail)
        from {runlog.SCHEMA}.run_log
        where run_id = ? and kind <> 'run' and status in ('failed', 'killed', 'skipped', 'partial')
        order by case status when 'failed' then 0 when 'killed' then 1 when 'skipped' then 2 else 3 end, started_at""",
        (run_id,),
    )
    not_loaded: dict[str, list[str]] = {}
    for step, resource, status in db.execute(
        f"select step, resource, status from {runlog.SCHEMA}.run_log_resources "
        f"where run_id = ? and status not in {outcomes.NOT_MISSED_SQL} order by resource",
        (run_id,),
    ):
        not_loaded.setdefault(step, []).append(f"{resource} {status}")
    return "; ".join(
        f"{step} {status}: "
        + (
            ", ".join(not_loaded[step])
            if status == "partial" and step in not_loaded
            else first_sentence(mask(message or ""))
        )
        for step, status, message in rows
    )


def first_sentence(text: str, longest: int = 240) -> str:
    sentence = text.split(". ", 1)[0]
    return runlog.shortened(sentence, longest)


def stuck_runs(db: database.Database, hours: float, now: datetime) -> list[Check]:
    """A failed check per run recorded as running for longer than `hours`."""
    return [
        stuck_run(run_id, started, hours, now)
        for run_id, started in runlog.running_runs(db)
        if (now - started).total_seconds() > hours * 3600
    ]


def stuck_run(run_id: str, started: datetime, hours: float, now: datetime) -> Check:
    holder = recorded_holder()
    stop = (
        f"stop it (kill {holder.pid} ends it after its current step; a second kill ends the step too)"
        if holder and holder.run_id == run_id
        else "stop it"
    )
    message = (
        f"run {run_id} started {_age(now, started)} and is still running (limit {hours:g} h, "
        f"[health] stuck_after_hours in ops.toml): {stop}; the next run or `make health` closes it"
    )
    return Check("stuck run", FAIL, message, f"health:stuck:{run_id}")


def busy(writer: Holder) -> Check:
    return Check("database", WARN, f"busy: {writer.describe()} is writing; run checks skipped")


def run_in_progress(writer: Holder, hours: float, now: datetime) -> list[Check]:
    """A live run writing the DuckDB file, judged from its lock alone (no reader may open the file
    beside it): in progress, or stuck past `hours`."""
    try:  # naive UTC, as the runner writes it (runlog.utcnow)
        started = datetime.fromisoformat(writer.started_at)
    except ValueError:
        started = None
    if started is not None and started.tzinfo is not None:
        started = started.astimezone(UTC).replace(tzinfo=None)
    if started is not None and (now - started).total_seconds() > hours * 3600:
        return [stuck_run(writer.run_id, started, hours, now)]
    since = f" since {started:%Y-%m-%d %H:%M} UTC" if started is not None else ""
    return [Check("last run", OK, f"run {writer.run_id} in progress{since}")]


def close_dead_runs(target: str) -> Check | None:
    """Runs recorded as running while no live process holds the lock died: closed as the next run would
    (the stale lock's run as killed, any other as died), holding the lock for that one write. Nothing
    when a live run holds the lock (it closes them when it starts). A role that may not write the run log
    (a read-only PostgreSQL role, e.g. the API's) reports them without closing them or touching the lock:
    taking the lock clears a stale one, and the writer's next health or run would no longer know it."""
    if writing_elsewhere():
        return None
    with database.connect(target, read_only=target == "duckdb") as db:
        dead = [run_id for run_id, _ in runlog.running_runs(db)]
        writable = runlog.may_write(db)
    if not dead:
        return None
    key = f"health:died:{','.join(dead)}"
    if not writable:
        message = (
            f"run {', '.join(dead)} is recorded as running, but its process is gone: not closed, this role "
            f"may not write {runlog.SCHEMA}.run_log (the next run or `make health` of the runner's role closes it)"
        )
        return Check("dead runs", FAIL, message, key)
    now = runlog.utcnow()
    try:
        with RunLock(f"health-{now:%Y%m%dT%H%M%S}-{os.getpid()}", now.isoformat()) as lock:
            with database.connect(target) as db:
                if lock.stale:
                    runlog.mark_killed(db, lock.stale.run_id)
                runlog.close_dead_runs(db, current_run_id="")
    except LockBusy:
        return None  # a run started meanwhile: it closes them
    how = f"cleared the stale lock of {lock.stale.describe()}, marked killed" if lock.stale else "closed as died"
    message = f"run {', '.join(dead)} was recorded as running, but its process is gone: {how}"
    return Check("dead runs", FAIL, message, key)


# Free space a data folder's device needs: a run's loads and build write tens of MB for a small
# seller; an empty file, all the writability check makes, still fits on a full disk.
MIN_FREE_MB = 100


def data_folder(folder: Path) -> Check:
    """A folder the runs write (the database's, the lock's) must accept a new file, with room for it."""
    existing = next(parent for parent in (folder, *folder.parents) if parent.exists())
    try:
        if not existing.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(folder))
        with tempfile.TemporaryFile(dir=existing):
            pass
        free_mb = shutil.disk_usage(existing).free / 1024 / 1024
    except OSError as exc:
        named = OSError(exc.errno, exc.strerror, str(folder))  # the folder, not the probe's temporary file
        reason = cli.describe(named) or f"cannot write {folder}: {exc.strerror}"
        return Check("data folder", FAIL, reason, "health:data_folder")
    if free_mb < MIN_FREE_MB:
        message = f"only {free_mb:.0f} MB free on the device of {folder} (runs need {MIN_FREE_MB} MB): free some space"
        return Check("data folder", FAIL, message, "health:data_folder:space")
    return Check("data folder", OK, f"{folder} writable, {free_mb:,.0f} MB free")


def data_folders(target: str) -> Check:
    folders = {lock_path().parent, *([config.duckdb_path().parent] if target == "duckdb" else [])}
    checks = [data_folder(folder) for folder in sorted(folders)]
    return next((c for c in checks if c.status == FAIL), checks[0])


def freshness(db: database.Database, thresholds: dict[str, float], now: datetime) -> list[Check]:
    rows = db.execute(
        f"""
        select marketplace, step_group, account,
               max(case when status in ('success', 'partial') then finished_at end) as last_success
        from {runlog.SCHEMA}.run_log
        where kind = 'load' and marketplace is not null  -- older runners recorded a stopped run's loads without source
        group by marketplace, step_group, account
        order by marketplace, step_group, account"""
    )
    lagging = resources_last_loaded(db)
    checks = []
    for marketplace, group, account, last_success in rows:
        source = f"{marketplace}/{account} {group}"
        key = f"health:stale:{source}"
        limit = thresholds.get(group)
        if last_success is None:
            checks.append(Check(f"freshness {source}", FAIL, "never loaded successfully", key))
        elif limit is None:
            checks.append(Check(f"freshness {source}", WARN, f"no threshold for {group!r} in ops.toml"))
        elif (now - last_success).total_seconds() > limit * 3600:
            message = f"stale: last loaded {_age(now, last_success)} (threshold {limit:g} h)"
            checks.append(Check(f"freshness {source}", FAIL, message, key))
        elif stale := [
            (resource, loaded)
            for resource, loaded in lagging.get((marketplace, account, group), [])
            if (now - loaded).total_seconds() > limit * 3600
        ]:
            ages = ", ".join(f"{resource} last loaded {_age(now, loaded)}" for resource, loaded in stale)
            message = (
                f"stale: {ages} (threshold {limit:g} h; the marts still use that data), "
                f"the rest loaded {_age(now, last_success)}"
            )
            checks.append(Check(f"freshness {source}", FAIL, message, f"{key}:{','.join(r for r, _ in stale)}"))
        else:
            checks.append(Check(f"freshness {source}", OK, f"loaded {_age(now, last_success)}"))
    return checks or [Check("freshness", FAIL, "no load recorded yet: run `make run`")]


def resources_last_loaded(db: database.Database) -> dict[tuple[str, str, str], list[tuple[str, datetime]]]:
    """Per account and group, the resources its newest load did not load that an earlier load did, with
    when they last loaded: a partial load counts as fresh, but the marts go on using those resources'
    older rows. A resource that never loaded left nothing to go stale (`partial_sources` reports it)."""
    rows = db.execute(
        f"""
        with loads as (
            select steps.marketplace, steps.account, steps.step_group, steps.started_at,
                   resources.resource, resources.status, resources.finished_at,
                   max(steps.started_at) over (
                       partition by steps.marketplace, steps.account, steps.step_group
                   ) as newest_start
            from {runlog.SCHEMA}.run_log as steps
            inner join {runlog.SCHEMA}.run_log_resources as resources
                on resources.run_id = steps.run_id and resources.step = steps.step
            where steps.kind = 'load' and steps.status <> 'running'
        )
        select marketplace, account, step_group, resource,
               max(case when status = 'ok' then finished_at end) as last_loaded
        from loads
        group by marketplace, account, step_group, resource
        having max(case when started_at = newest_start then status end) not in {outcomes.NOT_MISSED_SQL}
           and max(case when started_at = newest_start then 1 else 0 end) = 1
           and max(case when status = 'ok' then finished_at end) is not null
        order by 1, 2, 3, 4"""
    )
    lagging: dict[tuple[str, str, str], list[tuple[str, datetime]]] = {}
    for marketplace, account, group, resource, loaded in rows:
        lagging.setdefault((marketplace, account, group), []).append((resource, loaded))
    return lagging


def partial_sources(db: database.Database) -> list[Check]:
    """A degraded check per account and group whose newest load was partial, naming what did not load."""
    rows = db.execute(
        f"""
        with newest as (
            select run_id, step, marketplace, account, step_group, status,
                   row_number() over (partition by marketplace, account, step_group order by started_at desc) as recency
            from {runlog.SCHEMA}.run_log
            where kind = 'load' and status <> 'running'
        )
        select newest.marketplace, newest.account, newest.step_group, resources.resource, resources.status,
               resources.http_status, resources.message
        from newest
        inner join {runlog.SCHEMA}.run_log_resources as resources
            on resources.run_id = newest.run_id and resources.step = newest.step
        where newest.recency = 1 and newest.status = 'partial' and resources.status not in {outcomes.NOT_MISSED_SQL}
        order by 1, 2, 3, 4"""
    )
    by_source: dict[tuple[str, str, str], list[str]] = {}
    for marketplace, account, group, resource, status, http_status, message in rows:
        why = f"HTTP {http_status}" if http_status else (message or "")[:120]
        by_source.setdefault((marketplace, account, group), []).append(f"{resource} {status} ({why})")
    return [
        Check(
            f"partial {marketplace}/{account} {group}",
            DEGRADED,
            f"not loaded: {'; '.join(resources)}; the rest loaded (ops.run_log_resources says why)",
            f"health:partial:{marketplace}/{account}/{group}:{','.join(sorted(resources))}",
        )
        for (marketplace, account, group), resources in by_source.items()
    ]


def waiting_quarantine(db: database.Database) -> list[Check]:
    """A degraded check per marketplace and account with rows waiting in quarantine for a re-read of
    their window (loaders/waiting_room.py), or given up on after QUARANTINE_RETRIES reads in the
    newest load of their source."""
    if not db.relation_exists("quality", "data_quality_scores"):
        return []
    rows = db.execute(
        """
        with newest as (
            select marketplace, account, source_table, load_id
            from quality.data_quality_scores
            where is_latest
        )
        select i.marketplace, i.account,
               sum(case when i.severity = 'warn' then 1 else 0 end),
               sum(case when i.severity = 'error' and i.load_id = newest.load_id then 1 else 0 end)
        from quality.data_quality_issues as i
        inner join newest
            on newest.marketplace = i.marketplace and newest.account = i.account
            and newest.source_table = i.source_table
        where i.rule = 'quarantined_by_loader'
        group by i.marketplace, i.account
        order by 1, 2"""
    )
    checks = []
    for marketplace, account, waiting, given_up in rows:
        parts = [f"{waiting} row(s) wait for a re-read of their window"] if waiting else []
        parts += [f"{given_up} row(s) of the newest load could not be stored"] if given_up else []
        if parts:
            message = "; ".join(parts) + " (quality.data_quality_issues, rule quarantined_by_loader)"
            key = f"health:quarantine:{marketplace}/{account}:{waiting}:{given_up}"
            checks.append(Check(f"quarantine {marketplace}/{account}", DEGRADED, message, key))
    return checks


def postings_without_lines(db: database.Database) -> list[Check]:
    """A failed check per Ozon account and posting list with postings in raw that have no order
    line (`scripts.reconcile`): rows a load lost, missing from fact_orders."""
    return [
        Check(
            f"posting lines {line.marketplace}/{line.account} {line.entity}",
            FAIL,
            f"{line.without_lines} of {line.raw_rows} postings in raw have no order line, so they are missing from "
            "fact_orders: read them again with one `make run-orders` whose OZON_ORDERS_LOOKBACK_DAYS reaches "
            "back to the oldest of them",
            f"health:posting_lines:{line.marketplace}/{line.account}/{line.entity}:{line.without_lines}",
        )
        for line in reconcile.posting_lines(db)
        if not line.reconciled
    ]


def latest_build(db: database.Database) -> str | None:
    """The run id of the newest dbt build that finished (succeeded or failed), if any."""
    rows = db.execute(
        f"select run_id from {runlog.SCHEMA}.run_log where kind = 'transform' and status in ('success', 'failed') "
        "order by started_at desc limit 1"
    )
    return rows[0][0] if rows else None


def marts_built(db: database.Database) -> list[Check]:
    """Models the last build did not build (errors, or skipped after one), and core marts missing."""
    latest = latest_build(db)
    if not latest:
        return []
    rows = db.execute(
        f"select unique_id, status from {runlog.SCHEMA}.dbt_results where run_id = ? and resource_type = 'model'",
        (latest,),
    )
    if not rows:
        return []
    unbuilt = sorted(unique_id.rsplit(".", 1)[-1] for unique_id, status in rows if status not in ("success", "pass"))
    missing = [name for name in CORE_MARTS if not db.relation_exists("marts", name)]
    if unbuilt or missing:
        parts = [f"not built in run {latest}: {', '.join(unbuilt[:8])}"] if unbuilt else []
        parts += [f"missing: marts.{', marts.'.join(missing)}"] if missing else []
        return [Check("marts", FAIL, "; ".join(parts), "health:marts")]
    return [Check("marts", OK, f"{len(rows)} models built in run {latest}")]


def dbt_tests(db: database.Database) -> Check:
    latest = latest_build(db)
    if not latest:
        return Check("dbt tests", WARN, "no dbt build recorded yet")
    if not db.execute(f"select 1 from {runlog.SCHEMA}.dbt_results where run_id = ? limit 1", (latest,)):
        # stopped at STEP_TIMEOUT_MINUTES, or dbt failed to start: nothing says its tests passed
        message = f"the dbt build of run {latest} recorded no results (see its transform step in the run log)"
        return Check("dbt tests", WARN, message)
    rows = db.execute(
        f"select unique_id, status, message from {runlog.SCHEMA}.dbt_results "
        "where run_id = ? and resource_type in ('test', 'unit_test') "
        "and status in ('fail', 'error', 'runtime error', 'warn') order by unique_id",
        (latest,),
    )
    failing = [unique_id for unique_id, status, _ in rows if status == "fail"]
    # A test that could not run (the database cancelled or lost its query) found nothing wrong with the data.
    errored = [(unique_id, message) for unique_id, status, message in rows if status in runlog.DBT_COULD_NOT_RUN]
    warning = [unique_id for unique_id, status, _ in rows if status == "warn"]
    if failing or errored:
        parts = [f"{len(failing)} failing (found rows): {', '.join(failing[:5])}"] if failing else []
        if errored:
            reasons = runlog.dbt_error_reasons([message for _, message in errored])
            names = ", ".join(unique_id for unique_id, _ in errored[:5])
            parts.append(f"{len(errored)} could not run ({reasons}): {names}")
        return Check("dbt tests", FAIL, "; ".join(parts), "health:dbt_tests")
    if warning:
        return Check("dbt tests", WARN, f"{len(warning)} warning: {', '.join(warning[:5])}")
    return Check("dbt tests", OK, f"all passed in run {latest}")


def quality_scores(db: database.Database, minimum: float) -> list[Check]:
    """A warning per source whose newest load has a data quality score below `minimum` (the share of
    its rows without an error-level issue, from dbt's quality.data_quality_scores); nothing before
    the first dbt build made that table."""
    rows = runlog.latest_quality_scores(db)
    if not rows:
        return []
    low = [row for row in rows if float(row[6]) < minimum]
    if not low:
        return [Check("data quality", OK, f"{len(rows)} sources, every newest load scores >= {minimum:g}")]
    return [
        Check(
            f"data quality {marketplace}/{account} {source_table}",
            WARN,
            f"load {load_id}: score {float(score):.3f} < {minimum:g} ({errors} of {total} rows left out; "
            "see quality.data_quality_issues)",
        )
        for marketplace, account, source_table, load_id, total, errors, score in low
    ]


def stale_lock() -> Check:
    holder = recorded_holder()
    if holder is None or holds_lock(holder):
        state = f"held by {holder.describe()}" if holder else "free"
        return Check("lock", OK, state)
    message = f"stale lock at {lock_path()}: {holder.describe()} died; the next run clears it"
    return Check("lock", FAIL, message, f"health:lock:{holder.run_id}")


def log_size(settings: ops_config.OpsConfig) -> Check:
    folder = settings.logs_dir
    total = prune.folder_bytes(folder)
    message = f"{folder}: {total / 1024 / 1024:.1f} MB (limit {settings.max_log_bytes / 1024 / 1024:.0f} MB)"
    if total > settings.max_log_bytes:
        return Check("log files", FAIL, f"{message}: run `make prune`", "health:logs")
    return Check("log files", OK, message)


def database_checks(target: str, settings: ops_config.OpsConfig) -> list[Check]:
    if target == "duckdb" and not config.duckdb_path().exists():
        return [Check("database", FAIL, f"{config.duckdb_path()} does not exist: run `make run`", "health:database")]
    writer = writing_elsewhere() if target == "duckdb" else None
    if writer:  # before the open, not after it failed: the open itself would fail the run's next write
        return [busy(writer), *run_in_progress(writer, settings.stuck_after_hours, runlog.utcnow())]
    try:
        closed = close_dead_runs(target)
        with database.connect(target, read_only=target == "duckdb") as db:
            checks = [Check("database", OK, f"{target} reachable")]
            if not db.relation_exists(runlog.SCHEMA, "run_log"):
                return [*checks, Check("run log", FAIL, "no run log yet: run `make run`")]
            return [
                *checks,
                *([closed] if closed else []),
                *clock_behind(db, runlog.utcnow()),
                last_run(db),
                *stuck_runs(db, settings.stuck_after_hours, runlog.utcnow()),
                *freshness(db, settings.freshness_hours, runlog.utcnow()),
                *partial_sources(db),
                *waiting_quarantine(db),
                *postings_without_lines(db),
                *marts_built(db),
                dbt_tests(db),
                *quality_scores(db, settings.min_quality_score),
            ]
    except duckdb.IOException as exc:
        writer = writing_elsewhere()  # a run took the lock after the check above
        if writer:
            return [busy(writer)]
        return [Check("database", FAIL, cli.describe(exc) or mask(str(exc)), "health:database")]
    except (duckdb.Error, psycopg2.Error, OSError) as exc:
        message = cli.describe(exc) or mask(f"{type(exc).__name__}: {exc}".strip())
        return [Check("database", FAIL, message, "health:database")]
    except config.ConfigError as exc:  # a run log table another program made (scripts/runlog.py)
        return [Check("run log", FAIL, str(exc), "health:database")]


def check(target: str) -> list[Check]:
    try:
        settings = ops_config.load()
    except config.ConfigError as exc:
        return [Check("settings", FAIL, str(exc), "health:settings"), data_folders(target), stale_lock()]
    return [data_folders(target), *database_checks(target, settings), stale_lock(), log_size(settings)]


def verdict(checks: list[Check]) -> str:
    statuses = {c.status for c in checks}
    return "UNHEALTHY" if FAIL in statuses else "DEGRADED" if DEGRADED in statuses else "HEALTHY"


def render(checks: list[Check]) -> str:
    lines = [f"health: {verdict(checks)}"]
    lines += [f"  [{c.status.upper():4}] {c.name}: {c.message}" for c in checks]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    parser = argparse.ArgumentParser(prog="python -m scripts.health", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=database.TARGETS, help="default: TARGET (environment or .env), else duckdb")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--alert", action="store_true", help="send what is wrong through the alert channels")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    args.target = config.target(args.target)
    checks = check(args.target)
    state = verdict(checks)
    if args.json:
        report = {"healthy": state == "HEALTHY", "verdict": state.lower(), "checks": [asdict(c) for c in checks]}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        print(render(checks))
    if args.alert:
        failing = [
            alerts.Alert((c.key,), f"{'Unhealthy' if c.status == FAIL else 'Degraded'}: {c.name}", c.message)
            for c in checks
            if c.status in (FAIL, DEGRADED) and c.key
        ]
        alerts.notify_come_what_may(args.target, failing)
    return {"HEALTHY": EXIT_HEALTHY, "DEGRADED": EXIT_DEGRADED}.get(state, EXIT_UNHEALTHY)


if __name__ == "__main__":
    cli.run(main)
