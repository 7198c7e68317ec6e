"""The run log: tables in schema `ops` of the marts' database, one row per run and per step.

The runner writes them between steps, when no loader or dbt process holds the database (DuckDB
admits one writer), and the monitoring marts (`dbt_project/models/monitoring/`) and `make health`
read them. Every text that may carry a secret goes through `loaders.secrets.mask` first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from loaders import config
from loaders.secrets import mask
from scripts.database import Database

SCHEMA = "ops"

# Column types valid on DuckDB and PostgreSQL; dbt_project/models/monitoring/_ops__sources.yml documents them.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "run_log": (
        ("run_id", "text"),
        ("step", "text"),  # 'run' for the run's own row
        ("kind", "text"),  # run | load | transform
        ("step_group", "text"),  # catalogue | orders | stock ...
        ("marketplace", "text"),
        ("account", "text"),
        ("status", "text"),  # running | success | partial | failed | skipped | interrupted | killed | died
        ("started_at", "timestamp"),
        ("finished_at", "timestamp"),
        ("duration_seconds", "double precision"),
        ("rows_loaded", "bigint"),
        ("api_requests", "bigint"),
        ("api_failed_requests", "bigint"),
        ("api_retries", "bigint"),
        ("api_throttled", "bigint"),
        ("peak_memory_mb", "double precision"),
        ("error_class", "text"),
        ("error_message", "text"),
        ("detail", "text"),
    ),
    "run_log_tables": (
        ("run_id", "text"),
        ("step", "text"),
        ("table_name", "text"),
        ("rows_loaded", "bigint"),
    ),
    # What became of each resource of a load step: the loader's outcomes (loaders/outcomes.py).
    "run_log_resources": (
        ("run_id", "text"),
        ("step", "text"),
        ("marketplace", "text"),
        ("account", "text"),
        ("resource", "text"),
        ("status", "text"),  # ok | skipped | failed | left_out
        ("http_status", "bigint"),
        ("endpoint", "text"),
        ("message", "text"),
        ("finished_at", "timestamp"),
    ),
    "dbt_results": (
        ("run_id", "text"),
        ("step", "text"),
        ("unique_id", "text"),
        ("resource_type", "text"),
        ("status", "text"),
        ("failures", "bigint"),
        ("execution_seconds", "double precision"),
        ("message", "text"),
        ("finished_at", "timestamp"),
    ),
    "schema_changes": (
        ("run_id", "text"),
        ("step", "text"),
        ("schema_name", "text"),
        ("version", "bigint"),
        ("table_name", "text"),
        ("column_name", "text"),  # empty for a new table
        ("change", "text"),  # new_table | new_column | type_mismatch | vanished_column
        ("seen_at", "timestamp"),
    ),
}

FINISHED_BAD = ("failed", "interrupted", "killed", "died")


def utcnow() -> datetime:
    """Naive UTC, as stored in `timestamp` columns on both databases."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class StepRecord:
    run_id: str
    step: str
    kind: str
    step_group: str | None = None
    marketplace: str | None = None
    account: str | None = None
    status: str = "running"
    started_at: datetime = field(default_factory=utcnow)
    finished_at: datetime | None = None
    rows: dict[str, int] = field(default_factory=dict)
    resources: list[dict] = field(default_factory=list)  # the loader's outcome of each resource
    api_requests: int | None = None
    api_failed_requests: int | None = None
    api_retries: int | None = None
    api_throttled: int | None = None
    peak_memory_mb: float | None = None
    error_class: str | None = None
    error_message: str | None = None
    detail: str | None = None

    def finish(self, status: str, **values) -> None:
        self.status, self.finished_at = status, utcnow()
        for name, value in values.items():
            setattr(self, name, value)

    def row(self) -> tuple:
        duration = (self.finished_at - self.started_at).total_seconds() if self.finished_at else None
        return (
            self.run_id,
            self.step,
            self.kind,
            self.step_group,
            self.marketplace,
            self.account,
            self.status,
            self.started_at,
            self.finished_at,
            duration,
            sum(self.rows.values()) if self.kind == "load" and self.status in ("success", "partial") else None,
            self.api_requests,
            self.api_failed_requests,
            self.api_retries,
            self.api_throttled,
            self.peak_memory_mb,
            self.error_class,
            mask(self.error_message) if self.error_message else None,
            mask(self.detail) if self.detail else None,
        )


