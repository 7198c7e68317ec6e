"""Faults of the environment end every program with one line naming the problem and the fix, a
non-zero exit and no traceback (DEBUG=1 shows it); the runner records the run as failed where it can."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import duckdb
import psycopg2
import pytest

from loaders import __main__ as loader_main
from loaders import cli, config
from loaders.config import OzonAccount
from scripts import database, run, runlog, steps
from serving import publish
from tests.support.operations import DBT, closed_port, isolated_ops, one_line_error, query, run_script

RUN = ("scripts.run", "--transform-only")
PRUNE = ("scripts.prune",)
SUMMARY = ("scripts.summary",)
RECONCILE = ("scripts.reconcile",)
LOCKED_BUILD = ("scripts.locked", "build", "true")


@pytest.fixture
def ops(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    return tmp_path


def test_a_file_that_is_not_a_duckdb_database(ops, workdir):
    with open(workdir["DUCKDB_PATH"], "wb") as file:
        file.write(b"\x00junk, not a database\xff" * 200)
    for program in (RUN, PRUNE, SUMMARY):  # health reports it as a check (test_operations_health.py)
        line = one_line_error(run_script(*program))
        assert f"{workdir['DUCKDB_PATH']} is not a DuckDB database" in line, program
        assert "point DUCKDB_PATH at the right file" in line
    debug = run_script("scripts.prune", env={"DEBUG": "1"})
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_unreachable_postgres(ops):
    env = {"TARGET": "postgres", "PGHOST": "127.0.0.1", "PGPORT": str(closed_port())}
    for program in (RUN, PRUNE, SUMMARY, RECONCILE):
        line = one_line_error(run_script(*program, env=env))
        assert f"cannot connect to PostgreSQL at 127.0.0.1:{env['PGPORT']}" in line, program
        assert "set PGHOST, PGPORT" in line
    health = run_script("scripts.health", env=env)
    assert health.returncode == 1 and f"cannot connect to PostgreSQL at 127.0.0.1:{env['PGPORT']}" in health.stdout


def test_a_postgres_setting_libpq_or_the_server_refuses_is_named_not_called_a_lost_connection(ops, postgres_database):
    for setting, value, reported in (
        ("PGSSLMODE", "bogus", 'invalid sslmode value: "bogus"'),
        ("PGOPTIONS", "-c nosuch_setting=1", 'unrecognized configuration parameter "nosuch_setting"'),
    ):
        for program in (SUMMARY, RECONCILE):
            line = one_line_error(run_script(*program, env={"TARGET": "postgres", setting: value}))
            assert f"a PostgreSQL connection setting is not valid ({reported})" in line, program
            assert "fix PGSSLMODE, PGOPTIONS" in line and "was lost" not in line


def test_a_data_folder_under_a_file(ops, tmp_path, monkeypatch):
    """A folder that cannot be created stands in for a read-only one: tests may run as root, whom
    file permissions do not stop."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(blocker / "dlt"))  # run.lock goes in its parent
    for program in (RUN, PRUNE, LOCKED_BUILD):
        line = one_line_error(run_script(*program))
        assert f"cannot write under {blocker}" in line and "DLT_PIPELINES_DIR" in line, program


def test_an_ops_config_that_cannot_be_read_is_one_line_naming_it(ops, tmp_path, monkeypatch):
    """OPS_CONFIG naming a folder: IsADirectoryError tracebacks, and `make run-transform` died after
    its build with the transform step left running."""
    monkeypatch.setenv("OPS_CONFIG", str(tmp_path))
    for program in (("scripts.prune",), ("scripts.cron", "show")):
        line = one_line_error(run_script(*program))
        assert f"OPS_CONFIG={str(tmp_path)!r}: cannot read it (Is a directory)" in line, program
    health = run_script("scripts.health")
    assert health.returncode != 0 and "Traceback" not in health.stderr, health.stderr
    assert f"OPS_CONFIG={str(tmp_path)!r}: cannot read it" in health.stdout + health.stderr
    assert run._min_quality_score() == 0.99  # the transform step's quality line falls back to the default


def test_a_duckdb_path_that_is_a_folder_is_named_in_one_line(ops, tmp_path, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path))
    for program in (PRUNE, SUMMARY, RUN):
        line = one_line_error(run_script(*program))
        assert f"{tmp_path} is a folder: point DUCKDB_PATH at the database file" in line, program


