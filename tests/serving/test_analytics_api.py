"""The seller analytics endpoints (lost sales, ABC/XYZ, turnover, localisation) answer what their marts
hold, filtered and ranked as asked."""

from __future__ import annotations

from decimal import Decimal
from html.parser import HTMLParser

import pytest

from serving import dashboard, marts
from tests.support.serving import every_page

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("path", "params", "sql"),
    [
        ("/api/v1/lost-sales", {}, "select count(*) from marts.lost_sales"),
        (
            "/api/v1/lost-sales",
            {"location_level": "cluster"},
            "select count(*) from marts.lost_sales where location_level = 'cluster'",
        ),
        (
            "/api/v1/abc-xyz",
            {"scope_level": "all"},
            "select count(*) from marts.product_abc_xyz where scope_level = 'all'",
        ),
        (
            "/api/v1/abc-xyz",
            {"scope_level": "account", "abc_class": "A", "marketplace": "wildberries"},
            "select count(*) from marts.product_abc_xyz "
            "where scope_level = 'account' and abc_class = 'A' and marketplace = 'wildberries'",
        ),
        ("/api/v1/inventory-turnover", {}, "select count(*) from marts.inventory_turnover"),
        (
            "/api/v1/inventory-turnover",
            {"is_dead_stock": "false", "location_level": "warehouse"},
            "select count(*) from marts.inventory_turnover where not is_dead_stock and location_level = 'warehouse'",
        ),
        ("/api/v1/localisation", {}, "select count(*) from marts.order_localisation"),
        (
            "/api/v1/localisation",
            {"scope_level": "account"},
            "select count(*) from marts.order_localisation where scope_level = 'account'",
        ),
    ],
)
def test_each_analytics_list_equals_its_mart(api, seller, path, params, sql):
    rows = every_page(api, path, **params)
    assert len(rows) == seller.marts(sql)[0][0]
    assert rows, "the sandbox seller has rows of every kind asked"
    shown = {column: value for column, value in params.items() if column in rows[0]}
    assert all(str(row[column]).lower() == value.lower() for row in rows for column, value in shown.items())


def test_lost_sales_come_most_costly_first_with_product_names(api, seller):
    rows = api.get("/api/v1/lost-sales", params={"limit": 20}).json()["data"]
    revenues = [row["lost_revenue"] for row in rows if row["lost_revenue"] is not None]
    assert revenues == sorted(revenues, reverse=True)
    assert all(row["seller_article"] for row in rows), "a listing names the product"
    (top,) = seller.marts("select max(lost_revenue) from marts.lost_sales")[0]
    assert revenues[0] == pytest.approx(float(top))


def test_the_account_localisation_adds_up_its_products(api, seller):
    (account,) = every_page(api, "/api/v1/localisation", scope_level="account", marketplace="ozon")
    products = every_page(api, "/api/v1/localisation", scope_level="product", marketplace="ozon")
    assert account["local_units"] == sum(row["local_units"] for row in products)
    assert account["located_units"] == sum(row["located_units"] for row in products) > 0
    assert 0 < account["local_unit_share"] < 1


@pytest.mark.parametrize(
    ("path", "listing", "levels"),
    [
        ("/api/v1/replenishment-plan", marts.PLAN, {"warehouse", "cluster"}),
        ("/api/v1/sales-velocity", marts.VELOCITY, {"warehouse", "cluster"}),
        ("/api/v1/lost-sales", marts.LOST_SALES, {"warehouse", "cluster"}),
        ("/api/v1/inventory-turnover", marts.TURNOVER, {"warehouse", "cluster"}),
        ("/api/v1/abc-xyz", marts.ABC_XYZ, {"account", "marketplace", "all"}),
        ("/api/v1/localisation", marts.LOCALISATION, {"product", "warehouse", "account"}),
    ],
)
def test_totals_of_alternative_views_are_given_per_level_never_added_up(api, seller, path, listing, levels):
    """Warehouse and cluster rows, or the scopes of a ranking, are alternative views of the same
    figures: the totals added them up (the plan's recommended_quantity 489 = 331 warehouse + 158
    cluster; ABC/XYZ revenue three times over)."""
    column = listing.levels
    sums = "".join(f", sum({summed})" for summed in listing.summed)
    expected = {
        level: dict(zip(["rows", *listing.summed], map(plain_number, figures), strict=True))
        for level, *figures in seller.marts(f"select {column}, count(*){sums} from {listing.mart} group by 1")
    }
    assert set(expected) == levels, "the sandbox seller has rows at every level"
    totals = api.get(path, params={"limit": 1}).json()["totals"]
    assert set(totals) == {"rows", f"by_{column}"}, "no figure adds the levels up"
    assert totals["rows"] == sum(level["rows"] for level in expected.values())
    assert set(totals[f"by_{column}"]) == set(expected)
    for level, figures in expected.items():
        assert totals[f"by_{column}"][level] == pytest.approx(figures)
        assert api.get(path, params={"limit": 1, column: level}).json()["totals"] == pytest.approx(figures)


def plain_number(value):
    return float(value) if isinstance(value, Decimal) else value


class _Table(HTMLParser):
    """The rows of a page's table: {data-key: {column: text}}."""

    def __init__(self):
        super().__init__()
        self.columns, self.rows, self.text, self.key, self.cells = [], {}, None, None, []

    def handle_starttag(self, tag, attrs):
        if tag in ("th", "td"):
            self.text = ""
        elif tag == "tr":
            self.key, self.cells = dict(attrs).get("data-key"), []

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "th":
            self.columns.append(self.text.strip())
        elif tag == "td":
            self.cells.append(self.text.strip())
        elif tag == "tr" and self.key:
            self.rows[self.key] = dict(zip(self.columns, self.cells, strict=True))
        if tag in ("th", "td"):
            self.text = None


def read_back(text: str) -> float:
    """A figure as a page writes it (1 234,5 · 96,7 %) as a number."""
    figure = text.replace("\u202f", "").replace(",", ".")
    return float(figure.removesuffix(" %")) / 100 if figure.endswith(" %") else float(figure)


@pytest.mark.parametrize(
    ("page", "path"), [("/replenishment", "/api/v1/replenishment-plan"), ("/lost-sales", "/api/v1/lost-sales")]
)
def test_the_pages_show_the_apis_figures_to_three_significant_digits(api, seller, page, path):
    """The pages rounded every figure below 1000 to one decimal: the plan's service_level 0.95 showed
    as 0,9 and service_level_z 1.65 as 1,6; a lost-sales row's availability 0.966667 as 1,0 and its
    average_daily_sales 0.033333 as 0,0. Every figure but money (whole kopecks) now reads back as the
    API's value within half a unit of its third significant digit."""
    table = _Table()
    answer = api.get(page)
    assert answer.status_code == 200, answer.text
    table.feed(answer.text)
    assert table.rows, "the sandbox seller has rows on the page"
    listing = dashboard.LISTING_PAGES[page].listing
    checked = set()
    for row in every_page(api, path, location_level="warehouse", limit=1000):
        shown = table.rows.get("|".join(str(row[key]) for key in listing.key))
        if shown is None:
            continue
        for column, value in row.items():
            if column in shown and isinstance(value, int | float) and not isinstance(value, bool):
                if shown[column].endswith(" ₽"):
                    continue
                assert read_back(shown[column]) == pytest.approx(value, rel=0.005, abs=1e-9), (column, value, shown)
                checked.add(column)
    small = (
        {"average_daily_sales", "availability", "lost_units"}
        if page == "/lost-sales"
        else {"service_level", "service_level_z"}
    )
    assert small <= checked