def _insert_sql(table: str) -> str:
    columns = TABLES[table]
    return (
        f"insert into {SCHEMA}.{table} ({', '.join(name for name, _ in columns)}) "
        f"values ({', '.join('?' for _ in columns)})"
    )


def ensure_tables(db: Database) -> None:
    # Created only when missing: PostgreSQL asks for the right to create schemas in the database even
    # when the schema exists, which a role given only its schemas by the DBA lacks.
    if not db.execute("select 1 from information_schema.schemata where schema_name = ?", (SCHEMA,)):
        db.execute(f"create schema {SCHEMA}")
    # Likewise each table: `create table if not exists` asks for CREATE on the schema though the table
    # exists, which a role that may only write the run log's rows lacks.
    existing = {
        name
        for (name,) in db.execute("select table_name from information_schema.tables where table_schema = ?", (SCHEMA,))
    }
    for table, columns in TABLES.items():
        if table not in existing:
            definition = ", ".join(f"{name} {kind}" for name, kind in columns)
            db.execute(f"create table if not exists {SCHEMA}.{table} ({definition})")
    refuse_other_tables(db)


def may_write(db: Database) -> bool:
    """Whether this connection's role may close the runs of the run log (update `run_log`): on
    PostgreSQL a read-only role may not; a DuckDB file opened for writing may be written."""
    if db.target != "postgres" or not db.relation_exists(SCHEMA, "run_log"):
        return True
    return bool(db.execute(f"select has_table_privilege('{SCHEMA}.run_log', 'UPDATE')")[0][0])


def refuse_other_tables(db: Database) -> None:
    """A table of a run log's name that another program (or the seller) made in schema `ops` lacks the
    run log's columns: one line naming it, not a traceback from the first statement that reads or writes it."""
    existing: dict[str, set[str]] = {}
    for table, column in db.execute(
        "select table_name, column_name from information_schema.columns where table_schema = ?", (SCHEMA,)
    ):
        existing.setdefault(table, set()).add(column)
    for table, columns in TABLES.items():
        if missing := [name for name, _ in columns if table in existing and name not in existing[table]]:
            raise config.ConfigError(
                f"{SCHEMA}.{table} is not the run log's table (no column {', '.join(missing)}): another program "
                f"made it; rename or drop it and the runner creates its own"
            )


def write_step(db: Database, record: StepRecord) -> None:
    """Insert or replace the row of (run_id, step), its rows per table and its resources' outcomes, all
    or nothing (on DuckDB each statement committed on its own: a full disk kept the delete of a run's
    row and failed its insert, and health, finding no run, said HEALTHY)."""
    ensure_tables(db)
    with db.transaction():
        _replace_step(db, record)


def _replace_step(db: Database, record: StepRecord) -> None:
    db.execute(f"delete from {SCHEMA}.run_log where run_id = ? and step = ?", (record.run_id, record.step))
    db.execute(_insert_sql("run_log"), record.row())
    db.execute(f"delete from {SCHEMA}.run_log_tables where run_id = ? and step = ?", (record.run_id, record.step))
    db.executemany(
        _insert_sql("run_log_tables"),
        [(record.run_id, record.step, table, rows) for table, rows in sorted(record.rows.items())],
    )
    db.execute(f"delete from {SCHEMA}.run_log_resources where run_id = ? and step = ?", (record.run_id, record.step))
    db.executemany(
        _insert_sql("run_log_resources"),
        [
            (
                record.run_id,
                record.step,
                record.marketplace,
                record.account,
                outcome["resource"],
                outcome["status"],
                outcome.get("http_status"),
                outcome.get("endpoint"),
                mask(outcome["message"]) if outcome.get("message") else None,
                record.finished_at,
            )
            for outcome in record.resources
        ],
    )


