"""The Ozon loader's warehouses, clusters and warehouse stock report against the sandbox: rows equal
the truth, reruns behave, and a failed, stuck or malformed report loads nothing partial but is
recorded and reported."""

from __future__ import annotations

import http.server
import logging
import threading

import duckdb
import pytest

from loaders import config, streaming, workbook
from loaders.config import OzonAccount
from loaders.http import RetryPolicy
from loaders.outcomes import Outcomes
from loaders.ozon import ozon_source, reports, settings
from loaders.ozon.helpers import make_client
from loaders.pipeline import Marketplace, PreparedSource, run
from sandbox.ozon_reports import REPORT_FILE
from scripts import database

REPORT_RESOURCES = ("warehouse_stock_report",)


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch):
    monkeypatch.setattr(settings, "REPORT_POLL_FIRST_DELAY", 0.01)
    monkeypatch.setattr(settings, "REPORT_POLL_MAX_DELAY", 0.02)
    monkeypatch.setenv("OZON_REPORT_TIMEOUT_SECONDS", "0.2")


def account_of(sandbox) -> OzonAccount:
    acc = sandbox.ozon.accounts[0]
    return OzonAccount("shop", acc.client_id, acc.api_key, sandbox.ozon.base_url)


def load(sandbox, resources: tuple[str, ...], client=None, destination="duckdb", guarded=True):
    """Run the loader the way the CLI does (a failing resource is recorded in the result's
    `resources`), or, with `guarded=False`, so that the first error fails the run."""

    def prepare(account):
        outcomes = Outcomes(f"Ozon account {account.name}") if guarded else None
        return PreparedSource(ozon_source(account, client=client, outcomes=outcomes), [], outcomes)

    marketplace = Marketplace(name="ozon", dataset="raw_ozon", resources=(), accounts=list, prepare=prepare)
    return run(marketplace, account_of(sandbox), destination_name=destination, resources=resources)


def not_loaded(result) -> list[dict]:
    return [outcome for outcome in result.resources if outcome["status"] != "ok"]


def rows(sql: str) -> list[tuple]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.sql(sql).fetchall()


def table_exists(name: str) -> bool:
    return bool(
        rows(f"select 1 from information_schema.tables where table_schema = 'raw_ozon' and table_name = '{name}'")
    )


def expected_stock(sandbox) -> dict[str, tuple[int, int]]:
    """(present, reserved) per article from the truth: what the report rows must add up to."""
    truth = sandbox.ozon.truth(sandbox.ozon.accounts[0].client_id)
    articles = {p["product_id"]: p["offer_id"] for p in truth.products if not p["archived"]}
    totals: dict[str, tuple[int, int]] = {}
    for stock in truth.fbs_stock:
        if stock["product_id"] in articles:
            present, reserved = totals.get(articles[stock["product_id"]], (0, 0))
            totals[articles[stock["product_id"]]] = (present + stock["present"], reserved + stock["reserved"])
    return totals


def test_warehouses_and_clusters_merge_on_their_keys(ozon_sandbox, workdir):
    load(ozon_sandbox, ("warehouses", "clusters"))
    load(ozon_sandbox, ("warehouses", "clusters"))

    assert rows("select count(*), count(distinct warehouse_id), min(account) from raw_ozon.warehouses") == [
        (3, 3, "shop")
    ]
    assert rows("select count(*) from raw_ozon.warehouses where is_rfbs") == [(1,)]
    assert rows("select count(*) from raw_ozon.warehouses where pause_at is null") == [(3,)]
    clusters = rows("select count(*), count(distinct id) from raw_ozon.clusters")[0]
    assert clusters[0] == clusters[1] > 1
    served = rows("select count(*), count(distinct warehouse_id) from raw_ozon.clusters__logistic_clusters__warehouses")
    assert served == [(40, 40)], "a rerun replaces the nested warehouses of a merged cluster"


