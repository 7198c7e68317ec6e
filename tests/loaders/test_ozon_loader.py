"""The Ozon loader against the sandbox: paging, reruns, auth failures, throttling, secrets."""

from __future__ import annotations

import subprocess

import duckdb
import pytest

from loaders import config, pipeline
from loaders.config import OzonAccount
from loaders.marketplaces import MARKETPLACES
from loaders.ozon import settings
from loaders.pipeline import run
from sandbox.sparse import KEEP
from tests.support.operations import run_script


def account_of(sandbox, **overrides) -> OzonAccount:
    acc = sandbox.ozon.accounts[0]
    fields = {
        "name": acc.client_id,
        "client_id": acc.client_id,
        "api_key": acc.api_key,
        "base_url": sandbox.ozon.base_url,
        **overrides,
    }
    return OzonAccount(**fields)


def run_ozon(account: OzonAccount, **options):
    return run(MARKETPLACES["ozon"], account, **options)


def raw_scalar(sql: str):
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.sql(sql).fetchone()[0]


def served(sandbox, path: str) -> list:
    return [r for r in sandbox.ozon.requests if r[1] == path]


def test_catalogue_is_paged_through_every_page(ozon_sandbox, workdir, monkeypatch):
    monkeypatch.setattr(settings, "PRODUCT_LIST_PAGE_SIZE", 25)
    truth = ozon_sandbox.ozon.truth(ozon_sandbox.ozon.accounts[0].client_id)
    archived = sum(1 for p in truth.products if p["archived"])
    assert 0 < archived < len(truth.products) > 50, "the fixture must span several pages and both passes"

    run_ozon(account_of(ozon_sandbox), resources=("product_list_items", "products"))

    assert raw_scalar("select count(*) from raw_ozon.product_list_items") == len(truth.products)
    assert raw_scalar("select count(distinct product_id) from raw_ozon.product_list_items") == len(truth.products)
    assert raw_scalar("select count(*) from raw_ozon.product_list_items where archived") == archived
    assert raw_scalar("select count(*) from raw_ozon.products") == len(truth.products)
    pages = len(served(ozon_sandbox, settings.PRODUCT_LIST))
    expected_pages = (len(truth.products) - archived) // 25 + 1 + archived // 25 + 1
    assert pages == expected_pages


def test_rerun_does_not_duplicate_the_catalogue_but_adds_a_stock_snapshot(ozon_sandbox, workdir):
    account = account_of(ozon_sandbox)
    run_ozon(account)
    first = {t: raw_scalar(f"select count(*) from raw_ozon.{t}") for t in ("products", "product_stocks")}
    run_ozon(account)

    assert raw_scalar("select count(*) from raw_ozon.products") == first["products"]
    assert raw_scalar("select count(*) from raw_ozon.product_list_items") == first["products"]
    assert raw_scalar("select count(*) from raw_ozon.product_stocks") == 2 * first["product_stocks"]
    assert raw_scalar("select count(distinct synced_at) from raw_ozon.analytics_stocks") == 2


def test_fbo_stock_of_products_listed_without_their_sku_is_still_read(ozon_sandbox, workdir):
    """The published OpenAPI's /v3/product/list items have no `sku`: without it the SKUs for
    /v1/analytics/stocks come from /v3/product/info/list, and the FBO stock is the same."""
    run_ozon(account_of(ozon_sandbox), resources=("product_list_items", "analytics_stocks"))
    with_sku = raw_scalar("select count(*) from raw_ozon.analytics_stocks")
    ozon_sandbox.ozon.sparse_shapes = {
        settings.PRODUCT_LIST: {"result": {"items": {"product_id": KEEP, "offer_id": KEEP}, "last_id": KEEP}}
    }

    run_ozon(account_of(ozon_sandbox), resources=("product_list_items", "analytics_stocks"))

    assert with_sku > 0
    assert raw_scalar("select count(*) from raw_ozon.analytics_stocks") == 2 * with_sku
    assert raw_scalar("select count(*) from raw_ozon.product_list_items where sku is not null") == 0
    assert len(served(ozon_sandbox, settings.PRODUCT_INFO_LIST)) > 0


