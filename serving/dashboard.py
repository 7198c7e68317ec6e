"""The dashboard: server-rendered pages over the same queries as the API, charts by plotly.js.

Signing in with an API key starts a session (cookie HttpOnly, SameSite=Strict); in local mode a
browser on this machine needs none. Numbers in Russian style: 12 345, 1 234,50 ₽.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from serving import api, marts, queries, responses
from serving.errors import ApiError
from serving.queries import Condition, Listing, equals
from serving.security import SESSION_COOKIE, SESSION_SECONDS

templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
NARROW_SPACE = "\u202f"
PAGE_ROWS = 200
DAYS = {"type": "date", "tickformat": "%d.%m.%Y", "dtick": 86400000}  # one tick a day, never hours


# Columns holding a fraction of 1 (the marts', monitoring's and quality's docs), besides every
# `*_share`: shown as percentages.
FRACTIONS = frozenset(
    {"availability", "service_level", "cumulative_share_before", "success_rate_24h", "score", "share"}
)


# Columns holding roubles (the marts' docs say "roubles"), shown as 1 234,50 ₽: the only list of them.
MONEY = frozenset(
    {
        "price",
        "unit_price_rub",
        "amount_rub",
        "revenue",
        "revenue_rub",
        "lost_revenue",
        "lost_revenue_per_day",
        "revenue_per_day_at_risk",
        "revenue_at_risk",
        "overstock_value",
        "dead_stock_value",
    }
)


def _decimal(value) -> Decimal:
    """A number as it is written, exactly: a float by its shortest repr (0.95, not 0.9499999…)."""
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _places(amount: Decimal) -> int:
    """Decimals enough for a figure's size: none from 1000, one from 10, two from 1, and three
    significant digits below 1 (0,0333)."""
    size = abs(amount)
    if size >= 1000:
        return 0
    if size >= 10:
        return 1
    if size >= 1 or not size:
        return 2
    return min(2 - size.adjusted(), 6)  # 0.0333… is 3.33E-2: four places; a float's 1e-17 is 0


def number(value, digits: int | None = None) -> str:
    """The one number format of every page: exact (no float in between, halves rounded up),
    `digits` decimals or as many as the figure's size needs (then without trailing zeros),
    thousands apart by a narrow space, a decimal comma."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, int):
        return f"{value:,}".replace(",", NARROW_SPACE)
    amount = _decimal(value)
    if not amount.is_finite():  # NaN or ±Infinity in a DOUBLE column
        return "—" if amount.is_nan() else ("∞" if amount > 0 else "−∞")
    with localcontext(prec=max(28, amount.adjusted() + 30)):  # DECIMAL(38, 2) quantizes too
        rounded = amount.quantize(Decimal(1).scaleb(-(_places(amount) if digits is None else digits)), ROUND_HALF_UP)
        if digits is None and rounded == rounded.to_integral_value():
            rounded = rounded.quantize(Decimal(1))
        elif digits is None:
            rounded = rounded.normalize()
    text = f"{abs(rounded) if rounded.is_zero() else rounded:,f}"  # never -0
    return text.replace(",", NARROW_SPACE).replace(".", ",")


def rubles(value) -> str:
    """Roubles with two decimals, a whole sum too: 1 415 823,00 ₽ (NaN and infinity without the sign)."""
    if value is None:
        return "—"
    amount = _decimal(value)
    return f"{number(amount, 2)} ₽" if amount.is_finite() else number(amount)


def percent(value) -> str:
    """A fraction of 1 as a percentage: 0.95 → 95 %, 0.966667 → 96,7 %."""
    amount = _decimal(value)
    return f"{number(amount * 100)} %" if amount.is_finite() else number(amount)


