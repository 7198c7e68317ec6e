"""Reports and WB statistics pages are never held whole: downloaded to a file (UTF-8 checked on the
way), reports checked in one pass that keeps only counts and bad rows, and read back from the file a
page at a time; rows go to dlt in short lists; the files are gone after the run."""

from __future__ import annotations

import json
import re
import threading
from http.server import ThreadingHTTPServer

import pytest
import requests

from loaders import streaming
from loaders.config import OzonAccount, WildberriesAccount
from loaders.http import ApiRequestError, ApiUnavailableError
from loaders.ozon import reports as ozon_reports
from loaders.ozon.helpers import make_client as ozon_client
from loaders.wildberries import helpers as wb_helpers
from loaders.wildberries import reports as wb_reports
from loaders.wildberries import settings as wb_settings
from sandbox import Sandbox, SandboxConfig
from tests.loaders.test_ozon_reports_loader import account_of
from tests.support.operations import QuietHandler

HEADER = '"Идентификатор склада";"Артикул";"Доступно на моем складе, шт";"Зарезервировано на моем складе, шт"\n'


@pytest.fixture
def serve():
    """serve(body) -> the URL of a local server that answers every GET with `body`."""
    servers = []

    def start(body: bytes) -> str:
        class Handler(QuietHandler):
            def do_GET(self):  # noqa: N802 (http.server's name)
                self.reply(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}/report"

    yield start
    for server in servers:
        server.shutdown()


def client():
    return streaming.streaming(ozon_client(OzonAccount("shop", "1", "key", "http://127.0.0.1:1")))


