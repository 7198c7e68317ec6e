"""The asynchronous FBS warehouse stock report: `POST /v1/report/warehouse/stock` → a code,
`POST /v1/report/info` → `waiting`, `processing`, then `success` with a `file` URL (or `failed`),
`GET` the file → a CSV written the way Ozon writes its report files.

Contract: the Ozon Seller API documentation and the OpenAPI schemas `v1CreateStockByWarehouseReportRequest`,
`commonCreateReportResponse`, `reportReportinfo`. The report is what the cabinet's "Скачать в XLS"
gives for the seller's own (FBS/rFBS) warehouses named in `warehouseId`: one row per product and
warehouse, from the account's ground truth at the moment the report is created, so its totals
equal the fbs/rfbs stock `/v4/product/info/stocks` serves. The status advances one step per
`/v1/report/info` call (`polls_until_ready` calls answer waiting/processing first).

Faults (`OzonReports.inject`) apply to the next reports created, in order: `failed` (status
`failed` with an error code), `stuck` (`processing` forever), `truncated` (the file stops mid-row),
`wrong_delimiter` (`,` instead of `;`), `broken_row` (one row with a field missing).
With `as_xlsx` set, files are XLSX workbooks of the same rows instead (Ozon's schema calls the link
an "XLSX-файл", the cabinet's button says XLS); the file faults are the CSV's.
"""

from __future__ import annotations

import io
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import openpyxl

from sandbox.ozon_reference import invalid_argument, parse_ids, seller_stock_by_warehouse, seller_warehouses
from sandbox.server import ApiCall, ApiError, MarketplaceApi, Response

if TYPE_CHECKING:
    from sandbox.ozon_data import OzonSeller, OzonTruth

WAREHOUSE_STOCK_REPORT = "/v1/report/warehouse/stock"
REPORT_INFO = "/v1/report/info"
REPORT_FILE = "/s3/seller-reports/{file_name}"

MAX_REPORT_WAREHOUSES = 50
# The code stays valid 3 days; the file link expires with it.
REPORT_LIFETIME = timedelta(days=3)
FAULTS = ("failed", "stuck", "truncated", "wrong_delimiter", "broken_row")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FAILED_ERROR = "REPORT_GENERATION_FAILED"

HEADER = (
    "Идентификатор склада",
    "Название склада",
    "Артикул",
    "Наименование товара",
    "Доступно на моем складе, шт",
    "Зарезервировано на моем складе, шт",
)


@dataclass
class _Report:
    code: str
    client_id: str
    warehouse_ids: list[int]
    language: str
    created_at: datetime
    fault: str | None
    file_name: str
    content: bytes
    polls: int = 0


@dataclass
class OzonReports:
    """Every report created in one sandbox, with the faults waiting for the next ones."""

    truth: Callable[[str], OzonTruth]
    now: Callable[[], datetime]
    base_url: Callable[[], str]
    polls_until_ready: int = 1
    as_xlsx: bool = False
    _reports: dict[str, _Report] = field(default_factory=dict)
    _files: dict[str, _Report] = field(default_factory=dict)
    _faults: deque[str] = field(default_factory=deque)
    _rng: random.Random = field(default_factory=lambda: random.Random("ozon-reports"))  # noqa: S311 (fake ids)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def inject(self, fault: str, times: int = 1) -> None:
        """Make the next `times` reports created go wrong the way `fault` (one of FAULTS) says."""
        if fault not in FAULTS:
            raise ValueError(f"unknown report fault {fault!r}: use one of {', '.join(FAULTS)}")
        with self._lock:
            self._faults.extend([fault] * times)

    def create(self, call: ApiCall) -> dict:
        seller: OzonSeller = call.account
        client_id = seller.account.client_id
        warehouse_ids = _warehouse_ids(call.body.get("warehouseId"))
        unknown = set(warehouse_ids) - {warehouse.warehouse_id for warehouse in seller_warehouses(client_id)}
        if unknown:
            raise invalid_argument(f"warehouseId: unknown warehouse {min(unknown)}")
        with self._lock:
            fault = self._faults.popleft() if self._faults else None
            created_at = self.now()
            code = f"REPORT_seller_stock_{client_id}_{int(created_at.timestamp())}_{self._uuid()}"
            file_name = f"{self._rng.getrandbits(128):032x}.csv"
        rows = _rows(self.truth(client_id), client_id, warehouse_ids)
        report = _Report(
            code=code,
            client_id=client_id,
            warehouse_ids=warehouse_ids,
            language=str(call.body.get("language") or "DEFAULT"),
            created_at=created_at,
            fault=fault,
            file_name=file_name,
            content=_xlsx(rows) if self.as_xlsx else _csv(rows, fault),
        )
        with self._lock:
            self._reports[code] = self._files[file_name] = report
        return {"result": {"code": code}}

    def info(self, call: ApiCall) -> dict:
        code = call.body.get("code")
        if not isinstance(code, str) or not code:
            raise invalid_argument("code is required")
        with self._lock:
            report = self._reports.get(code)
            if report is None or report.client_id != call.account.account.client_id:
                raise ApiError(404, {"code": 5, "message": "report not found", "details": []})
            report.polls += 1
            status = self._status(report)
        ready = status == "success"
        return {
            "result": {
                "code": report.code,
                "status": status,
                "error": FAILED_ERROR if status == "failed" else "",
                "file": f"{self.base_url()}{REPORT_FILE.format(file_name=report.file_name)}" if ready else "",
                "report_type": "SELLER_STOCK",
                "params": {"warehouseId": ",".join(map(str, report.warehouse_ids)), "language": report.language},
                "created_at": _timestamp(report.created_at),
                "expires_at": _timestamp(report.created_at + REPORT_LIFETIME) if ready else "",
                "additional_data": [],
            }
        }

    def file(self, call: ApiCall) -> Response:
        with self._lock:
            report = self._files.get(call.params["file_name"])
        if report is None or self._status(report) != "success" or self.now() > report.created_at + REPORT_LIFETIME:
            return Response(404, b"<Error><Code>NoSuchKey</Code></Error>", {"Content-Type": "application/xml"})
        content_type = XLSX_TYPE if report.content.startswith(b"PK") else "text/csv"
        return Response(200, report.content, {"Content-Type": content_type})

    def _status(self, report: _Report) -> str:
        if report.polls <= self.polls_until_ready or report.fault == "stuck":
            return "waiting" if report.polls == 1 else "processing"
        return "failed" if report.fault == "failed" else "success"

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))