def cell(column: str, value) -> str:
    """A table cell in Russian style, by what the column holds."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return number(value)
    if isinstance(value, int | float | Decimal) and (column in FRACTIONS or column.endswith("_share")):
        return percent(value)
    if column in MONEY and isinstance(value, int | float | Decimal):
        return rubles(value)
    if isinstance(value, int | float | Decimal):
        return number(value)
    if isinstance(value, datetime):  # the pages say UTC: a time without a zone is UTC already (the run log)
        return f"{value.astimezone(UTC) if value.tzinfo else value:%d.%m.%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d.%m.%Y}"
    return str(value)


templates.env.filters.update(number=number, rubles=rubles)
templates.env.globals.update(cell=cell)

router = APIRouter(include_in_schema=False, dependencies=api.CHECKED)


def render(request: Request, name: str, context: dict, signed_in: str | None) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"signed_in": signed_in, **context})


def error_page(request: Request, error: dict, headers: dict[str, str]) -> HTMLResponse:
    """An API error (`{"status", "code", "message", "fields"}`) as a page, for a browser."""
    response = render(request, "error.html", {"error": error}, None)
    response.status_code = error["status"]
    response.headers.update(headers)
    return response


def viewer(request: Request) -> str | None:
    """Who is looking (within the rate limit), or None: the page sends them to sign in."""
    try:
        return request.app.state.guard.admit(request)
    except ApiError as error:
        if error.status == 401:
            return None
        raise


def sign_in_first(request: Request) -> RedirectResponse:
    back = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path  # with its filters
    return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=303)


def figure(traces: list[dict], title: str, **layout) -> dict:
    """A plotly figure as JSON: values made plain (dates, decimals)."""
    data = [
        {k: [responses.plain(v) for v in vs] if isinstance(vs, list) else vs for k, vs in t.items()} for t in traces
    ]
    base = {"title": {"text": title}, "margin": {"t": 40, "l": 60, "r": 20, "b": 120}, "height": 380}
    return {"data": data, "layout": {**base, **layout}}


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, "login.html", {"next": next if next.startswith("/") else "/", "error": None}, None)


@router.post("/login")
def login(
    request: Request, api_key: Annotated[str, Form(max_length=200)], next: Annotated[str, Form()] = "/"
) -> Response:
    token = request.app.state.guard.sign_in(api_key.strip())
    if token is None:
        context = {"next": next, "error": "Ключ не подошёл: проверьте его или создайте новый (make api-key NAME=...)"}
        return render(request, "login.html", context, None)
    response = RedirectResponse(next if next.startswith("/") and not next.startswith("//") else "/", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        request.app.state.guard.sessions.end(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    who = viewer(request)
    if who is None:
        return sign_in_first(request)
    catalog: queries.Catalog = request.app.state.catalog
    accounts = marts.overview(catalog)
    sources = queries.every_row(catalog, marts.SOURCES, [])
    quality = queries.every_row(catalog, marts.QUALITY, [])
    context = {
        "accounts": accounts,
        "sources": sources.dicts(),
        "quality": quality.dicts(),
        "freshness": api.freshness(request),
    }
    return render(request, "overview.html", context, who)


# Filters of the dashboard's tables: query parameter -> column.
FILTERS = {
    "marketplace": "marketplace",
    "account": "account",
    "cluster": "cluster_name",
    "stock_type": "stock_type",
    "severity": "severity",
    "location_level": "location_level",
    "scope_level": "scope_level",
    "product": "seller_article",
}
API_NAMES = {"product": "offer_id"}  # the API's name of a dashboard filter, where they differ


# The level a page over rows of alternative views (`Listing.levels`) shows unless asked for another:
# its totals and chart add up one level's rows, never both.
DEFAULT_LEVEL = {"location_level": "warehouse", "scope_level": "account"}


def filters_of(
    request: Request, allowed: tuple[str, ...], levels: str | None = None
) -> tuple[dict[str, str], list[Condition]]:
    chosen = {name: request.query_params[name] for name in allowed if request.query_params.get(name)}
    if levels and not chosen.get(levels):
        chosen[levels] = DEFAULT_LEVEL[levels]
    conditions = [
        api.warehouse_is(value) if name == "warehouse" else equals(FILTERS[name], value, name)
        for name, value in chosen.items()
    ]
    return chosen, conditions


def choices(catalog: queries.Catalog, relation: str, column: str) -> list[str]:
    """The values a filter may take, for its drop-down."""
    sql = f'select distinct "{column}" from {relation} where "{column}" is not null order by 1'
    return catalog.cached(("choices", relation, column), lambda: [row[0] for row in catalog.query(sql)[1]])


@dataclass(frozen=True)
class TablePage:
    listing: Listing
    title: str
    shown: tuple[str, ...]  # the table's columns, when the listing has them
    filters: tuple[str, ...]  # names in FILTERS, or warehouse
    chart: tuple[str, str]  # (group by, summed measure)
    csv_path: str  # the API list that downloads the same rows
    every_column: bool = False  # then every other column of the listing too, keys aside


KEYS = ("product_key", "warehouse_key", "location_key")
PAGE_PARAMETERS = ("sort", "cursor", "by")  # a list page's parameters besides its filters


def listing_page(request: Request, spec: TablePage) -> Response:
    who = viewer(request)
    if who is None:
        return sign_in_first(request)
    catalog: queries.Catalog = request.app.state.catalog
    listing, allowed = spec.listing, spec.filters
    chosen, conditions = filters_of(request, allowed, listing.levels)
    found = queries.page(
        catalog, listing, conditions, request.query_params.get("sort"), PAGE_ROWS, request.query_params.get("cursor")
    )
    columns = [column for column in spec.shown if column in found.columns]
    if spec.every_column:
        columns += [column for column in found.columns if column not in (*columns, *KEYS)]
    index = {column: found.columns.index(column) for column in found.columns}
    by, measure = spec.chart
    group, asked = by, request.query_params.get("by")
    if asked in ("warehouse_name", "cluster_name"):  # the request's choice: a 422 (the page's own, a 503)
        if asked not in found.columns:
            raise queries.BadRequest("by", f"cannot chart by {asked!r}: this list's rows have no such column")
        group = asked
    bars = queries.sums_by(catalog, listing, conditions, group, measure)
    level = f" ({listing.levels}: {chosen[listing.levels]})" if listing.levels else ""
    charts = [
        figure(
            [{"type": "bar", "x": [g or "—" for g, _ in bars], "y": [t for _, t in bars]}],
            f"{measure} по {group}{level}",
        )
    ]
    options = {
        name: choices(catalog, "marts.dim_warehouses" if name == "cluster" else listing.mart, FILTERS[name])
        for name in allowed
        if name in ("marketplace", "cluster", "stock_type", "severity", "location_level", "scope_level")
    }
    csv_filters = {API_NAMES.get(name, name): value for name, value in chosen.items()}
    context = {
        "title": spec.title,
        "columns": columns,
        "rows": [{column: row[index[column]] for column in index} for row in found.rows],
        "key": [column for column in listing.key if column in index],
        "totals": found.totals,
        "next_cursor": found.next_cursor,
        "next_query": urlencode({**dict(request.query_params), "cursor": found.next_cursor or ""}),
        "chosen": chosen,
        "allowed": allowed,
        "levels": listing.levels,
        "options": options,
        "charts": charts,
        "csv_link": f"{spec.csv_path}?{urlencode({**csv_filters, 'format': 'csv'})}",
        "freshness": api.freshness(request),
    }
    return render(request, "listing.html", context, who)


NAMES = ("marketplace", "account", "seller_article", "product_name", "warehouse_name", "cluster_name")
# The filters of the pages over rows at two location levels (warehouse, cluster), and over rows at
# three scopes (account, marketplace, all).
LOCATION_FILTERS = ("marketplace", "account", "warehouse", "cluster", "location_level", "product")
SCOPE_FILTERS = ("marketplace", "account", "scope_level", "product")
STOCK_PAGE = TablePage(
    marts.STOCK,
    "Остатки",
    (*NAMES, "stock_type", "available_quantity", "reserved_quantity", "in_transit_quantity", "snapshot_at"),
    ("marketplace", "account", "warehouse", "cluster", "stock_type", "product"),
    ("warehouse_name", "available_quantity"),
    "/api/v1/warehouse-stock",
)
ALERTS_PAGE = TablePage(
    marts.ALERTS,
    "Алерты",
    ("severity", *NAMES, "available_quantity", "in_transit_quantity", "average_daily_sales", "days_of_cover"),
    ("marketplace", "account", "warehouse", "cluster", "severity", "product"),
    ("cluster_name", "revenue_per_day_at_risk"),
    "/api/v1/stock-alerts",
    every_column=True,
)
PLAN_PAGE = TablePage(  # every input of a row: the mart's own columns, whatever they are
    marts.PLAN,
    "План поставок",
    NAMES,
    LOCATION_FILTERS,
    ("cluster_name", "recommended_quantity"),
    "/api/v1/replenishment-plan",
    every_column=True,
)


LOST_SALES_PAGE = TablePage(
    marts.LOST_SALES,
    "Упущенные продажи",
    (*NAMES, "out_of_stock_days", "availability", "average_daily_sales", "lost_units", "lost_revenue"),
    LOCATION_FILTERS,
    ("cluster_name", "lost_revenue"),
    "/api/v1/lost-sales",
)
ABC_XYZ_PAGE = TablePage(
    marts.ABC_XYZ,
    "ABC/XYZ",
    ("scope_level", "marketplace", "account", "seller_article", "product_name", "abc_class", "xyz_class"),
    SCOPE_FILTERS,
    ("abc_class", "revenue"),
    "/api/v1/abc-xyz",
    every_column=True,
)
TURNOVER_PAGE = TablePage(
    marts.TURNOVER,
    "Оборачиваемость",
    (*NAMES, "available_quantity", "turnover_days", "overstock_units", "overstock_value", "dead_stock_age_days"),
    LOCATION_FILTERS,
    ("cluster_name", "overstock_value"),
    "/api/v1/inventory-turnover",
    every_column=True,
)
LOCALISATION_PAGE = TablePage(
    marts.LOCALISATION,
    "Локализация",
    ("scope_level", *NAMES, "units", "local_units", "local_unit_share", "units_local_if_stocked"),
    SCOPE_FILTERS,
    ("account", "units_local_if_stocked"),
    "/api/v1/localisation",
    every_column=True,
)


# The list pages, by path: each a table page of its own listing.
LISTING_PAGES = {
    "/stock": STOCK_PAGE,
    "/alerts": ALERTS_PAGE,
    "/replenishment": PLAN_PAGE,
    "/lost-sales": LOST_SALES_PAGE,
    "/abc-xyz": ABC_XYZ_PAGE,
    "/turnover": TURNOVER_PAGE,
    "/localisation": LOCALISATION_PAGE,
}


def show_listing(spec: TablePage):
    def show(request: Request) -> Response:
        return listing_page(request, spec)

    show.query_names = frozenset({*spec.filters, *PAGE_PARAMETERS})  # read from request.query_params
    return show


for path, spec in LISTING_PAGES.items():
    router.add_api_route(path, show_listing(spec), methods=["GET"], response_class=HTMLResponse, name=path[1:])


@router.get("/products/{product_key:path}", response_class=HTMLResponse)
def product(request: Request, product_key: Annotated[str, api.Path(max_length=300)]) -> Response:
    who = viewer(request)
    if who is None:
        return sign_in_first(request)
    pages = api.product_pages(request.app.state.catalog, product_key)
    if pages is None:
        raise ApiError(404, f"no product {product_key!r}")
    document = {name: page.dicts() for name, page in pages.items()}
    document["product"] = document["product"][0]
    charts = [
        figure(
            series(document["stock_history"], "business_date", "available_quantity"),
            "Остаток по складам, шт.",
            hovermode="x",
            xaxis=DAYS,
        ),
        figure(
            series(document["daily_sales"], "business_date", "units", kind="bar"),
            "Продажи в день по складам, шт.",
            barmode="stack",
            xaxis=DAYS,
        ),
    ]
    return render(request, "product.html", {**document, "charts": charts, "freshness": api.freshness(request)}, who)


def series(rows: list[dict], x: str, y: str, kind: str = "scatter") -> list[dict]:
    """One trace per warehouse (and stock type, when a product has several)."""
    traces: dict[str, dict] = {}
    for row in rows:
        name = " ".join(str(row[c]) for c in ("warehouse_name", "stock_type") if row.get(c)) or row.get(
            "warehouse_key", "—"
        )
        trace = traces.setdefault(name, {"type": kind, "name": name, "x": [], "y": []})
        trace["x"].append(row[x])
        trace["y"].append(row[y])
    return list(traces.values())


@router.get("/monitoring", response_class=HTMLResponse)
def monitoring(request: Request, runs: Annotated[int, Query(ge=1, le=500)] = 50) -> Response:
    who = viewer(request)
    if who is None:
        return sign_in_first(request)
    catalog: queries.Catalog = request.app.state.catalog
    parts = {
        "runs": queries.page(catalog, marts.RUNS, [], limit=runs),
        "sources": queries.every_row(catalog, marts.SOURCES, []),
        "resources": queries.every_row(catalog, replace(marts.RESOURCES, default_sort="-last_attempt_at"), []),
        # the run log itself: absent from a database only `make build` has written (monitoring's views are empty)
        "outcomes": queries.every_row(catalog, marts.RESOURCE_OUTCOMES, [])
        if catalog.exists("ops", "run_log_resources")
        else queries.Page([], [], None),
        "quality": queries.every_row(catalog, marts.QUALITY, []),
        "reports": queries.page(catalog, marts.reports(catalog), [], limit=50),
    }
    tables = {name: found.dicts() for name, found in parts.items()}
    timeline = list(reversed(tables["runs"]))
    started = [run["started_at"] for run in timeline]
    charts = [
        figure(
            [
                {
                    "type": "bar",
                    "x": started,
                    "y": [r.get("duration_seconds") for r in timeline],
                    "name": "длительность, с",
                }
            ],
            "Длительность запусков, с",
        ),
        figure(
            [
                {"type": "scatter", "x": started, "y": [r.get(c) or 0 for r in timeline], "name": c}
                for c in ("api_requests", "api_retries", "api_throttled", "api_failed_requests", "steps_failed")
            ],
            "Запросы, повторы, 429 и сбои по запускам",
        ),
        figure(
            [{"type": "bar", "x": started, "y": [r.get("rows_loaded") or 0 for r in timeline], "name": "строки"}],
            "Загружено строк",
        ),
        figure(
            [
                {
                    "type": "bar",
                    "x": [f"{o['marketplace']}/{o['account']} {o['resource']}" for o in tables["outcomes"]],
                    "y": [o[measure] for o in tables["outcomes"]],
                    "name": name,
                }
                for measure, name in (("attempts", "загрузок"), ("failures", "сбоев"))
            ],
            "Загрузки и сбои по ресурсам (весь журнал)",
        ),
    ]
    return render(request, "monitoring.html", {**tables, "charts": charts, "freshness": api.freshness(request)}, who)