def test_batches_cut_any_iterable_into_short_lists():
    assert list(streaming.batches(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(streaming.batches([], 2)) == []


@pytest.mark.parametrize("data", [b"ab\xd0\x90cd\xffef", b"abc\xd0", b"\xd0\x90" * 5 + b"\x90", "ок".encode() * 9])
def test_a_download_goes_to_a_file_and_names_the_first_byte_that_is_not_utf8(serve, monkeypatch, data):
    monkeypatch.setattr(streaming, "DOWNLOAD_CHUNK_BYTES", 3)  # characters split across chunks
    with streaming.ReportFiles() as files:
        download = files.download(client(), serve(data))
        assert download.path.read_bytes() == data and download.size == len(data) and download.status == 200
        try:
            data.decode("utf-8")
            expected = ""
        except UnicodeDecodeError as exc:
            expected = f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"
        assert download.not_utf8 == expected
    assert not files.directory.exists(), "the files of a run are removed with it"


def test_a_download_that_breaks_off_is_unavailable(serve):
    url = serve(b"")
    broken = client()
    broken.session.request = lambda *a, **k: BrokenResponse()  # type: ignore[method-assign]
    with streaming.ReportFiles() as files, pytest.raises(ApiUnavailableError, match="the download broke off"):
        files.download(broken, url)


class BrokenResponse:
    ok, status_code, is_redirect = True, 200, False

    def iter_content(self, size):
        yield b"[1,"
        raise requests.exceptions.ChunkedEncodingError("connection reset")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def ozon_file(tmp_path, rows: int) -> streaming.Download:
    path = tmp_path / "report.csv"
    with path.open("w", encoding="utf-8-sig") as file:
        file.write(HEADER)
        for number in range(rows):
            file.write(f'"\'2214260538600{number % 3}";"\'{number:05}";"{number % 7}";"0"\n')
    return streaming.Download(path)


def test_an_ozon_report_is_checked_keeping_counts_and_read_back_from_its_file_page_by_page(tmp_path, monkeypatch):
    opened: list[ozon_reports._Lines] = []

    class Lines(ozon_reports._Lines):
        def __iter__(self):
            opened.append(self)
            return super().__iter__()

    monkeypatch.setattr(ozon_reports, "_Lines", Lines)
    report = ozon_reports.parse_report(ozon_file(tmp_path, 2500), "REPORT_x")
    assert report.problem == "" and report.rows == 2500 and report.quarantined == []
    assert [lines.count for lines in opened] == [1, 2501], "the header, then one pass over every line"

    pages = report.pages()
    first = next(pages)
    assert len(first) == 1000 and first[0] == {
        "warehouse_id": 22142605386000,
        "offer_id": "00000",
        "available": 0,
        "reserved": 0,
        "report_code": "REPORT_x",
    }
    assert opened[-1].count == 1001, "the first page is yielded before the rest of the file is read"
    assert [len(page) for page in pages] == [1000, 500]


def test_an_ozon_report_cut_mid_line_quarantines_the_line_and_loads_nothing(tmp_path):
    download = ozon_file(tmp_path, 3)
    download.path.write_bytes(download.path.read_bytes()[:-6])

    report = ozon_reports.parse_report(download, "REPORT_x")

    assert report.problem == "the file is truncated: its last line is incomplete" and report.rows == 2
    [line] = report.quarantined
    assert line["line_number"] == 4 and line["raw_line"] == '"\'22142605386002";"\'00002";"2'


def test_an_ozon_report_whose_last_row_has_no_line_end_is_whole(tmp_path):
    download = ozon_file(tmp_path, 3)
    download.path.write_bytes(download.path.read_bytes()[:-1])  # the last row, complete, without its "\n"

    report = ozon_reports.parse_report(download, "REPORT_x")

    assert report.problem == "" and report.rows == 3 and report.quarantined == []
    assert [row["offer_id"] for page in report.pages() for row in page] == ["00000", "00001", "00002"]

    download.path.write_bytes(HEADER.rstrip("\n").encode("utf-8-sig"))  # no stock: the header alone
    empty = ozon_reports.parse_report(download, "REPORT_x")
    assert empty.problem == "" and empty.rows == 0


def wb_file(tmp_path, rows: list, status: int = 200) -> streaming.Download:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    return streaming.Download(path, status=status, size=path.stat().st_size)


def remains_row(number: int) -> dict:
    return {"nmId": number, "barcode": f"{number:013}", "warehouses": [{"warehouseName": "Склад", "quantity": 1}]}


class _CountingFile:
    """A binary file that records how far it has been read after each read."""

    def __init__(self, file, read: list[int]) -> None:
        self.file, self.positions = file, read

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.positions.append(self.file.tell())
        return chunk


@pytest.fixture
def chars_read(monkeypatch) -> list[int]:
    """After each read of the JSON array reader, how many bytes of its file it has read."""
    read: list[int] = []
    original = streaming._after_bom
    monkeypatch.setattr(streaming, "READ_CHARS", 4096)
    monkeypatch.setattr(streaming, "_after_bom", lambda file: _CountingFile(original(file), read))
    return read


def test_a_wb_report_is_checked_keeping_counts_and_read_back_from_its_file_page_by_page(tmp_path, chars_read):
    download = wb_file(tmp_path, [remains_row(n) for n in range(2500)])
    report = wb_reports.check_report(download, "task")
    assert report.problem == "" and report.rows == 2500 and report.quarantined == []

    pages = report.pages()
    first = next(pages)
    assert len(first) == 1000 and first[0] == {**remains_row(0), "task_id": "task", "row_number": 1}
    assert chars_read[-1] < download.size / 2, "the first page is yielded before the rest of the file is read"
    rest = list(pages)
    assert [len(page) for page in rest] == [1000, 500] and rest[-1][-1]["row_number"] == 2500


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ 1 , 22 , -3.5e2 ]\n",
        '[{"a": "x,]\\"["}, [1, {"b": null}], true, "ок"]',
        "[" + ",".join(str(n * 1234567) for n in range(50)) + "]",
    ],
)
def test_the_json_array_reader_reads_what_json_reads_across_chunk_boundaries(tmp_path, monkeypatch, text):
    monkeypatch.setattr(streaming, "READ_CHARS", 3)
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    assert list(streaming.json_array(path)) == json.loads(text)


