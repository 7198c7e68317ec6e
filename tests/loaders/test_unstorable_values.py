"""Values a real account may send that no destination stores as they are (a NUL character, half of a
character, an integer beyond 64 bits) cost only themselves: the load completes on DuckDB and
PostgreSQL, every row arrives, the value is changed as little as it can be and the load says so."""

from __future__ import annotations

import json
import logging
from collections import Counter
from decimal import Decimal

from loaders.config import OzonAccount, WildberriesAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import settings as ozon_settings
from loaders.pipeline import run
from loaders.storable import StorableValues
from loaders.wildberries import settings as wb_settings
from tests.support.destinations import query

HUGE = 2**70  # 1180591620717411303424


def as_json_bytes(change):
    """A reshape that changes the first answer of its endpoint (`change` edits the body) and sends every
    answer with its non-ASCII characters escaped (so a real server sends a lone surrogate; the sandbox
    would fail to encode it)."""
    answers = []

    def reshape(call, body):
        if not answers and body:
            change(body)
        answers.append(call)
        return json.dumps(body, ensure_ascii=True).encode()

    return reshape


def first_row(rows: list[dict], **values) -> None:
    rows[0].update(values)


def test_ozon_answers_with_a_nul_half_a_character_and_a_huge_number_load_whole(ozon_sandbox, destination, caplog):
    ozon = ozon_sandbox.ozon
    ozon.reshapes[ozon_settings.PRODUCT_INFO_LIST] = as_json_bytes(
        lambda body: first_row(body["items"], name="Органайзер \ud800 белый")
    )
    ozon.reshapes[ozon_settings.ANALYTICS_STOCKS] = as_json_bytes(
        lambda body: first_row(body["items"], warehouse_name="ГРИВ\x00НО_РФЦ", available_stock_count=HUGE)
    )
    account = OzonAccount("shop", ozon.accounts[0].client_id, ozon.accounts[0].api_key, ozon.base_url)

    with caplog.at_level(logging.WARNING, logger="loaders"):
        result = run(MARKETPLACES["ozon"], account, destination, ("product_list_items", "products", "analytics_stocks"))

    assert result.status == "complete", result.resources
    [[products, listed]] = query(
        destination, "select count(*), (select count(*) from raw_ozon.product_list_items) from raw_ozon.products"
    )
    assert products == listed > 0, "every product arrived"
    assert query(destination, "select count(*) from raw_ozon.products where name = 'Органайзер \ufffd белый'") == [(1,)]
    assert query(
        destination,
        "select warehouse_name, available_stock_count, available_stock_count__v_text from raw_ozon.analytics_stocks"
        " where available_stock_count__v_text is not null",
    ) == [("ГРИВНО_РФЦ", None, f"{HUGE} (beyond a 64-bit integer)")]
    assert (
        "ozon account shop: analytics_stocks: values changed to be storable: NUL characters removed: 1;"
        " integers beyond 64 bits kept as text: 1" in caplog.text
    )
    assert "products: values changed to be storable: lone surrogates (half characters) replaced by U+FFFD: 1" in (
        caplog.text
    )
    # and the database keeps it: the resource's outcome says so
    assert query(
        destination, "select status, message from raw_ozon.resource_outcomes where resource = 'analytics_stocks'"
    ) == [("ok", "values changed to be storable: NUL characters removed: 1; integers beyond 64 bits kept as text: 1")]


def test_a_huge_number_and_half_a_character_in_a_streamed_wildberries_page_load_the_whole_page(
    wb_sandbox, destination, monkeypatch
):
    """A statistics page is read from disk by ijson: its fast numbers stop at an integer beyond 64 bits
    (the rest of the page is read with exact ones), and its fast parser fails on half a character (the
    page is read by ijson's own)."""
    monkeypatch.setenv("LOADER_NOW", wb_sandbox.clock.now().isoformat())
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", "600")
    wb = wb_sandbox.wildberries
    wb.reshapes[wb_settings.ORDERS[1]] = as_json_bytes(
        lambda rows: first_row(rows, nmId=HUGE, warehouseName="Коледино\x00", regionName="Моск\udc00ва")
    )
    account = WildberriesAccount("shop", wb.accounts[0].token, wb.base_url)

    result = run(MARKETPLACES["wildberries"], account, destination, ("orders",))

    assert result.status == "complete", result.resources
    [[rows, huge, warehouse, region]] = query(
        destination,
        "select count(*), max(nm_id__v_text), max(case when nm_id__v_text is not null then warehouse_name end),"
        " max(case when nm_id__v_text is not null then region_name end) from raw_wildberries.orders",
    )
    assert rows == result.rows["orders"] > 1
    assert (huge, warehouse, region) == (f"{HUGE} (beyond a 64-bit integer)", "Коледино", "Моск\ufffdва")


def test_only_what_no_destination_stores_is_changed():
    values = StorableValues()
    storable = values._mapper(values.changed.setdefault("rows", Counter()))
    kept = {"max": 2**63 - 1, "min": -(2**63), "price": Decimal("1.5"), "name": "Коледино", "flag": True, "big": 9e18}

    assert storable(dict(kept)) == kept
    assert storable({"over": 2**63, "under": -(2**63) - 1, "nested": [{"name": "a\x00b\x00"}], "float": -1e20}) == {
        "over": "9223372036854775808 (beyond a 64-bit integer)",
        "under": "-9223372036854775809 (beyond a 64-bit integer)",
        "nested": [{"name": "ab"}],
        "float": "-1e+20 (beyond a 64-bit integer)",
    }
    assert values.summary() == {
        "rows": "NUL characters removed: 2; integers beyond 64 bits kept as text: 2;"
        " numbers of 2^63 or more sent with a decimal point or exponent kept as text: 1"
    }
