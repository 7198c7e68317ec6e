"""The records of an Ozon seller's catalogue that the data (`ozon_data`) builds and the simulation
(`ozon_simulation`) reads: a catalogue entry, a product and where it is stocked.

They are NamedTuples rather than frozen dataclasses: just as immutable, and several times cheaper
to build, which is most of the cost of 100,000 products.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sandbox.ozon_warehouses import Warehouse


class Listing(NamedTuple):
    """A catalogue entry: what /v3/product/list knows about a product."""

    index: int
    product_id: int
    sku: int
    offer_id: str
    archived: bool  # archived before the history starts; `OzonSeller.catalogue` knows later ones

    @property
    def fbs_sku(self) -> int:
        """The SKU of the FBS scheme, which FBS postings and stock name. Since SDS (2023) a product
        has one SKU for both schemes, but older products can keep a separate FBS SKU (ozon.md,
        /v3/product/info/list `sources`): every tenth product here, its SKU minus one."""
        return self.sku - 1 if self.index % 10 == 7 else self.sku


class Placement(NamedTuple):
    """Where a product is stocked at Ozon, and how much at the start of the history."""

    warehouse: Warehouse
    served_name: str
    name_variant: str
    counts: dict[str, int]
    days_without_sales: int

    @property
    def initial_state(self) -> tuple[int, int, int, int, int]:
        """(available, reserved, requested, transit, valid): the counts the simulation moves."""
        counts = self.counts
        return counts["available"], 0, counts["requested"], counts["transit"], counts["valid"]


class Product(NamedTuple):
    listing: Listing
    name: str
    description_category_id: int
    type_id: int
    created_at: datetime
    updated_at: datetime
    price: int
    old_price: int
    min_price: int
    vat: str
    volume_weight: float
    commission_percent: int
    is_autoarchived: bool
    is_discounted: bool
    is_super: bool
    images: tuple[str, ...]
    barcodes: tuple[str, ...]
    model_id: int
    model_count: int
    has_reviews_promo: bool
    item_tags: tuple[str, ...]
    placements: tuple[Placement, ...]
    seller_stock: tuple[tuple[str, int], ...]  # (fbs|rfbs, units present at the start)

    @property
    def is_kgt(self) -> bool:
        return self.volume_weight > 20