def test_the_json_array_reader_skips_a_byte_order_mark(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('\ufeff[{"a": 1}]', encoding="utf-8")
    assert list(streaming.json_array(path)) == [{"a": 1}]


@pytest.mark.parametrize("text", ["", "[", "[1,", "[1,]", "[1 2]", '[{"a": 1}', "[1] x", '[{"a": "b]'])
def test_the_json_array_reader_refuses_what_json_refuses(tmp_path, monkeypatch, text):
    monkeypatch.setattr(streaming, "READ_CHARS", 3)
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        list(streaming.json_array(path))


def test_a_wb_report_row_without_warehouse_entries_is_a_size_out_of_stock_not_a_bad_row(tmp_path):
    """WB lists only the warehouses holding a quantity; a size holding none may come with the list
    empty, null or absent. A list of something else is still a bad row."""
    empty, null, absent = ({**remains_row(n), "warehouses": []} for n in range(3))
    null["warehouses"] = None
    del absent["warehouses"]
    report = wb_reports.check_report(wb_file(tmp_path, [empty, null, absent, remains_row(3)]), "task")
    assert report.problem == "" and report.rows == 4 and report.quarantined == []

    bad = wb_reports.check_report(wb_file(tmp_path, [{**remains_row(4), "warehouses": "Коледино"}]), "task")
    assert [row["reason"] for row in bad.quarantined] == ["warehouses is not a list"]


def test_a_wb_warehouse_entry_without_its_quantity_loads_and_one_of_another_kind_is_bad(tmp_path):
    """An entry without its quantity costs only its cell (a data quality error in the models), not the
    report, which loads. A quantity null or as text is still a bad row (the report is not loaded)."""
    row = {**remains_row(1), "warehouses": [{"warehouseName": "Коледино"}]}
    report = wb_reports.check_report(wb_file(tmp_path, [row]), "task")
    assert report.problem == "" and report.rows == 1 and report.quarantined == []

    for quantity in (None, "3"):
        bad = {**remains_row(2), "warehouses": [{"warehouseName": "Коледино", "quantity": quantity}]}
        report = wb_reports.check_report(wb_file(tmp_path, [bad]), "task")
        (quarantined,) = report.quarantined
        assert quarantined["reason"].startswith("bad warehouse entry"), quantity


def test_a_wb_report_that_is_cut_or_not_an_array_loads_nothing(tmp_path):
    download = wb_file(tmp_path, [remains_row(1), {"nmId": "x"}, remains_row(2)])
    text = download.path.read_text(encoding="utf-8")
    download.path.write_text(text[: len(text) - 20], encoding="utf-8")

    cut = wb_reports.check_report(download, "task")

    assert (
        cut.problem.startswith("the file is not complete JSON (truncated?)")
        and f"({download.size} bytes)" in cut.problem
    )
    assert cut.rows == 0 and cut.quarantined == [], "nothing of a broken file is loaded or quarantined"
    download.path.write_text('{"data": []}', encoding="utf-8")
    assert wb_reports.check_report(download, "task").problem == "the file is not a JSON array but dict"
    assert wb_reports.check_report(streaming.Download(download.path, status=204), "task").problem == ""


@pytest.fixture
def report_files(monkeypatch) -> list[streaming.ReportFiles]:
    """Every ReportFiles made from now on."""
    made: list[streaming.ReportFiles] = []

    class Files(streaming.ReportFiles):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setattr(streaming, "ReportFiles", Files)
    return made


def test_the_report_files_of_a_run_are_removed_after_it(ozon_sandbox, monkeypatch, report_files):
    made, seen_on_disk = report_files, []
    monkeypatch.setattr(ozon_reports.settings, "REPORT_POLL_FIRST_DELAY", 0.01)
    report = ozon_reports.StockReport(ozon_client(account_of(ozon_sandbox)), timeout=5)
    for table, rows in report.tables():
        if table == "warehouse_stock_report":
            seen_on_disk.append(len(list(made[0].directory.iterdir())))
            assert len(rows) <= 1000

    assert seen_on_disk and seen_on_disk[0] == 1, "the report is read from its file while it is loaded"
    assert not made[0].directory.exists()


def test_a_statistics_page_is_read_from_its_file_in_batches(monkeypatch, report_files, chars_read):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", "600")  # orders: 1 call a minute becomes 0.1 s
    with Sandbox(SandboxConfig(seed=11, products=500, history_days=14, rate_limit_rps=0)) as sandbox:
        sandbox.wildberries.statistics_page_rows = 1500
        sandbox.wildberries.inject_fault(wb_settings.ORDERS[1], status=503)
        seller = sandbox.wildberries.accounts[0]
        account = WildberriesAccount(seller.name, seller.token, sandbox.wildberries.base_url)
        client = wb_helpers.make_client(account)
        endpoint = wb_helpers.url(account, wb_settings.ORDERS)
        batches = wb_helpers.statistics_batches(client, endpoint, "2019-06-20")

        first = next(batches)
        [files] = report_files
        [page] = files.directory.iterdir()
        assert client.stats["retries"] == 1, "a 503 is retried before the first row is yielded"
        assert len(first) == 1000 and chars_read[-1] < len(page.read_text(encoding="utf-8")), (
            "yielded before the page is read"
        )
        rest = list(batches)
        orders = sandbox.wildberries.truth(seller.token).orders

    assert [len(batch) for batch in rest[:1]] == [500], "a page of 1,500 rows goes in batches of 1,000"
    assert all(len(batch) <= 1000 for batch in rest)
    assert sorted(row["srid"] for batch in [first, *rest] for row in batch) == sorted(o["srid"] for o in orders)
    assert not files.directory.exists(), "the pages are removed after the paging"


def test_a_wb_warehouse_stock_page_that_is_an_error_fails_instead_of_holding_no_rows(wb_sandbox):
    """WB's problem details answered with 200 have no data.items: read as a page without rows, the
    account's stock at WB warehouses was an empty snapshot and the run said ok."""
    problem = {"title": "internal server error", "detail": "try again later", "status": 500}
    wb_sandbox.wildberries.reshapes[wb_settings.WB_WAREHOUSE_STOCKS[1]] = lambda call, answer: problem
    seller = wb_sandbox.wildberries.accounts[0]
    account = WildberriesAccount(seller.name, seller.token, wb_sandbox.wildberries.base_url)

    with pytest.raises(ApiRequestError, match=r"HTTP 200 with an error in its body \(title internal server error"):
        list(wb_helpers.wb_warehouse_stock_pages(wb_helpers.make_client(account), account))


def test_wb_warehouse_stock_pages_are_read_from_their_files_in_batches(monkeypatch, report_files, chars_read):
    monkeypatch.setenv("WB_RATE_LIMIT_SCALE", "600")  # one call every 20 s becomes every 0.03 s
    monkeypatch.setattr(wb_settings, "WB_WAREHOUSE_STOCKS_PAGE_SIZE", 1500)
    with Sandbox(SandboxConfig(seed=11, products=500, rate_limit_rps=0)) as sandbox:
        seller = sandbox.wildberries.accounts[0]
        account = WildberriesAccount(seller.name, seller.token, sandbox.wildberries.base_url)
        client = wb_helpers.make_client(account)
        endpoint = wb_helpers.url(account, wb_settings.WB_WAREHOUSE_STOCKS)
        whole = client.post(endpoint, {"nmIds": [], "chrtIds": [], "limit": 250_000, "offset": 0})["data"]["items"]
        batches = wb_helpers.wb_warehouse_stock_pages(client, account)

        first = next(batches)
        [files] = report_files
        [page] = files.directory.iterdir()
        assert len(first) == 1000 and chars_read[-1] < len(page.read_text(encoding="utf-8")), (
            "yielded before the page is read"
        )
        rest = list(batches)

    assert len(whole) > 1500, "more than one page"
    assert [len(batch) for batch in rest[:1]] == [500], "a page of 1,500 rows goes in batches of 1,000"
    assert all(len(batch) <= 1000 for batch in rest)
    assert [row for batch in [first, *rest] for row in batch] == whole
    assert not files.directory.exists(), "the pages are removed after the paging"


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"data": {"items": [1, 22]}}', [1, 22]),
        (
            '{"a": -3.5, "data": {"x": "}]", "items": [{"k": -3.5}, [1]], "z": {"q": [1, {}]}}, "b": null}',
            [{"k": -3.5}, [1]],
        ),
        ('{"data": {"items": []}}', []),
    ],
)
def test_the_json_array_reader_finds_an_array_nested_in_objects(tmp_path, monkeypatch, text, expected):
    monkeypatch.setattr(streaming, "READ_CHARS", 3)
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    assert list(streaming.json_array(path, ("data", "items"))) == expected == json.loads(text)["data"]["items"]


