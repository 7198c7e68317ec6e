"""How the dashboard and the API write values: cells, links, CSV and conditional requests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import yaml
from starlette.requests import Request

from serving import dashboard, responses
from tests.support.operations import PROJECT_DIR


def request(path: str = "/", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers or []})


def test_a_share_is_a_percentage_and_money_is_roubles():
    assert dashboard.cell("revenue_share", Decimal("0.102139")) == "10,2 %"
    assert dashboard.cell("lost_revenue", Decimal("1500.5")).endswith(" ₽")


def test_every_column_the_marts_give_in_roubles_is_money():
    """`overstock_value` (roubles, the turnover page's total) read 384 681 188 beside a price of
    7 999,00 ₽: only names ending `_rub` or `price` or holding `revenue` were money."""
    narrow = dashboard.NARROW_SPACE
    assert dashboard.cell("overstock_value", Decimal("384681188.24")) == f"384{narrow}681{narrow}188,24 ₽"
    assert dashboard.cell("dead_stock_value", 1415823) == f"1{narrow}415{narrow}823,00 ₽"
    assert dashboard.cell("lost_revenue", float("nan")) == "—" and dashboard.rubles(float("inf")) == "∞"
    in_roubles = set()
    for path in (PROJECT_DIR / "dbt_project" / "models" / "marts").rglob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            for column in model.get("columns", []):
                if "rouble" in column.get("description", "") and column["name"] != "currency_code":
                    in_roubles.add(column["name"])
    assert {"price", "overstock_value", "dead_stock_value", "lost_revenue", "revenue"} <= in_roubles
    assert [name for name in sorted(in_roubles) if not dashboard.cell(name, Decimal("1.5")).endswith(" ₽")] == []


def test_small_figures_and_fractions_read_as_the_api_gives_them():
    """The pages rounded every figure below 1000 to one decimal through a float: the plan's
    service_level 0.95 showed as 0,9 and its z 1.65 as 1,6, a lost-sales row's availability 0.966667
    as 1,0 and its average_daily_sales 0.033333 as 0,0; integers beyond 2**53 lost their last digits."""
    cell, narrow = dashboard.cell, dashboard.NARROW_SPACE
    assert cell("service_level", Decimal("0.95")) == "95 %"
    assert cell("service_level_z", Decimal("1.65")) == "1,65"
    assert cell("availability", Decimal("0.966667")) == "96,7 %"
    assert cell("cumulative_share_before", Decimal("0.802")) == "80,2 %"
    assert cell("local_unit_share", Decimal("0.033333")) == "3,33 %"
    assert cell("average_daily_sales", Decimal("0.033333")) == "0,0333"
    assert cell("lost_units", Decimal("0.000000")) == "0"
    assert cell("days_of_cover", 0.95) == "0,95"  # a DOUBLE by its shortest repr, not the binary 0.9499…
    assert cell("average_stock", Decimal("12.250000")) == "12,3"  # halves up, trailing zeros dropped
    assert cell("overstock_units", Decimal("1234.5")) == f"1{narrow}235"
    assert cell("revenue", Decimal("0.125")) == "0,13 ₽"
    assert cell("units", 2000000000000008320) == narrow.join(["2", "000", "000", "000", "000", "008", "320"])
    assert cell("units", Decimal("-2000000000000008320")) == narrow.join(
        ["-2", "000", "000", "000", "000", "008", "320"]
    )
    assert cell("revenue", Decimal("12345678901234567890123456789012345.67")).endswith(f"{narrow}345,67 ₽")
    assert cell("difference", Decimal("-0.0001")) == "-0,0001" and cell("difference", Decimal("-0.00")) == "0"
    # a float's leftover of arithmetic (5.55e-17 where 0 was meant) is 0, not a cell of twenty zeros
    assert cell("days_of_cover", 5.55e-17) == "0" and cell("days_of_cover", 5e-324) == "0"
    assert cell("days_of_cover", 0.0000012) == "0,000001"


def test_a_row_without_a_product_links_nowhere():
    table = dashboard.templates.env.get_template("table.html").module.table
    html = str(
        table(
            "t",
            [
                {"product_key": None, "product_name": None},
                {"product_key": "wildberries:a:1/0", "product_name": "Чайник"},
            ],
            ["product_name"],
            link="product_name",
        )
    )
    assert "/products/None" not in html and html.count("<a href=") == 1


def test_signing_in_returns_to_the_page_with_its_filters():
    answer = dashboard.sign_in_first(request("/stock", "marketplace=ozon&warehouse=Г/1".encode()))
    assert answer.headers["location"] == "/login?next=%2Fstock%3Fmarketplace%3Dozon%26warehouse%3D%D0%93%2F1"


def test_csv_text_a_spreadsheet_would_run_is_neutralised_and_numbers_stay():
    text = responses._csv(["name", "units"], [("=HYPERLINK(1)", -5), ("@SUM(A1)", 3), ("Чайник", None)])
    assert text.decode().splitlines() == ["name,units", "'=HYPERLINK(1),-5", "'@SUM(A1),3", "Чайник,"]


def test_a_weak_if_none_match_gets_a_304():
    answer = responses.Answer(b"{}", "application/json", {"ETag": '"abc"'})
    assert responses.send(request(headers=[(b"if-none-match", b'W/"abc"')]), answer).status_code == 304
    assert responses.send(request(headers=[(b"if-none-match", b'"other"')]), answer).status_code == 200


def test_whole_decimals_are_integers_as_duckdb_gives_them_and_fractions_stay():
    assert responses._json({"a": Decimal("8350"), "b": Decimal("8350.50")}) == b'{"a":8350,"b":8350.5}'


def test_nan_and_infinity_are_null_in_json_and_read_as_such_on_pages():
    """A DOUBLE column may hold them; JSON has no such number (a browser's JSON.parse refused the
    answer), and the pages failed on them with a 500."""
    assert responses._json({"a": float("nan"), "b": [float("-inf")], "c": Decimal("NaN"), "d": 1.5}) == (
        b'{"a":null,"b":[null],"c":null,"d":1.5}'
    )
    assert dashboard.cell("days_of_cover", float("inf")) == "∞"
    assert dashboard.cell("recommended_quantity", float("nan")) == "—"
    assert dashboard.number(Decimal("-Infinity")) == "−∞"
    assert responses._csv(["units"], [(Decimal("188"),)]).decode().splitlines() == ["units", "188"]


def test_nan_and_infinity_are_empty_csv_cells_as_null_is():
    """CSV wrote them as `nan` and `inf` where JSON has null."""
    row = (float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity"), None, 1.5)
    text = responses._csv(list("abcdefg"), [row]).decode()
    assert text.splitlines() == ["a,b,c,d,e,f,g", ",,,,,,1.5"]


def test_a_time_without_a_zone_is_utc():
    assert responses.plain(datetime(2026, 1, 2, 3, 4)) == "2026-01-02T03:04:00+00:00"
    vladivostok = timezone(timedelta(hours=10))
    assert dashboard.cell("started_at", datetime(2026, 1, 2, 13, 4, tzinfo=vladivostok)) == "02.01.2026 03:04"
