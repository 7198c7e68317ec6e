"""A seeded fake Ozon seller: catalogue, stock in Ozon warehouses and in the seller's own.

The same `SandboxConfig` always yields the same data, byte for byte. Only the catalogue
(`Listing`: ids, article, archived flag) is generated up front; the rest of a product
(`Product`: name, prices, where it is stocked and how much at the start of the history) is built
the first time it is asked for, a block of `BLOCK_SIZE` neighbours at a time from that block's own
seed, so the result does not depend on the order of requests, 100,000 products start in about a
second and a page costs O(page). What happens to the stock afterwards (orders, supplies,
archiving) is `ozon_simulation`'s; `OzonSeller.stock` reads it at any moment of the clock.
"""

from __future__ import annotations

import random
import threading
import uuid
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import log
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sandbox.config import SandboxConfig
from sandbox.draw import between, pick
from sandbox.ozon_buyers import buyer_cluster
from sandbox.ozon_catalogue import Listing, Placement, Product
from sandbox.ozon_reference import seller_stock_by_warehouse, seller_warehouses
from sandbox.ozon_simulation import (
    ARCHIVED_A_DAY,
    AVAILABLE,
    DAY,
    NEVER,
    REQUESTED,
    RESERVED,
    SALES_WINDOW_DAYS,
    TRANSIT,
    VALID,
    ListEntry,
    Posting,
    ProductLife,
    SellerHistory,
    Supply,
    list_key,
    micros,
    moment,
)
from sandbox.ozon_warehouses import (
    CANONICAL_WAREHOUSES,
    VARIANT_KINDS,
    Warehouse,
    pick_variant_kind,
    spell,
    unknown_warehouse,
)
from sandbox.vocabulary import article, product_name

