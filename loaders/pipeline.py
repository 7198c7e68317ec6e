"""Build dlt pipelines per marketplace account and destination, and run them."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders import cli, config, duckdb_destination, outcomes, raw_columns, resync
from loaders.http import ApiClient
from loaders.outcomes import Outcomes, ResourceOutcome
from loaders.progress import ResourceProgress
from loaders.storable import StorableValues

log = logging.getLogger(__name__)

DESTINATIONS = ("duckdb", "postgres")
# Measured here: parquet loads DuckDB ~14x faster than insert_values; COPY (csv) ~3x on PostgreSQL.
LOADER_FILE_FORMATS = {"duckdb": "parquet", "postgres": "csv"}

# dlt settings that keep a load's peak memory flat in the size of the data; set as environment
# defaults, so an explicit LOAD__WORKERS or DATA_WRITER__BUFFER_MAX_ITEMS still wins. Measured
# (peak RSS of `python -m loaders ozon`, DuckDB, 7 days of orders, 1,000 -> 4,000 products): dlt's
# defaults 349 -> 465 MB, of which the load step alone added 95 -> 140 MB: dlt runs up to 20 load
# jobs at once, each a DuckDB COPY of a whole parquet file, so the peak grew with the files. One
# job at a time (DuckDB parallelises each COPY on its own threads) cost no time and cut the load
# step to +25-55 MB. dlt's writers buffer up to 5,000 items per table before writing (extract:
# one buffer per resource; normalize: one per nested table), ~75 MB at these sizes; 2,000 bounds
# them lower. Both are caps, so above a few thousand products the peak stops growing: with these
# settings 278 -> 309 MB, in about the same time (26-32 s at 4,000 on a shared 2-core machine).
# PostgreSQL keeps dlt's defaults: its csv files go by COPY from the client with neither DuckDB nor
# pyarrow in the process, 176 MB at 4,000 products, and smaller buffers only slowed its normalize.
# (These peaks were read inside the loader process; see scripts/steps.py `run_measured` for why a
# parent's wait4 figure is not the child's.)
# dlt gzips its intermediate files (extract's jsonl, normalize's output), which live only until
# the load: a tenth of an Ozon load's CPU samples (py-spy, 8,000 products). Uncompressed, a full
# load took 6 % (Ozon) and 14 % (Wildberries) less CPU time at 8,000 products.
# Normalize is the largest share of a big load's CPU (py-spy, Ozon full load at 8,000 products:
# 37 %, dlt flattening rows one by one in Python). dlt can normalize in worker processes, one
# group of extracted files each; a file per table gives one worker the postings, so files are cut
# at FILE_MAX_ITEMS rows (normalize's own output files too: more load jobs, the same rows). The
# workers start by `spawn`: forking a process whose other threads (accounts side by side) may hold
# a lock could leave the worker waiting on it forever.
NORMALIZE_SETTINGS = {"DATA_WRITER__FILE_MAX_ITEMS": "10000", "NORMALIZE__START_METHOD": "spawn"}
LOADER_SETTINGS = {
    "duckdb": {
        "LOAD__WORKERS": "1",
        "DATA_WRITER__BUFFER_MAX_ITEMS": "2000",
        "DATA_WRITER__DISABLE_COMPRESSION": "true",
        **NORMALIZE_SETTINGS,
    },
    "postgres": NORMALIZE_SETTINGS,
}
# Starting a worker costs about a second (a fresh interpreter importing dlt), so a package is
# normalized in parallel from this many extracted rows: measured (Ozon full load, DuckDB, 2 cores),
# 28,000 rows normalized in 3.9 s alone and 4.3-4.5 s with two workers; 112,000 rows 13.2-13.9 s
# alone, 8.5-8.6 s with two.
PARALLEL_NORMALIZE_FROM_ROWS = 50_000
# DuckDB settings of the loader's own connection (dbt's are its own). The peak of a load is its
# load step: DuckDB merging the staging tables into raw (dlt's delete-insert SQL), whose memory
# grew with the rows merged (852 MB for a million postings at 100,000 products). With its
# de-duplication rewritten to spill (loaders/duckdb_destination.py), DuckDB keeps to a memory
# limit. Measured (peak RSS of `python -m loaders ozon`, 14 days of orders): 293 / 451 MB at
# 8,000 / 30,000 products without a limit, 296 / 360 MB with 128MB (381 MB at 100,000, where
# dlt's own merge took 852 MB; Wildberries 605 -> 371 MB), in the same time; 64MB: 295 MB at
# 30,000 and 369 MB at 100,000.
# One thread: with both cores the merge took more memory (329 -> 398 MB for 4,000 -> 8,000
# products; 293 -> 322 MB with one) in the same time. dlt would open and close the database for
# every load job (py-spy: a fifth of an Ozon load's wall time at 2,000 products); a load keeps one
# connection instead (`destination`), whose buffer pool, kept across the jobs, this limit bounds:
# full load peaks 340 / 333 MB (Ozon / Wildberries) at 8,000 products, against 294 / 252 MB with a
# connection per job.
DEFAULT_DUCKDB_MEMORY_LIMIT = "128MB"
# dlt merges through a staging dataset: a load copies its files into staging tables, truncated when
# the load starts, then merges them into raw. By default (`<dataset>_staging`) every account of a
# marketplace shares them. A load killed part way is finished by its account's next run (`run`), but
# another account's load in between truncated the shared tables first, so the finished merge lacked
# whatever had been copied before the kill (found by the soak: 31 postings without their product
# lines; postings themselves can go the same way, on PostgreSQL too). Each account has its own
# staging dataset, which only its own pipeline writes, and that pipeline finishes a pending load
# before it starts another.


def staging_dataset_layout(account: str) -> str:
    """dlt's `staging_dataset_name_layout` for `account` (`%s` is the dataset): in lower case, as dlt
    would name it anyway (with a warning per table for an account named in capitals); the account
    names config accepts are otherwise left as they are by dlt's naming."""
    return f"%s_staging_{account.lower()}"


