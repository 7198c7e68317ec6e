"""Every program that writes a database holds the run lock or refuses naming its holder; a loader
started under the runner or `scripts.locked` writes under their lock."""

from __future__ import annotations

import sys

import pytest

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
