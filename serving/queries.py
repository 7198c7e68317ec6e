"""The SQL behind every answer: listings of a mart with bound filters, sorting, pages and totals.

A listing selects every column of its mart (new mart columns appear without a change here) plus the
product's and warehouse's names from dim_products / dim_warehouses when the mart lacks them. Column
names only ever come from the relation itself; every value is a bound parameter.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from serving.reader import Reader, Rows

PRODUCT_COLUMNS = ("marketplace", "account", "marketplace_product_id", "seller_article", "sku", "product_name")
WAREHOUSE_COLUMNS = ("marketplace", "warehouse_name", "cluster_name")
MAX_LIMIT = 1000
MAX_OFFSET = 2**62  # a cursor's offset beyond it is forged: the databases' offsets are 64-bit
CACHED_ENTRIES = 512
CACHED_ROWS = 5000
_MISSING = object()


class NotBuilt(Exception):
    """A relation the data lacks because no build has made it yet: 503, as a missing table is."""


class BadRequest(Exception):
    """A request the data cannot answer as asked: 422 naming `field` (409 when `conflict`)."""

    def __init__(self, field: str, message: str, conflict: bool = False):
        super().__init__(message)
        self.field, self.conflict = field, conflict


@dataclass(frozen=True)
class Condition:
    """`sql` with `?` placeholders over the listing's columns; a listing without one of them answers
    422 naming `field`, the query parameter that asked for it (a filter is never silently dropped)."""

    columns: tuple[str, ...]
    sql: str
    params: tuple
    field: str


def equals(column: str, value, field: str | None = None) -> Condition:
    return Condition((column,), f'"{column}" = ?', (value,), field or column)


def at_least(column: str, value, field: str) -> Condition:
    return Condition((column,), f'"{column}" >= ?', (value,), field)


def at_most(column: str, value, field: str) -> Condition:
    return Condition((column,), f'"{column}" <= ?', (value,), field)


def warehouse_is(value: str, field: str = "warehouse") -> Condition:
    """A warehouse by key (`ozon:ХОРУГВИНО_РФЦ`) or canonical name in any case. Canonical names are
    upper case (the seeds'); the value is upper-cased here, not in SQL: PostgreSQL's upper() leaves
    Cyrillic alone in a database whose LC_CTYPE is C."""
    return Condition(
        ("warehouse_key", "warehouse_name"),
        '("warehouse_key" = ? or "warehouse_name" in (?, ?))',
        (value, value, value.upper()),
        field,
    )


@dataclass(frozen=True)
class Listing:
    mart: str  # schema.table
    key: tuple[str, ...]  # unique per row: the order's tie-break, so pages never overlap
    default_sort: str
    summed: tuple[str, ...] = ()  # totals besides the row count, when the columns exist
    where: str = ""  # a fixed condition of the mart (`m`), with `?` placeholders
    params: tuple = ()
    levels: str | None = None  # a column whose values are alternative views of the same rows: never added up


@dataclass
class Page:
    columns: list[str]
    rows: list[tuple]
    next_cursor: str | None
    totals: dict[str, float | int | None] = field(default_factory=dict)

    def dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


class Catalog:
    """The reader, and what is worth remembering about its data (answers, column lists, freshness)
    while its generation lasts: the data cannot change meanwhile. At most CACHED_ENTRIES answers
    are kept, none of more than CACHED_ROWS rows."""

    def __init__(self, reader: Reader):
        self.reader = reader
        self._lock = threading.Lock()
        self._generation, self._cache = "", {}

    def _lookup(self, key: tuple) -> tuple[str, Any]:
        generation = self.reader.generation()
        with self._lock:
            if generation != self._generation:
                self._generation, self._cache = generation, {}
            return generation, self._cache.get(key, _MISSING)

    def _keep(self, generation: str, key: tuple, value: Any) -> None:
        with self._lock:
            if generation == self._generation:
                if len(self._cache) >= CACHED_ENTRIES:
                    self._cache = {}
                self._cache[key] = value

    def cached(self, key: tuple, compute: Callable[[], Any]) -> Any:
        generation, value = self._lookup(key)
        if value is _MISSING:
            value = compute()
            self._keep(generation, key, value)
        return value

    def query(self, sql: str, params: tuple | list = ()) -> Rows:
        key = ("query", sql, tuple(params))
        generation, answer = self._lookup(key)
        if answer is _MISSING:
            answer = self.reader.query(sql, params)
            if len(answer[1]) <= CACHED_ROWS:
                self._keep(generation, key, answer)
        return answer

    def columns(self, relation: str, params: tuple = ()) -> list[str]:
        return self.cached(
            ("columns", relation, params),
            lambda: self.reader.query(f"select * from {relation} as r where 1 = 0", params)[0],
        )

    def built_at(self) -> datetime | None:
        """When the marts served were built: the end of the last `dbt build` (or `dbt run`) that succeeded,
        which dbt itself records (macros/build_record.sql), whether a run, `make build` or dbt by hand ran
        it; None for marts no such build has made. The run log knew only the runs' builds."""
        if not self.exists("marts", "marts_built"):
            return None
        return self.query("select max(built_at) from marts.marts_built")[1][0][0]

    def exists(self, schema: str, table: str) -> bool:
        sql = "select 1 from information_schema.tables where table_schema = ? and table_name = ?"
        return bool(self.query(sql, (schema, table))[1])


def enriched(catalog: Catalog, listing: Listing) -> tuple[str, tuple]:
    """`(select m.*, names from the dimensions ...)` for `listing`, and its parameters."""
    own = set(catalog.columns(listing.mart))
    select, joins = ["m.*"], []
    for alias, dimension, key, wanted in (
        ("p", "marts.dim_products", "product_key", PRODUCT_COLUMNS),
        ("w", "marts.dim_warehouses", "warehouse_key", WAREHOUSE_COLUMNS),
    ):
        extra = [column for column in wanted if column not in own]
        if key in own and extra:
            select += [f'{alias}."{column}"' for column in extra]
            joins.append(f'left join {dimension} as {alias} on {alias}."{key}" = m."{key}"')
            own.update(extra)
    where = f" where {listing.where}" if listing.where else ""
    return f"(select {', '.join(select)} from {listing.mart} as m {' '.join(joins)}{where})", listing.params


def _order(columns: list[str], listing: Listing, sort: str | None) -> str:
    """The order of `sort` (the client's), else of the listing's default: a default the rows lack
    is a column of marts this version did not build (503), not a mistake of the request (422)."""
    wanted = sort or listing.default_sort
    descending = wanted.startswith("-")
    column = wanted[1:] if descending else wanted
    if column not in columns and not sort:
        raise NotBuilt(f"{listing.mart} has no column {column!r} to sort by")
    if column not in columns:
        raise BadRequest(
            "sort", f"cannot sort by {column!r}: choose one of {', '.join(columns)} (prefix - for descending)"
        )
    direction = "desc" if descending else "asc"
    keys = [f'"{key}" asc' for key in listing.key if key != column]
    return ", ".join([f'"{column}" {direction} nulls last', *keys])


def _fingerprint(relation: str, conditions: list[Condition], order: str, version: str) -> str:
    text = json.dumps([relation, [(c.sql, c.params) for c in conditions], order, version], default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _offset(cursor: str | None, fingerprint: str) -> int:
    if not cursor:
        return 0
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
        offset, made_for = int(state["o"]), str(state["f"])
        if not 0 <= offset <= MAX_OFFSET:
            raise ValueError(offset)
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("cursor", "not a cursor this API returned") from None
    if made_for != fingerprint:
        raise BadRequest(
            "cursor",
            "the cursor belongs to other filters, another sort or data that has been rebuilt since: start again",
            conflict=True,
        )
    return offset


def _cursor(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "f": fingerprint}).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class _Filtered:
    relation: str
    columns: list[str]
    applied: list[Condition]
    where: str
    params: list


def _filtered(catalog: Catalog, listing: Listing, conditions: list[Condition]) -> _Filtered:
    relation, relation_params = enriched(catalog, listing)
    columns = catalog.columns(relation, relation_params)
    for condition in conditions:
        lacking = [column for column in condition.columns if column not in columns]
        if lacking:
            raise BadRequest(
                condition.field, f"this list cannot be filtered by {condition.field}: its rows have no {lacking[0]}"
            )
    where = " and ".join(f"({c.sql})" for c in conditions) or "true"
    return _Filtered(
        relation, columns, conditions, where, [*relation_params, *(v for c in conditions for v in c.params)]
    )


def page(
    catalog: Catalog,
    listing: Listing,
    conditions: list[Condition],
    sort: str | None = None,
    limit: int = 100,
    cursor: str | None = None,
) -> Page:
    """One page of `listing`'s rows matching every applicable condition, with the totals of all of them."""
    found = _filtered(catalog, listing, conditions)
    order = _order(found.columns, listing, sort)
    version = catalog.cached(("marts version",), catalog.reader.marts_version)  # a cursor lasts until a rebuild
    fingerprint = _fingerprint(found.relation, found.applied, order, version)
    offset = _offset(cursor, fingerprint)
    _, rows = catalog.query(
        f"select * from {found.relation} as r where {found.where} order by {order} limit ? offset ?",
        [*found.params, limit + 1, offset],
    )
    more = len(rows) > limit
    return Page(
        found.columns,
        rows[:limit],
        _cursor(offset + limit, fingerprint) if more else None,
        _totals(catalog, listing, found),
    )


def _totals(catalog: Catalog, listing: Listing, found: _Filtered) -> dict:
    """The count and sums of the matching rows. Rows of several levels (`listing.levels`) that no
    condition narrows to one are totalled per level, under `by_<levels column>`: the levels are
    alternative views of the same stock and sales, so their sum would count them twice."""
    summed = [column for column in listing.summed if column in found.columns]
    sums = "".join(f', sum("{column}")' for column in summed)
    names = ["rows", *summed]
    levels = listing.levels
    if levels is None or levels not in found.columns or any(levels in c.columns for c in found.applied):
        _, totals = catalog.query(f"select count(*){sums} from {found.relation} as r where {found.where}", found.params)
        return dict(zip(names, totals[0], strict=True))
    _, per_level = catalog.query(
        f'select "{levels}", count(*){sums} from {found.relation} as r where {found.where} '
        f'group by "{levels}" order by "{levels}"',
        found.params,
    )
    return {
        "rows": sum(row[1] for row in per_level),
        f"by_{levels}": {row[0]: dict(zip(names, row[1:], strict=True)) for row in per_level},
    }


def every_row(catalog: Catalog, listing: Listing, conditions: list[Condition], sort: str | None = None) -> Page:
    """Every matching row (a product's history, a chart's series, a CSV download), no page."""
    found = _filtered(catalog, listing, conditions)
    _, rows = catalog.query(
        f"select * from {found.relation} as r where {found.where} order by {_order(found.columns, listing, sort)}",
        found.params,
    )
    return Page(found.columns, rows, None, {"rows": len(rows)})


def sums_by(catalog: Catalog, listing: Listing, conditions: list[Condition], group: str, measure: str) -> list[tuple]:
    """(value of `group`, sum of `measure`) over the matching rows, largest first (equal sums by `group`:
    the same order on both databases): a chart's bars.
    The chart's columns are the server's own choice: rows without one are marts this version did not
    build (503). A caller letting the request choose `group` checks it first (a 422 naming its parameter)."""
    found = _filtered(catalog, listing, conditions)
    for column in (group, measure):
        if column not in found.columns:
            raise NotBuilt(f"{listing.mart} has no column {column!r} to chart")
    return catalog.query(
        f'select "{group}", sum("{measure}") as total from {found.relation} as r where {found.where} '
        f'group by "{group}" order by total desc nulls last, "{group}" nulls last',
        found.params,
    )[1]
