"""The pipeline's steps as subprocesses, exactly as a person or cron runs them.

The demo and the end-to-end tests call these, so what they check is what users run.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from loaders import config
from loaders.config import PROJECT_DIR

DBT = str(Path(sys.executable).with_name("dbt"))  # the virtualenv's; environment variable DBT names another

QUIET_TOOLS = {"RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
# PostgreSQL sessions of the steps (libpq reads PGOPTIONS) plan without nested loops: dbt's queries
# join whole views of tables without indexes, where a nested loop is never the right plan, and the
# planner picked one from statistics that misjudged a join: a test of int_ozon_stock_snapshots ran
# for minutes at 100,000 products instead of a second (dbt_project/macros/planner.sql). A PGOPTIONS
# of the user's own replaces this one.
POSTGRES_SESSION = {"PGOPTIONS": "-c enable_nestloop=off"}


class StepFailed(Exception):
    def __init__(self, step: str, returncode: int):
        super().__init__(f"step '{step}' failed with exit code {returncode}")
        self.step, self.returncode = step, returncode


@dataclass(frozen=True)
class Finished:
    returncode: int
    peak_memory_mb: float  # the step process's maximum resident set size
    stopped_after_minutes: float | None = None  # the deadline (STEP_TIMEOUT_MINUTES) it was stopped at

    @property
    def timed_out(self) -> bool:
        return self.stopped_after_minutes is not None


STEP_TIMEOUT = "STEP_TIMEOUT_MINUTES"
# A step stopped at its deadline gets this long to end on SIGTERM before SIGKILL.
STOP_GRACE_SECONDS = 30.0


def step_timeout_minutes() -> float:
    """How long the runner lets one step (a loader process, the dbt build) run. A step that hangs (an
    answer trickling in, slower than the read timeout) held the run lock for good: every later run
    refused to start, the other marketplace was never loaded and the marts never built."""
    return config.positive_number(STEP_TIMEOUT, 120.0, "number of minutes")


def die_with_parent() -> Callable[[], None]:
    """For a step's process before it starts (`preexec_fn`), called by the starting process before
    the fork, whose pid it keeps: Linux kills the step when that process dies. The run lock dies with
    its holder; a step left running after a `kill -9` of the runner (its own session: no terminal
    signal reaches it) wrote on, unlocked, beside the next run. The parent is not read in the child:
    killed between the fork and then, it would already be the reaper, and the step would live on."""
    return functools.partial(_die_with, os.getpid())


def _die_with(parent: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(137)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


# Settings whose empty value means their default, which dbt's env_var() would read as "" (an empty
# DUCKDB_PATH: a build into a database of its own that no one reads): left out of a step's environment.
DEFAULTED_WHEN_EMPTY = (
    "DUCKDB_PATH",
    "DLT_PIPELINES_DIR",
    "DUCKDB_DBT_MEMORY_LIMIT",
    "DBT_TARGET_PATH",
    "DBT_LOG_PATH",
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "QUARANTINE_RETRIES",  # waiting_room.sql read "" as 0: rows called given up while the loader still waits
)


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    merged = {**POSTGRES_SESSION, **os.environ, **QUIET_TOOLS, **(env or {})}
    return {name: value for name, value in merged.items() if value.strip() or name not in DEFAULTED_WHEN_EMPTY}


def load_command(marketplace: str, destination: str, *extra: str) -> list[str]:
    return [sys.executable, "-m", "loaders", marketplace, "--destination", destination, *extra]


# What a scheduled build leaves out: unit tests check the models' logic on fixed inputs, which a
# run's data does not change (dbt's advice is to run them in development and CI: `make build`,
# `make test`); they were 2.9 s of a 9 s build of a 2,000-product seller.
SCHEDULED_BUILD = ("--exclude-resource-type", "unit_test")


def dbt_command(command: str, target: str, *extra: str) -> list[str]:
    """`command` may be two words (`docs generate`)."""
    program = config.text_setting("DBT", DBT)
    return [program, *command.split(), "--profiles-dir", ".", "--project-dir", ".", "--target", target, *extra]


def dbt_folder(variable: str, default: str) -> Path:
    """A folder dbt writes (DBT_TARGET_PATH, DBT_LOG_PATH), relative ones under the project."""
    return config.project_path(variable, default)


def dbt_folders_problem() -> str | None:
    """Why dbt could not write its log or target folder, or None: dbt itself then exits 2 saying
    nothing, and the run log could only point at the log that was never written."""
    for variable, default in (("DBT_LOG_PATH", "logs"), ("DBT_TARGET_PATH", "target")):
        folder = dbt_folder(variable, default)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as exc:
            return f"dbt cannot write its folder {folder} ({variable}): {exc.strerror}"
    return None


def runner_command(*args: str) -> list[str]:
    """The production runner (scripts/run.py), as `make run` starts it."""
    return [sys.executable, "-m", "scripts.run", *args]


def run_measured(
    command: list[str], env: dict[str, str] | None = None, started=None, deadline_minutes: float | None = None
) -> Finished:
    """Run `command` in its own session (a terminal's Ctrl-C reaches only the caller) and measure it.

    `started(process)` is called with the running `Popen`, e.g. to terminate it on a second signal.
    After `deadline_minutes` its session (with a loader's normalize workers) gets SIGTERM, and SIGKILL
    STOP_GRACE_SECONDS later.
    The peak is the larger of the process's own high-water mark (VmHWM) and the memory of the process
    with its descendants (the sum of their PSS, e.g. a loader's normalize workers), read every 50 ms.
    Not wait4's ru_maxrss: Python starts a child by vfork, and Linux then carries the parent's
    high-water mark into the child's, so every step would weigh at least its caller (`true` started
    from a process of 500 MB reports 510 MB).
    """
    process = subprocess.Popen(
        command, cwd=PROJECT_DIR, env=environment(env), start_new_session=True, preexec_fn=die_with_parent()
    )
    if started:
        started(process)
    peak_kib, signals, deadline = 0, [signal.SIGTERM, signal.SIGKILL], time.monotonic() + (deadline_minutes or 0) * 60
    while process.poll() is None:
        if deadline_minutes and signals and time.monotonic() > deadline:
            _signal_session(process.pid, signals.pop(0))
            deadline += STOP_GRACE_SECONDS
        own = _proc_field(process.pid, "status", "VmHWM:")
        tree = _descendants(process.pid)
        # PSS only while the step has processes of its own: reading it costs about 5 ms for a
        # 400 MB process (VmHWM 0.05 ms), and one process alone never has more than its VmHWM.
        together = sum(_proc_field(pid, "smaps_rollup", "Pss:") for pid in tree) if len(tree) > 1 else 0
        peak_kib = max(peak_kib, own, own and together)  # 0 once exiting: the last reading stands
        time.sleep(0.05)
    return Finished(process.returncode, peak_kib / 1024, deadline_minutes if len(signals) < 2 else None)


def _signal_session(pid: int, signum: signal.Signals) -> None:
    try:
        os.killpg(pid, signum)  # the step leads its own session: the group is the step's processes
    except ProcessLookupError:
        pass


def _proc_field(pid: int, file: str, field: str) -> int:
    """A kB figure of /proc/<pid>/<file>, 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/{file}").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    """`pid` and every process below it (children of any of their threads)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                queue += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, ValueError):
            pass
    return found


def run_into(command: list[str], env: dict[str, str], output: TextIO) -> int:
    """Run `command` with exactly `env` (nothing of this process's environment added), its output
    and errors written to `output`; returns the exit code. A terminal's Ctrl-C reaches the command
    too (one process group): this waits while it stops as it does on its own (the runner after its
    current step, recording that) before passing the interrupt on; `subprocess.run` would kill it."""
    output.flush()
    with subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT) as process:
        try:
            return process.wait()
        except KeyboardInterrupt:
            process.wait()
            raise


