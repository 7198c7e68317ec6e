"""Every documented parameter is applied or refused by name: no filter is silently dropped, enumerations
name their values, forged cursors and NUL characters are a 422, times carry their UTC offset."""

from __future__ import annotations

import base64
import json

NO_SUCH_VALUE = "zzz_no_such_value"
NOT_FILTERS = ("limit", "cursor", "sort", "format", "as_of", "min_available", "max_available", "is_dead_stock")


def fields_of(answer) -> list[str]:
    return [field["field"] for field in answer.json()["error"]["fields"]]


def test_a_filter_a_list_cannot_apply_is_a_422_naming_it_never_ignored(api):
    for path, operations in api.get("/openapi.json").json()["paths"].items():
        if "{" in path or path.endswith("/health"):
            continue
        for name in {p["name"] for p in operations["get"].get("parameters", [])} - set(NOT_FILTERS):
            answer = api.get(path, params={name: NO_SUCH_VALUE, "limit": 1})
            if answer.status_code == 422:
                assert name in fields_of(answer), (path, name, answer.text)
            else:
                assert answer.status_code == 200 and answer.json()["totals"]["rows"] == 0, (path, name, answer.text)
    for path, name in (
        ("/api/v1/sales-velocity", "warehouse"),
        ("/api/v1/sales-velocity", "cluster"),
        ("/api/v1/abc-xyz", "warehouse"),
        ("/api/v1/runs/resources", "offer_id"),
    ):
        answer = api.get(path, params={name: NO_SUCH_VALUE})
        assert answer.status_code == 422 and fields_of(answer) == [name], (path, name, answer.text)
        assert f"cannot be filtered by {name}" in answer.json()["error"]["message"]


def test_an_unknown_value_of_an_enumeration_is_a_422_naming_the_allowed_ones(api):
    for path, name, allowed in (
        ("/api/v1/stock-alerts", "severity", "critical"),
        ("/api/v1/replenishment-plan", "location_level", "cluster"),
        ("/api/v1/abc-xyz", "scope_level", "marketplace"),
        ("/api/v1/abc-xyz", "abc_class", "'B'"),
        ("/api/v1/runs", "status", "success"),
    ):
        answer = api.get(path, params={name: "Critical"})
        assert answer.status_code == 422 and fields_of(answer) == [name], answer.text
        assert allowed in answer.json()["error"]["fields"][0]["message"]
    assert api.get("/api/v1/stock-alerts", params={"severity": "critical"}).status_code == 200


def test_a_forged_cursor_offset_beyond_64_bits_is_a_422(api):
    cursor = api.get("/api/v1/warehouse-stock", params={"limit": 2}).json()["next_cursor"]
    state = json.loads(base64.urlsafe_b64decode(cursor + "=="))
    for offset in (2**63, 10**30, float("inf")):  # 1e400 is read as infinity
        forged = base64.urlsafe_b64encode(json.dumps({"o": offset, "f": state["f"]}).encode()).decode()
        answer = api.get("/api/v1/warehouse-stock", params={"limit": 2, "cursor": forged})
        assert answer.status_code == 422 and fields_of(answer) == ["cursor"], answer.text


def test_a_nul_character_in_a_parameter_is_a_422_naming_it(api):
    answer = api.get("/api/v1/warehouse-stock", params={"warehouse": "a\x00b"})
    assert answer.status_code == 422 and fields_of(answer) == ["warehouse"], answer.text
    assert api.get("/api/v1/warehouse-stock/a%00b").status_code == 422


def test_run_times_and_built_at_carry_their_utc_offset(api):
    answer = api.get("/api/v1/runs", params={"limit": 1}).json()
    assert answer["data"][0]["started_at"].endswith("+00:00")
    assert answer["as_of"]["built_at"].endswith("+00:00")


def test_a_parameter_no_list_reads_adds_no_copy_to_the_answer_cache(api):
    """The cache was keyed by the query's text: 500 requests differing in `&junk=<n>` kept 500 copies of
    one answer (the server grew from 127 to 599 MB in the audit). Such a parameter is a 422 now."""
    catalog = api.app.state.catalog
    api.get("/api/v1/warehouse-stock", params={"limit": 3})
    cached = len(catalog._cache)
    for number in range(20):
        again = api.get("/api/v1/warehouse-stock", params={"limit": 3, "junk": str(number)})
        assert again.status_code == 422 and fields_of(again) == ["junk"]
    assert len(catalog._cache) == cached