def register_report_routes(
    api: MarketplaceApi, truth: Callable[[str], OzonTruth], now: Callable[[], datetime]
) -> OzonReports:
    """Serve the report flow on `api`, its files built from `truth` (an account's by client id);
    returns the report store, whose `inject` tests use."""
    reports = OzonReports(truth=truth, now=now, base_url=lambda: api.base_url)
    api.route("POST", WAREHOUSE_STOCK_REPORT, reports.create)
    api.route("POST", REPORT_INFO, reports.info)
    api.route("GET", REPORT_FILE, reports.file)
    return reports


# --- content -------------------------------------------------------------------------------------


def _rows(truth: OzonTruth, client_id: str, warehouse_ids: list[int]) -> list[tuple]:
    """(warehouse id, warehouse name, article, product name, available, reserved) per product and
    requested warehouse; archived products are not on the stock page, so not in the report."""
    products = {product["product_id"]: product for product in truth.products if not product["archived"]}
    wanted = set(warehouse_ids)
    rows = []
    for warehouse, stock in seller_stock_by_warehouse(truth.fbs_stock, seller_warehouses(client_id)):
        product = products.get(stock["product_id"])
        if product is None or warehouse.warehouse_id not in wanted:
            continue
        available = stock["present"] - stock["reserved"]
        rows.append(
            (
                str(warehouse.warehouse_id),
                warehouse.name,
                product["offer_id"],
                product["name"],
                available,
                stock["reserved"],
            )
        )
    return sorted(rows, key=lambda row: (row[0], row[2]))


def _csv(rows: list[tuple], fault: str | None) -> bytes:
    """Ozon's report CSV: UTF-8 with BOM, `;`, LF, non-empty fields double-quoted and empty ones bare,
    numeric-looking text (ids, all-digit articles) prefixed with an apostrophe, counts plain."""
    delimiter = "," if fault == "wrong_delimiter" else ";"
    lines = [HEADER]
    for number, row in enumerate(rows):
        cells = [_cell(value) for value in row]
        lines.append(cells[:-1] if fault == "broken_row" and number == len(rows) // 2 else cells)
    text = "\ufeff" + "".join(delimiter.join(map(_quoted, cells)) + "\n" for cells in lines)
    return (text[: len(text) * 2 // 3] if fault == "truncated" else text).encode("utf-8")


def _xlsx(rows: list[tuple]) -> bytes:
    """The report as a one-sheet workbook: the CSV's header, ids and articles as text, counts as
    numbers (no file fault)."""
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Остатки")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    file = io.BytesIO()
    workbook.save(file)
    return file.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return f"'{text}" if text.replace(".", "", 1).isdigit() else text


def _quoted(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if cell else ""


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


# --- request parsing -----------------------------------------------------------------------------


def _warehouse_ids(value: object) -> list[int]:
    """`warehouseId`: required, 1 to 50 ids as strings (int64) or numbers."""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_REPORT_WAREHOUSES:
        raise invalid_argument(f"warehouseId is required: from 1 to {MAX_REPORT_WAREHOUSES} warehouse ids")
    return parse_ids(value, "warehouseId")
