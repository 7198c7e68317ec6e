"""A seller's life, day by day: orders arrive, stock drains, supplies come in, products get archived.

Each product lives on its own: its demand (some never sell, most sell slowly, a few fast), whether
the seller restocks it, and its orders are drawn from its own generator, seeded by (account,
product), event after event in time order. So the history does not depend on which product or day
is asked for first, nor on how far it was simulated before, and a product is simulated only when
something asks for it: up to the end of the clock's day, further as it moves. Orders arrive as a
Poisson process per location (one draw per order, none for a quiet day), which is what lets a
year of 100,000 products be drawn in minutes.

Stock is a timeline per location (one Ozon warehouse, or the seller's own FBS or rFBS stock) of
(available, reserved, requested, transit, valid) after every event:

    order placed                  available -q, reserved +q  (only from available stock: demand
                                                             at an empty location is lost)
    shipped                       reserved -q
    cancelled before shipping     reserved -q, available +q
    returned by the buyer         available +q
    supply decided                requested +Q
      shipped by the seller       requested -Q, transit +Q
      arrived at Ozon             transit -Q, valid +Q
      accepted                    valid -Q, available +Q

The seller's own warehouses skip Ozon's stages: a supply there adds to available after a lead
time. The seller reviews a location at midnight UTC and orders a supply when available plus
everything on its way is at or below the reorder point; only orders lower that sum, so a location is
looked at the midnight after an order left it low (or once its last supply is in), which is the
same as looking at every location every midnight. An archived product takes
no orders and no new supplies; Ozon keeps its FBO stock, the seller's own stock of it is written
off (and what comes back to the seller's warehouse is not put on sale again).

Times are integer microseconds since the epoch, exact for cursors and cheap to compare. Timelines
and postings are kept in arrays, not objects: a year of a large seller is tens of millions of them.
"""

from __future__ import annotations

import functools
import heapq
import random
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil, log
from typing import TYPE_CHECKING, NamedTuple

from sandbox.ozon_reference import SellerWarehouse, seller_warehouses

if TYPE_CHECKING:
    from collections.abc import Callable

    from sandbox.ozon_catalogue import Listing, Placement, Product
    from sandbox.ozon_warehouses import Warehouse

SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
NEVER = 2**62
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

AVAILABLE, RESERVED, REQUESTED, TRANSIT, VALID = range(5)

