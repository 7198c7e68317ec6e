"""The seeded Wildberries seller of the sandbox: accounts and tokens, cards, warehouses, and a
day-by-day simulation of orders, cancellations, buyouts, returns and supplies, plus the truth.

Times are int microseconds since the Unix epoch (UTC). Every random draw of a day comes from a
generator seeded by (seed, account, chrt, day), so the data never depends on the order of requests;
the simulation is extended lazily, day by day, as the clock moves.

Stock of one chrt (size) × warehouse at time t:
  quantity        = initial + supplies arrived − orders placed + cancelled + returns arrived
  inWayToClient   = orders placed and neither cancelled nor bought out yet
  inWayFromClient = returns on their way back (return row appeared, not arrived yet)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import random
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from loaders.sandbox.draw import between, pick
from loaders.sandbox.vocabulary import BRANDS, COLOURS

SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
MSK = 3 * HOUR
RETENTION = 90 * DAY
NEVER = 1 << 62
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

PERSONAL, BASE = "personal", "base"  # token types  # noqa: S105 (not secrets)
SELLER_WAREHOUSE_TYPE = "Склад продавца"
WB_WAREHOUSE_TYPE = "Склад WB"
MASKED_RF = "Склад WB РФ"
MASKED_RF_OVERSIZED = "Склад WB СГТ РФ"
MASKED_ANALYTICS = "Склад WB"
MASKED_ANALYTICS_ID = -999999
IN_WAY_TO_CLIENT = "В пути до получателей"
IN_WAY_FROM_CLIENT = "В пути возвраты на склад WB"
TOTAL_ON_WAREHOUSES = "Всего находится на складах"


@dataclass(frozen=True)
class WbWarehouse:
    name: str
    office_id: int
    region: str
    okrug: str | None
    city: str
    rf: bool = True


WB_WAREHOUSES = (
    WbWarehouse("Коледино", 507, "Московская область", "Центральный", "Коледино"),
    WbWarehouse("Электросталь", 120762, "Московская область", "Центральный", "Электросталь"),
    WbWarehouse("Подольск", 117501, "Московская область", "Центральный", "Подольск"),
    WbWarehouse("Казань", 117986, "Республика Татарстан", "Приволжский", "Казань"),
    WbWarehouse("Краснодар", 130744, "Краснодарский край", "Южный", "Краснодар"),
    WbWarehouse("Екатеринбург - Испытателей 14г", 1733, "Свердловская область", "Уральский", "Екатеринбург"),
    WbWarehouse("Новосибирск", 686, "Новосибирская область", "Сибирский", "Новосибирск"),
    WbWarehouse("Санкт-Петербург Уткина Заводь", 2737, "Ленинградская область", "Северо-Западный", "Санкт-Петербург"),
    WbWarehouse("Тула", 206348, "Тульская область", "Центральный", "Тула"),
    WbWarehouse("Невинномысск", 208277, "Ставропольский край", "Северо-Кавказский", "Невинномысск"),
)
MINSK = WbWarehouse("Минск", 207743, "Минская область", None, "Минск", rf=False)
WB_WAREHOUSE_COUNT = 8  # 7 RF warehouses + Минск per account

# (country, okrug, region) of buyers
DESTINATIONS = (
    ("Россия", "Центральный федеральный округ", "Москва"),
    ("Россия", "Центральный федеральный округ", "Московская"),
    ("Россия", "Северо-Западный федеральный округ", "Санкт-Петербург"),
    ("Россия", "Приволжский федеральный округ", "Татарстан"),
    ("Россия", "Южный федеральный округ", "Краснодарский"),
    ("Россия", "Уральский федеральный округ", "Свердловская"),
    ("Россия", "Сибирский федеральный округ", "Новосибирская"),
    ("Беларусь", "", "Минская"),
    ("Казахстан", "", "Алматы"),
)

# subject name, subject id, category, sized (clothes), oversized, litres
SUBJECTS = (
    ("Футболки", 192, "Одежда", True, False, 1.2),
    ("Носки", 1017, "Белье", True, False, 0.3),
    ("Шапки", 63, "Аксессуары", True, False, 0.9),
    ("Кроссовки", 105, "Обувь", True, False, 8.5),
    ("Кружки", 2107, "Посуда и инвентарь", False, False, 1.1),
    ("Рюкзаки", 115, "Аксессуары", False, False, 12.0),
    ("Термосы", 2210, "Посуда и инвентарь", False, False, 2.4),
    ("Пледы", 1546, "Дом", False, False, 6.0),
    ("Настольные лампы", 3540, "Дом", False, False, 9.0),
    ("Сковороды", 2255, "Посуда и инвентарь", False, False, 4.5),
    ("Сушилки для белья", 4480, "Дом", False, True, 48.0),
    ("Кресла", 2871, "Мебель", False, True, 320.0),
)
CLOTHES_SIZES = (("XS", "42"), ("S", "44"), ("M", "46"), ("L", "48"), ("XL", "50"), ("XXL", "52"))
SHOE_SIZES = (("38", "38"), ("39", "39"), ("40", "40"), ("41", "41"), ("42", "42"), ("43", "43"))


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def moment(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


@functools.lru_cache(maxsize=1 << 20)
def msk_text(value: int) -> str:
    """Moscow time without offset, fractional digits only as many as the value has."""
    text = moment(value + MSK).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = value % SECOND
    return f"{text}.{fraction:06d}".rstrip("0") if fraction else text


def utc_text(value: int) -> str:
    """RFC 3339 UTC with `Z` and microseconds, as the content API writes it."""
    return moment(value).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _quantize(rng: random.Random, value: int) -> int:
    """Drop the low digits of a time so that 0, 1, 2, 3, 5 or 6 fractional digits remain."""
    digits = pick(rng, (0, 0, 0, 1, 2, 3, 5, 6))
    resolution = 10 ** (6 - digits)
    return value - value % resolution


def _poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


# --- accounts, warehouses, cards -----------------------------------------------------------------


@dataclass(frozen=True)
class WbAccount:
    name: str
    token: str
    token_type: str  # "personal" or "base"
    index: int


def make_token(seed: int, index: int, token_type: str) -> str:
    digest = hashlib.sha256(f"wb-sandbox:{seed}:{index}".encode()).digest()

    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")

    header = part({"alg": "ES256", "kid": "20250520v1", "typ": "JWT"})
    payload = part(
        {
            "acc": 1,
            "ent": 1,
            "exp": 1790000000,
            "id": str(uuid.UUID(bytes=digest[:16])),
            "s": 1073758206 if token_type == PERSONAL else 30,
            "sid": str(uuid.UUID(bytes=digest[16:])),
            "t": False,
            "uid": 40000000 + index,
        }
    )
    signature = base64.urlsafe_b64encode(hashlib.sha256(digest).digest() * 2).decode().rstrip("=")
    return f"{header}.{payload}.{signature}"


@dataclass(frozen=True)
class SellerWarehouse:
    id: int
    name: str
    office_id: int
    cargo_type: int
    delivery_type: int


@dataclass
class Size:
    chrt_id: int
    tech_size: str
    wb_size: str
    barcode: str


@dataclass
class Card:
    nm_id: int
    imt_id: int
    nm_uuid: str
    subject_id: int
    subject: str
    category: str
    vendor_code: str
    brand: str
    title: str
    colour: str
    volume: float
    oversized: bool
    photos: int
    price: int
    discount: int
    created_at: int
    trashed_at: int
    edits: list[int]
    sizes: list[Size]
    restocks: bool
    demand: float  # orders a day over all sizes and warehouses

    def updated_at(self, at: int) -> int:
        last = self.created_at
        for edit in self.edits:
            if edit <= at:
                last = edit
        return last

    def edit_count(self, at: int) -> int:
        return sum(1 for edit in self.edits if edit <= at)


# --- orders --------------------------------------------------------------------------------------


@dataclass
class Order:
    srid: str
    g_number: str
    sticker: str
    card: Card
    size: Size
    cell: int  # index into the seller's cells
    date: int
    seen_at: int  # the row first appears (lastChangeDate of a new order)
    destination: tuple[str, str, str]
    income_id: int
    total_price: float
    discount_percent: int
    spp: float
    price_with_disc: float
    finished_price: float
    for_pay: float
    payment_sale_amount: int
    cancel_at: int = NEVER
    sale_at: int = NEVER  # the S row appears
    sale_id: str = ""
    sale_money_at: int = NEVER
    return_at: int = NEVER  # the R row appears
    return_id: str = ""
    return_money_at: int = NEVER
    return_arrives_at: int = NEVER
    warehouse_name: str = ""  # as served in orders/sales rows (fixed when the order is placed)

    def last_change(self, at: int) -> int:
        return self.cancel_at if self.cancel_at <= at else self.seen_at

    def status(self, at: int) -> str:
        if self.cancel_at <= at:
            return "cancelled"
        if self.return_at <= at:
            return "returned"
        if self.sale_at <= at:
            return "delivered"
        return "ordered"


@dataclass
class Cell:
    """One chrt × warehouse with stock: a WB warehouse or the seller's own."""

    card: Card
    size: Size
    warehouse: WbWarehouse | None  # None: the seller's warehouse
    initial: int
    share: float
    available: int = 0  # during the simulation: units sellable at the current day's start
    pending: list[tuple[int, int]] = field(default_factory=list)  # (arrives_at, units) not yet counted
    supplies: list[tuple[int, int, int]] = field(default_factory=list)  # (arrives_at, units, income_id)
    income_id: int = 0


