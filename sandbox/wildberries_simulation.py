"""One Wildberries size's (chrt's) life: orders at its warehouses, their fates, supplies and stock.

Each size is drawn from its own generator, seeded by (seed, account, chrt), event after event in
time order: orders arrive as a Poisson process per warehouse (one exponential draw per order, none
for a quiet day), and every later stock change an order or supply causes is a scheduled event. So
the history does not depend on how far or in which steps it was simulated, and its cost is
proportional to the events, not to products × days.

Stock per cell (one size at one warehouse) is its state after every event so far plus a log of
every change, so the stock of an earlier moment is the state with the log's later entries undone.
Orders are kept as columns (`OrderColumns`) shared by the seller's sizes; what is only shown, not
simulated (srid, gNumber, sticker, spp, buyer region...) is drawn when a row is served, from a
hash of the order's serial (`WbSeller.details`).
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_right
from typing import Protocol

from sandbox.draw import between

SECOND = 1_000_000
HOUR = 3600 * SECOND
DAY = 24 * HOUR
NEVER = 1 << 62

# Stock changes: (quantity, in way to client, in way from client); SUPPLY adds its units.
ORDER, CANCEL, SALE, RETURN, BACK, SUPPLY = range(6)
DELTAS = {ORDER: (-1, 1, 0), CANCEL: (1, -1, 0), SALE: (0, -1, 0), RETURN: (0, 0, 1), BACK: (1, 0, -1)}
_ARRIVAL, _STOCK, _REVIEW = range(3)


class SplitMix:
    """A tiny generator (SplitMix64) with `random()`: a Mersenne Twister's 2.5 KB of state per size
    would be most of a large seller's memory."""

    __slots__ = ("state",)

    def __init__(self, seed: int) -> None:
        self.state = seed & _MASK

    def random(self) -> float:
        self.state = state = (self.state + 0x9E3779B97F4A7C15) & _MASK
        state = ((state ^ (state >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        state = ((state ^ (state >> 27)) * 0x94D049BB133111EB) & _MASK
        return ((state ^ (state >> 31)) >> 11) * _UNIT


_MASK = (1 << 64) - 1
_UNIT = 2.0**-53


def quantize(rng: SplitMix, value: int) -> int:
    """Drop the low digits of a time so that 0, 1, 2, 3, 5 or 6 fractional digits remain."""
    digits = (0, 0, 0, 1, 2, 3, 5, 6)[int(rng.random() * 8)]
    resolution = 10 ** (6 - digits)
    return value - value % resolution


def next_day_start(at: int) -> int:
    return -(-at // DAY) * DAY


class OrderColumns:
    """Every order of one seller, one entry per order in the order they were drawn."""

    def __init__(self) -> None:
        self.date = array("q")
        self.seen = array("q")  # the row first appears (lastChangeDate of a new order)
        self.cancel = array("q")
        self.sale = array("q")  # the S row appears
        self.sale_money = array("q")
        self.ret = array("q")  # the R row appears
        self.ret_money = array("q")
        self.cell = array("i")  # index into the seller's cells
        self.income = array("i")
        self.serial = array("q")  # unique per seller and account; seeds the order's shown details

    def __len__(self) -> int:
        return len(self.date)


class Cell(Protocol):
    """What the simulation reads of one size at one warehouse (`wildberries_data.Cell`)."""

    warehouse: object | None  # None: the seller's warehouse
    initial: int
    share: float
    income_id: int


class SizeLife:
    """The history of one size over its cells (WB warehouses and maybe the seller's own), up to
    `simulated_until`. `state` is (quantity, in way to client, in way from client) per cell then;
    `log_at`/`log_code` every change so far, in time order."""

    __slots__ = (
        "_events",
        "_review_at",
        "_rng",
        "_sequence",
        "active_from",
        "active_until",
        "cells",
        "count",
        "first",
        "income",
        "log_at",
        "log_code",
        "rates",
        "restocks",
        "serial_base",
        "simulated_until",
        "state",
        "supplies",
        "supply_until",
        "wb_cells",
        "wb_stock",
    )

    def __init__(
        self,
        seed: int,
        first: int,
        cells: list[Cell],
        demand: float,
        active: tuple[int, int],
        restocks: bool,
        serial_base: int,
        start: int,
    ) -> None:
        self._rng = SplitMix(seed)
        self.first, self.cells = first, cells  # the seller's cells[first : first + len(cells)]
        self.active_from, self.active_until = active
        self.restocks = restocks
        self.serial_base = serial_base
        self.simulated_until = start
        self.state = [value for cell in cells for value in (cell.initial, 0, 0)]
        self.income = [cell.income_id for cell in cells]
        self.wb_cells = [i for i, cell in enumerate(cells) if cell.warehouse is not None]
        self.wb_stock = sum(cell.initial for cell in cells if cell.warehouse is not None)  # Σ quantity at WB
        self.rates = [demand * cell.share / len(cells) for cell in cells]
        self.log_at, self.log_code = array("q"), array("q")
        self.supplies: list[tuple[int, int, int, int]] = []  # (cell, arrives_at, units, income_id)
        self.supply_until = -1  # the last supply's arrival
        self.count = 0
        self._events: list[tuple] = []
        self._sequence = 0
        self._review_at = NEVER
        if self.active_from < self.active_until:
            for index in range(len(cells)):
                self._next_arrival(index, self.active_from)
            if restocks:
                self._review(self.active_from)

    def advance(self, until: int, orders: OrderColumns) -> None:
        """Run every event before `until`."""
        events, pop = self._events, heapq.heappop
        while events and events[0][0] < until:
            at, _, kind, index, value = pop(events)
            if kind == _ARRIVAL:
                self._order(at, index, orders)
            elif kind == _STOCK:
                self._apply(at, index, value)
                if value & 7 == SUPPLY:
                    self._supplied(at, index)
            else:
                self._review_at = NEVER
                self._review(at)
        self.simulated_until = max(self.simulated_until, until)

    def stock_at(self, at: int) -> list[int]:
        """`state` as of `at` (inclusive), for `at` before `simulated_until`."""
        state = list(self.state)
        log_at, log_code = self.log_at, self.log_code
        for i in range(len(log_at) - 1, bisect_right(log_at, at) - 1, -1):
            self._undo(state, log_code[i])
        return state

    # --- events ------------------------------------------------------------------------------

    def _push(self, at: int, kind: int, index: int, value: int) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (at, self._sequence, kind, index, value))

    def _next_arrival(self, index: int, after: int) -> None:
        gap = -math.log(1.0 - self._rng.random()) / self.rates[index] * DAY
        at = max(after, quantize(self._rng, after + int(gap)))
        if at < self.active_until:
            self._push(at, _ARRIVAL, index, 0)

    def _apply(self, at: int, index: int, code: int) -> None:
        """A stock change: code = kind, or units × 8 + SUPPLY."""
        state, base = self.state, 3 * index
        if code & 7 == SUPPLY:
            dq = code >> 3
        else:
            dq, dto, dfrom = DELTAS[code]
            state[base + 1] += dto
            state[base + 2] += dfrom
        state[base] += dq
        if self.cells[index].warehouse is not None:
            self.wb_stock += dq
        self.log_at.append(at)
        self.log_code.append(code << 8 | index)

    @staticmethod
    def _undo(state: list[int], entry: int) -> None:
        code, base = entry >> 8, 3 * (entry & 255)
        if code & 7 == SUPPLY:
            state[base] -= code >> 3
        else:
            dq, dto, dfrom = DELTAS[code & 7]
            state[base] -= dq
            state[base + 1] -= dto
            state[base + 2] -= dfrom

    def _order(self, at: int, index: int, orders: OrderColumns) -> None:
        self._next_arrival(index, at)
        if self.state[3 * index] < 1:
            return  # out of stock: the demand is lost
        rng = self._rng
        self._apply(at, index, ORDER)
        seen = quantize(rng, at + between(rng, 60 * SECOND, 40 * 60 * SECOND))
        cancel = sale = sale_money = ret = ret_money = NEVER
        roll = rng.random()
        if roll < 0.10:
            cancel = quantize(rng, at + between(rng, 10 * 60 * SECOND, DAY))
        elif roll < 0.95:
            sale = quantize(rng, at + between(rng, DAY, 5 * DAY))
            sale_money = quantize(rng, sale + between(rng, 20 * HOUR, 28 * HOUR))
            self._push(sale, _STOCK, index, SALE)
            if rng.random() < 0.05:
                ret = quantize(rng, sale + between(rng, DAY, 10 * DAY))
                ret_money = quantize(rng, ret + between(rng, 20 * HOUR, 28 * HOUR))
                self._push(ret, _STOCK, index, RETURN)
                self._push(quantize(rng, ret + between(rng, 2 * DAY, 6 * DAY)), _STOCK, index, BACK)
        else:  # refused at the pick-up point
            cancel = quantize(rng, at + between(rng, 2 * DAY, 6 * DAY))
        if cancel < NEVER:
            self._push(cancel, _STOCK, index, CANCEL)
        cell = self.cells[index]
        orders.date.append(at)
        orders.seen.append(seen)
        orders.cancel.append(cancel)
        orders.sale.append(sale)
        orders.sale_money.append(sale_money)
        orders.ret.append(ret)
        orders.ret_money.append(ret_money)
        orders.cell.append(self.first + index)
        orders.income.append(self.income[index] if cell.warehouse is not None else 0)
        orders.serial.append(self.serial_base + (self.count << 32))
        self.count += 1
        if self.restocks and self._review_at == NEVER and self._low():
            self._schedule_review(next_day_start(at))

    # --- supplies ----------------------------------------------------------------------------

    def _low(self) -> bool:
        return self.wb_stock < 3 * len(self.wb_cells)

    def _schedule_review(self, at: int) -> None:
        if at < self.active_until and at < self._review_at:
            self._review_at = at
            self._push(at, _REVIEW, -1, 0)

    def _review(self, at: int) -> None:
        """The seller's look at a day's start: when the size runs low at WB and no supply is on
        its way, a supply is sent with a chance of one half (or the look is repeated next day)."""
        if not self._low() or self.supply_until >= at:
            return
        rng = self._rng
        if rng.random() >= 0.5:
            self._schedule_review(at + DAY)
            return
        arrives = quantize(rng, at + between(rng, 2, 6) * DAY + between(rng, 0, DAY))
        income_id = between(rng, 10_000_000, 99_999_999)
        self.supply_until = arrives
        for index in self.wb_cells:
            units = between(rng, 10, 40)
            self.supplies.append((index, arrives, units, income_id))
            self._push(arrives, _STOCK, index, units << 3 | SUPPLY)

    def _supplied(self, at: int, index: int) -> None:
        """Orders after a supply arrived carry its incomeID; the next day's look may order again."""
        for cell, arrives, _, income_id in reversed(self.supplies):
            if cell == index and arrives <= at:
                self.income[index] = income_id
                break
        if self.restocks and self._low():
            self._schedule_review(next_day_start(at + 1))