def test_a_parameter_an_endpoint_does_not_read_is_a_422_naming_it(api):
    """Ignored, it answered as if it applied: `/runs?marketplace=ozon` listed every run,
    `/stock-alerts?min_available=100000` every alert, a misspelt `marketpalce=ozon` both marketplaces."""
    for path, name in (
        ("/api/v1/runs", "marketplace"),
        ("/api/v1/stock-alerts", "min_available"),
        ("/api/v1/warehouse-stock", "marketpalce"),
        ("/api/v1/products/no-such-product", "marketplace"),
    ):
        answer = api.get(path, params={name: "100000", "limit": 1} if "products" not in path else {name: "ozon"})
        assert answer.status_code == 422 and fields_of(answer) == [name], (path, answer.text)
        message = answer.json()["error"]["message"]
        assert message.startswith(f"{name} is not a parameter of {path}") and "\n" not in message, message
    for path in api.get("/openapi.json").json()["paths"]:
        if not path.endswith("/health"):
            concrete = path.replace("{key_or_name}", "x").replace("{product_key}", "x")
            answer = api.get(concrete, params={"no_such_parameter": "1"})
            assert answer.status_code == 422 and fields_of(answer) == ["no_such_parameter"], (path, answer.text)
    generic = {"limit": 2, "sort": "-started_at", "format": "csv"}
    assert api.get("/api/v1/runs", params=generic).status_code == 200
    cursor = api.get("/api/v1/runs", params={"limit": 1}).json()["next_cursor"]
    assert api.get("/api/v1/runs", params={"limit": 1, "cursor": cursor}).status_code == 200


def test_a_page_answers_a_parameter_it_does_not_read_with_a_422_page(api):
    """The pages ignored it as the API did: `/stock?marketpalce=ozon` showed both marketplaces."""
    page = {"Accept": "text/html"}
    for path, name in (("/stock", "marketpalce"), ("/alerts", "min_available"), ("/monitoring", "limit")):
        answer = api.get(path, params={name: "ozon"}, headers=page)
        assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html"), answer.text
        assert f"{name} is not a parameter of {path}" in answer.text
    every_filter = {"marketplace": "ozon", "account": "", "warehouse": "", "cluster": "", "stock_type": ""}
    for path, params in (
        ("/stock", {**every_filter, "product": "", "sort": "product_name", "by": "cluster_name"}),
        ("/replenishment", {"location_level": "cluster", "product": ""}),
        ("/abc-xyz", {"scope_level": "all", "marketplace": ""}),
        ("/monitoring", {"runs": 5}),
    ):
        assert api.get(path, params=params, headers=page).status_code == 200, path


def test_a_nul_character_on_a_page_is_a_422_page(api):
    """The pages took filters and the product's key to the database as they were: a 500 on PostgreSQL
    (tests/serving/test_postgres_reader.py), a page of nothing on DuckDB."""
    page = {"Accept": "text/html"}
    for path in ("/stock?account=%00", "/alerts?product=a%00", "/products/a%00"):
        answer = api.get(path, headers=page)
        assert answer.status_code == 422 and "must not contain a NUL character" in answer.text, path


def test_a_sort_with_two_minus_signs_is_a_422(api):
    """`--product_key` was read as `-product_key`."""
    answer = api.get("/api/v1/warehouse-stock", params={"sort": "--product_key"})
    assert answer.status_code == 422 and fields_of(answer) == ["sort"], answer.text


def test_a_quantity_bound_beyond_64_bits_is_a_422_naming_it(api):
    """DuckDB cannot bind an integer beyond 128 bits: `min_available=10**42` was a 500 (200 on PostgreSQL)."""
    for name in ("min_available", "max_available"):
        for value in (2**63, 10**42):
            answer = api.get("/api/v1/warehouse-stock", params={name: value})
            assert answer.status_code == 422 and fields_of(answer) == [name], answer.text
        assert api.get("/api/v1/warehouse-stock", params={name: 2**63 - 1}).status_code == 200
    assert api.get("/api/v1/warehouse-stock/x", params={"min_available": 10**42}).status_code == 422
