"""The seeded Wildberries seller of the sandbox: accounts and tokens, cards, warehouses, the
simulated life of every size (wildberries_simulation: orders, cancellations, buyouts, returns and
supplies) and the truth.

Times are int microseconds since the Unix epoch (UTC). Each size is drawn from its own generator
(seed, account, chrt), so the data never depends on the order of requests; the simulation is
extended to the end of the clock's day as the clock moves.

Stock of one chrt (size) × warehouse at time t:
  quantity        = initial + supplies arrived − orders placed + cancelled + returns arrived
  inWayToClient   = orders placed and neither cancelled nor bought out yet
  inWayFromClient = returns on their way back (return row appeared, not arrived yet)
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import json
import random
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from sandbox.draw import between, pick
from sandbox.vocabulary import BRANDS, COLOURS
from sandbox.wildberries_simulation import (
    DAY,
    HOUR,
    NEVER,
    SECOND,
    OrderColumns,
    SizeLife,
    next_day_start,
    quantize,
)

MSK = 3 * HOUR
RETENTION = 90 * DAY
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


@functools.lru_cache(maxsize=4096)
def _day_text(day: int) -> str:
    return moment(day * DAY).strftime("%Y-%m-%d")


def msk_text(value: int) -> str:
    """Moscow time without offset, fractional digits only as many as the value has."""
    day, rest = divmod(value + MSK, DAY)
    seconds, fraction = divmod(rest, SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    text = f"{_day_text(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{text}.{fraction:06d}".rstrip("0") if fraction else text


def utc_text(value: int) -> str:
    """RFC 3339 UTC with `Z` and microseconds, as the content API writes it."""
    return moment(value).strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


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
    restored_at: int = NEVER  # taken out of the trash (`WildberriesApi.restore_card`), if it was

    def in_trash(self, at: int) -> bool:
        """In the trash as of `at`: moved there and not restored since."""
        return self.trashed_at <= at < self.restored_at

    def updated_at(self, at: int) -> int:
        last = self.created_at
        for edit in self.edits:
            if edit <= at:
                last = edit
        return last

    def edit_count(self, at: int) -> int:
        return sum(1 for edit in self.edits if edit <= at)


# --- orders --------------------------------------------------------------------------------------


@dataclass(slots=True)
class Cell:
    """One chrt × warehouse with stock: a WB warehouse or the seller's own."""

    card: Card
    size: Size
    warehouse: WbWarehouse | None  # None: the seller's warehouse
    initial: int
    share: float
    income_id: int = 0  # of the stock there at the start


