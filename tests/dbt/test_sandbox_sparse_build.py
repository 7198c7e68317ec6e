"""Sparse answers (every field the OpenAPI schemas do not require left out) → both loaders → dbt build.

The build passes, and the marts equal the sandbox's truth wherever the fields left out are not
needed: whether each Ozon product is archived (the visibility pass that listed it says so when
`is_archived` is not sent), and Wildberries units per card × warehouse (a size without `techSize`
counts as the card's size "0"; the report's rows stay apart by barcode). Every order and stock row
has its product, trashed cards included.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sandbox import Sandbox
from scripts import steps
from tests.dbt.test_raw_schema_robustness import build, query
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

SELLER = paced_seller(seed=5, products=60, warehouses=6, archived_share=0.2, history_days=10, sparse=True)
# The names WB serves in the stock report since it masks its warehouses, as the warehouse seed spells them.
CANONICAL = {"Склад WB РФ": "СКЛАД_WB_РФ", "Склад WB СГТ РФ": "СКЛАД_WB_СГТ_РФ", "Минск": "МИНСК"}


def load_both(sandbox: Sandbox) -> None:
    steps.load("ozon", "duckdb", ozon_env(sandbox, "shop"))
    steps.load("wildberries", "duckdb", wb_env(sandbox))


def test_sparse_answers_load_build_and_match_the_truth_where_they_can(workdir):
    with Sandbox(SELLER) as sandbox:
        sandbox.clock.advance(timedelta(days=30))  # some cards are in the trash by then
        load_both(sandbox)
        ozon_truth = sandbox.ozon.truth(sandbox.ozon.accounts[0].client_id)
        wb_truth = sandbox.wildberries.truth(sandbox.wildberries.accounts[0].token)
    build("duckdb")

    archived = dict(
        query("duckdb", "select marketplace_product_id, is_archived from marts.dim_products where marketplace = 'ozon'")
    )
    expected_archived = {str(product["product_id"]): product["archived"] for product in ozon_truth.products}
    assert archived == expected_archived and 0 < sum(expected_archived.values()) < len(expected_archived)

    trashed = {card["nm_id"] for card in wb_truth.cards if card["trashed"]}
    assert trashed, "the sandbox trashed no card within the month"
    assert {
        int(nm_id)
        for (nm_id,) in query(
            "duckdb",
            "select marketplace_product_id from marts.dim_products where marketplace = 'wildberries' and is_trashed",
        )
    } == trashed

    units = query(
        "duckdb",
        """
        select p.marketplace_product_id, w.warehouse_name, sum(i.available_quantity)
        from marts.inventory as i
        inner join marts.dim_products as p on i.product_key = p.product_key
        inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
        where i.stock_type = 'fbw'
        group by p.marketplace_product_id, w.warehouse_name""",
    )
    expected_units = Counter()
    for row in wb_truth.stock:
        expected_units[(str(row["nm_id"]), CANONICAL[row["served_name"]])] += row["quantity"]
    assert {(nm_id, warehouse): int(total) for nm_id, warehouse, total in units if total} == {
        key: total for key, total in expected_units.items() if total
    }
    assert sum(expected_units.values()) > 100
    assert query(
        "duckdb", "select count(*) from quality.data_quality_issues where rule = 'product_not_in_catalogue'"
    ) == [(0,)]
