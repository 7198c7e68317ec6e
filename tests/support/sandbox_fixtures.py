"""Pytest fixtures `ozon_sandbox` and `wb_sandbox` (registered in `tests/conftest.py`), the loaders'
settings for a sandbox's accounts, and daily loads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from sandbox import Sandbox, SandboxConfig
from scripts import steps

# The tests' pace: the sandbox's limits and the loaders' pacing (OZON_/WB_RATE_LIMIT_SCALE, which
# ozon_env and wb_env set from the sandbox), both this many times looser, so that a load takes seconds.
TEST_PACE = 600


def paced_seller(**fields) -> SandboxConfig:
    """A sandbox seller (`fields` as SandboxConfig takes them) at the tests' pace."""
    return SandboxConfig(rate_limit_scale=TEST_PACE, **fields)


# Small enough to start in milliseconds, big enough for several pages and both visibility passes.
OZON_FIXTURE_CONFIG = SandboxConfig(seed=7, products=120, warehouses=6, archived_share=0.15)


@pytest.fixture
def ozon_sandbox() -> Iterator[Sandbox]:
    """A running sandbox (one Ozon account, 120 products, 6 warehouses), fresh for each test."""
    with Sandbox(OZON_FIXTURE_CONFIG) as sandbox:
        yield sandbox


# Two WB accounts, 60 cards each, 30 days of history, no rate limits (WB allows one sales call a
# minute): several pages everywhere, starts in well under a second.
WB_FIXTURE_CONFIG = SandboxConfig(seed=11, products=60, warehouses=6, accounts=2, history_days=30, rate_limit_rps=0)


@pytest.fixture
def wb_sandbox() -> Iterator[Sandbox]:
    """A running sandbox (WB accounts wb1/wb2, 60 cards each, 30 days of history, limits off), fresh per test;
    its Ozon side has two accounts too."""
    with Sandbox(WB_FIXTURE_CONFIG) as sandbox:
        yield sandbox


def ozon_env(sandbox: Sandbox, name: str | None = None) -> dict[str, str]:
    """A loader's settings for the sandbox's first Ozon account, at the sandbox's time: named `name`
    (else the default account), its pacing divided by the sandbox's `rate_limit_scale` (its limits and
    the loader's pacing scaled alike)."""
    account = sandbox.ozon.accounts[0]
    env = {
        "OZON_API_BASE_URL": sandbox.ozon.base_url,
        "OZON_CLIENT_ID": account.client_id,
        "OZON_API_KEY": account.api_key,
        "LOADER_NOW": sandbox.clock.now().isoformat(),
    }
    if name:
        env["OZON_ACCOUNT_NAME"] = name
    if sandbox.config.rate_limit_scale != 1:
        env["OZON_RATE_LIMIT_SCALE"] = str(sandbox.config.rate_limit_scale)
    return env


def wb_env(sandbox: Sandbox, name: str = "shop") -> dict[str, str]:
    """A loader's settings for the sandbox's first Wildberries account, at the sandbox's time, its pacing
    divided by the sandbox's `rate_limit_scale`."""
    env = {
        "WB_API_BASE_URL": sandbox.wildberries.base_url,
        "WB_API_TOKEN": sandbox.wildberries.accounts[0].token,
        "WB_ACCOUNT_NAME": name,
        "LOADER_NOW": sandbox.clock.now().isoformat(),
    }
    if sandbox.config.rate_limit_scale != 1:
        env["WB_RATE_LIMIT_SCALE"] = str(sandbox.config.rate_limit_scale)
    return env


# The loader's settings for a sandbox's first account, by the marketplace `python -m loaders` takes.
LOADER_ENV: dict[str, Callable[[Sandbox], dict[str, str]]] = {"ozon": ozon_env, "wildberries": wb_env}


def load_daily(
    sandbox: Sandbox, marketplace: str, destination: str, resources: tuple[str, ...], days: int
) -> list[datetime]:
    """`days` loads of `marketplace` a simulated day apart, as cron would run them: a full load, then
    `resources` (stock and orders), each with the loader's settings at the sandbox's time. Returns the
    (simulated) times of the loads."""
    loaded_at = []
    for day in range(days):
        loaded_at.append(sandbox.clock.now())
        settings = LOADER_ENV[marketplace](sandbox)
        steps.load(marketplace, destination, settings, *(() if day == 0 else ("--resources", *resources)))
        if day < days - 1:
            sandbox.clock.advance(timedelta(days=1))
    return loaded_at