def test_a_folder_where_a_file_belongs_is_named_in_one_line():
    message = cli.describe(IsADirectoryError(errno.EISDIR, "Is a directory", "/data/x"))
    assert message.startswith("/data/x is a folder, not a file: fix the setting that names it")


@pytest.mark.parametrize(
    "exc",
    [
        OSError(errno.EACCES, "Permission denied", "/data/run.lock"),
        OSError(errno.EROFS, "Read-only file system", "/data/x"),
    ],
)
def test_an_unwritable_folder_names_the_path_and_the_fix(exc):
    message = cli.describe(exc)
    assert message.startswith(f"cannot write {exc.filename} ({exc.strerror})") and "writable" in message


def test_a_missing_profiles_file(ops, monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(config, "PROJECT_DIR", tmp_path / "project")
    with pytest.raises(SystemExit) as exited:
        cli.run(lambda: run.main(["--transform-only"]))
    assert exited.value.code == 2
    assert "profiles.yml is missing: copy profiles.example.yml to profiles.yml" in caplog.text


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "no space left on the device of the data folder"),
        (
            psycopg2.OperationalError("server closed the connection unexpectedly\n\tThis probably means ..."),
            "the connection to PostgreSQL at",
        ),
    ],
    ids=["disk full", "connection dropped"],
)
def test_a_fault_while_writing_the_run_log_fails_the_run_in_one_line(ops, monkeypatch, capsys, fault, expected):
    """The fault strikes the transform step's first write; the run's own row then records the failure."""
    write_step, writes = runlog.write_step, []

    def failing_once(db, record):
        writes.append(record.step)
        if len(writes) == 2:
            raise fault
        write_step(db, record)

    monkeypatch.setattr(runlog, "write_step", failing_once)
    with pytest.raises(SystemExit) as exited:
        cli.run(lambda: run.main(["--transform-only"]))
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    (line,) = [line for line in err.splitlines() if line.startswith("error: ")]
    assert expected in line
    [(status, message)] = query("select status, error_message from ops.run_log where kind = 'run'")
    assert status == "failed" and "the runner failed" in message


def test_an_unknown_fault_keeps_its_traceback():
    with pytest.raises(ZeroDivisionError):
        cli.run(lambda: 1 // 0)


def test_debug_shows_the_traceback_of_a_known_fault(monkeypatch):
    monkeypatch.setenv("DEBUG", "1")
    with pytest.raises(OSError):
        cli.run(lambda: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))


def test_duckdb_out_of_disk_for_its_spill_is_a_full_disk_not_a_memory_limit(workdir):
    exc = duckdb.OutOfMemoryException(
        "Out of Memory Error: failed to offload data block of size 256.0 KiB (70.0 MiB/70.0 MiB used).\n"
        "This limit was set by the 'max_temp_directory_size' setting."
    )
    assert cli.describe(exc).startswith("no space left on the device of ")


@pytest.mark.postgres
def test_a_postgres_database_not_in_utf8(ops, monkeypatch):
    """The loads went into a WIN1251 database and every build failed on the models' text."""
    admin = psycopg2.connect(**config.postgres_settings())
    admin.autocommit = True
    name = "elt_test_win1251"
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name}")
            cursor.execute(f"create database {name} encoding 'WIN1251' lc_collate 'C' lc_ctype 'C' template template0")
        line = one_line_error(run_script(*RUN, env={"TARGET": "postgres", "PGDATABASE": name}))
        assert f"database {name} has the encoding WIN1251; this project needs UTF8" in line
        # a loader started by hand (`make load-ozon`) refuses it too, before any request
        account = {"OZON_CLIENT_ID": "1", "OZON_API_KEY": "key", "OZON_API_BASE_URL": "http://127.0.0.1:9"}
        loaded = run_script("loaders", "ozon", "--destination", "postgres", env={"PGDATABASE": name, **account})
        assert loaded.returncode == 2 and "Traceback" not in loaded.stderr, loaded.stderr
        assert f"database {name} has the encoding WIN1251; this project needs UTF8" in loaded.stderr
        # so does `make build` by hand, also when MARKETPLACES spares it reading the database
        built = run_script(
            "scripts.locked",
            "build",
            DBT,
            "build",
            env={"PGDATABASE": name, "TARGET": "postgres", "MARKETPLACES": "ozon"},
        )
        assert f"database {name} has the encoding WIN1251; this project needs UTF8" in one_line_error(built)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name}")
        admin.close()


