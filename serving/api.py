"""The JSON API under /api/v1. Every filter is a bound parameter; enumerations are validated (422)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from serving import marts, queries, responses
from serving.errors import ApiError
from serving.queries import MAX_LIMIT, BadRequest, Condition, Listing, at_least, at_most, equals, warehouse_is

ERROR_RESPONSES = {
    status: {"description": description, "model": None}
    for status, description in {
        401: "No or a wrong API key (`X-API-Key`). Body: the error shape.",
        409: "The cursor belongs to other filters or to data rebuilt since.",
        422: "A parameter is not valid; `error.fields` names it.",
        429: "Over the per-key rate limit; `Retry-After` says when to retry.",
    }.items()
}

Text = Annotated[str | None, Query(max_length=200)]
# A quantity bound: any BIGINT (DuckDB cannot bind an integer beyond 128 bits: a 500, where PostgreSQL
# compared it), else a 422 naming the parameter on both engines.
BIGINT_MAX = 2**63 - 1
Quantity = Annotated[int | None, Query(ge=0, le=BIGINT_MAX)]


class Marketplace(StrEnum):
    ozon = "ozon"
    wildberries = "wildberries"


class StockType(StrEnum):
    fbo = "fbo"
    fbs = "fbs"
    rfbs = "rfbs"
    fbp = "fbp"
    fbw = "fbw"


class Format(StrEnum):
    json = "json"
    csv = "csv"


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"rows per page, at most {MAX_LIMIT}")] = 100,
        cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the page before")] = None,
        sort: Annotated[
            str | None, Query(max_length=100, description="a column of the answer; `-column` for descending")
        ] = None,
        format: Annotated[Format | None, Query(description="csv: the rows as CSV (or `Accept: text/csv`)")] = None,
    ):
        self.limit, self.cursor, self.sort = limit, cursor, sort


def choice(name: str, *values: str) -> type[StrEnum]:
    """The values a mart's column takes (its dbt accepted_values test): any other is a 422 naming them."""
    return StrEnum(name, [(value, value) for value in values])


Severity = choice("Severity", "out_of_stock", "critical", "warning", "no_sales")
LocationLevel = choice("LocationLevel", "warehouse", "cluster")
AbcXyzScope = choice("AbcXyzScope", "account", "marketplace", "all")
AbcClass = choice("AbcClass", "A", "B", "C")
XyzClass = choice("XyzClass", "X", "Y", "Z")
LocalisationScope = choice("LocalisationScope", "product", "warehouse", "account")
# scripts/runlog.py's run statuses
RunStatus = choice("RunStatus", "running", "success", "partial", "failed", "skipped", "interrupted", "killed", "died")

# The column of a query parameter, where their names differ.
COLUMN_OF = {"cluster": "cluster_name", "offer_id": "seller_article", "nm_id": "marketplace_product_id"}


def chosen(**values) -> list[Condition]:
    """Equality conditions for the query parameters given, on their columns."""
    return [
        equals(COLUMN_OF.get(name, name), value.value if isinstance(value, StrEnum) else value, name)
        for name, value in values.items()
        if value is not None
    ]


def without_nul(request: Request) -> None:
    """PostgreSQL cannot bind a NUL character: 422 naming the parameter, on both engines alike."""
    for name, value in [*request.query_params.multi_items(), *request.path_params.items()]:
        if "\x00" in value:
            raise BadRequest(name, f"{name} must not contain a NUL character")


def common_filters(
    marketplace: Marketplace | None = None,
    account: Text = None,
    warehouse: Annotated[str | None, Query(max_length=200, description="warehouse key or canonical name")] = None,
    cluster: Annotated[str | None, Query(max_length=200, description="Ozon cluster or WB federal district")] = None,
    product_key: Text = None,
    offer_id: Annotated[
        str | None, Query(max_length=200, description="seller article: Ozon offer_id, WB vendorCode")
    ] = None,
    sku: Annotated[str | None, Query(max_length=200, description="Ozon SKU or WB barcode")] = None,
    nm_id: Annotated[str | None, Query(max_length=200, description="WB nmID (or Ozon product_id)")] = None,
) -> list[Condition]:
    conditions = chosen(
        marketplace=marketplace,
        account=account,
        cluster=cluster,
        product_key=product_key,
        offer_id=offer_id,
        sku=sku,
        nm_id=nm_id,
    )
    return [*conditions, *([warehouse_is(warehouse)] if warehouse is not None else [])]


