"""How every command line program starts and ends.

`run(main)` reads `.env` first (see `config.load_env_file`), then runs `main`. A configuration error
or a fault of the environment (a database that cannot be reached or opened, a connection lost, a
full disk, a folder it cannot write) ends the program with one line naming the problem and the fix,
exit 2 (configuration) or 1, instead of a traceback; DEBUG=1 shows the traceback. Anything else is
a bug and keeps its traceback. A program whose reader closed its output (`make summary | head`) ends
quietly with exit code 141, as one killed by SIGPIPE does in a shell (128 + 13; seen only under
`set -o pipefail`), instead of a BrokenPipeError traceback.
"""

from __future__ import annotations

import errno
import os
import re
import select
import sys
from collections.abc import Callable, Iterator
from typing import NoReturn

import duckdb
import psycopg2
import psycopg2.errors

from loaders import config
from loaders.secrets import mask

EXIT_FAILED, EXIT_CONFIG, EXIT_STOPPED, EXIT_PIPE_CLOSED = 1, 2, 130, 141
FOLDER_SETTINGS = "DUCKDB_PATH or DLT_PIPELINES_DIR"
# libpq's words for a connection that never opened; any other connection error is a lost connection.
_CONNECT_FAILURES = (
    "connection to server",
    "could not connect",
    "could not translate host",
    "authentication",
    "does not exist",
)