@pytest.mark.postgres
def test_a_role_given_only_its_schemas_runs_and_one_without_them_is_told_what_to_grant(
    ops, postgres_database, monkeypatch
):
    """A DBA may give the project's role its schemas and no right to create others: the run log's
    schema, already there, is not created again. Without it, the run says what to grant."""
    role, database_name = "elt_test_schemas_only", postgres_database["PGDATABASE"]
    owner = config.postgres_settings()  # the database's owner, a superuser here
    with psycopg2.connect(**owner) as admin, admin.cursor() as cursor:
        cursor.execute(f"drop role if exists {role}")
        cursor.execute(f"create role {role} login nocreatedb nosuperuser")
    try:
        line = one_line_error(run_script(*RUN, env={"TARGET": "postgres", "PGUSER": role}))
        assert f"PostgreSQL user {role} may not do this in database {database_name}" in line
        assert f"GRANT CREATE ON DATABASE {database_name} TO {role}" in line

        with psycopg2.connect(**owner) as admin, admin.cursor() as cursor:
            cursor.execute(f"create schema {runlog.SCHEMA}")
            cursor.execute(f"grant usage, create on schema {runlog.SCHEMA} to {role}")
        monkeypatch.setenv("PGUSER", role)
        with database.connect("postgres") as db:
            runlog.ensure_tables(db)
            assert db.relation_exists(runlog.SCHEMA, "run_log")
    finally:
        with psycopg2.connect(**owner) as admin, admin.cursor() as cursor:
            cursor.execute(f"drop owned by {role} cascade")
            cursor.execute(f"drop role {role}")


@pytest.mark.postgres
def test_a_postgres_database_that_takes_no_writes(ops, postgres_database):
    name = postgres_database["PGDATABASE"]
    with psycopg2.connect(**config.postgres_settings()) as admin, admin.cursor() as cursor:
        cursor.execute(f"alter database {name} set default_transaction_read_only = on")
    line = one_line_error(run_script(*RUN, env={"TARGET": "postgres"}))
    server = config.postgres_settings()
    assert f"database {name} on {server['host']}:{server['port']} takes no writes" in line
    assert "point PGDATABASE/PGHOST at a writable database" in line


def test_a_run_log_table_another_program_made_is_named_in_one_line(ops, workdir):
    with duckdb.connect(workdir["DUCKDB_PATH"]) as db:
        db.execute("create schema ops; create table ops.run_log (id integer, message text)")
    line = one_line_error(run_script(*RUN))
    assert "ops.run_log is not the run log's table (no column run_id, step, kind" in line
    assert "rename or drop it" in line
    with duckdb.connect(workdir["DUCKDB_PATH"], read_only=True) as db:
        assert db.execute("select count(*) from ops.run_log").fetchone() == (0,)
    health = run_script("scripts.health")
    assert health.returncode == 1 and "Traceback" not in health.stderr, health.stderr
    assert "[FAIL] run log: ops.run_log is not the run log's table" in health.stdout


