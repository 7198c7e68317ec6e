"""The soak's checks (`devtools/soak.py`): the marts against the sandbox's truth, health and reconcile.

Each figure is a Counter keyed by what identifies a row, so a missing, extra or different row shows as
a mismatch. The mapping of truth to marts is the end-to-end tests' (tests/dbt/test_end_to_end*.py):
Ozon FBO stock per product × canonical warehouse (`available`), FBS and rFBS stock per product under
the seller's aggregate warehouse (present − reserved), Wildberries FBW stock per size × warehouse as
served (masked names, summed); order lines per posting line (Ozon) or srid (Wildberries, the ones WB
still serves) with their final status and units.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass

from devtools import demo
from sandbox import Sandbox
from scripts import database, steps

# Masked Wildberries warehouse names as served -> the warehouse seed's name (tests/dbt/test_end_to_end_wildberries.py).
WB_WAREHOUSES = {"Склад WB РФ": "СКЛАД_WB_РФ", "Склад WB СГТ РФ": "СКЛАД_WB_СГТ_РФ", "Минск": "МИНСК"}
SELLER_WAREHOUSES = "СКЛАДЫ_ПРОДАВЦА"  # Ozon FBS and rFBS stock, one aggregate per stock type
SHOWN_MISMATCHES = 5

CATALOGUE_SQL = "select product_key, is_archived or coalesce(is_trashed, false) from marts.dim_products"
STOCK_SQL = """
    select i.product_key, w.warehouse_name, i.stock_type, sum(i.available_quantity)
    from marts.inventory as i
    inner join marts.dim_warehouses as w on i.warehouse_key = w.warehouse_key
    group by i.product_key, w.warehouse_name, i.stock_type"""
ORDERS_SQL = "select product_key, order_id, order_status, sum(quantity) from marts.fact_orders group by 1, 2, 3"


@dataclass(frozen=True)
class Figures:
    """catalogue: (product key, archived or trashed) -> 1; stock: (product key, warehouse, stock type)
    -> units; orders: (product key, order id, final status) -> units."""

    catalogue: Counter
    stock: Counter
    orders: Counter


@dataclass(frozen=True)
class Check:
    name: str
    expected: int
    actual: int
    mismatches: tuple[str, ...]  # the first few

    @property
    def passed(self) -> bool:
        return self.expected == self.actual and not self.mismatches


def _ozon_truth(sandbox: Sandbox, figures: Figures) -> None:
    for name, account in zip(demo.ACCOUNT_NAMES, sandbox.ozon.accounts, strict=False):
        truth = sandbox.ozon.truth(account.client_id)
        key = f"ozon:{name}:".__add__
        for product in truth.products:
            figures.catalogue[(key(str(product["product_id"])), product["archived"])] += 1
        for row in truth.fbo_stock:
            if row["available"]:
                figures.stock[(key(str(row["product_id"])), row["canonical_warehouse"], "fbo")] += row["available"]
        for row in truth.fbs_stock:
            if row["present"] - row["reserved"]:
                units = row["present"] - row["reserved"]
                figures.stock[(key(str(row["product_id"])), SELLER_WAREHOUSES, row["type"])] += units
        for line in truth.order_lines:
            order = (key(str(line["product_id"])), line["posting_number"], line["order_status"])
            figures.orders[order] += line["quantity"]


def _wildberries_truth(sandbox: Sandbox, figures: Figures) -> None:
    for name, account in zip(demo.ACCOUNT_NAMES, sandbox.wildberries.accounts, strict=False):
        sizes = {
            size.chrt_id: size.tech_size
            for card in sandbox.wildberries.seller(account.token).cards
            for size in card.sizes
        }
        truth = sandbox.wildberries.truth(account.token)

        def key(row: dict, name: str = name, sizes: dict = sizes) -> str:
            return f"wildberries:{name}:{row['nm_id']}/{sizes[row['chrt_id']]}"

        for card in truth.cards:
            figures.catalogue[(key(card), card["trashed"])] += 1
        for row in truth.stock:
            if row["quantity"]:
                figures.stock[(key(row), WB_WAREHOUSES[row["served_name"]], "fbw")] += row["quantity"]
        for order in truth.orders:
            if order["retained"]:
                figures.orders[(key(order), order["srid"], order["order_status"])] += 1


def expected(sandbox: Sandbox) -> Figures:
    """The sandbox's truth as of its clock, in the marts' terms."""
    figures = Figures(Counter(), Counter(), Counter())
    _ozon_truth(sandbox, figures)
    _wildberries_truth(sandbox, figures)
    return figures


def actual(engine: str) -> Figures:
    """The marts' figures, rows with zero units left out as the truth leaves them out."""
    with database.connect(engine, read_only=True) as db:
        catalogue = Counter((key, bool(gone)) for key, gone in db.execute(CATALOGUE_SQL))
        stock = Counter(
            {(key, warehouse, kind): int(units) for key, warehouse, kind, units in db.execute(STOCK_SQL) if units}
        )
        orders = Counter({(key, order, status): int(units) for key, order, status, units in db.execute(ORDERS_SQL)})
    return Figures(catalogue, stock, orders)


def _compare(name: str, expected: Counter, actual: Counter) -> Check:
    keys = sorted(set(expected) | set(actual), key=str)
    mismatches = tuple(
        f"{key}: expected {expected.get(key, 0)}, got {actual.get(key, 0)}"
        for key in keys
        if expected.get(key, 0) != actual.get(key, 0)
    )
    return Check(name, sum(expected.values()), sum(actual.values()), mismatches)


def compare(expected: Figures, actual: Figures) -> list[Check]:
    return [
        _compare("catalogue: products (marts.dim_products)", expected.catalogue, actual.catalogue),
        _compare("stock: units per product × warehouse (marts.inventory)", expected.stock, actual.stock),
        _compare("orders: units per order line and status (marts.fact_orders)", expected.orders, actual.orders),
    ]


def _exits_zero(module: str) -> Check:
    done = subprocess.run(
        [sys.executable, "-m", module], cwd=steps.PROJECT_DIR, env=steps.environment(), capture_output=True, text=True
    )
    problems = [] if done.returncode == 0 else (done.stdout + done.stderr).strip().splitlines()[-SHOWN_MISMATCHES:]
    return Check(f"python -m {module} exits 0", 0, done.returncode, tuple(problems))


def operations() -> list[Check]:
    return [_exits_zero("scripts.health"), _exits_zero("scripts.reconcile")]
