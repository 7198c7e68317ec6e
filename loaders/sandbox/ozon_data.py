"""A seeded fake Ozon seller: catalogue, stock in Ozon warehouses and in the seller's own.

The same `SandboxConfig` always yields the same data, byte for byte. Only the catalogue
(`Listing`: ids, article, archived flag) is generated up front; the rest of a product
(`Product`: name, prices, stock) is built the first time it is asked for, a block of
`BLOCK_SIZE` neighbours at a time from that block's own seed, so the result does not depend
on the order of requests, 100,000 products start in about a second and a page costs O(page).
"""

from __future__ import annotations

import random
import threading
import uuid
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import log
from typing import NamedTuple

from loaders.sandbox.config import SandboxConfig
from loaders.sandbox.draw import between, pick
from loaders.sandbox.ozon_warehouses import (
    CANONICAL_WAREHOUSES,
    VARIANT_KINDS,
    Warehouse,
    pick_variant_kind,
    spell,
    unknown_warehouse,
)
from loaders.sandbox.vocabulary import article, product_name

FIRST_CLIENT_ID = 100001
BLOCK_SIZE = 256
# The data's own "now": no wall clock, so reruns serve identical timestamps.
CATALOGUE_START = datetime(2021, 3, 1, tzinfo=UTC)
DATA_NOW = datetime(2025, 11, 20, tzinfo=UTC)

STOCK_COUNTS = (
    "available",
    "valid",
    "requested",
    "transit",
    "return_from_customer",
    "return_to_seller",
    "stock_defect",
    "transit_defect",
    "expiring",
    "excess",
    "other",
    "waiting_docs",
)
# (count, share of warehouse rows where it is non-zero, mean of the non-zero values)
_COUNT_PROFILE = (
    ("available", 0.85, 40),
    ("valid", 0.2, 5),
    ("requested", 0.15, 15),
    ("transit", 0.25, 20),
    ("return_from_customer", 0.1, 2),
    ("return_to_seller", 0.05, 2),
    ("stock_defect", 0.05, 1),
    ("transit_defect", 0.03, 1),
    ("expiring", 0.05, 3),
    ("excess", 0.05, 10),
    ("other", 0.05, 2),
    ("waiting_docs", 0.05, 3),
)
_PRICES = (199, 299, 399, 499, 699, 899, 999, 1299, 1499, 1999, 2499, 3499, 4999, 7999)
_CATEGORIES = ((17027906, 91936), (17028922, 92499), (17027484, 93228), (200001506, 94765), (17028650, 970895715))
_VATS = ("0.00", "0.00", "0.00", "0.20", "0.10", "0.05")


@dataclass(frozen=True)
class OzonAccount:
    client_id: str
    api_key: str


# The records below are NamedTuples rather than frozen dataclasses: just as immutable, and
# several times cheaper to build, which is most of the cost of 100,000 products.


class Listing(NamedTuple):
    """A catalogue entry: what /v3/product/list knows about a product."""

    index: int
    product_id: int
    sku: int
    offer_id: str
    archived: bool


class WarehouseStock(NamedTuple):
    """One product's stock in one Ozon warehouse, as /v1/analytics/stocks reports it."""

    warehouse: Warehouse
    served_name: str
    name_variant: str
    counts: dict[str, int]
    ads: float
    ads_cluster: float
    days_without_sales: int
    days_without_sales_cluster: int


class SellerStock(NamedTuple):
    """FBS or rFBS stock in the seller's own warehouses (reserved <= present)."""

    type: str
    present: int
    reserved: int


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
    fbo: tuple[WarehouseStock, ...]
    fbo_reserved: int
    seller_stock: tuple[SellerStock, ...]

    @property
    def is_kgt(self) -> bool:
        return self.volume_weight > 20

    @property
    def fbo_available(self) -> int:
        return sum(row.counts["available"] for row in self.fbo)

    @property
    def fbo_present(self) -> int:
        """Units in Ozon warehouses as /v4/product/info/stocks counts them: available plus reserved."""
        return self.fbo_available + self.fbo_reserved

    @property
    def has_fbo_stock(self) -> bool:
        return self.fbo_present > 0

    @property
    def has_seller_stock(self) -> bool:
        return any(stock.present for stock in self.seller_stock)


