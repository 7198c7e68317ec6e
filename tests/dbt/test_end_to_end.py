"""Sandbox → loader CLI → dbt build, on DuckDB and PostgreSQL, checked against the sandbox's truth:
the catalogue, stock per warehouse and stock type, order lines per status and 7-day ADS, and the
seller analytics marts (models/marts/analytics: lost units and availability per product ×
warehouse, the share of units shipped from the buyer's own cluster), recomputed from what the
sandbox served. One Ozon seller, loaded on nine simulated days and built once per engine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from sandbox import Sandbox
from sandbox.ozon_data import OzonTruth
from scripts import steps
from tests.support.destinations import query
from tests.support.postgres import throwaway_database
from tests.support.sandbox_fixtures import load_daily, paced_seller
from tests.support.velocity_truth import expected_ads, expected_lost_sales, ozon_units

# Six times the usual demand: enough locations run out within the short window.
SELLER = paced_seller(seed=11, products=150, warehouses=8, unknown_warehouses=1, history_days=10, demand_scale=6.0)
MOSCOW = ZoneInfo("Europe/Moscow")
WINDOW = 7  # lost sales: within the 9 days of stock snapshots the module loads
LOCALISATION_DAYS = 28
ORDER_HISTORY_DAYS = 365  # every pair that ever sold is a location of lost_sales


DAYS_OF_SNAPSHOTS = 9  # daily stock: the day before a 7-day window gives its first opening stock
DAILY_RESOURCES = ("product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs")


@dataclass
class Built:
    destination: str
    truth: OzonTruth  # at the end of the last day
    catalogue: OzonTruth  # at the first load: only that load reads the catalogue
    snapshots: dict[date, OzonTruth]  # at each load, by its Moscow date
    order_lines: list[dict]
    available: dict[date, dict]
    archived: set[int]
    as_of: date

    def query(self, sql: str) -> list[tuple]:
        return query(self.destination, sql)


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
            loaded_at = load_daily(sandbox, "ozon", request.param, DAILY_RESOURCES, DAYS_OF_SNAPSHOTS)
            client_id = sandbox.ozon.accounts[0].client_id
            truth = sandbox.ozon.truth(client_id)
            catalogue = sandbox.ozon.truth(client_id, at=loaded_at[0])
            snapshots = {at.astimezone(MOSCOW).date(): sandbox.ozon.truth(client_id, at=at) for at in loaded_at}
            as_of = sandbox.clock.now().astimezone(MOSCOW).date()
        steps.dbt("build", request.param, env, "--vars", f"{{lost_sales_window_days: {WINDOW}}}")
        available = {
            day: {
                (row["product_id"], row["canonical_warehouse"]): row["available"] for row in t.fbo_stock if row["known"]
            }
            for day, t in snapshots.items()
        }
        archived = {product["product_id"] for product in truth.products if product["archived"]}
        yield Built(request.param, truth, catalogue, snapshots, truth.order_lines, available, archived, as_of)


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


def test_marts_match_what_the_sandbox_served(built):
    destination, truth, catalogue, order_lines, as_of = (
        built.destination,
        built.truth,
        built.catalogue,
        built.order_lines,
        built.as_of,
    )
    products = dict(
        query(destination, "select cast(marketplace_product_id as bigint), is_archived from marts.dim_products")
    )
    assert products == {p["product_id"]: p["archived"] for p in catalogue.products}

    fbo = dict(
        query(
            destination,
            """
        select w.warehouse_name, sum(i.available_quantity)
        from marts.inventory as i
        inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
        where i.stock_type = 'fbo' and w.is_resolved
        group by w.warehouse_name""",
        )
    )
    expected_fbo = {name: units for name, units in truth.fbo_available_by_warehouse().items() if units}
    assert {name: int(units) for name, units in fbo.items() if units} == expected_fbo

    seller_stock = Counter()
    for row in truth.fbs_stock:
        seller_stock[row["type"]] += row["present"] - row["reserved"]
    stocked = dict(
        query(
            destination,
            """
        select stock_type, sum(available_quantity) from marts.inventory
        where stock_type <> 'fbo' group by stock_type""",
        )
    )
    assert {k: int(v) for k, v in stocked.items()} == {k: v for k, v in seller_stock.items() if v or k in stocked}

    unresolved = query(destination, "select raw_warehouse_name from marts.warehouse_names_unresolved")
    assert unresolved == [("ТЕСТОВЫЙ_НОВЫЙ_СКЛАД_1",)]
    # The unknown warehouse's units are kept, under a warehouse of its own.
    (all_fbo,) = query(destination, "select sum(available_quantity) from marts.inventory where stock_type = 'fbo'")
    assert int(all_fbo[0]) == sum(truth.fbo_available_by_warehouse(include_unknown=True).values())

    statuses = dict(query(destination, "select order_status, sum(quantity) from marts.fact_orders group by 1"))
    expected_statuses = Counter()
    for line in order_lines:
        expected_statuses[line["order_status"]] += line["quantity"]
    assert {status: int(units) for status, units in statuses.items()} == dict(expected_statuses)
    assert set(expected_statuses) == {"ordered", "delivered", "cancelled", "returned"}

    ads = query(
        destination,
        """
        select cast(p.marketplace_product_id as bigint), w.warehouse_name, v.ads_7d, v.as_of_date
        from marts.sales_velocity as v
        inner join marts.dim_products as p on v.product_key = p.product_key
        inner join marts.dim_warehouses as w on v.location_key = w.warehouse_key
        where v.location_level = 'warehouse' and w.warehouse_type = 'fbo' and w.is_resolved
            and v.ads_7d is not null""",
    )
    assert {row[3] for row in ads} == {as_of}
    expected = expected_ads(built.available, ozon_units(order_lines, as_of, window=7), as_of, window=7)
    assert {(pid, name): round(float(value), 6) for pid, name, value, _ in ads} == {
        pair: round(value, 6) for pair, value in expected.items()
    }
    assert len(expected) > 50, "the check must cover many product × warehouse pairs"


@pytest.mark.parametrize("built", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_on_postgres_the_build_leaves_statistics_for_the_planner(built):
    """Every raw table the build read and every table it built has been analysed (PostgreSQL plans
    blind without: dlt does not analyse what it loads, and autovacuum may be off or late)."""
    tables = built.query(
        "select schemaname, relname, last_analyze is not null from pg_stat_user_tables"
        " where schemaname in ('raw_ozon', 'intermediate', 'marts', 'quality') order by 1, 2"
    )
    assert {schema for schema, _, _ in tables} == {"raw_ozon", "intermediate", "marts", "quality"}
    assert [f"{schema}.{name}" for schema, name, analysed in tables if not analysed] == []