def test_a_product_both_visibility_passes_list_is_stocked_once(ozon_sandbox, workdir):
    """Whether visibility ALL lists archived products is not confirmed; if it does, the ARCHIVED
    pass lists them again, and their stock must still be read and stored once."""
    truth = ozon_sandbox.ozon.truth(ozon_sandbox.ozon.accounts[0].client_id)
    archived = sum(1 for p in truth.products if p["archived"])
    ozon_sandbox.ozon.all_lists_archived = True
    try:
        run_ozon(account_of(ozon_sandbox), resources=("product_list_items", "product_stocks", "analytics_stocks"))
    finally:
        ozon_sandbox.ozon.all_lists_archived = False

    assert archived > 0
    assert raw_scalar("select count(*) from raw_ozon.product_list_items where archived") == archived
    assert raw_scalar("select count(distinct product_id) from raw_ozon.product_stocks") == len(truth.products)
    assert raw_scalar("select count(*) - count(distinct product_id) from raw_ozon.product_stocks") == 0
    twice = (
        "select count(*) from (select sku, warehouse_id from raw_ozon.analytics_stocks"
        " group by sku, warehouse_id having count(*) > 1) as repeated"
    )
    assert raw_scalar("select count(*) from raw_ozon.analytics_stocks") > 0
    assert raw_scalar(twice) == 0, "no SKU at one warehouse twice"


def test_every_row_carries_its_account(ozon_sandbox, workdir):
    run_ozon(account_of(ozon_sandbox, name="main-shop"))
    for table in ("product_list_items", "products", "product_stocks", "analytics_stocks"):
        assert raw_scalar(f"select count(*) from raw_ozon.{table} where account is distinct from 'main-shop'") == 0
        assert raw_scalar(f"select count(*) from raw_ozon.{table}") > 0


def test_throttled_and_failing_calls_are_retried_and_the_load_completes(ozon_sandbox, workdir):
    ozon_sandbox.ozon.inject_fault(settings.PRODUCT_STOCKS, status=429, times=2)
    ozon_sandbox.ozon.inject_fault(settings.ANALYTICS_STOCKS, status=503, times=1)
    truth = ozon_sandbox.ozon.truth(ozon_sandbox.ozon.accounts[0].client_id)

    result = run_ozon(account_of(ozon_sandbox))

    statuses = [r[2] for r in served(ozon_sandbox, settings.PRODUCT_STOCKS)]
    assert statuses[:3] == [429, 429, 200]
    assert result.retries == 3
    archived = sum(1 for p in truth.products if p["archived"])
    assert 0 < archived < len(truth.products)
    # `ALL` leaves archived products out; their stock is read in a second pass.
    assert raw_scalar("select count(*) from raw_ozon.product_stocks") == len(truth.products)
    assert raw_scalar("select count(distinct product_id) from raw_ozon.product_stocks") == len(truth.products)
    assert raw_scalar("select sum(available_stock_count) from raw_ozon.analytics_stocks") == sum(
        truth.fbo_available_by_warehouse().values()
    )


