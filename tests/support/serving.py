"""The serving tests' seller: the sandbox loaded and built by the real runner (`python -m scripts.run`),
once per test session (`tests/conftest.py` registers this module as a plugin).

Both marketplaces, one account each, two scheduled runs a simulated day apart (the stock history
has two days); every run publishes the snapshot the server reads. The project's settings apply only
while a run executes, so other tests see none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from sandbox import Sandbox
from serving import keys, publish
from serving.settings import Settings
from tests.support.operations import isolated_ops, run_script
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

SELLER = paced_seller(seed=9, products=40, warehouses=5, accounts=1, history_days=10)


@dataclass
class Seller:
    folder: Path
    sandbox: Sandbox

    @property
    def env(self) -> dict[str, str]:
        return {
            "DUCKDB_PATH": str(self.folder / "warehouse.duckdb"),
            "DLT_PIPELINES_DIR": str(self.folder / "dlt"),
            "DBT_TARGET_PATH": str(self.folder / "dbt_target"),
            "DBT_LOG_PATH": str(self.folder / "dbt_logs"),
            "MARKETPLACES": "ozon,wildberries",
        }

    @property
    def database(self) -> Path:
        return self.folder / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return publish.publish_dir(self.database)

    def apply(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """The seller's database, state and ops.toml in this process's environment."""
        isolated_ops(self.folder, monkeypatch)
        for name, value in self.env.items():
            monkeypatch.setenv(name, value)

    def accounts(self) -> dict[str, str]:
        return ozon_env(self.sandbox, "shop") | wb_env(self.sandbox, "shop")

    def run(self, target: str = "duckdb") -> None:
        """One scheduled run (loads of both accounts, dbt build, publication), then a simulated day passes."""
        with pytest.MonkeyPatch.context() as monkeypatch:
            self.apply(monkeypatch)
            done = run_script("scripts.run", "--target", target, env=self.accounts())
        assert done.returncode == 0, done.stderr[-3000:]
        self.sandbox.clock.advance(timedelta(days=1))

    def marts(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Rows of the seller's own database (not the snapshot), closed right after: runs write it."""
        with duckdb.connect(str(self.database), read_only=True) as db:
            return db.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="session")
def seller(tmp_path_factory) -> Iterator[Seller]:
    with Sandbox(SELLER) as sandbox:
        seller = Seller(tmp_path_factory.mktemp("served_seller"), sandbox)
        seller.run()
        seller.run()
        yield seller


def settings_for(
    keys_file: Path, rate_limit_per_minute: int = 100_000, local_mode: bool = False, target: str = "duckdb"
) -> Settings:
    return Settings(
        target=target,
        host="127.0.0.1",
        port=0,
        keys_file=keys_file,
        rate_limit_per_minute=rate_limit_per_minute,
        local_mode=local_mode,
        pool_size=2,
    )


def client_for(seller: Seller, folder: Path, **settings) -> tuple[TestClient, str]:
    """A client of a server on the seller's snapshots, and a valid API key of it."""
    from fastapi.testclient import TestClient  # here: every test session loads this module (a plugin)

    from serving.app import create_app
    from serving.reader import SnapshotReader

    keys_file = folder / "api_keys.json"
    key = keys.create(keys_file, "tests")
    app = create_app(settings_for(keys_file, **settings), SnapshotReader(seller.published))
    return TestClient(app), key


@pytest.fixture(scope="module")
def api(seller, tmp_path_factory):
    """A client of the API on the seller's snapshots, with a valid key, for the module's tests."""
    client, key = client_for(seller, tmp_path_factory.mktemp("api"))
    client.headers["X-API-Key"] = key
    return client


def every_page(api, path: str, **params) -> list[dict]:
    """The rows of every page of `path`, following `next_cursor` (each page must answer 200)."""
    rows, cursor = [], None
    while True:
        answer = api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert answer.status_code == 200, answer.text
        rows += answer.json()["data"]
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return rows
