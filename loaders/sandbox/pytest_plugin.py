"""Pytest fixture `ozon_sandbox`: enable with `pytest_plugins = ["loaders.sandbox.pytest_plugin"]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from loaders.sandbox import Sandbox, SandboxConfig

# Small enough to start in milliseconds, big enough for several pages and both visibility passes.
OZON_FIXTURE_CONFIG = SandboxConfig(seed=7, products=120, warehouses=6, archived_share=0.15)


@pytest.fixture
def ozon_sandbox() -> Iterator[Sandbox]:
    """A running sandbox (one Ozon account, 120 products, 6 warehouses), fresh for each test."""
    with Sandbox(OZON_FIXTURE_CONFIG) as sandbox:
        yield sandbox