# The accounts of one loader process load side by side (loaders/__main__.py), so that one account's
# wait on its rate limits is not the others' too; they take turns with the database (dlt's state and
# schema read from it, normalize, load): DuckDB takes one writer, and two merges into the same raw
# tables would conflict. Only the extract (the requests to the marketplace) runs outside the turn.
# Re-entrant: finishing a pending load happens inside the turn that prepares the account.
_database_turn = threading.RLock()


def duckdb_loader_config() -> dict[str, Any]:
    limit = config.memory_limit("DUCKDB_LOADER_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)
    return {"threads": 1, "memory_limit": limit}


class LoaderMemoryError(RuntimeError):
    """DuckDB needed more than the loader's memory limit (`DUCKDB_LOADER_MEMORY_LIMIT`)."""


def apply_loader_settings(destination_name: str) -> None:
    for name, value in LOADER_SETTINGS[destination_name].items():
        os.environ.setdefault(name, value)


@dataclass
class PreparedSource:
    """A dlt source for one account, the HTTP clients it uses (for request counts), the failures
    its resources recorded instead of raising (`loaders/outcomes.py`), and the resources that read
    only part of their window in this load, which `run` loads again."""

    source: Any
    clients: list[ApiClient]
    outcomes: Outcomes | None = None
    unfinished: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Marketplace:
    """How to load one marketplace: its accounts, its dlt source and where the rows go."""

    name: str
    dataset: str
    resources: tuple[str, ...]
    accounts: Callable[[], list]
    prepare: Callable[[Any], PreparedSource]
    needs: dict[str, str] = field(default_factory=dict)  # transformer -> the resource that feeds it
    # resource -> the tables it sends rows to besides its own (dlt.mark), for their raw columns
    routed: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class LoadResult:
    marketplace: str
    account: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    requests: int = 0
    failed: int = 0
    retries: int = 0
    throttled: int = 0
    resources: list[dict] = field(default_factory=list)  # ResourceOutcome of each selected resource
    status: str = "complete"  # complete | partial | failed (loaders.outcomes.load_status)


@contextmanager
def destination(name: str, account: str) -> Iterator[Any]:
    """The destination `name` for the loads of `account`, with a staging dataset of its own. On
    DuckDB, with one connection for the whole load: dlt would otherwise open the file for each of
    its jobs and queries (about a third of a small load's time), and it never closes a connection
    it was given. Closed when the load is over, so that the file is free for the next writer."""
    staging = {"staging_dataset_name_layout": staging_dataset_layout(account)}
    if name == "postgres":
        yield dlt.destinations.postgres(credentials=config.postgres_credentials(), **staging)
        return
    if name != "duckdb":
        raise config.ConfigError(f"unknown destination {name!r}: use one of {', '.join(DESTINATIONS)}")
    path = config.duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as connection:
        credentials = DuckDbCredentials(connection)
        credentials.global_config = duckdb_loader_config()
        yield duckdb_destination.duckdb(credentials=credentials, **staging)


def extracted_rows(trace) -> dict[str, int]:
    """Rows the API returned per root table in this run.

    Taken from the extract step: dlt 1.31's csv writer (our PostgreSQL format) counts cells, not
    rows, in the normalize step's row counts.
    """
    counts: Counter[str] = Counter()
    for load_metrics in trace.last_extract_info.metrics.values():
        for metrics in load_metrics:
            for table, table_metrics in metrics["table_metrics"].items():
                if not table.startswith("_dlt"):
                    counts[table] += table_metrics.items_count
    return dict(counts)


def configured_normalize_workers() -> int:
    """LOADER_NORMALIZE_WORKERS: the processes that normalize a big package (default: the
    machine's cores, at most 2; 1 normalizes in the loader's own process)."""
    return config.whole_number("LOADER_NORMALIZE_WORKERS", min(2, os.cpu_count() or 1), 1, 16, "processes")


def normalize_workers(rows: int) -> int:
    """Processes to normalize `rows` extracted rows with: one for a small package."""
    return configured_normalize_workers() if rows >= PARALLEL_NORMALIZE_FROM_ROWS else 1


def normalize_and_load(pipeline, destination_name: str, rows: int = 0) -> None:
    """Normalize and load every package extracted so far (`rows` root rows, when known), in one go,
    in the database's turn."""
    with _database_turn, _memory_made_clear(destination_name):
        pipeline.normalize(workers=normalize_workers(rows))
        if destination_name == "postgres":
            _drop_views_reading(pipeline, _tables_to_drop(pipeline))
        pipeline.load()


# The views (dbt's staging models, and any built on them) that read the given tables of a schema.
# PostgreSQL records a view's reads in pg_depend, through the view's rewrite rule.
VIEWS_READING = """
select distinct view_schema.nspname, dependent.relname, dependent.relkind
from pg_depend as dependency
join pg_rewrite as rule on rule.oid = dependency.objid
join pg_class as dependent on dependent.oid = rule.ev_class
join pg_namespace as view_schema on view_schema.oid = dependent.relnamespace
join pg_class as table_read on table_read.oid = dependency.refobjid
join pg_namespace as read_schema on read_schema.oid = table_read.relnamespace
where dependency.classid = 'pg_rewrite'::regclass and dependency.refclassid = 'pg_class'::regclass
  and read_schema.nspname = %s and table_read.relname = any(%s) and dependent.oid <> table_read.oid
order by 1, 2
"""


def _tables_to_drop(pipeline) -> list[str]:
    """The tables the normalized packages of `pipeline` drop when they load and have not dropped yet: a
    full refresh (`refresh="drop_sources"`) drops the source's tables in the load step."""
    tables: set[str] = set()
    for load_id in pipeline.list_normalized_load_packages():
        state = pipeline.get_load_package_state(load_id)
        if "applied_dropped_tables" not in state:
            tables.update(table["name"] for table in state.get("dropped_tables", []))
    return sorted(tables)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _drop_views_reading(pipeline, tables: list[str]) -> None:
    """Drop the views that read `tables` of the pipeline's dataset, with the views built on them
    (CASCADE), before dlt drops the tables: PostgreSQL refuses to drop a table a view reads (dlt's
    `DROP TABLE` has no CASCADE), which failed every full refresh once dbt had built its staging
    views over raw. DuckDB does not track what a view reads, so there dlt's drop succeeds and the
    views read the new tables. The next dbt build creates the dropped views again."""
    if not tables:
        return
    with pipeline.sql_client() as client:
        views = client.execute_sql(VIEWS_READING, pipeline.dataset_name, tables) or []
        if not views:
            return
        with client.begin_transaction():
            for schema, name, kind in views:
                what = "materialized view" if kind == "m" else "view"
                client.execute_sql(f"drop {what} if exists {_quoted(schema)}.{_quoted(name)} cascade")
    names = [f"{schema}.{name}" for schema, name, _ in views]
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    log.warning(
        "%s: full refresh: dropped %d views that read the %s tables it drops (%s), with any view built on"
        " them (CASCADE); the next dbt build (make build, or make run) creates them again",
        pipeline.pipeline_name.replace("__", " account ", 1),
        len(names),
        pipeline.dataset_name,
        shown,
    )


@contextmanager
def _memory_made_clear(destination_name: str) -> Iterator[None]:
    try:
        yield
    except PipelineStepFailed as exc:
        # A full disk reads "Out of Memory: failed to offload data block ... max_temp_directory_size"
        # on DuckDB: no memory limit helps there, so it goes on as the disk error it is.
        full_disk = "max_temp_directory_size" in str(exc) or "No space left on device" in str(exc)
        if destination_name == "duckdb" and "Out of Memory" in str(exc) and not full_disk:
            limit = duckdb_loader_config()["memory_limit"]
            raise LoaderMemoryError(
                f"DuckDB needed more than the loader's memory limit of {limit} in dlt's {exc.step} step; "
                "the statement that failed was rolled back and the load stays pending. Raise "
                "DUCKDB_LOADER_MEMORY_LIMIT (e.g. 512MB) and run again: the next run finishes it first."
            ) from exc
        raise


def _finish_pending(pipeline, destination_name: str, label: str) -> None:
    """Finish the load an earlier run left pending. One that fails again is aborted: dlt restores the
    state it began from, so this run reads its data afresh (rows of it already in raw belong to no
    completed load, which the models leave out). Retried run after run instead, a package holding a
    value the database refuses failed every later run of the account, even once the marketplace no
    longer sent the value."""
    log.info("%s: finishing the load an earlier run left pending", label)
    try:
        normalize_and_load(pipeline, destination_name)
    except PipelineStepFailed as exc:
        log.error(
            "%s: the load an earlier run left pending failed again, so it is aborted and this run reads its data"
            " afresh: %s",
            label,
            cli.in_one_line(exc),
        )
        with _database_turn:
            pipeline.abort_packages()


def _remove_committed_leftovers(pipeline, label: str) -> None:
    """dlt's normalize commits a package by renaming it into `load/normalized`, then deletes its
    extracted copy (dlt logs "do not kill this process" in between). A kill there leaves the copy,
    part deleted, and every later normalize of the pipeline fails on it (`FileNotFoundError` on its
    `new_jobs`): the account would never load again. A copy whose package is already committed is
    removed; the committed package is loaded as any pending one."""
    working = Path(pipeline.working_dir)
    extracted = working / "normalize" / "extracted"
    committed = [working / "load" / folder for folder in ("normalized", "loaded")]
    for copy in sorted(extracted.iterdir()) if extracted.is_dir() else ():
        if any((folder / copy.name).is_dir() for folder in committed):
            log.warning(
                "%s: removed the leftover of package %s, normalized by a process killed while committing it",
                label,
                copy.name,
            )
            shutil.rmtree(copy)


def _outcomes_resource(account: str, settled, data_load_id: str | None) -> Any:
    """One `resource_outcomes` row per resource of this run, naming the package of the data."""
    synced_at = config.now()
    rows = [{"account": account, "synced_at": synced_at, **o.row(), "data_load_id": data_load_id} for o in settled]
    return dlt.resource(rows, name=outcomes.TABLE, write_disposition="append", columns=outcomes.COLUMNS)


def _prepare(marketplace: Marketplace, account: Any, pipeline, full_refresh: bool) -> PreparedSource:
    """`marketplace.prepare(account)` with the raw columns the dbt models read declared on its
    resources (`loaders/raw_columns.py`); a full refresh drops the tables, so every one is declared."""
    prepared = marketplace.prepare(account)
    with _database_turn:
        typed = set() if full_refresh else raw_columns.typed_columns(pipeline, prepared.source.name)
    raw_columns.declare(prepared.source, marketplace.routed, typed)
    return prepared


@dataclass
class Extracted:
    """What the extract of one account's load read: rows per table, the clients that read them (for
    their request counts), the resources' failures and read windows, and the first data package."""

    selected: tuple[str, ...] = ()
    rows: Counter[str] = field(default_factory=Counter)
    clients: list[ApiClient] = field(default_factory=list)
    failures: dict[str, ResourceOutcome] = field(default_factory=dict)
    windows: dict[str, tuple[str, int]] = field(default_factory=dict)
    data_load_id: str | None = None
    pending_rows: int = 0  # extracted since the last normalize: the one after it sizes its workers by them
    changed: dict[str, str] = field(default_factory=dict)  # what was made storable, per resource


def _extract(
    marketplace: Marketplace,
    account: Any,
    pipeline,
    resources: tuple[str, ...],
    full_refresh: bool,
    destination_name,
    progress,
) -> Extracted:
    """Extract `resources` of `account` (none: nothing to read); a resource that read only part of its
    window (a marketplace caps what one load holds) goes on in a load of its own."""
    read = Extracted()
    if not resources:
        return read
    prepared = _prepare(marketplace, account, pipeline, full_refresh)
    source = prepared.source.with_resources(*resources)
    read.selected = tuple(source.selected_resources)
    refresh = "drop_sources" if full_refresh else None
    file_format = LOADER_FILE_FORMATS[destination_name]
    storable = StorableValues()
    while True:
        progress.watch(source)
        storable.watch(source)
        info = pipeline.extract(source, refresh=refresh, loader_file_format=file_format)
        read.data_load_id = read.data_load_id or (info.loads_ids[-1] if info.loads_ids else None)
        extracted = extracted_rows(pipeline.last_trace)
        read.rows.update(extracted)
        read.pending_rows = sum(extracted.values())
        read.clients += prepared.clients
        if prepared.outcomes:
            read.failures.update(prepared.outcomes.failures)
            outcomes.windows_merge(read.windows, prepared.outcomes.windows)
        if not prepared.unfinished:
            read.changed = storable.summary()
            for resource, changed in read.changed.items():
                log.warning(
                    "%s account %s: %s: %s: %s",
                    marketplace.name,
                    account.name,
                    resource,
                    outcomes.CHANGED_TO_BE_STORABLE,
                    changed,
                )
            return read
        normalize_and_load(pipeline, destination_name, read.pending_rows)
        left = sorted(prepared.unfinished)
        log.info("%s account %s: %s continue in another load", marketplace.name, account.name, ", ".join(left))
        prepared = _prepare(marketplace, account, pipeline, full_refresh=False)
        source, refresh = prepared.source.with_resources(*left), None


def with_feeders(resources: tuple[str, ...], needs: dict[str, str]) -> tuple[str, ...]:
    """`resources` with the resource that feeds each transformer among them (`needs`), before them.

    A transformer reads its feeder whether or not the feeder is selected; selected, what it read is
    stored too, in the same load and with the same synced_at. So the database holds what the
    transformer asked for: Ozon's analytics_stocks asks for the SKUs of the product list it read,
    and int_ozon_stock_products_unasked compares that list with each snapshot. Loaded without it
    (the stock group), the stored list kept the catalogue load's time, and every later snapshot
    looked as if the list had left out every product."""
    feeders = [needs[name] for name in resources if name in needs and needs[name] not in resources]
    return (*dict.fromkeys(feeders), *resources)


def run(
    marketplace: Marketplace,
    account: Any,
    destination_name: str = "duckdb",
    resources: tuple[str, ...] | None = None,
    full_refresh: bool = False,
    alone: bool = True,
) -> LoadResult:
    """Load one account of `marketplace` into its raw dataset (`alone`: no other load shares the
    terminal, so progress lines are rewritten in place there).

    A resource that fails (see `loaders/outcomes.py`) costs only itself: the others load and
    commit, and the result's `resources` and `status` say what became of each. Raises only when
    the load itself fails (the database, dlt, the configuration).
    """
    started = time.monotonic()
    wanted = resources or marketplace.resources
    kept = tuple(name for name in wanted if name not in account.skip_resources)
    unread = [name for name in wanted if name not in kept]
    resources = with_feeders(kept, marketplace.needs)
    left_out = outcomes.left_out(unread, account.variable("SKIP_RESOURCES")) if unread else []
    if left_out:
        names = ", ".join(outcome.resource for outcome in left_out)
        log.info("%s account %s: %s %s", marketplace.name, account.name, names, left_out[0].message)
    progress = ResourceProgress(f"{marketplace.name} account {account.name}", in_place=alone)
    apply_loader_settings(destination_name)
    with destination(destination_name, account.name) as target:
        with _database_turn:
            pipeline = dlt.pipeline(
                pipeline_name=f"{marketplace.name}__{account.name}",
                destination=target,
                dataset_name=marketplace.dataset,
                pipelines_dir=str(config.pipelines_dir()),
                progress=progress,
            )
            _remove_committed_leftovers(pipeline, f"{marketplace.name} account {account.name}")
            if pipeline.has_pending_data:
                # An earlier run failed in normalize or load; dlt would load that and extract nothing.
                _finish_pending(pipeline, destination_name, f"{marketplace.name} account {account.name}")
            resync.bring_in_step(pipeline, f"{marketplace.name} account {account.name}")
        read = _extract(marketplace, account, pipeline, resources, full_refresh, destination_name, progress)
        settled = outcomes.settle(read.selected, read.failures, marketplace.needs, read.windows, read.changed)
        resource_outcomes = [*settled, *left_out]
        # In the same load as the data (a package of its own, loaded after it): a second load would
        # cost each account's load a normalize and a load step more. A load that leaves out every
        # resource still records that it did.
        pipeline.extract(
            _outcomes_resource(account.name, resource_outcomes, read.data_load_id),
            loader_file_format=LOADER_FILE_FORMATS[destination_name],
        )
        normalize_and_load(pipeline, destination_name, read.pending_rows)
    return LoadResult(
        marketplace=marketplace.name,
        account=account.name,
        rows=dict(read.rows),
        seconds=time.monotonic() - started,
        resources=[asdict(outcome) for outcome in resource_outcomes],
        status=outcomes.load_status(resource_outcomes),
        **{
            stat: sum(client.stats[stat] for client in read.clients)
            for stat in ("requests", "failed", "retries", "throttled")
        },
    )
