"""Every program that writes a database holds the run lock or refuses naming its holder; a loader
started under the runner or `scripts.locked` writes under their lock."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import duckdb
import pytest

from loaders import writer_lock
from loaders.config import PROJECT_DIR
from loaders.writer_lock import lock_path, pid_alive, writing_elsewhere
from scripts import health
from tests.support.operations import hold_lock, isolated_ops, run_script

HOLDER = "20260101T020000-abcdef"
WRONG_KEY = "0badc0de-1111-2222-3333-444455556666"  # the sandbox refuses it at once: exit 3, no retries


@pytest.fixture
def ops(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    monkeypatch.delenv("RUN_LOCK_HOLDER", raising=False)
    return tmp_path


@pytest.fixture
def another_run(ops):
    """Another process holding the run lock, as a run would."""
    holder = hold_lock(HOLDER)
    yield holder
    holder.kill()
    holder.wait()


def ozon_env(sandbox) -> dict[str, str]:
    return {
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "OZON_CLIENT_ID": sandbox.ozon.accounts[0].client_id,
        "OZON_API_KEY": WRONG_KEY,
    }


def test_a_loader_started_by_hand_refuses_while_a_run_holds_the_lock(another_run, ozon_sandbox):
    done = run_script("loaders", "ozon", env=ozon_env(ozon_sandbox))
    assert done.returncode == 75, done.stderr
    assert f"another run is in progress: run {HOLDER}" in done.stderr
    assert not ozon_sandbox.ozon.requests, "nothing was read or written"


def test_a_loader_started_under_the_lock_of_its_parent_loads(ops, ozon_sandbox):
    done = run_script(
        "scripts.locked", "load-ozon", sys.executable, "-m", "loaders", "ozon", env=ozon_env(ozon_sandbox)
    )
    assert done.returncode == 3, done.stderr  # it ran: the sandbox refused the key
    assert len(ozon_sandbox.ozon.requests) == 1


def test_prune_refuses_while_a_run_holds_the_lock(another_run):
    done = run_script("scripts.prune")
    assert done.returncode == 75 and f"run {HOLDER}" in done.stderr


def test_naming_another_run_in_the_environment_does_not_borrow_its_lock(another_run, ozon_sandbox):
    done = run_script("loaders", "ozon", env={**ozon_env(ozon_sandbox), "RUN_LOCK_HOLDER": "20260101T030000-other0"})
    assert done.returncode == 75, done.stderr


def test_a_locked_command_keeps_the_lock_until_it_ends_when_its_wrapper_is_terminated(ops):
    """SIGTERM to `scripts.locked` (make build stopped) goes on to its command, and the wrapper
    waits for it: the lock is never free while the command may still write."""
    child = ops / "child.pid"
    command = (
        "import os, signal, sys, time; "
        f"open({str(child)!r}, 'w').write(str(os.getpid())); "
        "signal.signal(signal.SIGTERM, lambda *_: (time.sleep(0.5), sys.exit(7))); time.sleep(600)"
    )
    wrapper = subprocess.Popen(
        [sys.executable, "-m", "scripts.locked", "build", sys.executable, "-c", command], cwd=PROJECT_DIR
    )
    deadline = time.monotonic() + 20
    while not child.exists() or not child.read_text():
        assert time.monotonic() < deadline, "the command never started"
        time.sleep(0.05)
    wrapper.send_signal(signal.SIGTERM)
    assert wrapper.wait(timeout=20) == 7, "the wrapper ends with its command, and with its code"
    assert not pid_alive(int(child.read_text())), "the command was stopped, not left writing"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_make_docs_keeps_the_lock_until_its_dbt_ends_when_it_is_terminated(ops, monkeypatch, signum):
    """`make docs` takes the lock itself and runs dbt through `steps.dbt`: a SIGTERM (or SIGHUP) to it
    during `dbt docs generate` freed the lock with dbt still writing, and the next run collided with
    it (operations audit). The signal goes on to dbt and docs ends with it, as `make build` does."""
    duckdb.connect(os.environ["DUCKDB_PATH"]).close()
    monkeypatch.setenv("MARKETPLACES", "ozon")
    child = ops / "dbt.pid"
    fake_dbt = ops / "dbt"
    fake_dbt.write_text(
        f"#!{sys.executable}\n"
        "import os, signal, sys, time\n"
        f"open({str(child)!r}, 'w').write(str(os.getpid()))\n"
        "for signum in (signal.SIGTERM, signal.SIGHUP):\n"
        "    signal.signal(signum, lambda *_: (time.sleep(0.5), sys.exit(7)))\n"
        "time.sleep(600)\n"
    )
    fake_dbt.chmod(0o755)
    monkeypatch.setenv("DBT", str(fake_dbt))
    docs = "from loaders import cli; from scripts import docs; cli.run(lambda: docs.main(['--no-serve']))"
    wrapper = subprocess.Popen([sys.executable, "-c", docs], cwd=PROJECT_DIR, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while not child.exists() or not child.read_text():
        assert time.monotonic() < deadline, "dbt never started"
        time.sleep(0.05)
    wrapper.send_signal(signum)
    try:
        assert wrapper.wait(timeout=20) == 7, "docs ends with its dbt, and with its code"
        assert not pid_alive(int(child.read_text())), "dbt was stopped, not left writing"
        assert "failed with exit code 7" in wrapper.stderr.read()
    finally:
        if pid_alive(int(child.read_text())):
            os.kill(int(child.read_text()), signal.SIGKILL)


def test_a_dbt_command_of_make_builds_every_marketplace_the_database_holds(ops, monkeypatch):
    """`make build` on a database with Wildberries data (and no MARKETPLACES) builds the Wildberries
    models too: dbt_project.yml's default is Ozon alone, and a build of it dropped every Wildberries row
    from the marts."""
    monkeypatch.delenv("MARKETPLACES", raising=False)
    monkeypatch.setenv("TARGET", "duckdb")
    with duckdb.connect(os.environ["DUCKDB_PATH"]) as db:
        db.execute("create schema raw_wildberries")
        db.execute("create table raw_wildberries.orders (srid varchar)")
    dbt = str(PROJECT_DIR / ".venv/bin/dbt")
    listed = run_script(
        "scripts.locked", "build", dbt, "ls", "--profiles-dir", ".", "--resource-type", "model", "--output", "name"
    )
    assert listed.returncode == 0, listed.stdout[-2000:] + listed.stderr[-2000:]
    assert "stg_wildberries__orders" in listed.stdout.split()
    assert "stg_ozon__products" not in listed.stdout.split()


def child_of(pid: int, seconds: float = 20) -> int:
    """The first child process of `pid`, waiting for it to appear."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            found = children.read().split()
        if found:
            return int(found[0])
        time.sleep(0.05)
    raise AssertionError(f"process {pid} started no child")