@pytest.mark.parametrize("text", ['{"data": {"items": null}}', '{"data": null}', '{"other": 1}', "[1]"])
def test_the_json_array_reader_hands_back_a_document_without_the_nested_array(tmp_path, text):
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(streaming.NotAnArrayError) as raised:
        list(streaming.json_array(path, ("data", "items")))
    assert raised.value.value == json.loads(text)


@pytest.mark.parametrize(
    "text", ['{"data": {"items": [1, 2]}', '{"data": {"items": [1]}} x', '{"data": {"items": [1] "z"}}']
)
def test_the_json_array_reader_refuses_a_broken_document_around_the_nested_array(tmp_path, monkeypatch, text):
    monkeypatch.setattr(streaming, "READ_CHARS", 3)
    path = tmp_path / "a.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError):
        list(streaming.json_array(path, ("data", "items")))


def statistics_row(number: int) -> str:
    return json.dumps({"srid": f"s{number}", "lastChangeDate": "2026-01-01T00:00:00"})


@pytest.mark.parametrize(
    "body, error, batches",
    [
        (b"[]", None, []),
        (b"null", None, []),
        (b'{"errors": ["dateFrom: field required"]}', "HTTP 200 with an error in its body (errors ['dateFrom", []),
        (b'{"fault": "unknown"}', "expected a JSON array, got <class 'dict'>", []),
        (b"<html>bad gateway</html>", "answer is not JSON (24 bytes)", []),
        # cut off after 1,500 rows: the first 1,000 are yielded before the cut is read
        (f'[{",".join(statistics_row(n) for n in range(1500))}, {{"srid'.encode(), "answer is not JSON", [1000]),
    ],
)
def test_a_statistics_page_that_is_not_a_json_array_is_a_clear_error_and_leaves_no_file(
    serve, report_files, body, error, batches
):
    client = wb_helpers.make_client(WildberriesAccount("shop", "statistics-test-token-7f3a", "http://127.0.0.1:1"))
    yielded: list[int] = []

    def read_all() -> None:
        for batch in wb_helpers.statistics_batches(client, serve(body), "2026-01-01T00:00:00"):
            yielded.append(len(batch))

    if error is None:
        read_all()
    else:
        with pytest.raises(ApiRequestError, match=re.escape(error)):
            read_all()
    [files] = report_files
    assert yielded == batches and not files.directory.exists(), "no file is left, also after an error"