Filters = Annotated[list[Condition], Depends(common_filters)]
Page = Annotated[Paging, Depends()]


def location_filters(conditions: Filters, location_level: LocationLevel | None = None) -> list[Condition]:
    """The common filters and the level of the rows (warehouse, cluster, product, ...)."""
    return [*conditions, *chosen(location_level=location_level)]


ByLocation = Annotated[list[Condition], Depends(location_filters)]
BY_LOCATION = (
    "Rows at two levels, `location_level` `warehouse` and `cluster`: alternative views of the same stock and "
    "sales, never to be added up. Without a `location_level` filter `totals` are `rows` (of both levels) and "
    '`by_location_level`: `{"warehouse": {"rows", sums...}, "cluster": {...}}`; with one, `rows` and the sums '
    "of that level."
)


def listing_answer(
    request: Request, listing: Listing, conditions: list[Condition], paging: Paging, name: str
) -> Response:
    catalog: queries.Catalog = request.app.state.catalog

    def render(found: queries.Page) -> responses.Answer:
        extra = {"totals": found.totals, "next_cursor": found.next_cursor}
        return responses.table(request, found.columns, found.rows, freshness(request), extra, name)

    if responses.wants_csv(request) and paging.cursor is None and "limit" not in request.query_params:
        return responses.send(request, render(queries.every_row(catalog, listing, conditions, paging.sort)))
    # A page is the same for the same URL and format until the data changes (whoever asks). Of the
    # URL's query only the parameters the endpoint reads count: others (`&x=1`, another each time)
    # would fill the cache with copies of one answer.
    read = sorted((name, value) for name, value in request.query_params.multi_items() if name in _parameters(request))
    key = ("answer", request.url.path, tuple(read), responses.wants_csv(request))

    def one_page() -> responses.Answer:
        return render(queries.page(catalog, listing, conditions, paging.sort, paging.limit, paging.cursor))

    return responses.send(request, catalog.cached(key, one_page))


def _parameters(request: Request) -> frozenset[str]:
    """The query parameters the request's endpoint reads, its dependencies' included, and those an
    endpoint reading `request.query_params` itself declares in its `query_names` (the dashboard's lists)."""
    route = request.scope["route"]
    key = (route.path, tuple(sorted(route.methods)))  # GET /login reads `next`, POST /login a form
    if key not in _PARAMETERS:
        declared = getattr(route.endpoint, "query_names", frozenset())
        _PARAMETERS[key] = frozenset(_query_names(route.dependant)) | frozenset(declared)
    return _PARAMETERS[key]


def _query_names(dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for dependency in dependant.dependencies:
        names |= _query_names(dependency)
    return names


_PARAMETERS: dict[tuple, frozenset[str]] = {}  # by the route's path and methods


def declared_only(request: Request) -> None:
    """A query parameter the endpoint does not read is a 422 naming it: ignored, a misspelt or
    misplaced filter (`marketpalce`, `min_available` on alerts) answered every row as if it applied."""
    known = _parameters(request)
    for name in request.query_params:
        if name not in known:
            takes = ", ".join(sorted(known)) or "no parameters"
            raise BadRequest(name, f"{name} is not a parameter of {request.url.path}: it takes {takes}")


def freshness(request: Request) -> dict:
    catalog: queries.Catalog = request.app.state.catalog
    return catalog.cached(("freshness",), lambda: marts.freshness(catalog))


def admitted(request: Request) -> str:
    """The key holder (or session, or local mode) asking, within the rate limit."""
    return request.app.state.guard.admit(request)


# Every endpoint of the API and the dashboard: NUL characters and parameters it does not read are a 422.
CHECKED = [Depends(without_nul), Depends(declared_only)]
router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES, dependencies=[Depends(admitted), *CHECKED])