def test_report_rows_equal_the_truth_and_the_request_is_recorded(ozon_sandbox, workdir):
    ozon_sandbox.ozon.reports.polls_until_ready = 2

    load(ozon_sandbox, REPORT_RESOURCES)

    loaded = rows(
        "select offer_id, sum(available + reserved), sum(reserved) from raw_ozon.warehouse_stock_report group by 1"
    )
    assert {article: (present, reserved) for article, present, reserved in loaded} == expected_stock(ozon_sandbox)
    [request] = rows(
        "select account, report_code, report_type, status, outcome, error, polls, rows, rows_quarantined,"
        " requested_at <= finished_at from raw_ozon.report_requests"
    )
    stock_rows = rows(
        "select count(*), count(distinct report_code), min(report_code) from raw_ozon.warehouse_stock_report"
    )
    assert request[:2] == ("shop", stock_rows[0][2]) and stock_rows[0][1] == 1
    assert request[2:] == ("warehouse_stock", "success", "loaded", "", 3, stock_rows[0][0], 0, True)
    assert rows("select count(*) from raw_ozon.warehouse_stock_report where offer_id like '''%'") == [(0,)]
    assert not table_exists("warehouse_stock_report_quarantine")
    # in Russian, whatever the cabinet's language: the columns are mapped by their Russian headers
    assert [report.language for report in ozon_sandbox.ozon.reports._reports.values()] == ["RU"]


def test_a_report_that_comes_as_an_xlsx_workbook_loads_the_same_rows(ozon_sandbox, workdir):
    """Ozon's schema calls the report's link an XLSX file: the loader reads a workbook as it reads the
    CSV (ids and articles as text cells, counts as number cells)."""
    ozon_sandbox.ozon.reports.as_xlsx = True

    assert not_loaded(load(ozon_sandbox, REPORT_RESOURCES)) == []

    loaded = rows(
        "select offer_id, sum(available + reserved), sum(reserved) from raw_ozon.warehouse_stock_report group by 1"
    )
    assert {article: (present, reserved) for article, present, reserved in loaded} == expected_stock(ozon_sandbox)
    assert rows("select outcome, rows > 0, rows_quarantined from raw_ozon.report_requests") == [("loaded", True, 0)]
    assert rows("select count(*) from raw_ozon.warehouse_stock_report where warehouse_id is null") == [(0,)]


def test_a_zip_that_is_no_workbook_makes_the_report_malformed(tmp_path):
    path = tmp_path / "report"
    path.write_bytes(b"PK\x03\x04 not really a zip archive")
    download = streaming.Download(path, status=200, size=path.stat().st_size)

    report = reports.parse_report(workbook.as_csv(download), "code")

    assert report.problem.startswith("the file is a ZIP archive but no readable XLSX workbook (BadZipFile")
    assert report.rows == 0


def test_a_rerun_appends_a_second_snapshot_with_its_own_report(ozon_sandbox, workdir):
    load(ozon_sandbox, REPORT_RESOURCES)
    load(ozon_sandbox, REPORT_RESOURCES)

    snapshots = rows(
        "select count(distinct synced_at), count(distinct report_code), count(*) from raw_ozon.warehouse_stock_report"
    )
    first = rows("select count(*) from raw_ozon.warehouse_stock_report group by synced_at")
    assert snapshots[0][:2] == (2, 2) and first[0] == first[1]
    assert rows("select count(*), count(distinct report_code) from raw_ozon.report_requests") == [(2, 2)]


def failed_run(sandbox, fault: str) -> list[dict]:
    sandbox.ozon.reports.inject(fault)
    return not_loaded(load(sandbox, ("warehouses", *REPORT_RESOURCES)))


@pytest.mark.parametrize(
    ("fault", "outcome", "error"),
    [
        ("failed", "failed", "REPORT_GENERATION_FAILED"),
        ("stuck", "timed_out", "still 'processing' after 0.2s"),
        ("truncated", "malformed", "the file is truncated"),
        ("wrong_delimiter", "malformed", "the header is not the expected ';'-separated columns"),
        ("broken_row", "malformed", "1 row(s) could not be read"),
    ],
)
def test_a_bad_report_loads_no_stock_but_records_the_request_and_the_error(
    ozon_sandbox, workdir, caplog, fault, outcome, error
):
    failures = failed_run(ozon_sandbox, fault)

    [request] = rows("select report_code, outcome, error, rows from raw_ozon.report_requests")
    assert request[1] == outcome and request[2].startswith(error) and request[3] == 0
    assert not table_exists("warehouse_stock_report")
    assert rows("select count(*) from raw_ozon.warehouses") == [(3,)], "other resources still load"
    [failure] = failures
    assert (failure["resource"], failure["status"]) == ("warehouse_stock_report", "failed")
    assert "account shop" in failure["message"] and request[0] in failure["message"] and error in failure["message"]
    assert any(request[0] in record.getMessage() for record in caplog.records if record.levelno == logging.ERROR)


