"""Data quality: sandbox data faults and hand-made bad raw rows → loaders → dbt build (DuckDB).

Every bad row appears exactly once in quality.data_quality_issues with its rule, error-level rows are
left out of the marts while the good rows still match the sandbox's truth, and `python -m
scripts.reconcile` adds raw = mart + excluded up (and says so when it does not)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta

import duckdb
import pytest

from devtools import demo
from sandbox import Sandbox
from scripts import database, health, runlog, steps
from scripts import reconcile as reconcile_module
from tests.support.operations import run_script
from tests.support.sandbox_fixtures import LOADER_ENV, paced_seller

SELLER = paced_seller(seed=5, products=60, accounts=1, history_days=5)
BOTH = "ozon,wildberries"


def load_both(sandbox: Sandbox, env: dict[str, str]) -> None:
    """One load of each marketplace; a report that the loader had to quarantine fails the step after
    the rest of the run was loaded, which is what the faults below do."""
    for marketplace, settings in LOADER_ENV.items():
        try:
            steps.load(marketplace, "duckdb", {**env, **settings(sandbox)})
        except steps.StepFailed:
            pass  # a malformed report: its stock is not loaded, its rows are quarantined


def spoil_raw_rows(path: str) -> dict[str, tuple]:
    """Hand-made bad rows in raw, one per transform-layer rule; returns what each one was."""
    with duckdb.connect(path) as db:
        newest = "(select max(_dlt_load_id) from raw_ozon.analytics_stocks)"
        stock_id, sku, warehouse, units = db.execute(
            f"select _dlt_id, sku, warehouse_name, available_stock_count from raw_ozon.analytics_stocks "
            f"where _dlt_load_id = {newest} and available_stock_count > 0 order by _dlt_id limit 1"
        ).fetchone()
        db.execute("update raw_ozon.analytics_stocks set available_stock_count = -5 where _dlt_id = ?", [stock_id])
        line_id, posting, line = db.execute(
            "select l._dlt_id, p.posting_number, l._dlt_list_idx from raw_ozon.postings_fbs__products as l "
            "inner join raw_ozon.postings_fbs as p on l._dlt_parent_id = p._dlt_id order by l._dlt_id limit 1"
        ).fetchone()
        db.execute(
            "update raw_ozon.postings_fbs__products set sku = 999, offer_id = 'no such article' where _dlt_id = ?",
            [line_id],
        )
        (status_posting,) = db.execute(
            "select posting_number from raw_ozon.postings_fbo order by posting_number limit 1"
        ).fetchone()
        db.execute(
            "update raw_ozon.postings_fbo set status = 'sandbox_status' where posting_number = ?", [status_posting]
        )
        (srid, garbled_srid) = (
            row[0] for row in db.execute("select srid from raw_wildberries.orders order by srid limit 2").fetchall()
        )
        db.execute("update raw_wildberries.orders set date = '2099-01-01T00:00:00' where srid = ?", [srid])
        db.execute("update raw_wildberries.orders set date = '2025-02-30T25:00:00' where srid = ?", [garbled_srid])
        (sale_id,) = db.execute(  # a sale with its money in: only its date is wrong
            "select sale_id from raw_wildberries.sales where for_pay <> 0 order by sale_id limit 1"
        ).fetchone()
        db.execute("update raw_wildberries.sales set date = 'N/A' where sale_id = ?", [sale_id])
        (undated_posting,) = db.execute(
            "select posting_number from raw_ozon.postings_fbo where posting_number <> ? "
            "order by posting_number limit 1",
            [status_posting],
        ).fetchone()
        db.execute("update raw_ozon.postings_fbo set created_at = 'вчера' where posting_number = ?", [undated_posting])
        entry_id, nm_id, size, wb_warehouse, wb_units = db.execute(
            "select e._dlt_id, r.nm_id, coalesce(r.tech_size, '0'), e.warehouse_name, e.quantity "
            "from raw_wildberries.warehouse_remains__warehouses as e "
            "inner join raw_wildberries.warehouse_remains as r on e._dlt_parent_id = r._dlt_id "
            "where e.warehouse_name = 'Склад WB РФ' and e.quantity > 0 "
            "and r._dlt_load_id = (select max(_dlt_load_id) from raw_wildberries.warehouse_remains) "
            "order by e._dlt_id limit 1"
        ).fetchone()
        db.execute(
            "update raw_wildberries.warehouse_remains__warehouses set quantity = 1000000 where _dlt_id = ?", [entry_id]
        )
    return {
        "analytics_stocks": (f"{sku}@{warehouse}", units),
        "postings_fbs": (f"{posting}:{line}",),
        "postings_fbo": (f"{status_posting}:0",),
        "orders": (srid,),
        "orders garbled": (garbled_srid, "2025-02-30T25:00:00"),
        "sales garbled": (sale_id, "N/A"),
        "postings_fbo garbled": (f"{undated_posting}:0", "вчера"),
        "warehouse_remains": (f"{nm_id}/{size}@{wb_warehouse}", wb_units),
    }


@pytest.fixture(scope="module")
def faulted(tmp_path_factory):
    """A clean first load, a faulted second one a day later, hand-made bad rows, then dbt build."""
    folder = tmp_path_factory.mktemp("quality")
    env = {
        "DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DLT_PIPELINES_DIR": str(folder / "dlt"),
        "DBT_TARGET_PATH": str(folder / "dbt_target"),
        "DBT_LOG_PATH": str(folder / "dbt_logs"),
        "MARKETPLACES": BOTH,
    }
    with Sandbox(SELLER) as sandbox:
        load_both(sandbox, env)
        sandbox.clock.advance(timedelta(days=1))
        demo.inject_feed_faults(sandbox)  # what `make demo-faults` injects into its feeds
        load_both(sandbox, env)
        ozon_truth = sandbox.ozon.truth(sandbox.ozon.accounts[0].client_id)
    spoiled = spoil_raw_rows(env["DUCKDB_PATH"])
    steps.dbt("build", "duckdb", env, *steps.SCHEDULED_BUILD)
    return env, spoiled, ozon_truth


def query(env: dict[str, str], sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(env["DUCKDB_PATH"], read_only=True) as db:
        return db.execute(sql, params or []).fetchall()


def reconcile(env: dict[str, str]) -> subprocess.CompletedProcess:
    return run_script("scripts.reconcile", "--target", "duckdb", env=env)


def test_every_quarantined_row_is_listed_once(faulted):
    env, _, _ = faulted
    # A posting or statistics row waits (warn) while its window is read again (loaders/waiting_room.py):
    # the faulted load is the last one here. A report's broken line has nothing to wait for.
    for schema, table, source_tables, severity in (
        ("raw_ozon", "postings_quarantine", ("postings_fbo", "postings_fbs"), "warn"),
        ("raw_ozon", "warehouse_stock_report_quarantine", ("warehouse_stock_report",), "error"),
        ("raw_wildberries", "statistics_quarantine", ("orders", "sales"), "warn"),
        ("raw_wildberries", "warehouse_remains_quarantine", ("warehouse_remains",), "error"),
    ):
        (quarantined,) = query(env, f"select count(*) from {schema}.{table}")[0]
        assert quarantined >= 1, f"the fault put nothing in {schema}.{table}"
        listed = query(
            env,
            "select natural_key, severity from quality.data_quality_issues "
            f"where rule = 'quarantined_by_loader' and source_table in ({', '.join('?' for _ in source_tables)})",
            list(source_tables),
        )
        assert len(listed) == quarantined == len({key for key, _ in listed})
        assert {listed_severity for _, listed_severity in listed} == {severity}


def test_hand_made_bad_rows_are_listed_once_with_their_rule(faulted):
    env, spoiled, _ = faulted
    expected = {
        "analytics_stocks": [("quantity_out_of_range", "error")],
        # a SKU no product names (as if its info was not read): kept as a product of its own, a warning
        "postings_fbs": [("product_not_in_catalogue", "warn")],
        "postings_fbo": [("unknown_status", "warn")],
        "orders": [("invalid_date", "error")],
        "warehouse_remains": [("quantity_out_of_range", "error")],
    }
    for source_table, rules in expected.items():
        key = spoiled[source_table][0]
        found = query(
            env,
            "select rule, severity from quality.data_quality_issues where source_table = ? and natural_key = ? "
            "and (rule <> 'product_not_in_catalogue' or severity = 'error' or source_table = 'postings_fbs')",
            [source_table, key],
        )
        assert found == rules, (source_table, key)
    # a date that is not one is an issue with the text as sent, not a failed build
    for source_table, severity in (("orders", "error"), ("sales", "warn"), ("postings_fbo", "error")):
        key, sent = spoiled[f"{source_table} garbled"]
        assert query(
            env,
            "select rule, severity, offending_value from quality.data_quality_issues "
            "where source_table = ? and natural_key = ?",
            [source_table, key],
        ) == [("invalid_date", severity, sent)], source_table
    # the sandbox's duplicates never reach a mart twice (the loaders merge them on the natural key)
    assert query(env, "select count(*) from quality.data_quality_issues where rule = 'duplicate_key'") == [(0,)]


def test_error_rows_are_left_out_and_the_good_rows_match_the_truth(faulted):
    env, spoiled, ozon_truth = faulted
    posting_line = spoiled["postings_fbs"][0]
    # its SKU no product names: kept, under a product of its own
    assert query(
        env, "select product_key from marts.fact_orders where order_line_key = ?", [f"ozon:100001:{posting_line}"]
    ) == [("ozon:100001:sku-999",)]
    assert query(env, "select status from marts.dim_products where product_key = 'ozon:100001:sku-999'") == [
        ("not_in_catalogue",)
    ]
    for excluded in (spoiled["orders"][0], spoiled["orders garbled"][0]):
        assert query(env, "select count(*) from marts.fact_orders where order_id = ?", [excluded]) == [(0,)]
    undated_line = spoiled["postings_fbo garbled"][0]
    assert query(
        env, "select count(*) from marts.fact_orders where order_line_key = ?", [f"ozon:100001:{undated_line}"]
    ) == [(0,)]
    # The newest snapshot's rows: the spoiled one left out. Its cell keeps the stock the snapshot
    # before gave it (an older load; stock unknown now is not stock 0).
    newest = "(select max(load_id) from marts.inventory where stock_type = 'fbo')"
    ((fbo_units, carried_cells),) = query(
        env,
        "select sum(case when load_id = " + newest + " then available_quantity end),"
        " count(case when load_id <> " + newest + " then 1 end) from marts.inventory where stock_type = 'fbo'",
    )
    excluded_units = spoiled["analytics_stocks"][1]
    assert int(fbo_units) + excluded_units == sum(ozon_truth.fbo_available_by_warehouse(include_unknown=True).values())
    assert carried_cells == 1
    assert query(env, "select count(*) from marts.inventory where available_quantity >= 1000000") == [(0,)]
    flags = dict(
        query(env, "select stock_type, bool_and(from_source_with_open_issues) from marts.inventory group by 1")
    )
    assert flags == {"fbo": True, "fbs": False, "rfbs": False, "fbw": True}  # the snapshots with a bad row
    scores = query(
        env,
        "select source_table, score from quality.data_quality_scores where is_latest and source_table in "
        "('analytics_stocks', 'warehouse_stock_report') order by 1",
    )
    assert [table for table, _ in scores] == ["analytics_stocks", "warehouse_stock_report"]
    assert all(score < 1 for _, score in scores)


def test_a_quantity_sent_as_text_is_listed_with_its_column_and_the_line_left_out(faulted):
    env, _, _ = faulted
    ((table, column, variant, received, rows, example),) = query(
        env,
        "select raw_table, raw_column, variant_column, received_type, row_count, example_value"
        " from quality.raw_type_mismatches",
    )
    assert (table, column, variant, received, rows) == (
        "postings_fbo__products",
        "quantity",
        "quantity__v_text",
        "text",
        1,
    )
    assert example.endswith(" шт.")
    summary = run_script("scripts.summary", "--target", "duckdb", env=env)
    assert summary.returncode == 0, summary.stderr
    assert f"     1  ozon         postings_fbo__products.quantity as text, e.g. '{example}'" in summary.stdout
    ((line,),) = query(
        env,
        "select concat(p.posting_number, ':', l._dlt_list_idx) from raw_ozon.postings_fbo__products as l"
        " inner join raw_ozon.postings_fbo as p on l._dlt_parent_id = p._dlt_id where l.quantity__v_text is not null",
    )
    assert query(
        env,
        "select rule, severity, offending_value from quality.data_quality_issues"
        " where source_table = 'postings_fbo' and natural_key = ?",
        [line],
    ) == [("quantity_out_of_range", "error", "quantity null")]
    assert query(env, "select count(*) from marts.fact_orders where order_line_key = ?", [f"ozon:100001:{line}"]) == [
        (0,)
    ]


def test_reconcile_adds_up_and_fails_when_a_mart_row_is_missing(faulted, tmp_path):
    env, _, _ = faulted
    done = reconcile(env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MISMATCH" not in done.stdout and "orders" in done.stdout and "stock analytics_stocks" in done.stdout

    copy = tmp_path / "warehouse.duckdb"  # the file name is the catalog name the views use
    shutil.copy(env["DUCKDB_PATH"], copy)
    with duckdb.connect(str(copy)) as db:
        db.execute(
            "delete from marts.fact_orders where order_line_key = "
            "(select min(order_line_key) from marts.fact_orders where marketplace = 'wildberries')"
        )
    broken = reconcile({**env, "DUCKDB_PATH": str(copy)})
    assert broken.returncode == 1
    assert "MISMATCH" in broken.stdout


def posting_check(stdout: str, entity: str) -> str:
    (line,) = [line for line in stdout.splitlines() if line.startswith("ozon") and entity in line]
    return line.split("  ")[-1]


def test_reconcile_and_health_fail_when_postings_lost_their_order_lines(faulted, tmp_path, monkeypatch):
    env, _, _ = faulted
    done = reconcile(env)
    for entity in ("postings fbo", "postings fbs"):
        assert posting_check(done.stdout, entity) == "ok (0 postings in raw without an order line)"

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(env["DUCKDB_PATH"], copy)
    with duckdb.connect(str(copy)) as db:  # what a load killed part way once left: postings without lines
        db.execute(
            "delete from raw_ozon.postings_fbo__products where _dlt_parent_id in "
            "(select _dlt_id from raw_ozon.postings_fbo order by posting_number limit 3)"
        )
        ((postings,),) = db.execute("select count(*) from raw_ozon.postings_fbo").fetchall()
    broken = reconcile({**env, "DUCKDB_PATH": str(copy)})
    assert broken.returncode == 1
    assert posting_check(broken.stdout, "postings fbo") == "MISMATCH (3 postings in raw without an order line)"
    assert posting_check(broken.stdout, "postings fbs") == "ok (0 postings in raw without an order line)"

    monkeypatch.setenv("DUCKDB_PATH", str(copy))
    with database.connect("duckdb", read_only=True) as db:
        (lost,) = health.postings_without_lines(db)
    assert (lost.name, lost.status) == ("posting lines ozon/100001 postings fbo", health.FAIL)
    assert lost.message.startswith(f"3 of {postings} postings in raw have no order line")
    monkeypatch.setenv("DUCKDB_PATH", env["DUCKDB_PATH"])
    with database.connect("duckdb", read_only=True) as db:
        assert health.postings_without_lines(db) == []


def test_health_warns_about_the_sources_whose_newest_load_scores_low(faulted, monkeypatch):
    env, _, _ = faulted
    monkeypatch.setenv("DUCKDB_PATH", env["DUCKDB_PATH"])
    with database.connect("duckdb", read_only=True) as db:  # one bad row of ~150 scores 0.993
        checks = health.quality_scores(db, 0.999)
        summary = runlog.quality_summary(db, 0.999)
        quarantine = {check.name: (check.status, check.message) for check in health.waiting_quarantine(db)}
    low = {check.name: check.status for check in checks}
    assert low["data quality ozon/100001 analytics_stocks"] == "warn"
    assert "data quality ozon/100001 product_stocks" not in low
    assert summary.startswith("data quality: ") and "analytics_stocks" in summary
    # The faulted load's quarantined postings and statistics rows wait for a re-read; the stock
    # reports' broken lines of that newest load were given up at once.
    assert set(quarantine) == {"quarantine ozon/100001", "quarantine wildberries/shop"}
    for status, message in quarantine.values():
        assert status == "degraded"
        assert "wait for a re-read" in message and "of the newest load could not be stored" in message


def test_reconcile_on_built_marts_with_nothing_loaded_says_so(tmp_path, monkeypatch, capsys):
    """It printed an empty table and exit 0, which reads as every entity reconciled."""
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "built.duckdb"))
    duckdb.connect(str(tmp_path / "built.duckdb")).close()
    monkeypatch.setattr(reconcile_module, "reconcile", lambda target: [])
    assert reconcile_module.main(["--target", "duckdb"]) == reconcile_module.EXIT_NOT_BUILT
    assert capsys.readouterr().err == "reconcile: nothing loaded yet: run `make run` (or `make demo`) first\n"