def test_an_ozon_report_ending_in_blank_lines_loads_its_rows(tmp_path):
    download = ozon_file(tmp_path, 3)
    download.path.write_bytes(download.path.read_bytes() + b"\r\n\n")

    report = ozon_reports.parse_report(download, "REPORT_x")

    assert report.problem == "" and report.rows == 3 and report.quarantined == []
    assert [row["offer_id"] for page in report.pages() for row in page] == ["00000", "00001", "00002"]


def test_an_unended_last_row_whose_quoted_field_holds_a_line_end_is_whole(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        '"Идентификатор склада";"Артикул";"Наименование товара";"Доступно на моем складе, шт";'
        '"Зарезервировано на моем складе, шт"\n1;"A-1";"Чайник";2;0\n1;"A-2";"Товар\nс переносом";5;1',
        encoding="utf-8-sig",
    )

    report = ozon_reports.parse_report(streaming.Download(path), "REPORT_x")

    assert report.problem == "" and report.rows == 2
    assert [row["product_name"] for page in report.pages() for row in page] == ["Чайник", "Товар\nс переносом"]


def test_an_ozon_report_header_is_read_whatever_its_case_and_spacing(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        '"идентификатор склада";"Артикул ";"  Название  склада";"ДОСТУПНО НА МОЕМ СКЛАДЕ, ШТ";'
        '"Зарезервировано на моем складе,  шт"\n7;"A-1";"Мой склад";2;1\n',
        encoding="utf-8-sig",
    )

    report = ozon_reports.parse_report(streaming.Download(path), "REPORT_x")

    assert report.problem == "" and report.unknown_columns == []
    assert [row for page in report.pages() for row in page] == [
        {
            "warehouse_id": 7,
            "offer_id": "A-1",
            "warehouse_name": "Мой склад",
            "available": 2,
            "reserved": 1,
            "report_code": "REPORT_x",
        }
    ]