FIRST_CLIENT_ID = 100001
BLOCK_SIZE = 256
# The data's own "now": no wall clock, so reruns serve identical timestamps.
CATALOGUE_START = datetime(2021, 3, 1, tzinfo=UTC)
DATA_NOW = datetime(2025, 11, 20, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")

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
# The counts of a warehouse row, in the order of _COUNT_PROFILE.
STOCK_COUNTS = tuple(name for name, _share, _mean in _COUNT_PROFILE)
_PRICES = (199, 299, 399, 499, 699, 899, 999, 1299, 1499, 1999, 2499, 3499, 4999, 7999)
_CATEGORIES = ((17027906, 91936), (17028922, 92499), (17027484, 93228), (200001506, 94765), (17028650, 970895715))
_VATS = ("0.00", "0.00", "0.00", "0.20", "0.10", "0.05")


@dataclass(frozen=True)
class OzonAccount:
    client_id: str
    api_key: str


# The records below are NamedTuples rather than frozen dataclasses: just as immutable, and
# several times cheaper to build, which is most of the cost of 100,000 products.


class WarehouseStock(NamedTuple):
    """One product's stock in one Ozon warehouse at a moment, as /v1/analytics/stocks reports it."""

    warehouse: Warehouse
    served_name: str
    name_variant: str
    counts: dict[str, int]
    reserved: int  # units of orders not shipped yet; Ozon reports them per product only
    ads: float  # the product's, over all clusters (every row of it repeats it); see `_stock_at`
    ads_cluster: float  # the product's in this warehouse's cluster
    days_without_sales: int  # all clusters
    days_without_sales_cluster: int


class SellerStock(NamedTuple):
    """FBS or rFBS stock in the seller's own warehouses (reserved <= present)."""

    type: str
    present: int
    reserved: int


class ProductStock(NamedTuple):
    """One product's stock at a moment: per Ozon warehouse holding anything, and the seller's own.
    Build it with `product_stock`, which sums the FBO units once."""

    fbo: tuple[WarehouseStock, ...]
    seller_stock: tuple[SellerStock, ...]
    fbo_available: int
    fbo_reserved: int

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
    """What one account's endpoints serve at one moment (`as_of`), for tests to reconcile loads and
    marts against.

    `products`: product_id, offer_id, sku, name, archived, archived_at (None when archived before
    the history started or not archived), fbo_present, fbo_reserved.
    `fbo_stock`: one row per product × Ozon warehouse holding anything: product_id, sku, offer_id,
    warehouse_id, canonical_warehouse, warehouse_name (the spelling served), name_variant,
    cluster, cluster_id, known (False for `unknown_warehouses`) and the counts `available`,
    `valid`, `requested`, `transit`, ... (the `*_stock_count` fields of /v1/analytics/stocks).
    `fbs_stock`: product_id, sku, type (fbs|rfbs), present, reserved; archived products hold none.
    `stock`: one row per product × warehouse × stock type: product_id, sku, offer_id, stock_type
    (fbo|fbs|rfbs), warehouse_id, warehouse (canonical FBO name or the seller's warehouse), known,
    available, reserved (per Ozon warehouse too, which no endpoint tells), in_transit.
    `order_lines`: one per posting line created up to `as_of`, with its status then (see
    `order_line`). `supplies`: every supply decided (or under way at the start) up to `as_of`.
    """

    as_of: datetime
    products: list[dict]
    fbo_stock: list[dict]
    fbs_stock: list[dict]
    stock: list[dict]
    order_lines: list[dict]
    supplies: list[dict]

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


def order_line(posting: Posting, at: int) -> dict:
    """A posting's line as of `at`: its status and the marts' status model (`order_status`:
    ordered, cancelled, delivered or returned), and where it goes from (`cluster_from`, FBO) and
    to (`buyer_cluster`, sent as `cluster_to`)."""
    status, substatus, changed_at = posting.state_at(at)
    warehouse = posting.warehouse
    return {
        "posting_number": posting.posting_number,
        "scheme": posting.scheme,
        "delivery_schema": posting.delivery_schema,
        "product_id": posting.listing.product_id,
        "sku": posting.listing.sku,
        "offer_id": posting.listing.offer_id,
        "quantity": posting.quantity,
        "price": posting.price,
        "status": status,
        "substatus": substatus,
        "order_status": final_status(status, substatus),
        "status_changed_at": moment(changed_at),
        "created_at": moment(posting.created_at),
        "business_date": moment(posting.created_at).astimezone(MOSCOW).date(),
        "warehouse_id": warehouse.warehouse_id if warehouse else posting.seller_warehouse.warehouse_id,
        "canonical_warehouse": warehouse.canonical_name if warehouse else None,
        "warehouse_name": posting.served_warehouse_name,
        "warehouse_known": bool(warehouse and warehouse.known),
        "cluster_from": warehouse.cluster_name if warehouse else None,
        "buyer_cluster": buyer_cluster(posting),
    }


def final_status(status: str, substatus: str) -> str:
    """The order-line status model the marts use: ordered, cancelled, delivered or returned."""
    if substatus == "posting_returned_to_warehouse":
        return "returned"
    if status == "cancelled":
        return "cancelled"
    if status == "delivered":
        return "delivered"
    return "ordered"


class OzonSeller:
    """One seller account: its credentials, catalogue indexes, lazily built products and their
    simulated history, read as of the sandbox clock unless a moment is given."""

    def __init__(
        self,
        account: OzonAccount,
        listings: list[Listing],
        block_seeds: list[int],
        warehouses: tuple[Warehouse, ...],
        unknown_placements: dict[int, list[Warehouse]],
        history: HistorySettings,
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
        self._created_at_step = (DATA_NOW - CATALOGUE_START).total_seconds() * 0.95 / max(len(listings), 1)
        self._now = history.now
        self._archive_at = _archive_times(history, account.client_id, listings)
        self._archive_moments = sorted(at for at in self._archive_at if at < NEVER)
        self._catalogues: dict[int, tuple[list[Listing], list[Listing]]] = {}
        self._stock_cache: dict[int, tuple[int, ProductStock]] = {}
        # Anomaly knobs (see OzonApi.freeze_feed / stock_drop): path → the moment its feed froze;
        # canonical warehouse name → (from when, share of available stock lost).
        self.frozen_feeds: dict[str, int] = {}
        self.stock_drops: dict[str, tuple[int, float]] = {}
        self.history = SellerHistory(
            account.client_id,
            history.seed * 7_919 + int(account.client_id),
            micros(history.first_day) // DAY * DAY,  # days run from midnight UTC
            self.product,
            lambda listing: self._archive_at[listing.index],
            len(listings),
            history.demand_scale,
        )

    def now(self) -> int:
        return micros(self._now())

    def product(self, listing: Listing) -> Product:
        product = self._products.get(listing.index)
        if product is None:
            with self._build_lock:
                if listing.index not in self._products:
                    self._build_block(listing.index // BLOCK_SIZE)
            product = self._products[listing.index]
        return product

    def catalogue(self, at: int | None = None) -> tuple[list[Listing], list[Listing]]:
        """(active, archived) listings at `at` (the clock by default), each in product_id order."""
        at = self.now() if at is None else at
        archived_so_far = bisect_right(self._archive_moments, at)
        if archived_so_far not in self._catalogues:
            active = [listing for listing in self.listings if self._archive_at[listing.index] > at]
            archived = [listing for listing in self.listings if self._archive_at[listing.index] <= at]
            self._catalogues[archived_so_far] = (active, archived)
        return self._catalogues[archived_so_far]

    def is_archived(self, listing: Listing, at: int | None = None) -> bool:
        return self._archive_at[listing.index] <= (self.now() if at is None else at)

    def stock(self, listing: Listing, at: int | None = None) -> ProductStock:
        at = self.now() if at is None else at
        # A page of the catalogue, its details, its analytics and its stock all read the same
        # product at the same moment: keep the last one per product.
        cached = self._stock_cache.get(listing.index)
        if cached is not None and cached[0] == at:
            stock = cached[1]
        else:
            with self.history.lock:
                life = self.history.life(listing, at)
                stock = _stock_at(life, at)
            self._stock_cache[listing.index] = (at, stock)
        return _dropped(stock, self.stock_drops, at) if self.stock_drops else stock

    def feed_moment(self, path: str, at: int) -> int:
        """The moment whose stock the endpoint at `path` serves at `at`: `at`, or the moment its feed froze."""
        return min(at, self.frozen_feeds.get(path, at))

    def prepare(self) -> None:
        """Simulate every product up to the end of the clock's day (see `OzonApi.prepare`)."""
        self.history.lives(self.listings, self.now())

    def posting_bucket(self, scheme: str, day: int, at: int) -> list[ListEntry]:
        """The sorted list entries of one day of the fbo or fbs list (see `SellerHistory.bucket`)."""
        return self.history.bucket(self.listings, scheme, day, at)

    def posting(self, product_index: int, position: int) -> Posting:
        return self.history.posting(product_index, position)

    def postings(self, scheme: str, at: int) -> list[Posting]:
        """Every fbo or fbs posting created up to `at`, in list order."""
        postings = [
            life.posting(i)
            for life in self.history.lives(self.listings, at)
            for i in range(bisect_right(life.p_created, at))
            if life.p_fbo[i] == (scheme == "fbo")
        ]
        postings.sort(key=list_key)
        return postings

    def truth(self, at: int | None = None, stock_only: bool = False) -> OzonTruth:
        """See `OzonTruth`; `stock_only` leaves order_lines and supplies empty (much cheaper for a
        large seller: the stock report needs only the products and their stock)."""
        at = self.now() if at is None else at
        products, fbo_stock, fbs_stock, stock, supplies = [], [], [], [], []
        seller_sites = seller_warehouses(self.account.client_id)
        for listing in self.listings:
            current = self.stock(listing, at)
            archived_at = self._archive_at[listing.index]
            products.append(
                {
                    **_ids(listing),
                    "name": self.product(listing).name,
                    "archived": archived_at <= at,
                    "archived_at": moment(archived_at) if 0 < archived_at <= at else None,
                    "fbo_present": current.fbo_present,
                    "fbo_reserved": current.fbo_reserved,
                }
            )
            fbo_stock.extend(_fbo_stock_row(listing, row) for row in current.fbo)
            stock.extend(
                _stock_row(
                    listing,
                    "fbo",
                    row.warehouse.warehouse_id,
                    row.warehouse.canonical_name,
                    row.counts["available"],
                    row.reserved,
                    row.counts["transit"],
                    row.warehouse.known,
                )
                for row in current.fbo
            )
            own = [
                {**_ids(listing), "type": s.type, "present": s.present, "reserved": s.reserved}
                for s in current.seller_stock
            ]
            fbs_stock.extend(own)
            stock.extend(
                _stock_row(
                    listing,
                    row["type"],
                    site.warehouse_id,
                    site.name,
                    row["present"] - row["reserved"],
                    row["reserved"],
                )
                for site, row in seller_stock_by_warehouse(own, seller_sites)
            )
            if not stock_only:
                with self.history.lock:
                    life = self.history.life(listing, at)
                    supplies.extend(_supply_row(supply) for supply in life.supplies if _decided_by(supply, at))
        order_lines = (
            [order_line(posting, at) for scheme in ("fbo", "fbs") for posting in self.postings(scheme, at)]
            if not stock_only
            else []
        )
        return OzonTruth(moment(at), products, fbo_stock, fbs_stock, stock, order_lines, supplies)

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
            placements=self._placements(rng, listing),
            seller_stock=_seller_stock(rng, listing.archived),
        )

    def _placements(self, rng: random.Random, listing: Listing) -> tuple[Placement, ...]:
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
            rows.append(_placement(rng, warehouse, kind, spell(warehouse.canonical_name, kind, rng)))
        for warehouse in self._unknown_placements.get(listing.index, ()):
            rows.append(_placement(rng, warehouse, "canonical", warehouse.canonical_name))
        return tuple(rows)


class HistorySettings(NamedTuple):
    """What the simulated history of every seller needs: its seed, first day, clock and demand."""

    seed: int
    first_day: datetime
    now: Callable[[], datetime]
    demand_scale: float


# Counts Ozon moves and the simulation drives; the other counts stay as generated, except that
# `expiring` and `excess` are parts of `available` and never exceed it.
_MOVING_COUNTS = {"available": AVAILABLE, "requested": REQUESTED, "transit": TRANSIT, "valid": VALID}
_PARTS_OF_AVAILABLE = ("expiring", "excess")


def _stock_at(life: ProductLife, at: int) -> ProductStock:
    """The product's stock at `at`. Ozon's sales figures of /v1/analytics/stocks are the product's,
    not the row's warehouse's: `ads` and `days_without_sales` over all its Ozon warehouses (all
    clusters), `ads_cluster` and `days_without_sales_cluster` over those of the row's cluster; every
    row of the product (of the cluster) repeats them. `ads` is units ordered (cancelled orders
    included) in the SALES_WINDOW_DAYS before `at`, a day."""
    fbo, seller_stock = [], []
    window_start = at - SALES_WINDOW_DAYS * DAY
    sold_by_cluster: Counter[int] = Counter()
    idle_by_cluster: dict[int, int] = {}
    for location in life.locations:
        if location.kind != "fbo":
            continue
        placement = location.placement
        cluster = placement.warehouse.cluster_id
        sold_by_cluster[cluster] += location.sales.units_between(window_start, at)
        idle = _days_without_sales(location.sales.last_before(at), placement, life, at)
        idle_by_cluster[cluster] = min(idle, idle_by_cluster.get(cluster, idle))
    ads = round(sum(sold_by_cluster.values()) / SALES_WINDOW_DAYS, 2)
    days_without_sales = min(idle_by_cluster.values(), default=0)
    for location in life.locations:
        state = location.state_at(at)
        if location.kind != "fbo":
            seller_stock.append(SellerStock(location.kind, state[AVAILABLE] + state[RESERVED], state[RESERVED]))
            continue
        placement = location.placement
        counts = dict(placement.counts)
        for name, position in _MOVING_COUNTS.items():
            counts[name] = state[position]
        for name in _PARTS_OF_AVAILABLE:
            counts[name] = min(counts[name], counts["available"])
        if not any(counts.values()) and not state[RESERVED]:
            continue  # nothing stored here: Ozon lists no row
        cluster = placement.warehouse.cluster_id
        fbo.append(
            WarehouseStock(
                warehouse=placement.warehouse,
                served_name=placement.served_name,
                name_variant=placement.name_variant,
                counts=counts,
                reserved=state[RESERVED],
                ads=ads,
                ads_cluster=round(sold_by_cluster[cluster] / SALES_WINDOW_DAYS, 2),
                days_without_sales=days_without_sales,
                days_without_sales_cluster=idle_by_cluster[cluster],
            )
        )
    return product_stock(tuple(fbo), tuple(seller_stock))


def product_stock(fbo: tuple[WarehouseStock, ...], seller_stock: tuple[SellerStock, ...]) -> ProductStock:
    return ProductStock(
        fbo, seller_stock, sum(row.counts["available"] for row in fbo), sum(row.reserved for row in fbo)
    )


def _dropped(stock: ProductStock, drops: dict[str, tuple[int, float]], at: int) -> ProductStock:
    """`stock` with the share of available units lost at each warehouse of `drops` from its moment on
    (a shrinkage the simulation does not know of: orders keep drawing on its own counts)."""
    rows = []
    for row in stock.fbo:
        drop = drops.get(row.warehouse.canonical_name)
        if drop is not None and drop[0] <= at:
            counts = dict(row.counts)
            counts["available"] -= round(counts["available"] * drop[1])
            for name in _PARTS_OF_AVAILABLE:
                counts[name] = min(counts[name], counts["available"])
            row = row._replace(counts=counts)
        rows.append(row)
    return product_stock(tuple(rows), stock.seller_stock)


def _ids(listing: Listing) -> dict:
    return {"product_id": listing.product_id, "sku": listing.sku, "offer_id": listing.offer_id}


def _fbo_stock_row(listing: Listing, row: WarehouseStock) -> dict:
    warehouse = row.warehouse
    return {
        **_ids(listing),
        "warehouse_id": warehouse.warehouse_id,
        "canonical_warehouse": warehouse.canonical_name,
        "warehouse_name": row.served_name,
        "name_variant": row.name_variant,
        "cluster": warehouse.cluster_name,
        "cluster_id": warehouse.cluster_id,
        "known": warehouse.known,
        **row.counts,
    }


def _stock_row(
    listing: Listing,
    stock_type: str,
    warehouse_id: int,
    warehouse: str,
    available: int,
    reserved: int,
    in_transit: int = 0,
    known: bool = True,
) -> dict:
    return {
        **_ids(listing),
        "stock_type": stock_type,
        "warehouse_id": warehouse_id,
        "warehouse": warehouse,
        "known": known,
        "available": available,
        "reserved": reserved,
        "in_transit": in_transit,
    }


def _days_without_sales(last_sale: int | None, placement: Placement, life: ProductLife, at: int) -> int:
    if last_sale is not None:
        return (at - last_sale) // DAY
    return placement.days_without_sales + (at - life.first_day) // DAY


def _decided_by(supply: Supply, at: int) -> bool:
    """Supplies under way when the history starts count from the start; others once decided."""
    return supply.requested_at is None or supply.requested_at <= at


def _supply_row(supply: Supply) -> dict:
    warehouse = supply.warehouse
    return {
        "product_id": supply.listing.product_id,
        "sku": supply.listing.sku,
        "stock_type": supply.location,
        "warehouse_id": warehouse.warehouse_id if warehouse else None,
        "canonical_warehouse": warehouse.canonical_name if warehouse else None,
        "quantity": supply.quantity,
        **{
            stage: moment(value) if value is not None else None
            for stage, value in (
                ("requested_at", supply.requested_at),
                ("shipped_at", supply.shipped_at),
                ("arrived_at", supply.arrived_at),
                ("available_at", supply.available_at),
            )
        },
    }


def _placement(rng: random.Random, warehouse: Warehouse, kind: str, served_name: str) -> Placement:
    draw = rng.random
    counts = dict.fromkeys(STOCK_COUNTS, 0)
    for name, share, mean in _COUNT_PROFILE:
        if draw() < share:  # an exponential draw, inlined: this loop runs for every warehouse row
            counts[name] = 1 + int(-mean * log(1.0 - draw()))
    if not counts["available"] and (not any(counts.values()) or not warehouse.known):
        # A row exists only where something is stored; unknown warehouses always start with sellable units.
        counts["available"] = 1 + int(rng.expovariate(1 / 20))
    return Placement(warehouse, served_name, kind, counts, 1 + int(rng.random() * 120))


def _seller_stock(rng: random.Random, archived: bool) -> tuple[tuple[str, int], ...]:
    if archived:
        return (("fbs", 0),)
    stocks = [("fbs", _sometimes(rng, 0.6, 30))]
    if rng.random() < 0.1:
        stocks.append(("rfbs", _sometimes(rng, 1.0, 30)))
    return tuple(stocks)


def _sometimes(rng: random.Random, share: float, mean: float) -> int:
    return 1 + int(rng.expovariate(1 / mean)) if rng.random() < share else 0


def _archive_times(history: HistorySettings, client_id: str, listings: list[Listing]) -> list[int]:
    """When each product is archived: at once if it was archived before the history, otherwise
    after a random wait (most products far beyond any clock a test or the demo reaches)."""
    rng = random.Random(f"{history.seed}:{client_id}:archive")  # noqa: S311 (fake data)
    first_day = micros(history.first_day)
    return [0 if listing.archived else first_day + int(rng.expovariate(ARCHIVED_A_DAY) * DAY) for listing in listings]


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


def generate_sellers(config: SandboxConfig, now: Callable[[], datetime]) -> list[OzonSeller]:
    """One `OzonSeller` per account, Client-Ids 100001, 100002, ..., all drawn from `config.seed`;
    their history starts `config.history_days` before `config.start` and is read as of `now()`."""
    history = HistorySettings(config.seed, config.start - timedelta(days=config.history_days), now, config.demand_scale)
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
        placements = _place(rng, unknown, len(listings))
        sellers.append(OzonSeller(account, listings, block_seeds, warehouses, placements, history))
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