def stock_conditions(
    conditions: Filters,
    stock_type: StockType | None = None,
    min_available: Quantity = None,
    max_available: Quantity = None,
) -> list[Condition]:
    return [
        *conditions,
        *chosen(stock_type=stock_type),
        *([at_least("available_quantity", min_available, "min_available")] if min_available is not None else []),
        *([at_most("available_quantity", max_available, "max_available")] if max_available is not None else []),
    ]


@router.get("/warehouse-stock", summary="Stock per product, warehouse and stock type, with totals")
def warehouse_stock(
    request: Request,
    conditions: Annotated[list[Condition], Depends(stock_conditions)],
    paging: Page,
    as_of: Annotated[date | None, Query(description="stock at the end of this day (from the stock history)")] = None,
) -> Response:
    listing = marts.stock_on(as_of) if as_of else marts.STOCK
    return listing_answer(request, listing, conditions, paging, "warehouse-stock")


@router.get("/warehouse-stock/{key_or_name:path}", summary="Stock of one warehouse (key or canonical name)")
def stock_of_warehouse(
    request: Request,
    key_or_name: Annotated[str, Path(max_length=200)],
    conditions: Annotated[list[Condition], Depends(stock_conditions)],
    paging: Page,
    as_of: Annotated[date | None, Query()] = None,
) -> Response:
    catalog: queries.Catalog = request.app.state.catalog
    named = warehouse_is(key_or_name)
    known = catalog.query(f"select 1 from marts.dim_warehouses where {named.sql}", named.params)[1]
    if not known:
        raise ApiError(404, f"no warehouse {key_or_name!r}: use a warehouse_key or a canonical name")
    listing = marts.stock_on(as_of) if as_of else marts.STOCK
    return listing_answer(request, listing, [*conditions, named], paging, "warehouse-stock")


@router.get("/stock-reports", summary="Stock report requests: status and history")
def stock_reports(
    request: Request,
    paging: Page,
    marketplace: Marketplace | None = None,
    account: Text = None,
    outcome: Text = None,
) -> Response:
    conditions = chosen(marketplace=marketplace, account=account, outcome=outcome)
    return listing_answer(request, marts.reports(request.app.state.catalog), conditions, paging, "stock-reports")


@router.get("/stock-alerts", summary="Products running out: severity, days of cover, revenue at risk")
def stock_alerts(request: Request, conditions: Filters, paging: Page, severity: Severity | None = None) -> Response:
    extra = chosen(severity=severity)
    return listing_answer(request, marts.ALERTS, [*conditions, *extra], paging, "stock-alerts")


@router.get("/replenishment-plan", summary="What to ship where, with every input of each row", description=BY_LOCATION)
def replenishment_plan(request: Request, conditions: ByLocation, paging: Page) -> Response:
    return listing_answer(request, marts.PLAN, conditions, paging, "replenishment-plan")


@router.get(
    "/sales-velocity", summary="Average daily sales over the days not out of stock, per window", description=BY_LOCATION
)
def sales_velocity(request: Request, conditions: ByLocation, paging: Page) -> Response:
    return listing_answer(request, marts.VELOCITY, conditions, paging, "sales-velocity")


@router.get(
    "/lost-sales",
    summary="What stock-outs cost over the window: lost units, revenue, availability",
    description=BY_LOCATION,
)
def lost_sales(request: Request, conditions: ByLocation, paging: Page) -> Response:
    return listing_answer(request, marts.LOST_SALES, conditions, paging, "lost-sales")


BY_SCOPE = (
    "Rows at several `scope_level`s: the same products ranked, or orders counted, per scope, never to be added "
    "up. Without a `scope_level` filter `totals` are `rows` (of every scope) and `by_scope_level`: "
    '`{"account": {"rows", sums...}, ...}`; with one, `rows` and the sums of that scope.'
)