# dbt's statuses of a node that could not run (the database refused or lost the statement, the SQL did not
# compile), as against a test that ran and found rows (`fail`).
DBT_COULD_NOT_RUN = ("error", "runtime error")
# The lines around the reason in dbt's message of a node that could not run: a header naming the node
# ("Database Error in test <name> (<path>)", "<project>.on-run-start.0 failed, error:") and where its
# compiled SQL is; in its log, the line that opens an error that stopped it ("Encountered an error:").
_DBT_MESSAGE_FRAME = re.compile(r"^(\w+ )?Error in \w+ |failed, error:$|^compiled code at |^Encountered an error:$")
# An entry of dbt's log file: "<ESC>[0m14:18:21.596830 [error] [MainThread]: <message, maybe many lines>".
_DBT_LOG_ENTRY = re.compile(r"^(?:\x1b\[0m)?\d\d:\d\d:\d\d\.\d+ \[(\w+)\s*\] \[[^\]]*\]: ", re.MULTILINE)


def shortened(text: str, longest: int) -> str:
    """`text`, cut to `longest` characters with … when it is longer."""
    return text if len(text) <= longest else f"{text[: longest - 1]}…"


def dbt_error_reason(message: str | None) -> str:
    """Why dbt could not run a node, in one line: the first line of its message that is neither the
    header naming the node nor the compiled code's path ("canceling statement due to statement
    timeout", "server closed the connection unexpectedly"), masked and at most 200 characters."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    reason = next((line for line in lines if not _DBT_MESSAGE_FRAME.search(line)), lines[0] if lines else "")
    return mask(reason)[:200] or "no message"


def dbt_logged_error(log_text: str) -> str | None:
    """The reason (`dbt_error_reason`) of the last error in `log_text`, a part of dbt's log file, or
    None: why a dbt command stopped before it ran any node (a var that failed its check in
    macros/settings.sql, a project that did not parse, a database that refused the connection),
    which leaves no run results to read it from."""
    entries = list(_DBT_LOG_ENTRY.finditer(log_text))
    ends = [entry.start() for entry in entries[1:]] + [len(log_text)] if entries else []
    errors = [
        log_text[entry.end() : end] for entry, end in zip(entries, ends, strict=True) if entry.group(1) == "error"
    ]
    # a run's banner line ("==== 14:18:21 | <invocation id> ====") is no part of the message before it
    return dbt_error_reason(re.split(r"^=+ ", errors[-1], flags=re.MULTILINE)[0]) if errors else None


def dbt_error_reasons(messages: list[str | None], at_most: int = 3) -> str:
    """The distinct reasons of `messages` (`dbt_error_reason`), the first `at_most`, in one line."""
    reasons = list(dict.fromkeys(dbt_error_reason(message) for message in messages))
    return " | ".join(reasons[:at_most]) + (f" | {len(reasons) - at_most} more" if len(reasons) > at_most else "")


def write_dbt_results(db: Database, run_id: str, step: str, results: list[dict]) -> None:
    ensure_tables(db)
    finished = utcnow()
    db.executemany(
        _insert_sql("dbt_results"),
        [
            (
                run_id,
                step,
                result["unique_id"],
                result["unique_id"].split(".", 1)[0],
                result["status"],
                result.get("failures"),
                result.get("execution_time"),
                mask(result["message"]) if result.get("message") else None,
                finished,
            )
            for result in results
        ],
    )


def write_schema_changes(db: Database, run_id: str, step: str, changes: list[tuple[str, int, str, str, str]]) -> None:
    """`changes`: (schema_name, version, table_name, column_name, change)."""
    ensure_tables(db)
    seen = utcnow()
    db.executemany(_insert_sql("schema_changes"), [(run_id, step, *change, seen) for change in changes])


def mark_killed(db: Database, run_id: str) -> int:
    """A run whose process died leaves rows 'running': mark them 'killed'. Returns how many."""
    ensure_tables(db)
    rows = db.execute(f"select count(*) from {SCHEMA}.run_log where run_id = ? and status = 'running'", (run_id,))[0][0]
    db.execute(
        f"update {SCHEMA}.run_log set status = 'killed', error_message = 'the run process died (stale lock)' "
        "where run_id = ? and status = 'running'",
        (run_id,),
    )
    return rows


def close_dead_runs(db: Database, current_run_id: str) -> int:
    """Rows other runs left 'running' (their process died: a dropped database connection, a crash)
    are closed as 'died'. Called by a run that holds the lock, so no other run can be alive."""
    ensure_tables(db)
    rows = db.execute(
        f"select count(*) from {SCHEMA}.run_log where run_id <> ? and status = 'running'", (current_run_id,)
    )[0][0]
    db.execute(
        f"update {SCHEMA}.run_log set status = 'died', "
        "error_message = coalesce(error_message, 'the run ended without recording its outcome') "
        "where run_id <> ? and status = 'running'",
        (current_run_id,),
    )
    return rows


def running_runs(db: Database) -> list[tuple[str, datetime]]:
    """(run_id, started_at) of every run still recorded as running, oldest first."""
    if not db.relation_exists(SCHEMA, "run_log"):
        return []
    refuse_other_tables(db)
    return db.execute(
        f"select run_id, started_at from {SCHEMA}.run_log where kind = 'run' and status = 'running' order by started_at"
    )


def last_statuses(db: Database, step_group: str, marketplace: str) -> dict[str, tuple[str, str | None]]:
    """account -> (status, error class) of the latest load of `step_group` for `marketplace` that ran: a
    load skipped because its run was stopped before it says nothing of the account (read as the latest,
    a Ctrl-C'd run's skipped catalogue made every stock and orders run of the account skip and fail
    until the next catalogue run, a day later on the default schedule)."""
    if not db.relation_exists(SCHEMA, "run_log"):
        return {}
    rows = db.execute(
        f"""
        select account, status, error_class from (
            select account, status, error_class,
                   row_number() over (partition by account order by started_at desc) as recency
            from {SCHEMA}.run_log
            where kind = 'load' and step_group = ? and marketplace = ? and status not in ('running', 'skipped')
        ) as latest
        where recency = 1""",
        (step_group, marketplace),
    )
    return {account: (status, error_class) for account, status, error_class in rows}


def loaded_before(db: Database, run_id: str, steps: list[str]) -> set[str]:
    """The load steps among `steps` that loaded something (success or partial) in a run before `run_id`."""
    if not steps or not db.relation_exists(SCHEMA, "run_log"):
        return set()
    rows = db.execute(
        f"select distinct step from {SCHEMA}.run_log where kind = 'load' and status in ('success', 'partial')"
        f" and run_id <> ? and step in ({', '.join('?' for _ in steps)})",
        (run_id, *steps),
    )
    return {step for (step,) in rows}


QUALITY_SCHEMA = "quality"  # dbt's data quality models (dbt_project.yml)


def latest_quality_scores(db: Database) -> list[tuple]:
    """(marketplace, account, source_table, load_id, rows, rows_with_errors, score) of the newest load
    of every source, from dbt's quality.data_quality_scores; empty before a build made it."""
    if not db.relation_exists(QUALITY_SCHEMA, "data_quality_scores"):
        return []
    return db.execute(
        f"select marketplace, account, source_table, load_id, rows, rows_with_errors, score "
        f"from {QUALITY_SCHEMA}.data_quality_scores where is_latest order by marketplace, account, source_table"
    )


def quality_summary(db: Database, minimum: float) -> str:
    """One line for the transform step's detail: how many sources score below `minimum`, and which."""
    scores = latest_quality_scores(db)
    if not scores:
        return ""
    low = [f"{m}/{a} {table} {float(score):.3f}" for m, a, table, _, _, _, score in scores if float(score) < minimum]
    if not low:
        return f"data quality: {len(scores)} sources, all >= {minimum:g}"
    return f"data quality: {len(low)} of {len(scores)} sources below {minimum:g} ({', '.join(low[:5])})"
