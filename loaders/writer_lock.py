"""One run at a time: an exclusive `flock` on a lock file that also names its holder.

The kernel releases a `flock` when its process dies, so a lock file that still names a holder
but is not locked was left by a killed run: the next run reports it as stale and takes over.
While a process holds the lock, RUN_LOCK_HOLDER in its environment names its run, so the programs
it starts (a loader under the runner or `scripts.locked`) know they write under its lock.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from loaders import config

HOLDER_VARIABLE = "RUN_LOCK_HOLDER"


class LockBusy(Exception):
    """Another live run holds the lock."""


@dataclass(frozen=True)
class Holder:
    run_id: str
    pid: int
    started_at: str

    def describe(self) -> str:
        return f"run {self.run_id} (pid {self.pid}, started {self.started_at})"


def lock_path() -> Path:
    """`run.lock` beside the dlt state folder (`data/` by default): runs sharing that state exclude each other."""
    return config.pipelines_dir().parent / "run.lock"


def _read_holder(text: str) -> Holder | None:
    try:
        return Holder(**json.loads(text))
    except (ValueError, TypeError):
        return None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's process
        return True
    return True


def holds_lock(holder: Holder, path: Path | None = None) -> bool:
    """Whether the process the lock file names still holds the lock: alive, and the file locked. A
    killed run's pid may be reused by an unrelated process (after a reboot too), which holds nothing:
    health then called it a stuck run to kill, and readers refused as if a run were writing."""
    return pid_alive(holder.pid) and _flocked(path or lock_path())


PROC_LOCKS = Path("/proc/locks")


def _flocked(path: Path) -> bool:
    """Whether some process holds a `flock` on `path` (Linux's /proc/locks; True when it cannot tell)."""
    try:
        status = path.stat()
        locks = PROC_LOCKS.read_text(encoding="ascii")
    except OSError:
        return True
    # by inode alone: btrfs lists the filesystem's device there, stat() the subvolume's, so a live
    # holder looked dead and every loader under its parent's lock refused (another file's lock on
    # the same inode number elsewhere only makes the pid decide, as before)
    inode = f":{status.st_ino}"
    return any(
        fields[1] == "FLOCK" and fields[5].endswith(inode)
        for fields in (line.split() for line in locks.splitlines())
        if len(fields) > 5 and fields[1] != "->"  # "->": a process waiting for the lock
    )


def recorded_holder(path: Path | None = None) -> Holder | None:
    """Who the lock file names, without taking the lock (for `make health`)."""
    try:
        return _read_holder((path or lock_path()).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):  # no lock file, or no folder for one (health says why)
        return None


def writing_elsewhere(path: Path | None = None) -> Holder | None:
    """The live process, other than this one, that holds the run lock: DuckDB admits no reader
    beside its writer (a reader's open makes the writer's next one fail), so a scheduled reader such
    as `make health` leaves the file alone while it writes."""
    holder = recorded_holder(path)
    return holder if holder and holder.pid != os.getpid() and holds_lock(holder, path) else None


class RunLock:
    """`with RunLock(run_id, started_at) as lock:`; `lock.stale` names a dead run whose lock was cleared."""

    def __init__(self, run_id: str, started_at: str, path: Path | None = None):
        self.path = path or lock_path()
        self.holder = Holder(run_id, os.getpid(), started_at)
        self.stale: Holder | None = None
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = recorded_holder(self.path)
            who = holder.describe() if holder else "another process"
            raise LockBusy(f"another run is in progress: {who} holds {self.path}; not starting") from None
        self.stale = _read_holder(os.pread(fd, 4096, 0).decode("utf-8", "replace"))
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(self.holder.__dict__).encode(), 0)
        self._fd = fd
        os.environ[HOLDER_VARIABLE] = self.holder.run_id
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
        os.environ.pop(HOLDER_VARIABLE, None)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc_info) -> None:
        self.release()


def held_by_parent() -> bool:
    """The run named in RUN_LOCK_HOLDER holds the lock and is alive: this process writes under it."""
    run_id = os.environ.get(HOLDER_VARIABLE, "")
    holder = recorded_holder()
    return bool(run_id) and holder is not None and holder.run_id == run_id and holds_lock(holder)


@contextmanager
def writer_lock(name: str, started_at: str) -> Iterator[None]:
    """For a program that writes a database: the lock its parent holds, or its own (LockBusy when
    another run holds it)."""
    if held_by_parent():
        yield
        return
    with RunLock(f"{name}-{os.getpid()}", started_at):
        yield