@router.get(
    "/abc-xyz", summary="ABC class by revenue share and XYZ class by weekly units' variation", description=BY_SCOPE
)
def abc_xyz(
    request: Request,
    conditions: Filters,
    paging: Page,
    scope_level: AbcXyzScope | None = None,
    abc_class: AbcClass | None = None,
    xyz_class: XyzClass | None = None,
) -> Response:
    extra = chosen(scope_level=scope_level, abc_class=abc_class, xyz_class=xyz_class)
    return listing_answer(request, marts.ABC_XYZ, [*conditions, *extra], paging, "abc-xyz")


@router.get(
    "/inventory-turnover",
    summary="Turnover in days, overstock and dead stock with their value",
    description=BY_LOCATION,
)
def inventory_turnover(
    request: Request,
    conditions: ByLocation,
    paging: Page,
    is_dead_stock: bool | None = None,
) -> Response:
    extra = chosen(is_dead_stock=is_dead_stock)
    return listing_answer(request, marts.TURNOVER, [*conditions, *extra], paging, "inventory-turnover")


@router.get(
    "/localisation", summary="Share of orders and units shipped from the buyer's own cluster", description=BY_SCOPE
)
def localisation(
    request: Request, conditions: Filters, paging: Page, scope_level: LocalisationScope | None = None
) -> Response:
    extra = chosen(scope_level=scope_level)
    return listing_answer(request, marts.LOCALISATION, [*conditions, *extra], paging, "localisation")


@router.get("/runs", summary="Sync runs over time (duration, rows, requests, retries, 429s, failures)")
def runs(request: Request, paging: Page, status: RunStatus | None = None) -> Response:
    conditions = chosen(status=status)
    return listing_answer(request, marts.RUNS, conditions, paging, "runs")


@router.get("/runs/sources", summary="Sync status per marketplace, account and source group")
def run_sources(request: Request, conditions: Filters, paging: Page) -> Response:
    return listing_answer(request, marts.SOURCES, conditions, paging, "run-sources")


@router.get("/runs/resources", summary="The last outcome of every resource per account")
def run_resources(request: Request, conditions: Filters, paging: Page) -> Response:
    return listing_answer(request, marts.RESOURCES, conditions, paging, "run-resources")


def product_pages(catalog: queries.Catalog, product_key: str) -> dict[str, queries.Page] | None:
    """A product, its stock now, its stock history, daily sales and velocity; None if unknown."""
    columns, rows = catalog.query("select * from marts.dim_products where product_key = ?", (product_key,))
    if not rows:
        return None
    of_product = [equals("product_key", product_key)]
    return {
        "product": queries.Page(columns, rows, None),
        "stock": queries.every_row(catalog, marts.STOCK, of_product),
        "stock_history": queries.every_row(catalog, marts.STOCK_HISTORY, of_product),
        "daily_sales": queries.every_row(catalog, marts.DAILY_SALES, of_product),
        "sales_velocity": queries.every_row(catalog, marts.VELOCITY, of_product),
    }


@router.get("/products/{product_key:path}", summary="A product: stock now, stock history, daily sales, in-stock days")
def product(request: Request, product_key: Annotated[str, Path(max_length=300)]) -> Response:
    pages = product_pages(request.app.state.catalog, product_key)
    if pages is None:
        raise ApiError(404, f"no product {product_key!r}")
    document = {name: responses.records(page.columns, page.rows) for name, page in pages.items()}
    document["product"] = document["product"][0]
    return responses.document(request, document, freshness(request))


health_router = APIRouter(prefix="/api/v1")


@health_router.get("/health", summary="`make health`'s verdict (no key needed); 503 when unhealthy")
def health(request: Request) -> Response:
    report = request.app.state.health.report()
    response = responses.document(request, report, {})
    if report.get("verdict") == "unhealthy" and response.status_code == 200:
        response.status_code = 503
    return response