def run_to_its_end(process: subprocess.Popen) -> int:
    """The exit code of `process`, started with `preexec_fn=die_with_parent()` by a program that holds
    the run lock, which it keeps until the process has ended: a SIGTERM or SIGHUP to the program goes
    on to the process (once a program died with its dbt still writing, a run took the freed lock and
    collided with it); Ctrl-C reaches the process from the terminal. A process killed by a signal
    gives the shell's 128 + its number."""

    def forward(signum: int, _frame) -> None:
        process.send_signal(signum)

    handlers = {signal.SIGTERM: forward, signal.SIGHUP: forward, signal.SIGINT: signal.SIG_IGN}
    in_main_thread = threading.current_thread() is threading.main_thread()  # only it may set handlers
    previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items() if in_main_thread}
    try:
        code = process.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - code if code < 0 else code


def _run(step: str, command: list[str], env: dict[str, str] | None) -> None:
    """`command` to its end (`run_to_its_end`): its caller may hold the run lock (`make docs`)."""
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=environment(env), preexec_fn=die_with_parent())
    returncode = run_to_its_end(process)
    if returncode != 0:
        raise StepFailed(step, returncode)


def load(marketplace: str, destination: str, env: dict[str, str] | None = None, *extra: str) -> None:
    """`python -m loaders <marketplace> --destination <destination> ...`."""
    _run(f"load {marketplace}", load_command(marketplace, destination, *extra), env)


def dbt(command: str, target: str, env: dict[str, str] | None = None, *extra: str) -> None:
    """`dbt <command> --target <target>` with the project's profiles.yml."""
    _run(f"dbt {command}", dbt_command(command, target, *extra), env)