@dataclass(frozen=True)
class WbTruth:
    """What the sandbox serves for one account as of `as_of` (ISO 8601 UTC): lists of dicts."""

    as_of: str
    cards: list[dict]
    stock: list[dict]
    seller_stock: list[dict]
    orders: list[dict]
    sales: list[dict]
    supplies: list[dict]


class WbSeller:
    """One WB account's catalogue, warehouses and simulated life."""

    def __init__(self, config, index: int, account: WbAccount, history_start: int, now) -> None:
        self.config = config
        self.account = account
        self.index = index
        self.history_start = history_start
        self.now = now  # () -> int micros
        self.masked = config.wb_masked_warehouses
        self._lock = threading.RLock()
        rng = random.Random(f"wb:{config.seed}:{index}")  # noqa: S311 (fake data)
        rf = list(WB_WAREHOUSES)
        rng.shuffle(rf)
        self.warehouses = [*rf[: WB_WAREHOUSE_COUNT - 1], MINSK]
        base_office = self.warehouses[0]
        self.seller_warehouses = [
            SellerWarehouse(
                1000 + 10 * index + number,
                f"Склад продавца {name}",
                base_office.office_id,
                1,
                1,
            )
            for number, name in enumerate(["Подольск", "Химки"][: 1 + (index % 2)])
        ]
        self.own_warehouse = WbWarehouse(self.seller_warehouses[0].name, 0, "Московская область", None, "Подольск")
        # A spelling variant appears for the first time at this moment (unmasked names only).
        self.new_variant_at = history_start + max(1, config.history_days) * DAY * 2 // 3
        self.cards = self._make_cards(rng, config.products)
        self.by_nm = {card.nm_id: card for card in self.cards}
        self.cells = self._make_cells(rng)
        self.cells_by_size: dict[int, list[int]] = {}
        for position, cell in enumerate(self.cells):
            self.cells_by_size.setdefault(cell.size.chrt_id, []).append(position)
        self.orders: list[Order] = []
        self._next_day = 0
        self._serial = 0
        self._cache: dict[tuple, object] = {}

    # --- catalogue ---------------------------------------------------------------------------

    def _make_cards(self, rng: random.Random, count: int) -> list[Card]:
        cards, start = [], self.history_start
        nm_ids, chrt_ids, barcodes = set(), set(), set()
        horizon = start + (self.config.history_days + 60) * DAY
        for number in range(count):
            subject, subject_id, category, sized, oversized, litres = pick(rng, SUBJECTS)
            while (nm_id := between(rng, 10_000_000, 999_999_999)) in nm_ids:
                pass
            nm_ids.add(nm_id)
            sizes = []
            if sized:
                table = SHOE_SIZES if subject == "Кроссовки" else CLOTHES_SIZES
                first = between(rng, 0, 3)
                chosen = table[first : first + between(rng, 2, 5)]
            else:
                chosen = (("0", ""),)
            for tech, wb in chosen:
                while (chrt := between(rng, 10_000_000, 999_999_999)) in chrt_ids:
                    pass
                chrt_ids.add(chrt)
                while (barcode := f"20{between(rng, 10**10, 10**11 - 1)}") in barcodes:
                    pass
                barcodes.add(barcode)
                sizes.append(Size(chrt, tech, wb, barcode))
            created = (
                start - between(rng, 1, 400) * DAY if rng.random() < 0.9 else start + between(rng, 0, horizon - start)
            )
            created = _quantize(rng, created + between(rng, 0, DAY))
            trashed = NEVER
            roll = rng.random()
            if roll < 0.04:
                trashed = max(created + HOUR, start - between(rng, 0, 30) * DAY)
            elif roll < 0.12:
                trashed = max(created + HOUR, start + between(rng, 0, horizon - start))
            edits, edit = [], created
            while True:
                edit += int(rng.expovariate(1 / (45 * DAY)))
                if edit > horizon + 365 * DAY:
                    break
                edits.append(_quantize(rng, edit))
            brand, colour = pick(rng, BRANDS), pick(rng, COLOURS)
            cards.append(
                Card(
                    nm_id=nm_id,
                    imt_id=between(rng, 100_000_000, 999_999_999),
                    nm_uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    subject_id=subject_id,
                    subject=subject,
                    category=category,
                    vendor_code=f"{subject[:3].upper()}-{colour[:3]}-{number:05d}"
                    if rng.random() < 0.6
                    else str(41000 + number),
                    brand=brand,
                    title=f"{subject[:-1] if subject.endswith('ы') else subject} {brand} {colour}",
                    colour=colour,
                    volume=round(litres * (0.8 + 0.4 * rng.random()), 2),
                    oversized=oversized,
                    photos=0 if rng.random() < 0.08 else between(rng, 1, 6),
                    price=between(rng, 3, 300) * 50 - 1 if rng.random() < 0.5 else between(rng, 150, 15000),
                    discount=pick(rng, (0, 10, 15, 20, 25, 30, 40, 50, 55)),
                    created_at=created,
                    trashed_at=trashed,
                    edits=edits,
                    sizes=sizes,
                    restocks=rng.random() < 0.75,
                    demand=rng.uniform(0.05, 0.8),
                )
            )
        return cards

    def _make_cells(self, rng: random.Random) -> list[Cell]:
        cells = []
        for card in self.cards:
            chosen = rng.sample(self.warehouses, between(rng, 2, 6))
            own = rng.random() < 0.3
            for size in card.sizes:
                for warehouse in chosen:
                    initial = between(rng, 0, 40) if card.created_at < self.history_start else 0
                    cell = Cell(card, size, warehouse, initial, rng.uniform(0.5, 1.5) / len(card.sizes))
                    cell.income_id = between(rng, 10_000_000, 99_999_999)
                    cells.append(cell)
                if own:
                    cell = Cell(card, size, None, between(rng, 5, 30), 0.4 / len(card.sizes))
                    cells.append(cell)
        for cell in cells:
            cell.available = cell.initial
        return cells

    # --- served names ------------------------------------------------------------------------

    def served_name(self, warehouse: WbWarehouse | None, card: Card, key: int, at: int) -> str:
        """The warehouse name of warehouse_remains and orders/sales rows."""
        if warehouse is None:
            return self.own_warehouse.name
        if not warehouse.rf:
            return warehouse.name if self.masked else variant(warehouse.name, key, at >= self.new_variant_at)
        if self.masked:
            return MASKED_RF_OVERSIZED if card.oversized else MASKED_RF
        return variant(warehouse.name, key, at >= self.new_variant_at)

    # --- simulation --------------------------------------------------------------------------

    def simulate_until(self, at: int) -> None:
        """Simulate every day that starts at or before `at` (and the one after, for safety)."""
        with self._lock:
            last_day = (at - self.history_start) // DAY + 1
            while self._next_day <= last_day:
                self._simulate_day(self._next_day)
                self._next_day += 1

    def _simulate_day(self, day: int) -> None:
        day_start = self.history_start + day * DAY
        seed, account = self.config.seed, self.index
        for card in self.cards:
            active = card.created_at <= day_start and card.trashed_at > day_start
            for size in card.sizes:
                cells = self.cells_by_size[size.chrt_id]
                rng = random.Random(((seed * 1_000_003 + account) * 1_000_000_007 + size.chrt_id) * 100_003 + day)  # noqa: S311
                for position in cells:
                    cell = self.cells[position]
                    if cell.pending:
                        arrived = [units for when, units in cell.pending if when < day_start]
                        if arrived:
                            cell.available += sum(arrived)
                            cell.pending = [item for item in cell.pending if item[0] >= day_start]
                if card.restocks and active:
                    wb_cells = [self.cells[p] for p in cells if self.cells[p].warehouse is not None]
                    stocked = sum(c.available for c in wb_cells)
                    incoming = any(when >= day_start for c in wb_cells for when, _, _ in c.supplies)
                    if stocked < 3 * len(wb_cells) and not incoming and rng.random() < 0.5:
                        arrives = _quantize(rng, day_start + between(rng, 2, 6) * DAY + between(rng, 0, DAY))
                        income_id = between(rng, 10_000_000, 99_999_999)
                        for c in wb_cells:
                            units = between(rng, 10, 40)
                            c.supplies.append((arrives, units, income_id))
                            c.pending.append((arrives, units))
                if not active:
                    continue
                for position in cells:
                    cell = self.cells[position]
                    count = _poisson(rng, card.demand * cell.share / max(1, len(cells)))
                    if not count:
                        continue
                    times = sorted(between(rng, 0, DAY) for _ in range(count))
                    for offset in times:
                        self._order(rng, cell, position, day_start + offset)

    def _order(self, rng: random.Random, cell: Cell, position: int, when: int) -> None:
        if cell.available < 1:
            rng.random()  # the lost order still draws, so later draws stay aligned
            return
        cell.available -= 1
        for arrives, _, income_id in cell.supplies:
            if arrives <= when:
                cell.income_id = income_id
        self._serial += 1
        card, size = cell.card, cell.size
        date = _quantize(rng, when)
        discount = card.discount
        price_with_disc = round(card.price * (1 - discount / 100), 2)
        spp = float(pick(rng, (0, 5, 10, 15, 20, 25, 27)))
        finished = round(price_with_disc * (1 - spp / 100))
        serial = self._serial + 100_000 * self.index
        style = rng.random()
        if style < 0.4:
            srid = f"{rng.getrandbits(62)}.{between(rng, 0, 9)}.0"
        elif style < 0.8:
            srid = f"{between(rng, 10, 99)}.r{rng.getrandbits(100):x}.{between(rng, 0, 9)}.0"
        else:
            srid = f"{rng.getrandbits(160):040x}"
        srid = f"{srid}.{serial}" if style < 0.8 else srid[:-8] + f"{serial:08x}"
        order = Order(
            srid=srid,
            g_number=str(between(rng, 10**19, 10**20 - 1)),
            sticker=str(between(rng, 10**8, 10**10)),
            card=card,
            size=size,
            cell=position,
            date=date,
            seen_at=_quantize(rng, date + between(rng, 60 * SECOND, 40 * 60 * SECOND)),
            destination=pick(rng, DESTINATIONS),
            income_id=cell.income_id if cell.warehouse is not None else 0,
            total_price=float(card.price),
            discount_percent=discount,
            spp=spp,
            price_with_disc=price_with_disc,
            finished_price=float(finished),
            for_pay=round(price_with_disc * (1 - spp / 200) * 0.8, 2),
            payment_sale_amount=pick(rng, (0, 0, 0, 5, 12, 30)),
        )
        order.warehouse_name = self.served_name(cell.warehouse, card, hash_key(srid), date)
        roll = rng.random()
        if roll < 0.10:
            order.cancel_at = _quantize(rng, date + between(rng, 10 * 60 * SECOND, DAY))
            cell.pending.append((order.cancel_at, 1))
        elif roll < 0.95:
            order.sale_at = _quantize(rng, date + between(rng, DAY, 5 * DAY))
            order.sale_id = f"S{between(rng, 10**9, 10**10 - 1)}"
            order.sale_money_at = _quantize(rng, order.sale_at + between(rng, 20 * HOUR, 28 * HOUR))
            if rng.random() < 0.05:
                order.return_at = _quantize(rng, order.sale_at + between(rng, DAY, 10 * DAY))
                order.return_id = f"R{between(rng, 10**9, 10**10 - 1)}"
                order.return_money_at = _quantize(rng, order.return_at + between(rng, 20 * HOUR, 28 * HOUR))
                order.return_arrives_at = _quantize(rng, order.return_at + between(rng, 2 * DAY, 6 * DAY))
                cell.pending.append((order.return_arrives_at, 1))
        else:  # refused at the pick-up point
            order.cancel_at = _quantize(rng, date + between(rng, 2 * DAY, 6 * DAY))
            cell.pending.append((order.cancel_at, 1))
        self.orders.append(order)

    # --- views as of a moment ----------------------------------------------------------------

    def cached(self, key: tuple, build):
        with self._lock:
            if key not in self._cache:
                if len(self._cache) > 32:
                    self._cache.clear()
                self._cache[key] = build()
            return self._cache[key]

    def visible_cards(self, at: int) -> list[Card]:
        return [card for card in self.cards if card.created_at <= at]

    def stock(self, at: int) -> list[tuple[Cell, int, int, int]]:
        """(cell, quantity, in_way_to_client, in_way_from_client) of every cell, as of `at`."""

        def build():
            self.simulate_until(at)
            quantity = [
                cell.initial + sum(units for arrives, units, _ in cell.supplies if arrives <= at) for cell in self.cells
            ]
            to_client = [0] * len(self.cells)
            from_client = [0] * len(self.cells)
            for order in self.orders:
                if order.date > at:
                    continue
                cell = order.cell
                quantity[cell] -= 1
                if order.cancel_at <= at:
                    quantity[cell] += 1
                elif order.sale_at > at:
                    to_client[cell] += 1
                if order.return_at <= at:
                    if order.return_arrives_at <= at:
                        quantity[cell] += 1
                    else:
                        from_client[cell] += 1
            return [(cell, quantity[i], to_client[i], from_client[i]) for i, cell in enumerate(self.cells)]

        return self.cached(("stock", at), build)

    def visible_orders(self, at: int) -> list[Order]:
        self.simulate_until(at)
        return [order for order in self.orders if order.seen_at <= at]

    # --- truth -------------------------------------------------------------------------------

    def truth(self, at: int) -> WbTruth:
        self.simulate_until(at)
        cards = [
            {
                "nm_id": card.nm_id,
                "imt_id": card.imt_id,
                "chrt_id": size.chrt_id,
                "barcode": size.barcode,
                "tech_size": size.tech_size,
                "vendor_code": card.vendor_code,
                "title": card.title,
                "brand": card.brand,
                "subject": card.subject,
                "updated_at": utc_text(card.updated_at(at)),
                "trashed": card.trashed_at <= at,
            }
            for card in self.visible_cards(at)
            for size in card.sizes
        ]
        stock, seller_stock = [], []
        for cell, quantity, to_client, from_client in self.stock(at):
            if not (quantity or to_client or from_client):
                continue
            row = {
                "nm_id": cell.card.nm_id,
                "chrt_id": cell.size.chrt_id,
                "barcode": cell.size.barcode,
                "warehouse_name": cell.warehouse.name if cell.warehouse else self.own_warehouse.name,
                "served_name": self.served_name(cell.warehouse, cell.card, cell.size.chrt_id, at),
                "quantity": quantity,
                "in_way_to_client": to_client,
                "in_way_from_client": from_client,
            }
            (stock if cell.warehouse is not None else seller_stock).append(row)
        orders, sales = [], []
        for order in self.visible_orders(at):
            cell = self.cells[order.cell]
            orders.append(
                {
                    "srid": order.srid,
                    "nm_id": order.card.nm_id,
                    "chrt_id": order.size.chrt_id,
                    "barcode": order.size.barcode,
                    "date_msk": msk_text(order.date),
                    "warehouse_name": self.order_warehouse_name(order),
                    "real_warehouse_name": cell.warehouse.name if cell.warehouse else self.own_warehouse.name,
                    "is_cancel": order.cancel_at <= at,
                    "cancel_date": msk_text(order.cancel_at) if order.cancel_at <= at else None,
                    "total_price": order.total_price,
                    "price_with_disc": order.price_with_disc,
                    "finished_price": order.finished_price,
                    "order_status": order.status(at),
                    "last_change_date": msk_text(order.last_change(at)),
                    "retained": order.date >= at - RETENTION,
                }
            )
            for kind, row_at, sale_id, money_at in (
                ("sale", order.sale_at, order.sale_id, order.sale_money_at),
                ("return", order.return_at, order.return_id, order.return_money_at),
            ):
                if row_at > at:
                    continue
                sign = -1 if kind == "return" else 1
                filled = money_at <= at
                sales.append(
                    {
                        "sale_id": sale_id,
                        "srid": order.srid,
                        "kind": kind,
                        "nm_id": order.card.nm_id,
                        "chrt_id": order.size.chrt_id,
                        "barcode": order.size.barcode,
                        "date": msk_text(row_at),
                        "last_change_date": msk_text(money_at if filled else row_at),
                        "warehouse_name": self.order_warehouse_name(order),
                        "for_pay": sign * order.for_pay if filled else 0.0,
                        "price_with_disc": sign * order.price_with_disc if filled else 0.0,
                        "finished_price": sign * order.finished_price if filled else 0.0,
                        "money_filled": filled,
                        "retained": row_at >= at - RETENTION,
                    }
                )
        supplies = [
            {
                "income_id": income_id,
                "nm_id": cell.card.nm_id,
                "chrt_id": cell.size.chrt_id,
                "warehouse_name": cell.warehouse.name,
                "arrives_at": utc_text(arrives),
                "quantity": units,
                "arrived": arrives <= at,
            }
            for cell in self.cells
            for arrives, units, income_id in cell.supplies
        ]
        return WbTruth(utc_text(at), cards, stock, seller_stock, orders, sales, supplies)

    def order_warehouse_name(self, order: Order) -> str:
        return order.warehouse_name


def hash_key(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big")


def variant(name: str, key: int, late: bool) -> str:
    """A realistic spelling of a warehouse name: mostly canonical, sometimes upper/lower case,
    `-` and space swapped, or a trailing space; from `new_variant_at` on also double spaces."""
    kinds = 10 + (2 if late else 0)
    kind = key % kinds
    if kind == 6:
        return name.upper()
    if kind == 7:
        return name.lower()
    if kind == 8:
        return name.replace(" - ", "-").replace(" ", "-") if " " in name else name + " "
    if kind == 9:
        return name + " "
    if kind >= 10:
        return name.replace(" ", "  ") if " " in name else name.replace("о", "o", 1)
    return name


def generate_sellers(config, now) -> list[WbSeller]:
    start = now()
    history_start = (start - start % DAY) - config.history_days * DAY
    sellers = []
    for index in range(config.accounts):
        token_type = BASE if index >= config.accounts - config.wb_base_token_accounts else PERSONAL
        account = WbAccount(f"wb{index + 1}", make_token(config.seed, index, token_type), token_type, index)
        sellers.append(WbSeller(config, index, account, history_start, now))
    return sellers