# (profile, share of products, lowest and highest orders a day at one Ozon warehouse)
PROFILES = (
    ("never", 0.15, 0.0, 0.0),
    ("slow", 0.45, 0.02, 0.15),
    ("steady", 0.30, 0.15, 0.5),
    ("fast", 0.10, 0.5, 1.5),
)
RESTOCKED_SHARE = 0.75
# Orders a day at the seller's own stock, as a share of the product's rate at one Ozon warehouse.
SELLER_RATE_SHARE = {"fbs": 0.3, "rfbs": 0.15}
ARCHIVED_A_DAY = 0.0005  # chance that an active product is archived on a given day
LATE_IN_PROCESS_SHARE = 0.15  # FBO postings whose in_process_at Ozon fills 1-2 days late
MAX_ORDERS_A_DAY = 99  # per product: the order id keeps two digits for the day's sequence
# Ozon's `ads` (/v1/analytics/stocks): units ordered a day over the last 28 days, all clusters
SALES_WINDOW_DAYS = 28


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def day_end(us: int) -> int:
    """The end of the UTC day holding `us`: how far the simulation must have run to know it."""
    return (us // DAY + 1) * DAY


class Posting(NamedTuple):
    """One posting with one product line, and its whole future: the status timeline is drawn at
    creation; what a caller sees depends on the time it asks at."""

    posting_number: str
    order_id: int
    scheme: str  # fbo | fbs: the list that serves it
    delivery_schema: str  # fbo | fbs | rfbs
    listing: Listing
    product_name: str
    quantity: int
    price: int
    warehouse: Warehouse | None  # the Ozon warehouse of an FBO posting
    seller_warehouse: SellerWarehouse | None  # the seller's warehouse of an FBS/rFBS posting
    served_warehouse_name: str
    created_at: int
    in_process_at: int
    in_process_known_at: int  # when Ozon fills in_process_at (null before)
    timeline: tuple[tuple[int, str, str], ...]  # (from, status, substatus) in time order

    def state_at(self, at: int) -> tuple[str, str, int]:
        """(status, substatus, when it changed) as of `at`."""
        changed_at, status, substatus = self.timeline[0]
        for step in self.timeline:
            if step[0] > at:
                break
            changed_at, status, substatus = step
        return status, substatus, changed_at


@dataclass(frozen=True, slots=True)
class Supply:
    """Units on their way to a location; a stage before the history started is None."""

    listing: Listing
    location: str  # fbo | fbs | rfbs
    warehouse: Warehouse | None
    quantity: int
    requested_at: int | None
    shipped_at: int | None
    arrived_at: int | None
    available_at: int


class Sales:
    """A location's orders: their times and the running total of units ordered (compact arrays)."""

    __slots__ = ("times", "cumulative_units")

    def __init__(self) -> None:
        self.times = array("q")
        self.cumulative_units = array("i")

    def record(self, at: int, units: int) -> None:
        self.times.append(at)
        self.cumulative_units.append((self.cumulative_units[-1] if self.cumulative_units else 0) + units)

    def units_between(self, start: int, end: int) -> int:
        """Units ordered in (start, end]."""
        units = self.cumulative_units
        last, first = bisect_right(self.times, end), bisect_right(self.times, start)
        return (units[last - 1] if last else 0) - (units[first - 1] if first else 0)

    def last_before(self, at: int) -> int | None:
        index = bisect_right(self.times, at)
        return self.times[index - 1] if index else None


class Location:
    """The stock of one product in one place, as a timeline of states: `times` and one column per
    count (available, reserved, requested, transit, valid), kept in arrays (a year of a large seller
    holds tens of millions of states); `current` is the last state."""

    __slots__ = (
        "kind",
        "placement",
        "seller_warehouse",
        "site",
        "rate",
        "reorder_point",
        "batch",
        "times",
        "columns",
        "current",
        "busy_until",
        "review_at",
        "sales",
    )

    def __init__(self, kind: str, placement: Placement | None, rate: float, restocked: bool, state: tuple) -> None:
        self.kind = kind
        self.placement = placement
        self.seller_warehouse: SellerWarehouse | None = None
        # (list, Ozon warehouse, seller's warehouse, warehouse name served) of its postings
        self.site = ("fbo", placement.warehouse, None, placement.served_name) if placement else None
        self.rate = rate
        # A location is restocked only if it sells: the seller keeps about 12 days of demand in
        # stock and on the way, and sends about a month's worth at a time.
        self.reorder_point = ceil(rate * 12) + 1 if restocked and rate else -1
        self.batch = max(5, ceil(rate * 30))
        self.times = array("q", (0,))
        self.columns = (
            array("i", (state[0],)),
            array("i", (state[1],)),
            array("i", (state[2],)),
            array("i", (state[3],)),
            array("i", (state[4],)),
        )
        self.current = tuple(state)
        self.busy_until = 0
        self.review_at = NEVER  # the midnight of the next review scheduled, if any
        self.sales = Sales()

    def state_at(self, at: int) -> tuple:
        index = bisect_right(self.times, at) - 1
        if index == len(self.times) - 1:
            return self.current
        return tuple(column[index] for column in self.columns)

    def apply(self, at: int, delta: tuple) -> None:
        a, r, q, t, v = self.current
        da, dr, dq, dt, dv = delta
        a, r, q, t, v = self.current = (a + da, r + dr, q + dq, t + dt, v + dv)
        ca, cr, cq, ct, cv = self.columns
        if self.times[-1] == at:
            ca[-1], cr[-1], cq[-1], ct[-1], cv[-1] = a, r, q, t, v
        else:
            self.times.append(at)
            ca.append(a)
            cr.append(r)
            cq.append(q)
            ct.append(t)
            cv.append(v)


def _seller_site(warehouses: tuple[SellerWarehouse, ...], kind: str, sku: int) -> SellerWarehouse:
    """The seller's warehouse holding a product's `kind` (fbs|rfbs) stock, as `seller_stock_by_warehouse` says."""
    fbs, rfbs = _sites(warehouses)
    candidates = rfbs if kind == "rfbs" else fbs
    return candidates[sku % len(candidates)]


@functools.lru_cache(maxsize=64)
def _sites(warehouses: tuple[SellerWarehouse, ...]) -> tuple[list[SellerWarehouse], list[SellerWarehouse]]:
    return [w for w in warehouses if not w.is_rfbs], [w for w in warehouses if w.is_rfbs]


def _base_rate(rng: random.Random) -> float:
    """Orders a day at one Ozon warehouse, from a profile drawn by its share of products."""
    draw = rng.random()
    for _, share, low, high in PROFILES:
        if draw < share:
            return low + rng.random() * (high - low)
        draw -= share
    return 0.0


def _after(rng: random.Random, at: int, low_days: float, high_days: float) -> int:
    return at + int((low_days + rng.random() * (high_days - low_days)) * DAY)


# Event kinds, in the order they run at the same moment: stock changes, then the midnight review,
# then an order arriving.
_CHANGE, _REVIEW, _ARRIVAL = range(3)
# A posting's fate, which fixes the statuses of its timeline.
_CANCELLED, _RETURNED, _DELIVERED = range(3)
_FINAL_STEP = {_RETURNED: ("cancelled", "posting_returned_to_warehouse"), _DELIVERED: ("delivered", "posting_received")}


class ProductLife:
    """One product's simulated history, up to `simulated_until`.

    Event-driven: orders arrive at each location as a Poisson process (exponential gaps at the
    location's daily rate), the seller reviews a location at the midnight after an order left it at
    or below the reorder point (or at the first midnight after its last supply was accepted), and
    fulfilment and supply stages are scheduled events. All draws come from the product's own
    generator, in the order of the events, so simulating to a day in one go or in steps gives the
    same history. Postings are kept as columns (`p_*` arrays); `posting(i)` builds the i-th one."""

    def __init__(
        self,
        listing: Listing,
        product: Product,
        seed: int,
        first_day: int,
        archive_at: int,
        order_id_base: Callable[[int], int],
        warehouses: tuple[SellerWarehouse, ...],
        demand_scale: float,
    ) -> None:
        self.listing, self.product, self.seed = listing, product, seed
        self.first_day, self.archive_at = first_day, archive_at
        self._order_id_base = order_id_base
        self.simulated_until = first_day
        self.supplies: list[Supply] = []
        self._events: list[tuple[int, int, int, int, tuple | None]] = []  # (at, kind, sequence, location, delta)
        self._sequence = 0
        self._order_day, self._order_number = -1, 0
        # Postings, one entry per posting in creation order.
        self.p_created = array("q")
        self.p_number = array("b")  # the order's number within the product's day (order id = base + number)
        self.p_in_process = array("i")  # in_process_at - created_at
        self.p_known = array("q")
        self.p_steps = array("q")  # 4 per posting: packed/cancelled, shipped, arrived, final (0 = none)
        self.p_location = array("b")
        self.p_quantity = array("b")
        self.p_fate = array("b")
        self.p_fbo = array("b")

        rng = self._rng = random.Random(seed)  # noqa: S311 (fake data)
        base_rate = _base_rate(rng) * demand_scale
        restocked = rng.random() < RESTOCKED_SHARE
        self.locations = [
            Location("fbo", placement, base_rate * (0.5 + rng.random()), restocked, placement.initial_state)
            for placement in product.placements
        ]
        for kind, present in product.seller_stock:
            rate = base_rate * SELLER_RATE_SHARE[kind] if present else 0.0
            location = Location(kind, None, rate, restocked, (present, 0, 0, 0, 0))
            location.seller_warehouse = site = _seller_site(warehouses, kind, listing.sku)
            location.site = ("fbs", None, site, site.name)
            self.locations.append(location)
        for index, location in enumerate(self.locations):
            if location.kind == "fbo":
                self._supplies_under_way(rng, index, first_day)
            elif archive_at < NEVER:
                self._push(max(archive_at, first_day), _CHANGE, index, None)
        if first_day < archive_at:
            for index, location in enumerate(self.locations):
                if location.reorder_point >= 0:
                    location.review_at = first_day
                    self._push(first_day, _REVIEW, index, None)
                if location.rate > 0:
                    self._next_arrival(index, first_day)

    # --- what callers read -------------------------------------------------------------------

    def advance(self, until: int) -> None:
        """Run every event before `until`."""
        if until <= self.simulated_until:
            return
        events, pop = self._events, heapq.heappop
        while events and events[0][0] < until:
            at, kind, _, index, delta = pop(events)
            if kind == _ARRIVAL:
                self._arrival(at, index)
            elif kind == _REVIEW:
                self._review(at, index)
            else:
                self._change(at, index, delta)
        self.simulated_until = until

    def is_archived(self, at: int) -> bool:
        return self.archive_at <= at

    def order_id(self, i: int) -> int:
        return self._order_id_base(self.p_created[i]) + self.p_number[i]

    def posting(self, i: int) -> Posting:
        """The i-th posting of this product (creation order)."""
        location = self.locations[self.p_location[i]]
        created = self.p_created[i]
        start = (created, "awaiting_packaging", "posting_created")
        steps, j = self.p_steps, 4 * i
        fate = self.p_fate[i]
        if fate == _CANCELLED:
            timeline = (start, (steps[j], "cancelled", "posting_canceled"))
        else:
            timeline = (
                start,
                (steps[j], "awaiting_deliver", "posting_packing"),
                (steps[j + 1], "delivering", "posting_transferring_to_delivery"),
                (steps[j + 2], "delivering", "posting_in_pickup_point"),
                (steps[j + 3], *_FINAL_STEP[fate]),
            )
        order_id = self._order_id_base(created) + self.p_number[i]
        scheme, warehouse, seller_warehouse, served_name = location.site
        product = self.product
        return Posting(
            f"{order_id // 10_000:010d}-{order_id % 10_000:04d}-1",
            order_id,
            scheme,
            location.kind,
            self.listing,
            product.name,
            self.p_quantity[i],
            product.price,
            warehouse,
            seller_warehouse,
            served_name,
            created,
            created + self.p_in_process[i],
            self.p_known[i],
            timeline,
        )

    @property
    def postings(self) -> list[Posting]:
        return [self.posting(i) for i in range(len(self.p_created))]

    # --- events ------------------------------------------------------------------------------

    def _next_arrival(self, index: int, after: int) -> None:
        location = self.locations[index]
        at = after + int(-log(1.0 - self._rng.random()) / location.rate * DAY)
        if at < self.archive_at:
            self._push(at, _ARRIVAL, index, None)

    def _arrival(self, at: int, index: int) -> None:
        self._next_arrival(index, at)
        day = at // DAY
        if day != self._order_day:
            self._order_day, self._order_number = day, 0
        if self._order_number < MAX_ORDERS_A_DAY and self._order(at, index, self._order_number):
            self._order_number += 1

    def _order(self, at: int, index: int, number: int) -> bool:
        rng = self._rng
        location = self.locations[index]
        wanted = 1 if rng.random() < 0.85 else 2
        available = location.current[AVAILABLE]
        quantity = wanted if wanted <= available else available
        if not quantity:
            return False  # out of stock: the demand is lost
        fate, first, shipped, arrived, final = _timeline(rng, at)
        fbo = location.kind == "fbo"
        if fbo:
            in_process_at = at + int((5 + rng.random() * 55) * SECOND)
            known_at = _after(rng, at, 1, 2) if rng.random() < LATE_IN_PROCESS_SHARE else in_process_at
        else:
            in_process_at = known_at = at
        self.p_created.append(at)
        self.p_number.append(number)
        self.p_in_process.append(in_process_at - at)
        self.p_known.append(known_at)
        self.p_steps.extend((first, shipped, arrived, final))
        self.p_location.append(index)
        self.p_quantity.append(quantity)
        self.p_fate.append(fate)
        self.p_fbo.append(fbo)
        location.apply(at, (-quantity, quantity, 0, 0, 0))
        location.sales.record(at, quantity)
        if fate == _CANCELLED:  # cancelled before it left the warehouse
            self._push(first, _CHANGE, index, (quantity, -quantity, 0, 0, 0))
        else:
            self._push(shipped, _CHANGE, index, (0, -quantity, 0, 0, 0))
            if fate == _RETURNED:
                self._push(final, _CHANGE, index, (quantity, 0, 0, 0, 0))
        if 0 <= location.reorder_point and location.review_at == NEVER:
            a, _, q, t, v = location.current
            if a + q + t + v <= location.reorder_point:
                location.review_at = day_end(at)
                self._push(location.review_at, _REVIEW, index, None)
        return True

    def _review(self, at: int, index: int) -> None:
        """The seller's midnight look at one location: order a supply when it runs low."""
        location = self.locations[index]
        location.review_at = NEVER
        if at >= self.archive_at:
            return
        available, _, requested, transit, valid = location.current
        if available + requested + transit + valid > location.reorder_point:
            return
        if at < location.busy_until:  # the last supply is not in yet: look again once it is
            location.review_at = -(-location.busy_until // DAY) * DAY
            self._push(location.review_at, _REVIEW, index, None)
            return
        rng = self._rng
        quantity = location.batch
        if location.kind == "fbo":
            shipped = _after(rng, at, 0.5, 2)
            arrived = _after(rng, shipped, 2, 5)
            accepted = _after(rng, arrived, 0.5, 1.5)
            location.apply(at, (0, 0, quantity, 0, 0))
            self._push(shipped, _CHANGE, index, (0, 0, -quantity, quantity, 0))
            self._push(arrived, _CHANGE, index, (0, 0, 0, -quantity, quantity))
            self._push(accepted, _CHANGE, index, (quantity, 0, 0, 0, -quantity))
        else:
            shipped = arrived = None
            accepted = _after(rng, at, 2, 5)
            self._push(accepted, _CHANGE, index, (quantity, 0, 0, 0, 0))
        location.busy_until = accepted
        self.supplies.append(self._supply(location, quantity, at, shipped, arrived, accepted))

    def _supplies_under_way(self, rng: random.Random, index: int, start: int) -> None:
        """Turn the requested, in-transit and accepted units of the first day into real supplies."""
        location = self.locations[index]
        _, _, requested, transit, valid = location.current
        if requested:
            shipped = _after(rng, start, 0, 2)
            arrived = _after(rng, shipped, 2, 5)
            accepted = _after(rng, arrived, 0.5, 1.5)
            self._push(shipped, _CHANGE, index, (0, 0, -requested, requested, 0))
            self._push(arrived, _CHANGE, index, (0, 0, 0, -requested, requested))
            self._push(accepted, _CHANGE, index, (requested, 0, 0, 0, -requested))
            self.supplies.append(self._supply(location, requested, None, shipped, arrived, accepted))
        if transit:
            arrived = _after(rng, start, 0, 4)
            accepted = _after(rng, arrived, 0.5, 1.5)
            self._push(arrived, _CHANGE, index, (0, 0, 0, -transit, transit))
            self._push(accepted, _CHANGE, index, (transit, 0, 0, 0, -transit))
            self.supplies.append(self._supply(location, transit, None, None, arrived, accepted))
        if valid:
            accepted = _after(rng, start, 0, 1.5)
            self._push(accepted, _CHANGE, index, (valid, 0, 0, 0, -valid))
            self.supplies.append(self._supply(location, valid, None, None, None, accepted))

    def _supply(self, location: Location, quantity: int, *stages: int | None) -> Supply:
        warehouse = location.placement.warehouse if location.placement else None
        return Supply(self.listing, location.kind, warehouse, quantity, *stages)

    def _push(self, at: int, kind: int, index: int, delta: tuple | None) -> None:
        """Schedule an event of location `index` at `at`; a change of None writes off the seller's stock."""
        self._sequence += 1
        heapq.heappush(self._events, (at, kind, self._sequence, index, delta))

    def _change(self, at: int, index: int, delta: tuple | None) -> None:
        location = self.locations[index]
        if delta is None:
            delta = (-location.current[AVAILABLE], 0, 0, 0, 0)
        elif location.kind != "fbo" and delta[AVAILABLE] > 0 and self.archive_at <= at:
            delta = (0, *delta[1:])
        location.apply(at, delta)


def _timeline(rng: random.Random, created: int) -> tuple[int, int, int, int, int]:
    """(fate, packed or cancelled, shipped, arrived, final): awaiting_packaging → awaiting_deliver →
    delivering → delivered; about 8 % cancelled before shipping, 5 % not collected and returned
    (cancelled, posting_returned_to_warehouse). Every posting has its final status within a week."""
    fate = rng.random()
    if fate < 0.08:
        return _CANCELLED, created + int((1 + rng.random() * 6) * HOUR), 0, 0, 0
    packed = created + int((2 + rng.random() * 6) * HOUR)
    shipped = created + int((20 + rng.random() * 10) * HOUR)
    arrived = _after(rng, shipped, 1, 3)
    if fate < 0.13:
        return _RETURNED, packed, shipped, arrived, _after(rng, arrived, 1, 2.5)
    return _DELIVERED, packed, shipped, arrived, _after(rng, arrived, 0, 2)


# Posting list entries are (list time, order id, product index, posting position): the list time is
# `created_at` for FBO and `in_process_at` for FBS, which the sandbox sets to `created_at`.
ListEntry = tuple[int, int, int, int]
BUCKET_DAYS = 7  # days of list entries gathered in one pass over the products
MAX_BUCKETS = 96  # (scheme, day) buckets kept; older ones are gathered again when asked for


class SellerHistory:
    """The simulated history of every product of one seller account, built lazily."""

    def __init__(
        self,
        client_id: str,
        seed: int,
        first_day: int,
        product: Callable[[Listing], Product],
        archive_at: Callable[[Listing], int],
        products: int,
        demand_scale: float,
    ) -> None:
        self._seed = seed
        self._demand_scale = demand_scale
        self.first_day = first_day
        self._product = product
        self._archive_at = archive_at
        self._products = max(products, 1)
        self._warehouses = seller_warehouses(client_id)
        self._lives: dict[int, ProductLife] = {}
        self._horizon = first_day  # every product is simulated at least this far
        self._buckets: OrderedDict[tuple[str, int], list[ListEntry]] = OrderedDict()
        self.lock = threading.RLock()

    def life(self, listing: Listing, at: int) -> ProductLife:
        """The product's history, simulated at least to the end of the day of `at` (hold `lock`)."""
        life = self._lives.get(listing.index)
        if life is None:
            life = self._lives[listing.index] = ProductLife(
                listing,
                self._product(listing),
                self._seed * 1_000_003 + listing.index,
                self.first_day,
                self._archive_at(listing),
                self._order_id_base(listing.index),
                self._warehouses,
                self._demand_scale,
            )
        life.advance(day_end(at))
        return life

    def advance_all(self, listings: list[Listing], at: int) -> None:
        """Simulate every product to the end of the day of `at` (hold `lock`)."""
        if self._horizon < day_end(at):
            for listing in listings:
                self.life(listing, at)
            self._horizon = day_end(at)

    def lives(self, listings: list[Listing], at: int) -> list[ProductLife]:
        """Every product's history, simulated to the end of the day of `at`, in catalogue order."""
        with self.lock:
            self.advance_all(listings, at)
            return [self._lives[listing.index] for listing in listings]

    def posting(self, product_index: int, position: int) -> Posting:
        return self._lives[product_index].posting(position)

    def bucket(self, listings: list[Listing], scheme: str, day: int, at: int) -> list[ListEntry]:
        """The list entries of `scheme` postings whose list time falls on `day` (days since the
        epoch), sorted, with everything drawn up to the end of the day of `at`. Callers keep the
        ones that exist at their time. A day before the end of `at`'s day is final, so kept."""
        with self.lock:
            self.advance_all(listings, at)
            if (day + 1) * DAY > self._horizon or day * DAY < self.first_day - DAY:
                return []
            entries = self._buckets.get((scheme, day))
            if entries is None:
                self._gather(listings, day)
                entries = self._buckets[(scheme, day)]
            self._buckets.move_to_end((scheme, day))
            return entries

    def _gather(self, listings: list[Listing], first: int) -> None:
        """Fill the buckets of both schemes for `first` and the following days (up to BUCKET_DAYS,
        within the horizon) in one pass over the products."""
        days = max(1, min(BUCKET_DAYS, self._horizon // DAY - first))
        low, high = first * DAY, (first + days) * DAY
        fbo: list[list[ListEntry]] = [[] for _ in range(days)]
        fbs: list[list[ListEntry]] = [[] for _ in range(days)]
        for listing in listings:
            life = self._lives[listing.index]
            created = life.p_created
            position = bisect_left(created, low)
            end = bisect_left(created, high, position)
            if position == end:
                continue
            numbers, is_fbo, index = life.p_number, life.p_fbo, listing.index
            for i in range(position, end):
                at = created[i]
                order_id = 10**10 + ((at // DAY) * self._products + index) * 100 + numbers[i]
                (fbo if is_fbo[i] else fbs)[at // DAY - first].append((at, order_id, index, i))
        for offset in range(days):
            for scheme, lists in (("fbo", fbo), ("fbs", fbs)):
                lists[offset].sort()
                self._buckets[(scheme, first + offset)] = lists[offset]
        while len(self._buckets) > MAX_BUCKETS:
            self._buckets.popitem(last=False)

    def _order_id_base(self, index: int) -> Callable[[int], int]:
        return lambda at: 10**10 + ((at // DAY) * self._products + index) * 100


def list_key(posting: Posting) -> tuple[int, int]:
    """Where a posting sits in its list: FBO by created_at, FBS by in_process_at, then order id."""
    return (posting.created_at if posting.scheme == "fbo" else posting.in_process_at), posting.order_id
