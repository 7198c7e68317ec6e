"""How the dashboard and the API write values: cells, links, CSV and conditional requests."""

from __future__ import annotations

from decimal import Decimal

from starlette.requests import Request

from serving import dashboard, responses


def request(path: str = "/", query: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers or []})


def test_a_share_is_a_percentage_and_money_is_roubles():
    assert dashboard.cell("revenue_share", Decimal("0.102139")) == "10,2 %"
    assert dashboard.cell("lost_revenue", Decimal("1500.5")).endswith(" ₽")


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
