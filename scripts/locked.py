"""`python -m scripts.locked NAME COMMAND [ARG ...]`: run COMMAND holding the run lock, or refuse.

Every make target that writes a database (a load, a build, seeds, docs, freshness) runs through
this, so it never writes while a run (or another such target) does: DuckDB admits one writer, and
a load interleaved with a run's loads and build leaves marts that do not add up. A busy lock exits
75 and names its holder, like `make run`; otherwise the exit code is COMMAND's.

COMMAND gets the database of TARGET (environment or `.env`, default duckdb, anything else an
error): as TARGET for the loaders and DBT_TARGET for dbt (profiles.yml's default target), and
LOCK_HOLDER names this lock's run, so the loader knows its parent holds the lock.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

from loaders import cli, config
from loaders.writer_lock import HOLDER_VARIABLE, LockBusy, RunLock
from scripts import database, runlog, steps

EXIT_BUSY = 75


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m scripts.locked NAME COMMAND [ARG ...]", file=sys.stderr)
        return 2
    name, command = args[0], args[1:]
    target = config.target()
    is_dbt = Path(command[0]).name == "dbt"
    if is_dbt:
        config.dbt_profiles()
        database.require_utf8(target)  # dbt itself fails model after model on the models' text
        if problem := steps.dbt_folders_problem():
            raise config.ConfigError(problem)
    run_id = f"{runlog.utcnow():%Y%m%dT%H%M%S}-{name}-{uuid.uuid4().hex[:6]}"
    try:
        with RunLock(run_id, runlog.utcnow().isoformat()):
            env = {"TARGET": target, "DBT_TARGET": target, HOLDER_VARIABLE: run_id}
            if is_dbt:  # the models of every marketplace the database holds, not dbt_project.yml's default
                env["MARKETPLACES"] = database.dbt_marketplaces(target)
            freshness = is_dbt and command[1:3] == ["source", "freshness"]
            if freshness and (absent := database.absent_sources(target, env["MARKETPLACES"].split(","))):
                command = [*command, "--exclude", *absent]  # dbt failed on each: "relation does not exist"
            process = subprocess.Popen(command, env=steps.environment(env), preexec_fn=steps.die_with_parent())
            return steps.run_to_its_end(process)
    except LockBusy as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_BUSY


if __name__ == "__main__":
    cli.run(main)
