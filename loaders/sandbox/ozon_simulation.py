"""A seller's life, day by day: orders arrive, stock drains, supplies come in, products get archived.

Each product lives on its own: its demand (some never sell, most sell slowly, a few fast), whether
the seller restocks it, and every day's orders are drawn from a seed of (account, product, day).
So the history does not depend on which product or day is asked for first, and a product is
simulated only when something asks for it: up to the end of the clock's day, further as it moves.

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
time. The seller reviews every location once a day, at midnight UTC, and orders a supply when
available plus everything on its way is at or below the reorder point. An archived product takes
no orders and no new supplies; Ozon keeps its FBO stock, the seller's own stock of it is written
off (and what comes back to the seller's warehouse is not put on sale again).

Times are integer microseconds since the epoch, exact for cursors and cheap to compare.
"""

from __future__ import annotations

import heapq
import random
import threading
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import ceil, exp
from typing import TYPE_CHECKING, NamedTuple

from loaders.sandbox.ozon_reference import SellerWarehouse, seller_stock_by_warehouse, seller_warehouses

if TYPE_CHECKING:
    from collections.abc import Callable

    from loaders.sandbox.ozon_data import Listing, Placement, Product
    from loaders.sandbox.ozon_warehouses import Warehouse

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
SALES_WINDOW_DAYS = 60  # Ozon's `ads` is the plain average over 60 days


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def day_end(us: int) -> int:
    """The end of the UTC day holding `us`: how far the simulation must have run to know it."""
    return (us // DAY + 1) * DAY


@dataclass(frozen=True, slots=True)
class Posting:
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


class Sales(NamedTuple):
    """A location's orders: their times and the running total of units ordered."""

    times: list[int]
    cumulative_units: list[int]

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
    """The stock of one product in one place, as a timeline of states."""

    __slots__ = ("kind", "placement", "rate", "reorder_point", "batch", "times", "states", "busy_until", "sales")

    def __init__(self, kind: str, placement: Placement | None, rate: float, restocked: bool, state: tuple) -> None:
        self.kind = kind
        self.placement = placement
        self.rate = rate
        # A location is restocked only if it sells: the seller keeps about 12 days of demand in
        # stock and on the way, and sends about a month's worth at a time.
        self.reorder_point = ceil(rate * 12) + 1 if restocked and rate else -1
        self.batch = max(5, ceil(rate * 30))
        self.times = [0]
        self.states = [state]
        self.busy_until = 0
        self.sales = Sales([], [])

    def state_at(self, at: int) -> tuple:
        return self.states[bisect_right(self.times, at) - 1]

    def apply(self, at: int, delta: tuple) -> None:
        state = tuple(value + change for value, change in zip(self.states[-1], delta, strict=True))
        if self.times[-1] == at:
            self.states[-1] = state
        else:
            self.times.append(at)
            self.states.append(state)


def _base_rate(rng: random.Random) -> float:
    """Orders a day at one Ozon warehouse, from a profile drawn by its share of products."""
    draw = rng.random()
    for _, share, low, high in PROFILES:
        if draw < share:
            return low + rng.random() * (high - low)
        draw -= share
    return 0.0


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth), fine for the small daily rates used here."""
    if rate <= 0:
        return 0
    limit, count, product = exp(-rate), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _after(rng: random.Random, at: int, low_days: float, high_days: float) -> int:
    return at + int((low_days + rng.random() * (high_days - low_days)) * DAY)


class ProductLife:
    """One product's simulated history, up to `simulated_until`."""

    def __init__(
        self,
        listing: Listing,
        product: Product,
        seed: int,
        first_day: int,
        archive_at: int,
        order_id_base: Callable[[int], int],
        warehouses: tuple[SellerWarehouse, ...],
    ) -> None:
        self.listing, self.product, self.seed = listing, product, seed
        self.first_day, self.archive_at = first_day, archive_at
        self._order_id_base = order_id_base
        self._warehouses = warehouses
        self.simulated_until = first_day
        self.postings: list[Posting] = []
        self.supplies: list[Supply] = []
        self._events: list[tuple[int, int, int, tuple | None]] = []  # (at, sequence, location, delta)
        self._sequence = 0

        rng = random.Random(seed)  # noqa: S311 (fake data)
        base_rate = _base_rate(rng)
        restocked = rng.random() < RESTOCKED_SHARE
        self.locations = [
            Location("fbo", placement, base_rate * (0.5 + rng.random()), restocked, placement.initial_state)
            for placement in product.placements
        ]
        for kind, present in product.seller_stock:
            rate = base_rate * SELLER_RATE_SHARE[kind] if present else 0.0
            self.locations.append(Location(kind, None, rate, restocked, (present, 0, 0, 0, 0)))
        for index, location in enumerate(self.locations):
            if location.kind == "fbo":
                self._supplies_under_way(rng, index, first_day)
            elif archive_at < NEVER:
                self._push(max(archive_at, first_day), index, None)

    # --- what callers read -------------------------------------------------------------------

    def advance(self, until: int) -> None:
        while self.simulated_until < until:
            self._day(self.simulated_until)
            self.simulated_until += DAY

    def is_archived(self, at: int) -> bool:
        return self.archive_at <= at

    # --- one day -----------------------------------------------------------------------------

    def _day(self, start: int) -> None:
        rng = random.Random(self.seed * 100_003 + start // DAY)  # noqa: S311 (fake data)
        self._run_events(start)
        if start < self.archive_at:
            for index in range(len(self.locations)):
                self._review(rng, index, start)
        arrivals = sorted(
            (start + int(rng.random() * DAY), index)
            for index, location in enumerate(self.locations)
            for _ in range(_poisson(rng, location.rate))
        )
        number = 0
        for at, index in arrivals:
            self._run_events(at)
            if at < self.archive_at and number < MAX_ORDERS_A_DAY and self._order(rng, at, index, number):
                number += 1
        self._run_events(start + DAY - 1)

    def _order(self, rng: random.Random, at: int, index: int, number: int) -> bool:
        location = self.locations[index]
        wanted = 1 if rng.random() < 0.85 else 2
        quantity = min(wanted, location.states[-1][AVAILABLE])
        if not quantity:
            return False  # out of stock: the demand is lost
        timeline = _timeline(rng, at)
        order_id = self._order_id_base(at) + number
        order_number = f"{order_id // 10_000:010d}-{order_id % 10_000:04d}"
        fbo = location.kind == "fbo"
        if fbo:
            in_process_at = at + int((5 + rng.random() * 55) * SECOND)
            late = rng.random() < LATE_IN_PROCESS_SHARE
            known_at = _after(rng, at, 1, 2) if late else in_process_at
            warehouse, seller_warehouse = location.placement.warehouse, None
            served_name = location.placement.served_name
        else:
            in_process_at = known_at = at
            row = {"type": location.kind, "sku": self.listing.sku}
            ((seller_warehouse, _),) = seller_stock_by_warehouse([row], self._warehouses)
            warehouse, served_name = None, seller_warehouse.name
        self.postings.append(
            Posting(
                posting_number=f"{order_number}-1",
                order_id=order_id,
                scheme="fbo" if fbo else "fbs",
                delivery_schema=location.kind,
                listing=self.listing,
                product_name=self.product.name,
                quantity=quantity,
                price=self.product.price,
                warehouse=warehouse,
                seller_warehouse=seller_warehouse,
                served_warehouse_name=served_name,
                created_at=at,
                in_process_at=in_process_at,
                in_process_known_at=known_at,
                timeline=timeline,
            )
        )
        location.apply(at, (-quantity, quantity, 0, 0, 0))
        location.sales.record(at, quantity)
        self._schedule_fulfilment(index, quantity, timeline)
        return True

    def _schedule_fulfilment(self, index: int, quantity: int, timeline: tuple[tuple[int, str, str], ...]) -> None:
        shipped = next((at for at, status, _ in timeline if status == "delivering"), None)
        last_at, _, last_substatus = timeline[-1]
        if shipped is None:  # cancelled before it left the warehouse
            self._push(last_at, index, (quantity, -quantity, 0, 0, 0))
            return
        self._push(shipped, index, (0, -quantity, 0, 0, 0))
        if last_substatus == "posting_returned_to_warehouse":
            self._push(last_at, index, (quantity, 0, 0, 0, 0))

    def _review(self, rng: random.Random, index: int, at: int) -> None:
        location = self.locations[index]
        available, _, requested, transit, valid = location.states[-1]
        if at < location.busy_until or available + requested + transit + valid > location.reorder_point:
            return
        quantity = location.batch
        if location.kind == "fbo":
            shipped = _after(rng, at, 0.5, 2)
            arrived = _after(rng, shipped, 2, 5)
            accepted = _after(rng, arrived, 0.5, 1.5)
            location.apply(at, (0, 0, quantity, 0, 0))
            self._push(shipped, index, (0, 0, -quantity, quantity, 0))
            self._push(arrived, index, (0, 0, 0, -quantity, quantity))
            self._push(accepted, index, (quantity, 0, 0, 0, -quantity))
        else:
            shipped = arrived = None
            accepted = _after(rng, at, 2, 5)
            self._push(accepted, index, (quantity, 0, 0, 0, 0))
        location.busy_until = accepted
        self.supplies.append(self._supply(location, quantity, at, shipped, arrived, accepted))

    def _supplies_under_way(self, rng: random.Random, index: int, start: int) -> None:
        """Turn the requested, in-transit and accepted units of the first day into real supplies."""
        location = self.locations[index]
        _, _, requested, transit, valid = location.states[-1]
        if requested:
            shipped = _after(rng, start, 0, 2)
            arrived = _after(rng, shipped, 2, 5)
            accepted = _after(rng, arrived, 0.5, 1.5)
            self._push(shipped, index, (0, 0, -requested, requested, 0))
            self._push(arrived, index, (0, 0, 0, -requested, requested))
            self._push(accepted, index, (requested, 0, 0, 0, -requested))
            self.supplies.append(self._supply(location, requested, None, shipped, arrived, accepted))
        if transit:
            arrived = _after(rng, start, 0, 4)
            accepted = _after(rng, arrived, 0.5, 1.5)
            self._push(arrived, index, (0, 0, 0, -transit, transit))
            self._push(accepted, index, (transit, 0, 0, 0, -transit))
            self.supplies.append(self._supply(location, transit, None, None, arrived, accepted))
        if valid:
            accepted = _after(rng, start, 0, 1.5)
            self._push(accepted, index, (valid, 0, 0, 0, -valid))
            self.supplies.append(self._supply(location, valid, None, None, None, accepted))

    def _supply(self, location: Location, quantity: int, *stages: int | None) -> Supply:
        warehouse = location.placement.warehouse if location.placement else None
        return Supply(self.listing, location.kind, warehouse, quantity, *stages)

    # --- events ------------------------------------------------------------------------------

    def _push(self, at: int, index: int, delta: tuple | None) -> None:
        """Schedule a change of location `index` at `at`; `None` writes off the seller's stock."""
        self._sequence += 1
        heapq.heappush(self._events, (at, self._sequence, index, delta))

    def _run_events(self, until: int) -> None:
        events = self._events
        while events and events[0][0] <= until:
            at, _, index, delta = heapq.heappop(events)
            location = self.locations[index]
            if delta is None:
                delta = (-location.states[-1][AVAILABLE], 0, 0, 0, 0)
            elif location.kind != "fbo" and delta[AVAILABLE] > 0 and self.is_archived(at):
                delta = (0, *delta[1:])
            location.apply(at, delta)


def _timeline(rng: random.Random, created: int) -> tuple[tuple[int, str, str], ...]:
    """awaiting_packaging → awaiting_deliver → delivering → delivered; about 8 % cancelled before
    shipping, 5 % not collected and returned (cancelled, posting_returned_to_warehouse). Every
    posting has its final status within a week."""
    start = (created, "awaiting_packaging", "posting_created")
    fate = rng.random()
    if fate < 0.08:
        return start, (created + int((1 + rng.random() * 6) * HOUR), "cancelled", "posting_canceled")
    packed = created + int((2 + rng.random() * 6) * HOUR)
    shipped = created + int((20 + rng.random() * 10) * HOUR)
    arrived = _after(rng, shipped, 1, 3)
    steps = [
        start,
        (packed, "awaiting_deliver", "posting_packing"),
        (shipped, "delivering", "posting_transferring_to_delivery"),
        (arrived, "delivering", "posting_in_pickup_point"),
    ]
    if fate < 0.13:
        steps.append((_after(rng, arrived, 1, 2.5), "cancelled", "posting_returned_to_warehouse"))
    else:
        steps.append((_after(rng, arrived, 0, 2), "delivered", "posting_received"))
    return tuple(steps)


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
    ) -> None:
        self._seed = seed
        self._first_day = first_day
        self._product = product
        self._archive_at = archive_at
        self._products = max(products, 1)
        self._warehouses = seller_warehouses(client_id)
        self._lives: dict[int, ProductLife] = {}
        self._indexes: dict[str, tuple[int, list[tuple[int, int]], list[Posting]]] = {}
        self.lock = threading.RLock()

    def life(self, listing: Listing, at: int) -> ProductLife:
        """The product's history, simulated at least to the end of the day of `at` (hold `lock`)."""
        life = self._lives.get(listing.index)
        if life is None:
            life = self._lives[listing.index] = ProductLife(
                listing,
                self._product(listing),
                self._seed * 1_000_003 + listing.index,
                self._first_day,
                self._archive_at(listing),
                self._order_id_base(listing.index),
                self._warehouses,
            )
        life.advance(day_end(at))
        return life

    def postings(self, listings: list[Listing], scheme: str, at: int) -> tuple[list[tuple[int, int]], list[Posting]]:
        """Every `scheme` posting drawn at least up to the end of the day of `at`, sorted by
        `list_key`, and those keys. Callers keep the ones that exist at their time."""
        with self.lock:
            horizon, keys, postings = self._indexes.get(scheme, (0, [], []))
            if horizon < day_end(at):
                postings = [
                    posting
                    for listing in listings
                    for posting in self.life(listing, at).postings
                    if posting.scheme == scheme
                ]
                postings.sort(key=list_key)
                keys = [list_key(posting) for posting in postings]
                self._indexes[scheme] = (day_end(at), keys, postings)
            return keys, postings

    def _order_id_base(self, index: int) -> Callable[[int], int]:
        return lambda at: 10**10 + ((at // DAY) * self._products + index) * 100


def list_key(posting: Posting) -> tuple[int, int]:
    """Where a posting sits in its list: FBO by created_at, FBS by in_process_at, then order id."""
    return (posting.created_at if posting.scheme == "fbo" else posting.in_process_at), posting.order_id
