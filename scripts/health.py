"""`python -m scripts.health [--json] [--alert]`: is the pipeline healthy? Exit 0 yes, 1 no.

Checks the database connection, the freshness of every source (its last successful load, per
marketplace, group and account, against `[health.freshness_hours]` in ops.toml), the last run's
status (a run left `running` by a process that is gone is reported dead), partial loads (the
resources that did not load, by name), models the last build did not build, failing dbt tests of
the last build, the data quality score of every source's newest load (against `[health]
min_quality_score`), a stale lock and the size of the log folder.
Verdict and exit code: HEALTHY 0, UNHEALTHY 1 (a check failed), DEGRADED 3 (nothing failed, but
something works only in part: a partial source).
`--alert` also sends what is wrong through the alert channels (cool-down applies).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import asdict, dataclass
from datetime import datetime

import duckdb
import psycopg2

from loaders import config
from loaders.secrets import install_log_masking, mask
from scripts import alerts, database, ops_config, runlog
from scripts.lock import lock_path, pid_alive, recorded_holder

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
        if holder and holder.run_id == run_id and pid_alive(holder.pid):
            return Check("last run", OK, f"run {run_id} in progress since {started:%Y-%m-%d %H:%M} UTC")
        message = (
            f"run {run_id} started {started:%Y-%m-%d %H:%M} UTC is recorded as running, but no live "
            "process holds the lock: it died (the next run closes it)"
        )
        return Check("last run", FAIL, message, f"health:run:{run_id}")
    if status == "success":
        return Check("last run", OK, f"run {run_id} succeeded at {finished:%Y-%m-%d %H:%M} UTC")
    if status == "partial":
        return Check("last run", DEGRADED, f"run {run_id} partial: {mask(message or '')}", f"health:run:{run_id}")
    return Check("last run", FAIL, f"run {run_id} {status}: {mask(message or '')}", f"health:run:{run_id}")


def freshness(db: database.Database, thresholds: dict[str, float], now: datetime) -> list[Check]:
    rows = db.execute(
        f"""
        select marketplace, step_group, account,
               max(case when status in ('success', 'partial') then finished_at end) as last_success
        from {runlog.SCHEMA}.run_log
        where kind = 'load'
        group by marketplace, step_group, account
        order by marketplace, step_group, account"""
    )
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
        else:
            checks.append(Check(f"freshness {source}", OK, f"loaded {_age(now, last_success)}"))
    return checks or [Check("freshness", FAIL, "no load recorded yet: run `make run`")]


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
        where newest.recency = 1 and newest.status = 'partial' and resources.status <> 'ok'
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


def marts_built(db: database.Database) -> list[Check]:
    """Models the last build did not build (errors, or skipped after one), and core marts missing."""
    latest = db.execute(
        f"select run_id from {runlog.SCHEMA}.run_log where kind = 'transform' and status in ('success', 'failed') "
        "order by started_at desc limit 1"
    )
    if not latest:
        return []
    rows = db.execute(
        f"select unique_id, status from {runlog.SCHEMA}.dbt_results where run_id = ? and resource_type = 'model'",
        (latest[0][0],),
    )
    if not rows:
        return []
    unbuilt = sorted(unique_id.rsplit(".", 1)[-1] for unique_id, status in rows if status not in ("success", "pass"))
    missing = [name for name in CORE_MARTS if not db.relation_exists("marts", name)]
    if unbuilt or missing:
        parts = [f"not built in run {latest[0][0]}: {', '.join(unbuilt[:8])}"] if unbuilt else []
        parts += [f"missing: marts.{', marts.'.join(missing)}"] if missing else []
        return [Check("marts", FAIL, "; ".join(parts), "health:marts")]
    return [Check("marts", OK, f"{len(rows)} models built in run {latest[0][0]}")]


def dbt_tests(db: database.Database) -> Check:
    latest = db.execute(
        f"select run_id from {runlog.SCHEMA}.run_log where kind = 'transform' and status in ('success', 'failed') "
        "order by started_at desc limit 1"
    )
    if not latest:
        return Check("dbt tests", WARN, "no dbt build recorded yet")
    rows = db.execute(
        f"select unique_id, status from {runlog.SCHEMA}.dbt_results "
        "where run_id = ? and resource_type in ('test', 'unit_test') and status in ('fail', 'error', 'warn') "
        "order by unique_id",
        (latest[0][0],),
    )
    failing = [unique_id for unique_id, status in rows if status != "warn"]
    warning = [unique_id for unique_id, status in rows if status == "warn"]
    if failing:
        return Check("dbt tests", FAIL, f"{len(failing)} failing: {', '.join(failing[:5])}", "health:dbt_tests")
    if warning:
        return Check("dbt tests", WARN, f"{len(warning)} warning: {', '.join(warning[:5])}")
    return Check("dbt tests", OK, f"all passed in run {latest[0][0]}")


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
    if holder is None or pid_alive(holder.pid):
        state = f"held by {holder.describe()}" if holder else "free"
        return Check("lock", OK, state)
    message = f"stale lock at {lock_path()}: {holder.describe()} died; the next run clears it"
    return Check("lock", FAIL, message, f"health:lock:{holder.run_id}")


def log_size(settings: ops_config.OpsConfig) -> Check:
    folder = settings.logs_dir
    total = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0
    message = f"{folder}: {total / 1024 / 1024:.1f} MB (limit {settings.max_log_bytes / 1024 / 1024:.0f} MB)"
    if total > settings.max_log_bytes:
        return Check("log files", FAIL, f"{message}: run `make prune`", "health:logs")
    return Check("log files", OK, message)


def database_checks(target: str, settings: ops_config.OpsConfig) -> list[Check]:
    if target == "duckdb" and not config.duckdb_path().exists():
        return [Check("database", FAIL, f"{config.duckdb_path()} does not exist: run `make run`", "health:database")]
    try:
        with database.connect(target, read_only=target == "duckdb") as db:
            checks = [Check("database", OK, f"{target} reachable")]
            if not db.relation_exists(runlog.SCHEMA, "run_log"):
                return [*checks, Check("run log", FAIL, "no run log yet: run `make run`")]
            return [
                *checks,
                last_run(db),
                *freshness(db, settings.freshness_hours, runlog.utcnow()),
                *partial_sources(db),
                *marts_built(db),
                dbt_tests(db),
                *quality_scores(db, settings.min_quality_score),
            ]
    except duckdb.IOException as exc:
        holder = recorded_holder()
        if holder and pid_alive(holder.pid):  # DuckDB admits one writer, and a run is writing
            return [Check("database", WARN, f"busy: {holder.describe()} is writing; run checks skipped")]
        return [Check("database", FAIL, mask(str(exc)), "health:database")]
    except (duckdb.Error, psycopg2.Error) as exc:
        return [Check("database", FAIL, mask(f"{type(exc).__name__}: {exc}".strip()), "health:database")]


def check(target: str) -> list[Check]:
    try:
        settings = ops_config.load()
    except config.ConfigError as exc:
        return [Check("settings", FAIL, str(exc), "health:settings"), stale_lock()]
    return [*database_checks(target, settings), stale_lock(), log_size(settings)]


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
    parser.add_argument("--target", choices=database.TARGETS, default=os.environ.get("TARGET", "duckdb"))
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--alert", action="store_true", help="send what is wrong through the alert channels")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
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
        try:
            alerts.notify(args.target, failing)
        except config.ConfigError as exc:
            log.error("alerts not sent: %s", exc)
    return {"HEALTHY": EXIT_HEALTHY, "DEGRADED": EXIT_DEGRADED}.get(state, EXIT_UNHEALTHY)


if __name__ == "__main__":
    sys.exit(main())