def test_a_dbt_log_folder_that_cannot_be_written(ops, tmp_path, monkeypatch):
    """dbt exits 2 without a word when it cannot write its log folder, and the run log said "see the
    dbt log": the reason was nowhere."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file")
    monkeypatch.setenv("DBT_LOG_PATH", str(blocker / "dbt_logs"))
    expected = f"dbt cannot write its folder {blocker / 'dbt_logs'} (DBT_LOG_PATH): Not a directory"
    ran = run_script(*RUN)
    assert ran.returncode == 1, ran.stderr
    with database.connect("duckdb", read_only=True) as db:
        assert db.execute("select status, error_message from ops.run_log where step = 'transform'") == [
            ("failed", expected)
        ]
    assert expected in one_line_error(run_script("scripts.locked", "build", DBT, "build"))


def test_a_load_that_fails_records_its_one_line_reason_not_dlts_wrapper(monkeypatch):
    """The run log's error_message (health's "last run" line, the alerts) held dlt's several-line
    "Pipeline execution failed at `step=load` ..." text, cut before the cause: no space left."""

    def full_disk(*_args):
        try:
            raise duckdb.IOException("IO Error: No space left on device")
        except duckdb.Error as cause:
            raise RuntimeError("Pipeline execution failed at `step=load`\n\nJob had 5 retries\n...") from cause

    monkeypatch.setattr(loader_main, "run", full_disk)
    marketplace = type("Marketplace", (), {"name": "ozon"})
    account = OzonAccount("shop", "1", "key", "")
    code, result = loader_main.load_account(marketplace, account, "duckdb", loader_main.parse_args(["ozon"]), True)
    assert code != 0
    assert result["error"].startswith("no space left on the device of") and "\n" not in result["error"]


def test_a_run_log_row_rewritten_as_the_disk_fills_keeps_its_earlier_version(tmp_path, monkeypatch):
    """On DuckDB each statement committed on its own: the delete of a run's row stood, its new version
    failed, and health, finding no run, said HEALTHY."""
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    record = runlog.StepRecord("20260101T000000-aaaaaa", "run", "run", rows={"products": 3})
    with database.connect("duckdb") as db:
        runlog.write_step(db, record)
    record.finish("success", rows={"products": 5})
    execute = database.Database.execute

    def full_disk_at_the_run_row(db, sql, params=()):
        if sql.startswith(f"insert into {runlog.SCHEMA}.run_log "):
            raise duckdb.IOException("IO Error: No space left on device")
        return execute(db, sql, params)

    with monkeypatch.context() as patched, pytest.raises(duckdb.IOException):
        patched.setattr(database.Database, "execute", full_disk_at_the_run_row)
        with database.connect("duckdb") as db:
            runlog.write_step(db, record)
    assert query(f"select status from {runlog.SCHEMA}.run_log") == [("running",)]
    assert query(f"select rows_loaded from {runlog.SCHEMA}.run_log_tables") == [(3,)]


def test_a_snapshot_that_cannot_be_published_makes_the_run_partial_and_leaves_no_file(ops, monkeypatch, caplog):
    """A full disk while publishing: the run said success (exit 0) and health HEALTHY while the server
    answered from an older snapshot; the failed copy left files behind."""
    monkeypatch.setattr(steps, "dbt_command", lambda *_args: ["true"])  # a build that succeeds at once

    def full_disk(*_args):
        raise duckdb.IOException("IO Error: No space left on device")

    monkeypatch.setattr(publish, "_copy", full_disk)
    assert run.main(["--transform-only"]) == run.EXIT_PARTIAL
    [(status, message)] = query("select status, error_message from ops.run_log where kind = 'run'")
    assert status == "partial"
    assert message.startswith(
        f"snapshot for the server not published: no space left on the device of {config.duckdb_path()}: free"
    )
    assert "snapshot for the server not published" in caplog.text
    assert list(publish.publish_dir(config.duckdb_path()).iterdir()) == []


def test_a_publish_cleans_up_what_a_publish_killed_part_way_left(ops, tmp_path):
    with duckdb.connect(str(config.duckdb_path())) as db:
        db.execute("create schema marts; create table marts.inventory as select 1 as available_quantity")
    folder = publish.publish_dir(config.duckdb_path())
    folder.mkdir()
    left = [folder / name for name in (".marts-1.duckdb.partial", ".marts-1.duckdb.partial.wal", ".current.partial")]
    for path in left:
        path.write_bytes(b"half")
    published = publish.publish()
    assert sorted(folder.iterdir()) == sorted([published, folder / publish.POINTER])


def test_a_role_without_temporary_tables_is_told_to_grant_them(workdir):
    """dlt merges through temporary tables; a database that revoked TEMPORARY from PUBLIC failed every
    merge load with the advice to grant CREATE, which the role had."""
    denied = psycopg2.errors.InsufficientPrivilege('permission denied to create temporary tables in database "elt"')
    settings = config.postgres_settings()
    line = cli.describe(denied)
    assert f"GRANT TEMPORARY ON DATABASE {settings['dbname']} TO {settings['user']}" in line
    assert "GRANT CREATE" not in line


@pytest.mark.parametrize(
    "program",
    [
        ("-m", "scripts.health"),  # its report is larger than the output's buffer: print fails
        ("-c", "from loaders import cli; cli.run(lambda: print('one line') or 0)"),  # the flush at the end fails
    ],
    ids=["health", "a line"],
)
def test_a_reader_that_closes_the_output_early_ends_the_program_quietly(ops, program):
    """`make summary | head`, `make health | true`: the reader gone, Python raised BrokenPipeError and
    the program ended in its traceback, exit 1 (operations audit). It ends as one killed by SIGPIPE."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        done = subprocess.run(
            [sys.executable, *program], cwd=steps.PROJECT_DIR, stdout=write, stderr=subprocess.PIPE, text=True
        )
    finally:
        os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr, done.stderr
    assert done.returncode == cli.EXIT_PIPE_CLOSED == 141