def run_cli(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_script("loaders", "ozon", env=env, timeout=120)


def test_wrong_key_fails_fast_naming_the_client_id_but_never_the_key(ozon_sandbox, workdir):
    client_id = ozon_sandbox.ozon.accounts[0].client_id
    wrong_key = "0badc0de-1111-2222-3333-444455556666"

    completed = run_cli(
        {"OZON_API_BASE_URL": ozon_sandbox.ozon.base_url, "OZON_CLIENT_ID": client_id, "OZON_API_KEY": wrong_key}
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == 3, output
    assert f"Client-Id {client_id}" in output
    assert "Invalid Api-Key" in output and "OZON_API_KEY" in output
    assert wrong_key not in output
    assert len(ozon_sandbox.ozon.requests) == 1, "an auth error must not be retried"


@pytest.mark.parametrize(
    ("client_id", "exit_code", "requests"),
    [("not-a-number", 2, 0), ("999999999", 3, 1)],  # Ozon's Client-Ids are numbers: the first never goes out
)
def test_bad_client_id_is_reported_without_retries(ozon_sandbox, workdir, client_id, exit_code, requests):
    completed = run_cli(
        {
            "OZON_API_BASE_URL": ozon_sandbox.ozon.base_url,
            "OZON_CLIENT_ID": client_id,
            "OZON_API_KEY": ozon_sandbox.ozon.accounts[0].api_key,
        }
    )

    output = completed.stdout + completed.stderr
    assert completed.returncode == exit_code, output
    assert client_id in output and "OZON_CLIENT_ID" in output
    assert ozon_sandbox.ozon.accounts[0].api_key not in output
    assert len(ozon_sandbox.ozon.requests) == requests


def test_missing_credentials_are_a_configuration_error(workdir, monkeypatch):
    completed = run_cli({"OZON_CLIENT_ID": "", "OZON_API_KEY": ""})
    assert completed.returncode == 2
    assert "OZON_CLIENT_ID" in completed.stderr


def test_the_resources_of_an_account_are_read_side_by_side(ozon_sandbox, workdir, monkeypatch):
    monkeypatch.setattr(settings, "PRODUCT_STOCKS_PAGE_SIZE", 10)  # stock in many pages
    # Product info calls (made once the key is known good) answer after 2 s: read one resource
    # after another, most stock pages would be answered after the first of them.
    ozon_sandbox.ozon.inject_delay(settings.PRODUCT_INFO_LIST, seconds=2, times=5)

    result = run_ozon(account_of(ozon_sandbox))

    assert result.status == "complete"
    answered = [path for _, path, _ in ozon_sandbox.ozon.requests]
    while_waiting = answered[: answered.index(settings.PRODUCT_INFO_LIST)]
    assert while_waiting.count(settings.PRODUCT_STOCKS) == answered.count(settings.PRODUCT_STOCKS) > 10


def raw_ozon_rows() -> dict[str, list[tuple]]:
    """Every raw_ozon table's rows without dlt's ids and load ids (new in every load), sorted; a
    table of nothing but those (a list holding only lists) is left out."""
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        tables = [name for (name,) in db.sql(RAW_TABLES).fetchall()]
        found = {}
        for table in tables:
            columns = [name for (name,) in db.sql(RAW_COLUMNS, params=[table]).fetchall()]
            if columns:
                select = ", ".join(f'"{name}"' for name in columns)
                found[table] = sorted(db.sql(f"select {select} from raw_ozon.{table}").fetchall(), key=repr)
        return found


RAW_TABLES = (
    "select table_name from information_schema.tables where table_schema = 'raw_ozon'"
    " and table_name not like '\\_dlt\\_%' escape '\\' order by 1"
)
RAW_COLUMNS = (
    "select column_name from information_schema.columns where table_schema = 'raw_ozon' and table_name = $1"
    " and column_name not like '\\_dlt\\_%' escape '\\' and column_name <> 'data_load_id' order by column_name"
)


def test_a_package_normalized_by_worker_processes_loads_the_same_rows(ozon_sandbox, workdir, tmp_path, monkeypatch):
    monkeypatch.setenv("LOADER_NOW", ozon_sandbox.clock.now().isoformat())  # the same synced_at in both loads
    monkeypatch.setenv("DATA_WRITER__FILE_MAX_ITEMS", "100")  # several files per table for the workers to share
    # Every resource but the stock report, whose rows name the report each load has made.
    resources = tuple(name for name in MARKETPLACES["ozon"].resources if name != "warehouse_stock_report")
    assert run_ozon(account_of(ozon_sandbox), resources=resources).status == "complete"
    in_one_process = raw_ozon_rows()

    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "normalized_by_workers.duckdb"))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "dlt_normalized_by_workers"))
    monkeypatch.setenv("LOADER_NORMALIZE_WORKERS", "2")
    monkeypatch.setattr(pipeline, "PARALLEL_NORMALIZE_FROM_ROWS", 1)
    chosen = []
    normalize_workers = pipeline.normalize_workers
    monkeypatch.setattr(
        pipeline, "normalize_workers", lambda rows: chosen.append(normalize_workers(rows)) or chosen[-1]
    )
    assert run_ozon(account_of(ozon_sandbox), resources=resources).status == "complete"

    assert chosen == [2]
    assert raw_ozon_rows() == in_one_process
    assert len(in_one_process["products"]) > 100  # so the products came in more than one file
