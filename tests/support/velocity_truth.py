"""The sales velocity the marts should show, computed from what a sandbox served (shared by the
end-to-end tests of both marketplaces)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta


def stock_days(available: dict[date, dict], units: Counter, as_of: date, window: int) -> dict[tuple, tuple]:
    """(units sold, in-stock days) per (product, warehouse) pair over the `window` days before `as_of`.

    `available` holds, per business date of a stock load (one a day), the available units of every
    pair the snapshot listed; `units` the units sold per (product, warehouse, days before `as_of`).
    A day is in stock when it opened with stock (the day before's snapshot; 0 once a pair seen
    before is no longer listed) or when something sold that day; before a pair's first snapshot
    only days with sales count. The window must lie within the stock history (the day-one rule,
    where days of unknown stock count too, is checked on units: `window_units`).
    """
    first_seen: dict[tuple, date] = {}
    for day in sorted(available):
        for pair in available[day]:
            first_seen.setdefault(pair, day)
    days = {}
    for pair in set(first_seen) | {(product, warehouse) for product, warehouse, _ in units}:
        in_stock_days = sold = 0
        for days_ago in range(1, window + 1):
            day_before = as_of - timedelta(days=days_ago + 1)
            seen = pair in first_seen and first_seen[pair] <= day_before
            opening = available.get(day_before, {}).get(pair, 0) if seen else 0
            sold += units[(*pair, days_ago)]
            in_stock_days += opening > 0 or units[(*pair, days_ago)] > 0
        days[pair] = (sold, in_stock_days)
    return days


def expected_ads(available: dict[date, dict], units: Counter, as_of: date, window: int) -> dict:
    """ADS over in-stock days per (product, warehouse) pair (see `stock_days`)."""
    return {
        pair: sold / in_stock_days
        for pair, (sold, in_stock_days) in stock_days(available, units, as_of, window).items()
        if in_stock_days
    }


def expected_lost_sales(available: dict[date, dict], units: Counter, as_of: date, window: int) -> dict:
    """(out-of-stock days, availability, lost units) per (product, warehouse) pair (see `stock_days`):
    availability = in-stock days / window days; lost units = ADS over in-stock days × out-of-stock
    days, None when the pair had no in-stock day."""
    return {
        pair: (
            window - in_stock_days,
            in_stock_days / window,
            sold / in_stock_days * (window - in_stock_days) if in_stock_days else None,
        )
        for pair, (sold, in_stock_days) in stock_days(available, units, as_of, window).items()
    }


def window_units(units: Counter, window: int) -> dict[tuple, int]:
    """Units sold per (product, warehouse) over the `window` days before as_of, from `units` as for
    `expected_ads`."""
    totals: Counter = Counter()
    for (product, warehouse, days_ago), sold in units.items():
        if 1 <= days_ago <= window:
            totals[(product, warehouse)] += sold
    return {pair: sold for pair, sold in totals.items() if sold}


def ozon_units(order_lines: list[dict], as_of: date, window: int) -> Counter:
    """Units of the Ozon sandbox's FBO order lines (not cancelled, known warehouse) per (product,
    warehouse, days before `as_of`), over the `window` days before `as_of`."""
    units: Counter = Counter()
    for line in order_lines:
        days_ago = (as_of - line["business_date"]).days
        if line["scheme"] == "fbo" and line["warehouse_known"] and line["order_status"] != "cancelled":
            if 1 <= days_ago <= window:
                units[(line["product_id"], line["canonical_warehouse"], days_ago)] += line["quantity"]
    return units