@pytest.mark.parametrize(
    "parent",
    [
        ("-c", "from scripts import steps; steps.run_measured(['sleep', '60'])"),  # a runner's step
        ("-m", "scripts.locked", "build", "sleep", "60"),  # make build, load-*, seed, ...
    ],
    ids=["runner step", "locked target"],
)
def test_a_step_dies_with_the_process_that_holds_the_lock(ops, parent):
    """A kill -9 of the runner left its step running in a session of its own, the lock freed: the
    next run took it and collided with the step still writing (operations audit)."""
    holder = subprocess.Popen([sys.executable, *parent], cwd=PROJECT_DIR)
    step = child_of(holder.pid)
    try:
        holder.kill()
        holder.wait()
        deadline = time.monotonic() + 10
        while pid_alive(step) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not pid_alive(step), "the step outlived the process that held the lock"
    finally:
        if pid_alive(step):
            os.kill(step, signal.SIGKILL)


def test_a_lock_file_naming_a_reused_pid_is_stale_and_a_held_one_is_not(ops):
    """After a kill -9 or a reboot the lock file's pid may name an unrelated live process: health called
    it a stuck run to kill, and summary and reconcile refused as if a run were writing."""
    unrelated = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock_path().parent.mkdir(parents=True, exist_ok=True)
        lock_path().write_text(json.dumps({"run_id": HOLDER, "pid": unrelated.pid, "started_at": "then"}))
        assert writing_elsewhere() is None
        check = health.stale_lock()
        assert check.status == health.FAIL and f"stale lock at {lock_path()}" in check.message
    finally:
        unrelated.kill()
        unrelated.wait()
    holder = hold_lock(HOLDER)
    try:
        assert writing_elsewhere().run_id == HOLDER
        assert health.stale_lock().status == health.OK
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_is_found_by_its_inode_whatever_device_proc_locks_names(ops, tmp_path, monkeypatch):
    """On btrfs /proc/locks names the filesystem's device and stat() the subvolume's: a live holder
    looked dead, and every loader under its parent's lock refused with exit 75 (review)."""
    lock_path().parent.mkdir(parents=True, exist_ok=True)
    lock_path().write_text("{}")
    inode = lock_path().stat().st_ino
    locks = tmp_path / "locks"
    monkeypatch.setattr(writer_lock, "PROC_LOCKS", locks)
    locks.write_text(
        f"1: FLOCK  ADVISORY  WRITE 4242 00:28:{inode} 0 EOF\n2: -> FLOCK  ADVISORY  WRITE 4343 00:28:7 0 EOF\n"
    )
    assert writer_lock._flocked(lock_path())
    locks.write_text(
        f"1: POSIX  ADVISORY  WRITE 4242 00:28:{inode} 0 EOF\n2: FLOCK  ADVISORY  WRITE 9 00:28:{inode + 1} 0 EOF\n"
    )
    assert not writer_lock._flocked(lock_path())