# libpq's and the server's words for a setting they cannot use (PGSSLMODE=bogus; PGOPTIONS naming no
# parameter, or a value it does not take): no fault of the server or the connection.
_SETTING_FAILURES = re.compile(
    r"invalid \w+ value|invalid connection option|invalid value for parameter|unrecognized configuration parameter"
    r"|command-line argument"  # PGOPTIONS without its -c: "invalid command-line argument for server process"
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps (dlt wraps errors several times, in `.exception` or as the cause)."""
    seen: set[int] = set()
    while isinstance(exc, BaseException) and id(exc) not in seen:
        yield exc
        seen.add(id(exc))
        wrapped = getattr(exc, "exception", None)
        exc = wrapped if isinstance(wrapped, BaseException) else exc.__cause__ or exc.__context__


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0].strip()


def _postgres(exc: psycopg2.Error) -> str:
    settings = config.postgres_settings()
    server = f"PostgreSQL at {settings['host']}:{settings['port']}"
    reason = first_line(exc)
    if _SETTING_FAILURES.search(reason):
        return (
            f"a PostgreSQL connection setting is not valid ({reason.rpartition('FATAL:')[2].strip()}): "
            "fix PGSSLMODE, PGOPTIONS or the other PG* settings (environment or .env; docs/configuration.md)"
        )
    if any(words in reason for words in _CONNECT_FAILURES):
        return (
            f"cannot connect to {server} (database {settings['dbname']}, user {settings['user']}): {reason}; "
            "start the server or set PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE (environment or .env)"
        )
    return (
        f"the connection to {server} was lost ({reason}); check the server and run again "
        "(a run still recorded as running is closed as died by the next run or `make health`)"
    )


def _postgres_refused(exc: psycopg2.Error) -> str:
    settings = config.postgres_settings()
    reason = first_line(exc)
    if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
        return (
            f"database {settings['dbname']} on {settings['host']}:{settings['port']} takes no writes ({reason}): "
            "point PGDATABASE/PGHOST at a writable database (not a replica, not default_transaction_read_only)"
        )
    if "temporary tables" in reason:
        return (
            f"PostgreSQL user {settings['user']} may not create temporary tables in database {settings['dbname']}, "
            f"which dlt merges through: GRANT TEMPORARY ON DATABASE {settings['dbname']} TO {settings['user']}"
        )
    return (
        f"PostgreSQL user {settings['user']} may not do this in database {settings['dbname']} ({reason}): "
        f"GRANT CREATE ON DATABASE {settings['dbname']} TO {settings['user']}, or have its schemas created "
        "and granted to it; a role that only reads (make summary, make serve) needs USAGE on the schema and "
        "SELECT on its tables (docs/configuration.md)"
    )


def _disk_full(where: object) -> str:
    return f"no space left on the device of {where}: free some space (`make prune` deletes old logs), then run again"


def _duckdb(exc: duckdb.Error) -> str | None:
    reason, path = first_line(exc), config.duckdb_path()
    if "not a valid DuckDB database" in reason:
        return (
            f"{path} is not a DuckDB database (damaged, or another kind of file): point DUCKDB_PATH at the right "
            f"file, or move it aside with the dlt state ({config.pipelines_dir()}) and `make run` to reload everything"
        )
    if "Is a directory" in reason:
        return f"{path} is a folder: point DUCKDB_PATH at the database file (default data/warehouse.duckdb)"
    if "No space left on device" in reason or "max_temp_directory_size" in str(exc):  # the latter: its spill
        return _disk_full(path)
    if "Permission denied" in reason or "Read-only file system" in reason:
        return f"cannot write {path} ({reason}): make its folder writable for this user, or set DUCKDB_PATH"
    if "Could not set lock" in reason:
        return f"{path} is open in another process ({reason}): wait for it to finish, then run again"
    return None


def _os_error(exc: OSError) -> str | None:
    where = exc.filename or "the data folder"
    if exc.errno == errno.ENOSPC:
        return _disk_full(where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot write {where} ({exc.strerror}): make the folder writable for this user, "
            f"or set {FOLDER_SETTINGS} to a writable folder"
        )
    if exc.errno == errno.EISDIR and exc.filename:
        return f"{where} is a folder, not a file: fix the setting that names it ({FOLDER_SETTINGS}, OPS_CONFIG, ...)"
    if exc.errno in (errno.ENOTDIR, errno.EEXIST) and exc.filename:
        return f"cannot write under {where}: that path (or a part of it) is a file, not a folder; fix {FOLDER_SETTINGS}"
    return None


def describe(exc: BaseException) -> str | None:
    """One line naming the fault behind `exc` and its fix, or None when it is not a known fault."""
    for error in causes(exc):
        if isinstance(error, config.ConfigError):
            message = str(error)
        elif isinstance(error, psycopg2.OperationalError | psycopg2.InterfaceError):
            message = _postgres(error)
        elif isinstance(error, psycopg2.errors.InsufficientPrivilege | psycopg2.errors.ReadOnlySqlTransaction):
            message = _postgres_refused(error)
        elif isinstance(error, duckdb.Error):
            message = _duckdb(error)
        elif isinstance(error, OSError):
            message = _os_error(error)
        else:
            continue
        if message:
            return mask(message)
    return None


def in_one_line(exc: BaseException) -> str:
    """`exc` in one line: the known fault behind it and its fix (`describe`), else the innermost error
    it wraps (dlt wraps the database's own several times), with the dlt step that failed."""
    described = describe(exc)
    if described:
        return described
    chain = list(causes(exc))
    step = next((getattr(error, "step", None) for error in chain if getattr(error, "step", None)), None)
    innermost = chain[-1]
    where = f"dlt's {step} step: " if step else ""
    return mask(f"{where}{type(innermost).__name__}: {first_line(innermost)}")


def debug() -> bool:
    return os.environ.get("DEBUG", "").strip() not in ("", "0")


def exit_now(code: int) -> NoReturn:
    """End the process at once, its output flushed, skipping the interpreter's exit: after a Ctrl-C
    while threads worked DuckDB (a loader's accounts), that exit aborted in DuckDB's native code
    ("terminate called without an active exception", exit 134). Called once the interrupt has unwound
    the main thread (its locks released); a load cut short is finished by the account's next run."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def run(main: Callable[[], int], duckdb_in_threads: bool = False) -> None:
    """The entry point of a program: `.env` read, `main()` run, its exit code or a one-line error.
    `duckdb_in_threads`: the program works DuckDB from threads (the loader's accounts, dlt's jobs), so a
    Ctrl-C ends it with `exit_now`."""
    try:
        config.load_env_file()
        code = main()
        sys.stdout.flush()  # here, not at exit, where a closed pipe is only "Exception ignored", exit 120
    except KeyboardInterrupt:
        code = EXIT_STOPPED
        if duckdb_in_threads:
            exit_now(code)
    except Exception as exc:
        if isinstance(exc, BrokenPipeError) and _output_closed():
            sys.exit(EXIT_PIPE_CLOSED)
        message = describe(exc)
        if message is None or debug():
            raise
        print(f"error: {message}", file=sys.stderr)
        code = EXIT_CONFIG if isinstance(exc, config.ConfigError) else EXIT_FAILED
    sys.exit(code)


def _output_closed() -> bool:
    """Whether the reader of standard output has closed it (and not some other pipe or socket of the
    program: poll finds an error on the output); the output left is then sent to /dev/null, where
    Python's flush at exit can write it."""
    try:
        output = sys.stdout.fileno()
        poller = select.poll()
        poller.register(output, select.POLLOUT)
        if not any(events & select.POLLERR for _, events in poller.poll(0)):
            return False
        os.dup2(os.open(os.devnull, os.O_WRONLY), output)
    except (OSError, ValueError):  # no file behind sys.stdout
        return False
    return True