@dataclass(frozen=True)
class OzonTruth:
    """What one account's endpoints serve, for tests to reconcile loads and marts against.

    `products`: product_id, offer_id, sku, name, archived, fbo_present, fbo_reserved.
    `fbo_stock`: one row per product × Ozon warehouse holding anything: product_id, sku, offer_id,
    warehouse_id, canonical_warehouse, warehouse_name (the spelling served), name_variant,
    cluster, cluster_id, known (False for `unknown_warehouses`) and the counts `available`,
    `valid`, `requested`, `transit`, ... (the `*_stock_count` fields of /v1/analytics/stocks).
    `fbs_stock`: product_id, sku, type (fbs|rfbs), present, reserved; archived products hold none.
    """

    products: list[dict]
    fbo_stock: list[dict]
    fbs_stock: list[dict]

    def fbo_available_by_warehouse(self, include_unknown: bool = False) -> dict[str, int]:
        """Units available to sell per canonical warehouse name: the sum of `available_stock_count`
        over ALL products that hold stock there, archived ones included.

        Warehouses from `unknown_warehouses` have no canonical name and are left out unless
        `include_unknown` is set (then they appear under the exact name served).
        """
        totals: Counter[str] = Counter()
        for row in self.fbo_stock:
            if row["known"] or include_unknown:
                totals[row["canonical_warehouse"]] += row["available"]
        return dict(totals)