def test_an_undocumented_report_status_ends_the_wait_at_once(ozon_sandbox, workdir, monkeypatch):
    """Polled until the deadline, an "error" status took OZON_REPORT_TIMEOUT_SECONDS (20 minutes by
    default) of each run and then read as a timeout (API audit)."""
    monkeypatch.setenv("OZON_REPORT_TIMEOUT_SECONDS", "3")

    def error_status(call, body: dict) -> dict:
        body["result"]["status"] = "error"
        return body

    ozon_sandbox.ozon.reshapes[settings.REPORT_INFO] = error_status
    failures = not_loaded(load(ozon_sandbox, REPORT_RESOURCES))
    [(outcome, error, polls)] = rows("select outcome, error, polls from raw_ozon.report_requests")
    assert (outcome, error, polls) == ("failed", "Ozon answers a status it does not document: 'error'", 1)
    assert [failure["resource"] for failure in failures] == ["warehouse_stock_report"]


def test_a_download_that_keeps_failing_is_recorded_as_unreachable(ozon_sandbox, workdir):
    client = make_client(account_of(ozon_sandbox))
    client.retry = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01)
    ozon_sandbox.ozon.inject_fault(REPORT_FILE, status=503, times=2)
    failures = not_loaded(load(ozon_sandbox, REPORT_RESOURCES, client))

    [(outcome, error)] = rows("select outcome, error from raw_ozon.report_requests")
    assert outcome == "unreachable" and "still failing after 2 attempts" in error
    assert not table_exists("warehouse_stock_report") and len(failures) == 1


def test_rows_that_cannot_be_read_are_quarantined_with_the_reason(ozon_sandbox, workdir):
    failed_run(ozon_sandbox, "broken_row")

    [(line, reason, raw_line, account)] = rows(
        "select line_number, reason, raw_line, account from raw_ozon.warehouse_stock_report_quarantine"
    )
    assert reason == "5 fields instead of 6" and raw_line.count(";") == 4 and line > 1 and account == "shop"
    assert rows("select rows_quarantined from raw_ozon.report_requests") == [(1,)]


def test_a_stuck_report_is_polled_with_back_off_until_the_deadline(ozon_sandbox, workdir):
    failed_run(ozon_sandbox, "stuck")

    polls = [r for r in ozon_sandbox.ozon.requests if r.path == settings.REPORT_INFO]
    # Waits of 0.01, 0.02, 0.02, ... seconds fit about ten polls into 0.2 s; far fewer than a busy loop.
    assert 2 <= len(polls) <= 12
    assert rows("select polls from raw_ozon.report_requests") == [(len(polls),)]


def test_without_outcomes_the_run_fails_at_once_naming_account_and_report(ozon_sandbox, workdir):
    ozon_sandbox.ozon.reports.inject("failed")

    with pytest.raises(Exception, match="REPORT_GENERATION_FAILED") as raised:
        load(ozon_sandbox, REPORT_RESOURCES, guarded=False)

    assert "REPORT_seller_stock_" in str(raised.value) and "account shop" in str(raised.value)
    assert not table_exists("warehouse_stock_report")


