"""The dashboard in a real headless Chromium (Debian's `chromium`, installed by `make browser`):
every page opens without console errors, charts render, a filtered table shows the mart's rows.
Screenshots land in data/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scripts.steps import PROJECT_DIR
from serving import dashboard, keys
from serving.app import create_app
from serving.latency import served
from serving.reader import SnapshotReader
from tests.support.serving import settings_for

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_DIR / "data" / "screenshots"


def browser_or_skip():
    """Playwright and the system Chromium; missing under CI=true is a failure, elsewhere a skip."""
    problem = None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "the playwright package is not installed (make setup)"
    if problem is None and not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return sync_playwright


@pytest.fixture(scope="module")
def server(seller, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    key = keys.create(folder / "api_keys.json", "browser")
    app = create_app(settings_for(folder / "api_keys.json"), SnapshotReader(seller.published))
    with served(app) as base_url:
        yield base_url, key


@pytest.fixture(scope="module")
def driver():
    return browser_or_skip()  # before the server: no seller is built for nothing


@pytest.fixture(scope="module")
def page(driver, server):
    base_url, key = server
    with driver() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 1000}, locale="ru-RU")
        tab = context.new_page()
        tab.console_errors = []
        tab.on("console", lambda message: message.type == "error" and tab.console_errors.append(message.text))
        tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
        tab.goto("/login")
        tab.fill("input[name=api_key]", key)
        tab.click("button[type=submit]")
        tab.wait_for_url(f"{base_url}/")
        yield tab
        browser.close()


def open_page(page, path: str, screenshot: str) -> None:
    page.console_errors.clear()
    answer = page.goto(path)
    assert answer.status == 200, path
    charts = page.locator(".chart").count()
    if charts:
        page.wait_for_function(f"document.querySelectorAll('.chart svg.main-svg').length >= {charts}", timeout=15000)
        for index in range(charts):
            assert page.locator(".chart").nth(index).locator("svg.main-svg").count() > 0, f"{path}: chart {index}"
            assert page.locator(".chart").nth(index).locator(".trace, .point, .bars path").count() > 0, path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)
    assert page.console_errors == [], f"{path}: {page.console_errors}"


def test_every_page_opens_with_charts_and_without_console_errors(page, seller):
    product = seller.marts(
        "select min(o.product_key) from marts.fact_orders as o inner join marts.inventory as i "
        "on i.product_key = o.product_key where o.order_status <> 'cancelled'"
    )[0][0]
    pages = {
        "overview": ("/", 0),
        "stock": ("/stock", 1),
        "alerts": ("/alerts", 1),
        "replenishment": ("/replenishment", 1),
        "product": (f"/products/{product}", 2),
        "monitoring": ("/monitoring", 4),
        "lost-sales": ("/lost-sales", 1),
        "abc-xyz": ("/abc-xyz", 1),
        "turnover": ("/turnover", 1),
        "localisation": ("/localisation", 1),
        "api-docs": ("/docs", 0),
    }
    for name, (path, charts) in pages.items():
        open_page(page, path, name)
        assert page.locator(".chart").count() == charts, path
    page.goto("/")
    assert page.locator("section.card").count() == 2  # ozon/shop and wildberries/shop
    assert page.locator("text=₽").count() >= 2


def test_a_filtered_stock_table_shows_the_marts_rows(page, seller):
    warehouse = seller.marts(
        "select warehouse_key from marts.inventory where marketplace = 'wildberries' "
        "group by 1 order by count(*) desc limit 1"
    )[0][0]
    page.goto("/stock")
    page.select_option("select[name=marketplace]", "wildberries")
    page.fill("input[name=warehouse]", warehouse)
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/stock?*marketplace=wildberries*")
    shown = set(page.locator("#rows tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)"))
    expected = {
        f"{product}|{key}|{stock_type}"
        for product, key, stock_type in seller.marts(
            "select product_key, warehouse_key, stock_type from marts.inventory "
            "where marketplace = 'wildberries' and warehouse_key = ?",
            (warehouse,),
        )
    }
    assert expected and shown == expected
    assert page.locator("#totals b").first.inner_text().replace("\u202f", "") == str(len(expected))
    open_page(page, page.url, "stock-filtered")


@pytest.mark.parametrize(
    ("path", "default", "other"),
    [
        ("/replenishment", "warehouse", "cluster"),
        ("/lost-sales", "warehouse", "cluster"),
        ("/turnover", "warehouse", "cluster"),
        ("/abc-xyz", "account", "all"),
        ("/localisation", "account", "warehouse"),
    ],
)
def test_a_page_of_alternative_views_shows_one_level_at_a_time(page, seller, path, default, other):
    """Warehouse and cluster rows, or a ranking's scopes, are alternative views of the same figures:
    the pages' totals and bars added them up (a cluster's bar of 411 = 294 warehouse + 117 cluster).
    A page shows its default level until its select asks for another."""
    spec = dashboard.LISTING_PAGES[path]
    column = spec.listing.levels
    open_page(page, path, f"{path[1:]}-{default}")
    assert page.locator(f"select[name={column}]").input_value() == default
    assert figures_shown(page) == level_figures(seller, spec, default)
    page.select_option(f"select[name={column}]", other)
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**{path}?*{column}={other}*")
    open_page(page, page.url, f"{path[1:]}-{other}")
    assert figures_shown(page) == level_figures(seller, spec, other)
    assert level_figures(seller, spec, other) != level_figures(seller, spec, default)


def figures_shown(page) -> tuple[list[str], dict]:
    """The totals line's figures and the chart's bars, as the page shows them."""
    totals = page.locator("#totals b").all_inner_texts()
    bars = page.locator("#chart-1").evaluate("chart => [chart.data[0].x, chart.data[0].y]")
    return totals, dict(zip(*bars, strict=True))


def level_figures(seller, spec: dashboard.TablePage, level: str) -> tuple[list[str], dict]:
    """The totals and the chart's bars of the mart's rows of one level, written as the page writes them."""
    listing, (group, measure) = spec.listing, spec.chart
    sums = "".join(f", sum({column})" for column in listing.summed)
    where = f"where {listing.levels} = ?"
    count, *totals = seller.marts(f"select count(*){sums} from {listing.mart} {where}", (level,))[0]
    shown = [dashboard.number(count), *(dashboard.cell(c, v) for c, v in zip(listing.summed, totals, strict=True))]
    bars = seller.marts(
        f"select coalesce({group}, '—'), sum({measure}) from {listing.mart} {where} group by 1",
        (level,),
    )
    return shown, {name: pytest.approx(float(total)) if total is not None else None for name, total in bars}