class OzonSeller:
    """One seller account: its credentials, catalogue indexes and lazily built products."""

    def __init__(
        self,
        account: OzonAccount,
        listings: list[Listing],
        block_seeds: list[int],
        warehouses: tuple[Warehouse, ...],
        unknown_placements: dict[int, list[Warehouse]],
    ) -> None:
        self.account = account
        self.listings = listings
        self._block_seeds = block_seeds
        self._warehouses = warehouses
        self._unknown_placements = unknown_placements
        self._products: dict[int, Product] = {}
        self._build_lock = threading.Lock()
        self.by_product_id = {listing.product_id: listing for listing in listings}
        self.by_sku = {listing.sku: listing for listing in listings}
        self.by_offer_id = {listing.offer_id: listing for listing in listings}
        self.active = [listing for listing in listings if not listing.archived]
        self.archived = [listing for listing in listings if listing.archived]
        self._created_at_step = (DATA_NOW - CATALOGUE_START).total_seconds() * 0.95 / max(len(listings), 1)

    def product(self, listing: Listing) -> Product:
        product = self._products.get(listing.index)
        if product is None:
            with self._build_lock:
                if listing.index not in self._products:
                    self._build_block(listing.index // BLOCK_SIZE)
            product = self._products[listing.index]
        return product

    def truth(self) -> OzonTruth:
        products, fbo_stock, fbs_stock = [], [], []
        for listing in self.listings:
            product = self.product(listing)
            products.append(
                {
                    "product_id": listing.product_id,
                    "offer_id": listing.offer_id,
                    "sku": listing.sku,
                    "name": product.name,
                    "archived": listing.archived,
                    "fbo_present": product.fbo_present,
                    "fbo_reserved": product.fbo_reserved,
                }
            )
            for row in product.fbo:
                fbo_stock.append(
                    {
                        "product_id": listing.product_id,
                        "sku": listing.sku,
                        "offer_id": listing.offer_id,
                        "warehouse_id": row.warehouse.warehouse_id,
                        "canonical_warehouse": row.warehouse.canonical_name,
                        "warehouse_name": row.served_name,
                        "name_variant": row.name_variant,
                        "cluster": row.warehouse.cluster_name,
                        "cluster_id": row.warehouse.cluster_id,
                        "known": row.warehouse.known,
                        **row.counts,
                    }
                )
            for stock in product.seller_stock:
                fbs_stock.append(
                    {
                        "product_id": listing.product_id,
                        "sku": listing.sku,
                        "type": stock.type,
                        "present": stock.present,
                        "reserved": stock.reserved,
                    }
                )
        return OzonTruth(products=products, fbo_stock=fbo_stock, fbs_stock=fbs_stock)

    def _build_block(self, block: int) -> None:
        rng = random.Random(self._block_seeds[block])  # noqa: S311 (fake data, nothing secret)
        for listing in self.listings[block * BLOCK_SIZE : (block + 1) * BLOCK_SIZE]:
            self._products[listing.index] = self._build(rng, listing)

    def _build(self, rng: random.Random, listing: Listing) -> Product:
        # Product ids grow with time, so creation dates follow the catalogue order.
        created_at = CATALOGUE_START + timedelta(seconds=listing.index * self._created_at_step + rng.random() * 3600)
        updated_at = created_at + (DATA_NOW - created_at) * rng.random()
        price = pick(rng, _PRICES)
        category_id, type_id = pick(rng, _CATEGORIES)
        is_discounted, is_super = rng.random() < 0.02, rng.random() < 0.05
        fbo = self._fbo_stock(rng, listing)
        return Product(
            listing=listing,
            name=product_name(rng),
            description_category_id=category_id,
            type_id=type_id,
            created_at=created_at,
            updated_at=updated_at,
            price=price,
            old_price=round(price * pick(rng, (1, 1, 1.2, 1.3, 1.5))),
            min_price=round(price * 0.8),
            vat=pick(rng, _VATS),
            volume_weight=round(0.1 + rng.random() * 24.9, 1),
            commission_percent=pick(rng, (12, 15, 18, 20, 23)),
            is_autoarchived=listing.archived and rng.random() < 0.4,
            is_discounted=is_discounted,
            is_super=is_super,
            images=tuple(_image_url(rng) for _ in range(1 + int(rng.random() * 4))),
            barcodes=(f"OZN{listing.sku}",) + ((_ean13(rng),) if rng.random() < 0.6 else ()),
            model_id=between(rng, 100_000_000, 1_000_000_000),
            model_count=1 if rng.random() < 0.9 else 2 + int(rng.random() * 3),
            has_reviews_promo=rng.random() < 0.2,
            item_tags=_item_tags(rng, created_at, is_discounted, is_super),
            fbo=fbo,
            fbo_reserved=int(rng.random() * 4) if fbo and rng.random() < 0.3 else 0,
            seller_stock=_seller_stock(rng, listing.archived),
        )

    def _fbo_stock(self, rng: random.Random, listing: Listing) -> tuple[WarehouseStock, ...]:
        if listing.archived:
            count = 0 if rng.random() < 0.6 else 1 + int(rng.random() * 2)
        else:
            count = 0 if rng.random() < 0.15 else 1 + int(rng.random() * 5)
        # The first products each carry one spelling kind, so every kind is served at least once.
        forced_kind = VARIANT_KINDS[listing.index] if listing.index < len(VARIANT_KINDS) else None
        if forced_kind:
            count = max(count, 1)
        chosen = rng.sample(self._warehouses, min(count, len(self._warehouses)))
        rows = []
        for position, warehouse in enumerate(chosen):
            kind = forced_kind if position == 0 and forced_kind else pick_variant_kind(rng)
            rows.append(_warehouse_stock(rng, warehouse, kind, spell(warehouse.canonical_name, kind, rng)))
        for warehouse in self._unknown_placements.get(listing.index, ()):
            rows.append(_warehouse_stock(rng, warehouse, "canonical", warehouse.canonical_name))
        return tuple(rows)


def _warehouse_stock(rng: random.Random, warehouse: Warehouse, kind: str, served_name: str) -> WarehouseStock:
    draw = rng.random
    counts = dict.fromkeys(STOCK_COUNTS, 0)
    for name, share, mean in _COUNT_PROFILE:
        if draw() < share:  # an exponential draw, inlined: this loop runs for every warehouse row
            counts[name] = 1 + int(-mean * log(1.0 - draw()))
    if not counts["available"] and (not any(counts.values()) or not warehouse.known):
        # A row exists only where something is stored; unknown warehouses always hold sellable units.
        counts["available"] = 1 + int(rng.expovariate(1 / 20))
    ads = round(rng.random() * 3, 2) if rng.random() < 0.7 else 0.0
    ads_cluster = round(ads * rng.random(), 2)
    return WarehouseStock(
        warehouse=warehouse,
        served_name=served_name,
        name_variant=kind,
        counts=counts,
        ads=ads,
        ads_cluster=ads_cluster,
        days_without_sales=0 if ads else 1 + int(rng.random() * 120),
        days_without_sales_cluster=0 if ads_cluster else 1 + int(rng.random() * 120),
    )


def _sometimes(rng: random.Random, share: float, mean: float) -> int:
    return 1 + int(rng.expovariate(1 / mean)) if rng.random() < share else 0


def _seller_stock(rng: random.Random, archived: bool) -> tuple[SellerStock, ...]:
    if archived:
        return (SellerStock("fbs", 0, 0),)
    stocks = [_seller_stock_of(rng, "fbs", 0.6)]
    if rng.random() < 0.1:
        stocks.append(_seller_stock_of(rng, "rfbs", 1.0))
    return tuple(stocks)


def _seller_stock_of(rng: random.Random, kind: str, share: float) -> SellerStock:
    present = _sometimes(rng, share, 30)
    return SellerStock(kind, present, int(present * rng.random() * 0.3))


def _item_tags(rng: random.Random, created_at: datetime, is_discounted: bool, is_super: bool) -> tuple[str, ...]:
    tags = []
    if DATA_NOW - created_at < timedelta(days=60):
        tags.append("NOVEL")
    if is_discounted:
        tags.append("DISCOUNT")
    if is_super:
        tags.append("SUPER")
    if rng.random() < 0.05:
        tags.append("ECONOM")
    return tuple(tags)


def _image_url(rng: random.Random) -> str:
    return f"https://cdn1.ozone.ru/s3/multimedia-1-{pick(rng, 'abcdefghijk')}/{between(rng, 6 * 10**9, 10**10)}.jpg"


def _ean13(rng: random.Random) -> str:
    digits = f"46{int(rng.random() * 10**10):010d}"
    weighted = sum(map(int, digits[0::2])) + 3 * sum(map(int, digits[1::2]))
    return f"{digits}{-weighted % 10}"


def generate_sellers(config: SandboxConfig) -> list[OzonSeller]:
    """One `OzonSeller` per account, Client-Ids 100001, 100002, ..., all drawn from `config.seed`."""
    rng = random.Random(config.seed)  # noqa: S311 (fake data; the Api-Keys are fake too)
    warehouses = CANONICAL_WAREHOUSES[: config.warehouses]
    unknown = [unknown_warehouse(number) for number in range(1, config.unknown_warehouses + 1)]
    sellers = []
    for number in range(config.accounts):
        account = OzonAccount(
            client_id=str(FIRST_CLIENT_ID + number),
            api_key=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        )
        listings = _listings(rng, config)
        block_seeds = [rng.getrandbits(64) for _ in range(0, len(listings), BLOCK_SIZE)]
        sellers.append(OzonSeller(account, listings, block_seeds, warehouses, _place(rng, unknown, len(listings))))
    return sellers


def _listings(rng: random.Random, config: SandboxConfig) -> list[Listing]:
    n = config.products
    product_ids = sorted(rng.sample(range(100_000_000, 4_000_000_000), n))
    skus = rng.sample(range(100_000_000, 10_000_000_000), n)
    archived = set(rng.sample(range(n), round(n * config.archived_share)))
    return [
        Listing(index=i, product_id=product_ids[i], sku=skus[i], offer_id=article(rng, i + 1), archived=i in archived)
        for i in range(n)
    ]


def _place(rng: random.Random, warehouses: list[Warehouse], products: int) -> dict[int, list[Warehouse]]:
    """Which products (by index) hold stock in each unknown warehouse: one to three each."""
    placements: dict[int, list[Warehouse]] = {}
    for warehouse in warehouses:
        for index in rng.sample(range(products), min(products, 1 + int(rng.random() * 3))):
            placements.setdefault(index, []).append(warehouse)
    return placements


def page_after(listings: list[Listing], product_id: int, limit: int) -> list[Listing]:
    """The next `limit` listings (sorted by product_id) whose product_id is greater than `product_id`."""
    start = bisect_right(listings, product_id, key=lambda listing: listing.product_id)
    return listings[start : start + limit]