def test_the_api_key_never_reaches_the_logs_or_the_report_host(ozon_sandbox, workdir, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    ozon_sandbox.ozon.reports.inject("failed")
    failures = failed_run(ozon_sandbox, "truncated") + not_loaded(load(ozon_sandbox, REPORT_RESOURCES))

    key = ozon_sandbox.ozon.accounts[0].api_key
    captured = capfd.readouterr()
    assert len(failures) == 2
    assert key not in caplog.text and key not in captured.out + captured.err
    assert all(key not in failure["message"] for failure in failures)


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_a_bad_report_timeout_is_a_configuration_error(monkeypatch, value):
    monkeypatch.setenv("OZON_REPORT_TIMEOUT_SECONDS", value)
    with pytest.raises(config.ConfigError, match="OZON_REPORT_TIMEOUT_SECONDS"):
        reports.report_timeout()


@pytest.mark.parametrize(
    ("status", "body", "says"),
    [
        (
            403,
            b"<Error>\n  <Code>AccessDenied</Code>\n</Error>",
            ("HTTP 403 (<Error> <Code>AccessDenied</Code> </Error>)", "the report's task or file is gone"),
        ),
        (404, b"<Error><Code>NoSuchKey</Code></Error>", ("the report's task or file is gone",)),
    ],
)
def test_a_report_link_the_file_host_refuses_is_unreachable_not_a_rejected_key(
    ozon_sandbox, workdir, status, body, says
):
    """The file host gets no Api-Key: its 403 (an expired link) is no verdict on the key, and its 404 (a
    file gone) no withdrawn API method: neither sends the seller to the key or to a new release."""

    class Refusing(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refusing) as host:
        threading.Thread(target=host.serve_forever, daemon=True).start()
        ozon_sandbox.ozon.reports.base_url = lambda: f"http://127.0.0.1:{host.server_port}"
        failures = not_loaded(load(ozon_sandbox, REPORT_RESOURCES))
        host.shutdown()

    [(outcome, error)] = rows("select outcome, error from raw_ozon.report_requests")
    assert outcome == "unreachable" and all(part in error for part in says), error
    assert "check the endpoint version" not in error
    [failure] = failures
    assert failure["status"] == "failed" and "Api-Key" not in failure["message"]
    assert "update this project" not in failure["message"] and "no longer serves" not in failure["message"]


def test_report_files_off_the_api_host_are_fetched_without_credentials():
    client = make_client(OzonAccount("shop", "100001", "secret-key-1234", "https://api-seller.ozon.ru"))
    file_client = reports.StockReport(client, timeout=1)._file_client
    assert client.session.headers["Api-Key"] == "secret-key-1234"
    assert "Api-Key" not in file_client.session.headers and "Client-Id" not in file_client.session.headers


@pytest.mark.postgres
def test_postgres_gets_the_same_tables_and_types(ozon_sandbox, workdir, postgres_database):
    failures = not_loaded(load(ozon_sandbox, REPORT_RESOURCES, destination="postgres"))
    ozon_sandbox.ozon.reports.inject("broken_row")
    failures += not_loaded(load(ozon_sandbox, REPORT_RESOURCES, destination="postgres"))

    with database.connect("postgres", read_only=True) as db:
        outcomes = db.execute("select outcome, count(*) from raw_ozon.report_requests group by 1 order by 1")
        ((snapshots,),) = db.execute("select count(distinct report_code) from raw_ozon.warehouse_stock_report")
        ((quarantined,),) = db.execute("select count(*) from raw_ozon.warehouse_stock_report_quarantine")
        types = set(
            db.execute(
                "select table_name, column_name, data_type from information_schema.columns"
                " where table_schema = 'raw_ozon'"
                " and column_name in ('warehouse_id', 'available', 'requested_at', 'synced_at')"
            )
        )
    assert outcomes == [("loaded", 1), ("malformed", 1)] and snapshots == 1 and quarantined == 1
    assert ("warehouse_stock_report", "warehouse_id", "bigint") in types
    assert ("warehouse_stock_report", "available", "bigint") in types
    assert ("report_requests", "requested_at", "timestamp with time zone") in types
    assert len(failures) == 1


def test_report_columns_are_matched_by_name_and_unknown_ones_are_named(tmp_path):
    path = tmp_path / "report.csv"
    path.write_bytes(
        (
            '"Артикул";"SKU";"Доступно на моем складе, шт";"Идентификатор склада";'
            '"Зарезервировано на моем складе, шт"\n'
            '"\'0042";"\'123456789";"7";"\'22142605386000";"0"\n'
        ).encode()
    )

    report = reports.parse_report(streaming.Download(path), "REPORT_x")

    assert report.problem == "" and report.unknown_columns == ["SKU"] and report.rows == 1
    assert list(report.pages()) == [
        [{"offer_id": "0042", "available": 7, "warehouse_id": 22142605386000, "reserved": 0, "report_code": "REPORT_x"}]
    ]


def test_a_figure_too_long_for_the_database_is_a_quarantined_row_not_a_lost_load(tmp_path):
    """One oversized cell made dlt's extract fail the account's whole load (every resource, with no outcome
    recorded): it is a row that cannot be read, quarantined with the reason; so is a digit that is no ASCII."""
    path = tmp_path / "report.csv"
    header = '"Артикул";"Доступно на моем складе, шт";"Идентификатор склада";"Зарезервировано на моем складе, шт"\n'
    lines = ['"a";"7";"1";"0"', '"b";"99999999999999999999";"1";"0"', '"c";"²";"1";"0"', '"d";"-5";"1";"0"']
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")

    report = reports.parse_report(streaming.Download(path), "REPORT_x")

    assert [row["offer_id"] for page in report.pages() for row in page] == ["a", "d"]
    reasons = [entry["reason"] for entry in report.quarantined]
    assert reasons == [
        "available: '99999999999999999999' has more digits than a stock figure or id can (18)",
        "available: '²' is not a whole number",
    ]
