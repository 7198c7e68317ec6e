"""dbt as the tests run it: dbt's own CLI, with the parse of the project shared between tests.

dbt saves its parse of the project (`partial_parse.msgpack` in its target folder) and reuses it on
the next call, as on every scheduled run of a user's after the first. It refuses the saved parse when
the profile's connection details differ, and each test's DuckDB file is a profile of its own, so
every test paid a full parse (about 7 of a tiny seller's 35 s build). Here the DuckDB file's path is
left out of that comparison (its database name, which dbt writes into every node, stays in: a file
of another name is parsed anew, as is every PostgreSQL database), and a test's first dbt call starts
from the parse an earlier call saved for the same target, vars and marketplaces. Everything else dbt
checks before reusing a parse (its version, vars, the env vars of dbt_project.yml, the checksum of
every file, env vars read by models and macros) it checks as for a user's second run.

`program` writes the executable that conftest.py names in `DBT` (scripts/steps.py and the Makefile
run it as dbt)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path

PARSE_FILE = "partial_parse.msgpack"
SHARED_DIR = "SHARED_DBT_PARSE_DIR"  # where the parses are shared; none: the test runs dbt as it is


def program(folder: Path) -> Path:
    """An executable in `folder` that runs `main` with this virtualenv's Python."""
    path = folder / "dbt"
    project = Path(__file__).resolve().parents[2]
    path.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(project)!r})\n"
        "from tests.support.shared_parse_dbt import main\nmain()\n",
        encoding="utf-8",
    )
    path.chmod(0o755)
    return path


def _option(arguments: list[str], name: str) -> str:
    return arguments[arguments.index(name) + 1] if name in arguments[:-1] else ""


def shared_parse(folder: Path, arguments: list[str]) -> Path:
    """The parse shared by dbt calls with the target and vars of `arguments` in this environment."""
    key = "\0".join(
        [
            _option(arguments, "--target"),
            _option(arguments, "--vars"),
            os.environ.get("MARKETPLACES", ""),
            Path(os.environ.get("DUCKDB_PATH", "")).name,
            os.environ.get("PGDATABASE", ""),
        ]
    )
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.msgpack"


def main() -> None:
    from dbt.adapters.duckdb.credentials import DuckDBCredentials
    from dbt.cli.main import cli

    shared_dir = os.environ.get(SHARED_DIR)
    if not shared_dir:
        sys.exit(cli())
    connection_keys = DuckDBCredentials._connection_keys
    DuckDBCredentials._connection_keys = lambda self: tuple(key for key in connection_keys(self) if key != "path")
    saved = Path(os.environ.get("DBT_TARGET_PATH", "target"), PARSE_FILE)
    shared = shared_parse(Path(shared_dir), sys.argv[1:])
    with contextlib.suppress(OSError):  # a folder dbt cannot write is dbt's to report
        if shared.exists() and not saved.exists():
            saved.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shared, saved)
    started = time.time()
    try:
        cli()
    finally:
        with contextlib.suppress(OSError):  # only a parse of this call's (a stale one may be left in the folder)
            if not shared.exists() and saved.stat().st_mtime >= started:
                part = shared.with_suffix(f".{os.getpid()}")
                shutil.copyfile(saved, part)
                os.replace(part, shared)
