"""The raw columns the dbt sources YAML declares exist after the first load, sent or not
(loaders/raw_columns.py), on DuckDB and PostgreSQL; a database loaded before they were declared
gains the missing ones and keeps every type dlt gave its columns."""

from __future__ import annotations

import json
import os
from datetime import timedelta

import pytest
import yaml

from loaders import config, raw_columns
from loaders.config import OzonAccount, WildberriesAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import settings as ozon_settings
from loaders.pipeline import run
from loaders.wildberries import settings as wildberries_settings
from sandbox import Sandbox
from scripts import database
from tests.support.sandbox_fixtures import TEST_PACE, paced_seller

pytestmark = pytest.mark.e2e

# Sparse: every field the OpenAPI schemas do not require is left out.
SPARSE = paced_seller(seed=5, products=30, warehouses=4, history_days=5, sparse=True)
FULL = paced_seller(seed=5, products=30, warehouses=4, history_days=5)
SCHEMAS = {"ozon": "raw_ozon", "wildberries": "raw_wildberries"}
# How DuckDB and PostgreSQL spell each type the YAML declares.
TYPE_FAMILIES = {
    "varchar": {"varchar", "character varying"},
    "bigint": {"bigint"},
    "double precision": {"double", "double precision"},
    "boolean": {"boolean"},
    "timestamp with time zone": {"timestamp with time zone"},
}


@pytest.fixture(autouse=True)
def loader_env(monkeypatch):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", str(TEST_PACE))
    monkeypatch.setenv("LOADER_NOW", "")  # `load` sets it to the sandbox clock; restored afterwards


def load(sandbox: Sandbox, marketplace: str, destination: str = "duckdb") -> None:
    os.environ["LOADER_NOW"] = sandbox.clock.now().isoformat()
    if marketplace == "ozon":
        seller = sandbox.ozon.accounts[0]
        account = OzonAccount("shop", seller.client_id, seller.api_key, sandbox.ozon.base_url)
    else:
        seller = sandbox.wildberries.accounts[0]
        account = WildberriesAccount(name="shop", token=seller.token, base_url=sandbox.wildberries.base_url)
    result = run(MARKETPLACES[marketplace], account, destination_name=destination)
    assert result.status == "complete", result.resources


def declared(marketplace: str) -> dict[str, dict[str, str]]:
    """Table -> column -> data_type, as the sources YAML declares them."""
    path = config.PROJECT_DIR / "dbt_project" / "models" / "staging" / marketplace / f"_{marketplace}__sources.yml"
    (source,) = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    return {table["name"]: {c["name"]: c["data_type"] for c in table["columns"]} for table in source["tables"]}


def raw_columns_of(destination: str, marketplace: str) -> dict[str, dict[str, str]]:
    """Table -> column -> data type (lower case) of the marketplace's raw schema."""
    with database.connect(destination, read_only=True) as db:
        rows = db.execute(
            "select table_name, column_name, data_type from information_schema.columns where table_schema = ?",
            (SCHEMAS[marketplace],),
        )
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type.lower()
    return tables


def undeclared_or_mistyped(destination: str, marketplace: str) -> list[str]:
    """Declared columns that a loaded raw table lacks or has with a type of another family."""
    tables = raw_columns_of(destination, marketplace)
    problems = []
    for table, columns in declared(marketplace).items():
        for column, data_type in columns.items() if table in tables else ():
            actual = tables[table].get(column)
            if actual not in TYPE_FAMILIES[data_type]:
                problems.append(f"{table}.{column}: declared {data_type}, is {actual or 'missing'}")
    return problems


@pytest.mark.parametrize("destination", ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_sparse_first_load_has_every_declared_column_with_its_type(destination, workdir, request):
    if destination == "postgres":
        request.getfixturevalue("postgres_database")
    with Sandbox(SPARSE) as sandbox:
        # A row of each to a table the resource routes it to (dlt.mark) besides its own.
        sandbox.ozon.postings.inject("malformed_row", path=ozon_settings.POSTING_FBS_LIST)
        sandbox.wildberries.faults.inject("malformed_row", path=wildberries_settings.ORDERS[1])
        for marketplace in SCHEMAS:
            load(sandbox, marketplace, destination)

    for marketplace in SCHEMAS:
        assert undeclared_or_mistyped(destination, marketplace) == []
    ozon, wildberries = (raw_columns_of(destination, marketplace) for marketplace in SCHEMAS)
    # The tables whose optional fields the sparse answers leave out were loaded (the test checks them).
    assert {"products", "analytics_stocks", "postings_fbs", "warehouses", "report_requests"} <= set(ozon)
    assert {"cards", "orders", "offices", "statistics_quarantine"} <= set(wildberries)
    # A routed table has its own columns, none of those declared for the resource's table.
    assert set(ozon["postings_quarantine"]) == set(declared("ozon")["postings_quarantine"])
    assert set(wildberries["statistics_quarantine"]) == set(declared("wildberries")["statistics_quarantine"])
    assert not (set(declared("ozon")["warehouse_stock_report"]) - set(declared("ozon")["report_requests"])) & set(
        ozon["report_requests"]
    )


def test_a_database_loaded_before_the_declarations_gains_the_missing_columns(workdir, monkeypatch):
    with Sandbox(SPARSE) as sandbox:
        with monkeypatch.context() as undeclared:
            undeclared.setattr(raw_columns, "declare", lambda *args: None)
            load(sandbox, "ozon")
        before = raw_columns_of("duckdb", "ozon")
        assert "name" not in before["products"]  # the sparse catalogue sends no name: no column
        sandbox.clock.advance(timedelta(days=1))
        load(sandbox, "ozon")

    after = raw_columns_of("duckdb", "ozon")
    assert undeclared_or_mistyped("duckdb", "ozon") == []
    assert {table: {c: after[table][c] for c in columns} for table, columns in before.items()} == before


@pytest.mark.parametrize("same_folder", [True, False], ids=["same dlt folder", "new dlt folder"])
def test_a_column_dlt_typed_otherwise_keeps_its_type(same_folder, workdir, monkeypatch, tmp_path):
    """Ozon sends whole numbers for the commission percent, which dlt types bigint; the YAML says
    double precision (the API's `number`). An existing column keeps dlt's type, also when the
    pipeline folder is new (dlt's schema is then the one stored in the database)."""
    commission = ("products__commissions", "percent")
    with Sandbox(FULL) as sandbox:
        with monkeypatch.context() as undeclared:
            undeclared.setattr(raw_columns, "declare", lambda *args: None)
            load(sandbox, "ozon")
        before = raw_columns_of("duckdb", "ozon")
        assert before[commission[0]][commission[1]] == "bigint"
        if not same_folder:
            monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "new_dlt_folder"))
        sandbox.clock.advance(timedelta(days=1))
        load(sandbox, "ozon")

    after = raw_columns_of("duckdb", "ozon")
    assert {table: {c: after[table][c] for c in columns} for table, columns in before.items()} == before
    with database.connect("duckdb", read_only=True) as db:
        ((stored,),) = db.execute("select schema from raw_ozon._dlt_version order by inserted_at desc limit 1")
    # dlt's own schema too: a double there would have the next fraction cast into the bigint column.
    assert json.loads(stored)["tables"][commission[0]]["columns"][commission[1]]["data_type"] == "bigint"