class OrderDetails(NamedTuple):
    """What an order shows but the simulation never reads, drawn from its serial when served."""

    srid: str
    g_number: str
    sticker: str
    destination: tuple[str, str, str]
    spp: float
    payment_sale_amount: int
    sale_id: str
    return_id: str


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
        self.orders = OrderColumns()
        self._details_key = f"wb:{config.seed}:{index}".encode()
        self.lives = self._make_lives()
        self._horizon = history_start
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
            created = quantize(rng, created + between(rng, 0, DAY))
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
                edits.append(quantize(rng, edit))
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
                    share = rng.uniform(0.5, 1.5) / len(card.sizes)
                    cells.append(Cell(card, size, warehouse, initial, share, between(rng, 10_000_000, 99_999_999)))
                if own:
                    cells.append(Cell(card, size, None, between(rng, 5, 30), 0.4 / len(card.sizes)))
        return cells

    def _make_lives(self) -> list[SizeLife]:
        """One life per size, over its cells (contiguous in `cells`)."""
        lives, first, seed = [], 0, (self.config.seed * 1_000_003 + self.index) * 1_000_000_007
        while first < len(self.cells):
            size = self.cells[first].size
            last = first
            while last < len(self.cells) and self.cells[last].size is size:
                last += 1
            card = self.cells[first].card
            active_from = next_day_start(max(card.created_at, self.history_start))
            active_until = next_day_start(card.trashed_at) if card.trashed_at < NEVER else NEVER
            serial_base = len(lives) << 6 | self.index
            lives.append(
                SizeLife(
                    seed + size.chrt_id,
                    first,
                    self.cells[first:last],
                    card.demand * self.config.demand_scale,
                    (active_from, active_until),
                    card.restocks,
                    serial_base,
                    self.history_start,
                )
            )
            first = last
        return lives

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
        """Simulate every size to the end of the UTC day of `at`."""
        until = (at // DAY + 1) * DAY
        with self._lock:
            if until > self._horizon:
                for life in self.lives:
                    life.advance(until, self.orders)
                self._horizon = until

    def details(self, order: int) -> OrderDetails:
        """Drawn from 512 bits hashed from (seed, account, serial): one C call, not a generator."""
        serial = self.orders.serial[order]
        digest = hashlib.blake2b(serial.to_bytes(8, "big"), digest_size=64, key=self._details_key).digest()
        bits = _Bits(int.from_bytes(digest, "big"))
        style = bits.take(8)
        if style < 102:
            srid = f"{bits.take(62)}.{bits.below(9)}.0.{serial}"
        elif style < 204:
            srid = f"{10 + bits.below(89)}.r{bits.take(100):x}.{bits.below(9)}.0.{serial}"
        else:
            srid = f"{bits.take(112):028x}{serial:012x}"
        return OrderDetails(
            srid,
            str(10**19 + bits.below(9 * 10**19 - 1)),
            str(10**8 + bits.below(10**10 - 10**8)),
            DESTINATIONS[bits.below(len(DESTINATIONS))],
            float((0, 5, 10, 15, 20, 25, 27)[bits.below(7)]),
            (0, 0, 0, 5, 12, 30)[bits.below(6)],
            f"S{10**9 + bits.below(9 * 10**9 - 1)}",
            f"R{10**9 + bits.below(9 * 10**9 - 1)}",
        )

    def prices(self, card: Card, spp: float) -> tuple[float, float, float]:
        """(priceWithDisc, finishedPrice, forPay) of one unit."""
        price_with_disc = round(card.price * (1 - card.discount / 100), 2)
        finished = float(round(price_with_disc * (1 - spp / 100)))
        return price_with_disc, finished, round(price_with_disc * (1 - spp / 200) * 0.8, 2)

    def order_warehouse_name(self, order: int, srid: str) -> str:
        """The warehouse name in orders/sales rows: fixed when the order is placed."""
        cell = self.cells[self.orders.cell[order]]
        return self.served_name(cell.warehouse, cell.card, hash_key(srid), self.orders.date[order])

    # --- views as of a moment ----------------------------------------------------------------

    def cached(self, key: tuple, build):
        with self._lock:
            if key not in self._cache:
                if len(self._cache) >= 8:  # a stock snapshot of a large seller is ~100 MB
                    self._cache.clear()
                self._cache[key] = build()
            return self._cache[key]

    def visible_cards(self, at: int) -> list[Card]:
        return [card for card in self.cards if card.created_at <= at]

    def trashed_cards(self, at: int) -> list[Card]:
        """The cards in the trash as of `at`: what cards/list leaves out and cards/trash serves."""
        return [card for card in self.visible_cards(at) if card.in_trash(at)]

    def restore(self, nm_id: int, at: int) -> None:
        """Take a card out of the trash at `at` (WB's cards/recover): from then on cards/list serves
        it again, with `updatedAt` = `at`, and cards/trash no longer does. The simulation does not
        change: its orders stopped when it was trashed and do not resume."""
        with self._lock:
            card = self.by_nm.get(nm_id)
            if card is None or not card.in_trash(at):
                raise ValueError(f"card {nm_id} of {self.account.name} is not in the trash")
            card.restored_at = at
            bisect.insort(card.edits, at)
            self._cache.clear()

    def stock(self, at: int) -> list[tuple[Cell, int, int, int]]:
        """(cell, quantity, in_way_to_client, in_way_from_client) of every cell, as of `at`."""

        def build():
            self.simulate_until(at)
            rows = []
            for life in self.lives:
                state = life.stock_at(at)
                rows += [(cell, *state[3 * i : 3 * i + 3]) for i, cell in enumerate(life.cells)]
            return rows

        return self.cached(("stock", at), build)

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
                "trashed": card.in_trash(at),
                "trashed_at": utc_text(card.trashed_at) if card.in_trash(at) else None,
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
        columns = self.orders
        # in time order, not in the order the sizes were simulated in
        for order in sorted(range(len(columns)), key=lambda i: (columns.date[i], columns.serial[i])):
            if columns.seen[order] > at:
                continue
            orders.append(self._truth_order(order, at))
            sales += self._truth_sales(order, at)
        supplies = [
            {
                "income_id": income_id,
                "nm_id": life.cells[index].card.nm_id,
                "chrt_id": life.cells[index].size.chrt_id,
                "warehouse_name": life.cells[index].warehouse.name,
                "arrives_at": utc_text(arrives),
                "quantity": units,
                "arrived": arrives <= at,
            }
            for life in self.lives
            for index, arrives, units, income_id in life.supplies
        ]
        return WbTruth(utc_text(at), cards, stock, seller_stock, orders, sales, supplies)

    def _truth_order(self, order: int, at: int) -> dict:
        columns, details = self.orders, self.details(order)
        cell = self.cells[columns.cell[order]]
        date, cancel = columns.date[order], columns.cancel[order]
        cancelled = cancel <= at
        if cancelled:
            status = "cancelled"
        elif columns.ret[order] <= at:
            status = "returned"
        elif columns.sale[order] <= at:
            status = "delivered"
        else:
            status = "ordered"
        price_with_disc, finished, _ = self.prices(cell.card, details.spp)
        return {
            "srid": details.srid,
            "nm_id": cell.card.nm_id,
            "chrt_id": cell.size.chrt_id,
            "barcode": cell.size.barcode,
            "date_msk": msk_text(date),
            "warehouse_name": self.order_warehouse_name(order, details.srid),
            "real_warehouse_name": cell.warehouse.name if cell.warehouse else self.own_warehouse.name,
            "is_cancel": cancelled,
            "cancel_date": msk_text(cancel) if cancelled else None,
            "total_price": float(cell.card.price),
            "price_with_disc": price_with_disc,
            "finished_price": finished,
            "order_status": status,
            "last_change_date": msk_text(cancel if cancelled else columns.seen[order]),
            "retained": date >= at - RETENTION,
        }

    def _truth_sales(self, order: int, at: int) -> list[dict]:
        columns = self.orders
        rows = []
        for kind, row_at, money_at in (
            ("sale", columns.sale[order], columns.sale_money[order]),
            ("return", columns.ret[order], columns.ret_money[order]),
        ):
            if row_at > at:
                continue
            details = self.details(order)
            cell = self.cells[columns.cell[order]]
            price_with_disc, finished, for_pay = self.prices(cell.card, details.spp)
            sign = -1 if kind == "return" else 1
            filled = money_at <= at
            rows.append(
                {
                    "sale_id": details.sale_id if kind == "sale" else details.return_id,
                    "srid": details.srid,
                    "kind": kind,
                    "nm_id": cell.card.nm_id,
                    "chrt_id": cell.size.chrt_id,
                    "barcode": cell.size.barcode,
                    "date": msk_text(row_at),
                    "last_change_date": msk_text(money_at if filled else row_at),
                    "warehouse_name": self.order_warehouse_name(order, details.srid),
                    "for_pay": sign * for_pay if filled else 0.0,
                    "price_with_disc": sign * price_with_disc if filled else 0.0,
                    "finished_price": sign * finished if filled else 0.0,
                    "money_filled": filled,
                    "retained": row_at >= at - RETENTION,
                }
            )
        return rows


class _Bits:
    """Draws from one big random int, low bits first."""

    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def take(self, width: int) -> int:
        value = self.value & ((1 << width) - 1)
        self.value >>= width
        return value

    def below(self, bound: int) -> int:
        """Nearly uniform in [0, bound): 16 more bits than the bound needs."""
        return self.take(bound.bit_length() + 16) % bound


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
    """The history starts `history_days` before the midnight of `config.start` (not of the clock
    when first asked, so the data does not depend on when the sellers were generated)."""
    start = micros(config.start)
    history_start = (start - start % DAY) - config.history_days * DAY
    sellers = []
    for index in range(config.accounts):
        token_type = BASE if index >= config.accounts - config.wb_base_token_accounts else PERSONAL
        account = WbAccount(f"wb{index + 1}", make_token(config.seed, index, token_type), token_type, index)
        sellers.append(WbSeller(config, index, account, history_start, now))
    return sellers
