"""The seller analytics marts (models/marts/analytics) against the sandbox's truth: lost units and
availability per product × warehouse, and the share of units shipped from the buyer's own cluster,
recomputed from what the sandbox served; loaded and built once per engine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from sandbox import Sandbox, SandboxConfig
from scripts import database, steps
from tests.dbt.test_end_to_end import load_days
from tests.support.postgres import throwaway_database
from tests.support.velocity_truth import expected_lost_sales, ozon_units

# Six times the usual demand: enough locations run out within the short window.
SELLER = SandboxConfig(
    seed=11, products=150, warehouses=8, archived_share=0.1, unknown_warehouses=1, history_days=10, demand_scale=6.0
)
MOSCOW = ZoneInfo("Europe/Moscow")
WINDOW = 7  # lost sales: within the 9 days of stock snapshots load_days takes
LOCALISATION_DAYS = 28
ORDER_HISTORY_DAYS = 365  # every pair that ever sold is a location of lost_sales


@dataclass
class Built:
    destination: str
    order_lines: list[dict]
    available: dict[date, dict]
    archived: set[int]
    as_of: date

    def query(self, sql: str) -> list[tuple]:
        with database.connect(self.destination, read_only=True) as db:
            return db.execute(sql)


@pytest.fixture(scope="module")
def postgres_name() -> Iterator[str]:
    """A database of this module's own on the PostgreSQL server, dropped afterwards."""
    with throwaway_database() as name:
        yield name


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def built(request, tmp_path_factory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp(f"analytics_{request.param}")
    env = {
        "DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DLT_PIPELINES_DIR": str(folder / "dlt"),
        "DBT_TARGET_PATH": str(folder / "dbt_target"),
        "DBT_LOG_PATH": str(folder / "dbt_logs"),
    }
    if request.param == "postgres":
        env["PGDATABASE"] = request.getfixturevalue("postgres_name")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        patch.delenv("MARKETPLACES", raising=False)
        with Sandbox(SELLER) as sandbox:
            loaded_at = load_days(sandbox, request.param)
            client_id = sandbox.ozon.accounts[0].client_id
            truth = sandbox.ozon.truth(client_id)
            snapshots = {
                at.astimezone(MOSCOW).date(): sandbox.ozon.truth(client_id, at=at).fbo_stock for at in loaded_at
            }
            as_of = sandbox.clock.now().astimezone(MOSCOW).date()
        steps.dbt("build", request.param, env, "--vars", f"{{lost_sales_window_days: {WINDOW}}}")
        available = {
            day: {(row["product_id"], row["canonical_warehouse"]): row["available"] for row in fbo if row["known"]}
            for day, fbo in snapshots.items()
        }
        archived = {product["product_id"] for product in truth.products if product["archived"]}
        yield Built(request.param, truth.order_lines, available, archived, as_of)


def test_lost_units_and_availability_match_the_sandbox(built):
    rows = built.query(
        """
        select cast(p.marketplace_product_id as bigint), w.warehouse_name, l.out_of_stock_days, l.availability,
            l.lost_units, l.unknown_stock_days, l.as_of_date
        from marts.lost_sales as l
        inner join marts.dim_products as p on l.product_key = p.product_key
        inner join marts.dim_warehouses as w on l.warehouse_key = w.warehouse_key
        where l.location_level = 'warehouse' and w.warehouse_type = 'fbo' and w.is_resolved"""
    )
    assert {row[6] for row in rows} == {built.as_of}
    assert {row[5] for row in rows} == {0}, "the window lies within the stock history"
    units = ozon_units(built.order_lines, built.as_of, window=ORDER_HISTORY_DAYS)
    expected = {
        pair: figures
        for pair, figures in expected_lost_sales(built.available, units, built.as_of, WINDOW).items()
        if pair[0] not in built.archived
    }
    found = {(pid, name): (days, float(availability), lost) for pid, name, days, availability, lost, _, _ in rows}
    assert set(found) == set(expected)
    for pair, (days, availability, lost) in expected.items():
        assert found[pair][:2] == (days, pytest.approx(availability, abs=1e-6)), pair
        assert (found[pair][2] is None) == (lost is None), pair
        if lost is not None:
            assert float(found[pair][2]) == pytest.approx(lost, abs=1e-4), pair
    stocked_out = [pair for pair, (days, _, lost) in expected.items() if days and lost]
    assert len(stocked_out) >= 10, "the check must cover many stock-outs with lost units"


def test_local_share_matches_the_buyer_clusters_the_sandbox_served(built):
    located, local = Counter(), Counter()
    for line in built.order_lines:
        days_ago = (built.as_of - line["business_date"]).days
        if line["order_status"] != "cancelled" and 1 <= days_ago <= LOCALISATION_DAYS and line["cluster_from"]:
            located[line["scheme"]] += line["quantity"]
            local[line["scheme"]] += line["quantity"] * (line["cluster_from"] == line["buyer_cluster"])
    ((located_units, local_units, share),) = built.query(
        "select located_units, local_units, local_unit_share from marts.order_localisation "
        "where scope_level = 'account' and marketplace = 'ozon'"
    )
    assert (located_units, local_units) == (located["fbo"], local["fbo"])
    assert float(share) == pytest.approx(local["fbo"] / located["fbo"], abs=1e-6)
    assert 0 < local["fbo"] < located["fbo"], "the sandbox serves local and non-local postings"
