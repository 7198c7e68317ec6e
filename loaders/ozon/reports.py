"""Ozon warehouses, clusters and the asynchronous FBS warehouse stock report.

The report flow: `POST /v1/report/warehouse/stock` (at most 50 warehouses a report) → a code;
`POST /v1/report/info` with back-off until `success` or `failed`, or until the deadline; GET the
`file` URL; parse the CSV (UTF-8 BOM, `;`, blank lines skipped, Russian headers mapped by name
whatever their case and spacing through `settings.WAREHOUSE_STOCK_REPORT_COLUMNS`, apostrophes
before numeric-looking text), or an XLSX workbook of the same columns (loaders/workbook.py turns it
into that CSV first).

A stock snapshot is all or nothing: a row missing from it reads downstream as "no stock there".
So every report of a run is downloaded and checked in full before the first stock row is
yielded, and if any report failed, timed out or is malformed, no stock row of the run is yielded.
The files wait on disk meanwhile, and are read again in pages (loaders/streaming.py).
Rows that cannot be read go to the quarantine table with the reason, and make their report
malformed. Every report request is recorded with its outcome in `report_requests`.
"""

from __future__ import annotations

import csv
import logging
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from loaders import config, streaming, workbook
from loaders.http import (
    ApiClient,
    ApiRequestError,
    ApiUnavailableError,
    CursorTrail,
    has_next_page,
    json_object,
    member,
    rows_at,
)
from loaders.ozon import settings
from loaders.report_outcomes import (
    FAILED,
    LOADED,
    MALFORMED,
    TIMED_OUT,
    UNREACHABLE,
    ReportFailedError,
    record_parsed,
    unreachable_error,
)

log = logging.getLogger(__name__)

REPORT_TYPE = "warehouse_stock"
QUARANTINE_TABLE = "warehouse_stock_report_quarantine"
REQUESTS_TABLE = "report_requests"

# The statuses of a report on its way (ozon.md: waiting, processing, then success or failed).
PENDING_STATUSES = ("waiting", "processing")


def report_timeout() -> float:
    """Seconds to wait for a report to be ready: OZON_REPORT_TIMEOUT_SECONDS, default 600."""
    return config.positive_number("OZON_REPORT_TIMEOUT_SECONDS", settings.REPORT_TIMEOUT_SECONDS, "number of seconds")


# --- warehouses and clusters ---------------------------------------------------------------------


def warehouse_pages(client: ApiClient) -> Iterator[list[dict]]:
    """Pages of /v2/warehouse/list (the seller's FBS and rFBS warehouses), following its cursor."""
    cursor = ""
    trail = CursorTrail(client, settings.WAREHOUSE_LIST, cursor)
    while True:
        answer = client.post(settings.WAREHOUSE_LIST, {"limit": settings.WAREHOUSE_LIST_PAGE_SIZE, "cursor": cursor})
        warehouses = rows_at(client, settings.WAREHOUSE_LIST, answer, "warehouses")
        if warehouses:
            yield warehouses
        if not has_next_page(
            client, settings.WAREHOUSE_LIST, answer, len(warehouses), settings.WAREHOUSE_LIST_PAGE_SIZE
        ):
            return
        cursor = trail.follow(answer["cursor"], warehouses)


def cluster_pages(client: ApiClient) -> Iterator[list[dict]]:
    """Ozon's clusters with their warehouses from /v1/cluster/list, one call per cluster type."""
    for cluster_type in settings.CLUSTER_TYPES:
        answer = client.post(settings.CLUSTER_LIST, {"cluster_type": cluster_type})
        clusters = rows_at(
            client, settings.CLUSTER_LIST, json_object(client, settings.CLUSTER_LIST, answer), "clusters"
        )
        if clusters:
            yield clusters


# --- the warehouse stock report ------------------------------------------------------------------


@dataclass
class ReportRequest:
    """One report request and its outcome: a row of `report_requests`."""

    report_code: str
    warehouse_ids: str
    requested_at: datetime
    report_type: str = REPORT_TYPE
    status: str = ""  # the last status /v1/report/info gave
    outcome: str = ""
    error: str = ""
    created_at: str = ""  # as the API sent it
    finished_at: datetime | None = None
    polls: int = 0
    rows: int = 0
    rows_quarantined: int = 0
    unknown_columns: str = ""


class _Lines:
    """The "\\n"-ended lines of a report file, split as `io.StringIO` splits them. An unended last
    line is given out (ended) when it ends a whole row: no quoted field left open (a quoted field
    may hold line ends, so the row may have begun lines before) and, given the header's `width`,
    that many cells; otherwise, the mark of a truncated file, it is kept in `partial`."""

    def __init__(self, path: Path, width: int | None = None) -> None:
        self.path, self.width, self.count, self.last, self.partial = path, width, 0, "", ""

    def __iter__(self) -> Iterator[str]:
        row = ""  # the lines read so far of a row whose quoted field is still open
        with self.path.open(encoding="utf-8-sig", newline="\n") as file:
            for line in file:
                if not line.endswith("\n"):
                    if not self._whole_row(row + line):
                        self.partial = line
                        return
                    line += "\n"
                row = row + line if (row + line).count('"') % 2 else ""
                self.count, self.last = self.count + 1, line
                yield line

    def _whole_row(self, text: str) -> bool:
        if text.count('"') % 2:
            return False
        cells = next(csv.reader(text.splitlines(keepends=True), delimiter=";"), [])
        return self.width is None or len(cells) == self.width


@dataclass
class ReportFile:
    """A downloaded report file, checked in full: what makes it unusable, if anything, the rows it
    could not read and the columns it has beyond the known ones. `pages()` reads its rows again
    from the file."""

    report_code: str
    path: Path | None = None
    columns: list[tuple[str, str] | None] = field(default_factory=list)
    problem: str = ""
    rows: int = 0
    quarantined: list[dict] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)

    def pages(self, size: int = 1000) -> Iterator[list[dict]]:
        yield from streaming.batches((row for _, row in self._records() if isinstance(row, dict)), size)

    def _records(self, lines: _Lines | None = None) -> Iterator[tuple[int, dict | ValueError]]:
        """(line number, row or why it cannot be read) for every line after the header."""
        if self.path is None:
            return
        reader = csv.reader(lines or _Lines(self.path, len(self.columns)), delimiter=";")
        next(reader, None)
        for cells in reader:
            if not cells:  # a blank line (one ends some files): no row
                continue
            try:
                yield reader.line_num, _row(cells, self.columns) | {"report_code": self.report_code}
            except ValueError as exc:
                yield reader.line_num, exc


class StockReport:
    """Runs the report flow for one account; `tables()` yields (table, rows) for the loader."""

    def __init__(self, client: ApiClient, timeout: float) -> None:
        self.client, self.timeout = client, timeout
        self._download_client = streaming.streaming(client)
        # A report file sits on Ozon's CDN: the Api-Key goes only to the API's own host, so a 401 or
        # 403 there (an expired link) says nothing about the key: the report is unreachable.
        self._file_client = streaming.streaming(
            ApiClient(
                marketplace=client.marketplace,
                account=client.account,
                base_url="",
                headers={},
                secrets=(),
                is_auth_error=lambda status, body: False,
                auth_hint="",
                retry=client.retry,
                timeout=client.timeout,
            )
        )

    def tables(self) -> Iterator[tuple[str, list[dict]]]:
        """(table name, rows) to load: stock rows only if every report of the run is good, then
        quarantined rows and one `report_requests` row per report. A failure is raised after them,
        so that the loader records it against the resource and still loads why it failed."""
        warehouse_ids = [str(w["warehouse_id"]) for page in warehouse_pages(self.client) for w in page]
        if not warehouse_ids:
            log.info("%s account %s: no FBS/rFBS warehouses, no report", self.client.marketplace, self.client.account)
            return
        size = settings.REPORT_WAREHOUSES_PER_REQUEST
        requests = [self._create(warehouse_ids[start : start + size]) for start in range(0, len(warehouse_ids), size)]
        with streaming.ReportFiles() as files:
            reports = [self._collect(request, files) for request in requests]
            failed = [request for request in requests if request.outcome != LOADED]
            for request, report in zip(requests, reports, strict=True):
                if report.quarantined:
                    yield QUARANTINE_TABLE, report.quarantined
                if failed:
                    request.rows = 0
                else:
                    for page in report.pages():
                        yield "warehouse_stock_report", page
        yield REQUESTS_TABLE, [asdict(request) for request in requests]
        if failed:
            error = ReportFailedError(
                self.client.marketplace,
                self.client.account,
                settings.WAREHOUSE_STOCK_REPORT,
                "; ".join(f"report {r.report_code} {r.outcome}: {r.error}" for r in failed),
                "No stock row of this run was loaded; report_requests says why. The next run tries again.",
            )
            raise error

    def _create(self, warehouse_ids: list[str]) -> ReportRequest:
        requested_at = datetime.now(UTC)
        # RU, not DEFAULT (the cabinet's language): the columns are mapped by their Russian headers.
        answer = self.client.post(settings.WAREHOUSE_STOCK_REPORT, {"warehouseId": warehouse_ids, "language": "RU"})
        # The schema wraps the code in `result`; the docs example does not.
        code = member(answer, "result", "code") or member(answer, "code")
        if not code:
            raise ApiRequestError(
                self.client.marketplace,
                self.client.account,
                settings.WAREHOUSE_STOCK_REPORT,
                f"the answer names no report code: {str(answer)[:200]}",
            )
        return ReportRequest(report_code=code, warehouse_ids=",".join(warehouse_ids), requested_at=requested_at)

    def _collect(self, request: ReportRequest, files: streaming.ReportFiles) -> ReportFile:
        """Poll until the report is ready, download and check it; fills in `request`'s outcome.
        Rejected credentials end the run at once, like in every other resource."""
        try:
            info = self._wait(request)
            download = None if request.outcome else self._download(info["file"], files)
        except (ApiRequestError, ApiUnavailableError) as exc:
            request.outcome, request.error = UNREACHABLE, unreachable_error(exc)
        request.finished_at = datetime.now(UTC)
        if request.outcome or download is None:
            return ReportFile(request.report_code)
        report = parse_report(workbook.as_csv(download), request.report_code)
        record_parsed(request, report)
        request.unknown_columns = "; ".join(report.unknown_columns)
        return report

    def _wait(self, request: ReportRequest) -> dict:
        scale = config.rate_limit_scale("OZON_RATE_LIMIT_SCALE")  # the sandbox's faster clock, as for pacing
        deadline = time.monotonic() + self.timeout
        delay = settings.REPORT_POLL_FIRST_DELAY / scale
        while True:
            info = member(self.client.post(settings.REPORT_INFO, {"code": request.report_code}), "result") or {}
            request.polls += 1
            # Ozon spells its enums in either case
            request.status, request.created_at = str(info.get("status") or "").lower(), info.get("created_at", "")
            if request.status == "success":
                if not info.get("file"):
                    request.outcome, request.error = MALFORMED, "the report is ready but its answer names no file"
                return info
            if request.status == "failed":
                request.outcome, request.error = FAILED, info.get("error") or "failed without an error code"
                return info
            if request.status not in PENDING_STATUSES:  # undocumented: waiting for it would take the deadline
                request.outcome = FAILED
                request.error = f"Ozon answers a status it does not document: {request.status!r}"
                return info
            if time.monotonic() + delay > deadline:
                request.outcome = TIMED_OUT
                request.error = f"still {request.status!r} after {self.timeout:g}s ({request.polls} polls)"
                return info
            time.sleep(delay)
            delay = min(delay * 2, settings.REPORT_POLL_MAX_DELAY / scale)

    def _download(self, url: str, files: streaming.ReportFiles) -> streaming.Download:
        same_host = urlsplit(url).netloc == urlsplit(self.client.base_url).netloc
        return files.download(self._download_client if same_host else self._file_client, url)


def parse_report(download: streaming.Download, report_code: str) -> ReportFile:
    """Check a warehouse stock report file in full, in one pass (see the module doc for what makes
    it malformed); its rows stay in the file."""
    report = ReportFile(report_code, download.path)
    if download.not_utf8:
        report.problem = download.not_utf8
        return report
    with closing(iter(_Lines(download.path))) as first_lines:
        header = next(csv.reader(first_lines, delimiter=";"), [])
    known = {header_key(name): column for name, column in settings.WAREHOUSE_STOCK_REPORT_COLUMNS.items()}
    report.columns = [known.get(header_key(name)) for name in header]
    missing = set(settings.REPORT_REQUIRED_COLUMNS) - {column[0] for column in report.columns if column}
    if missing:
        report.problem = (
            f"the header is not the expected ';'-separated columns (missing {', '.join(sorted(missing))}; "
            f"read {header[:3]!r}...)"
        )
        return report
    report.unknown_columns = [name for name, column in zip(header, report.columns, strict=True) if column is None]
    lines = _Lines(download.path, len(header))
    for line_number, row in report._records(lines):
        if isinstance(row, dict):
            report.rows += 1
        else:
            report.quarantined.append(_quarantined(report_code, line_number, str(row), _unended(lines.last)))
    if lines.partial:
        report.quarantined.append(
            _quarantined(report_code, lines.count + 1, "incomplete last line: the file is truncated", lines.partial)
        )
        report.problem = "the file is truncated: its last line is incomplete"
    elif report.quarantined:
        report.problem = f"{len(report.quarantined)} row(s) could not be read (see warehouse_stock_report_quarantine)"
    return report


def header_key(name: str) -> str:
    """A column's header as the report's columns are known by: case, and spaces around or doubled
    inside, vary between files and do not change what the column is."""
    return " ".join(name.split()).casefold()


def _unended(line: str) -> str:
    return line.removesuffix("\n").removesuffix("\r")


def _quarantined(report_code: str, line_number: int, reason: str, raw_line: str) -> dict:
    return {"report_code": report_code, "line_number": line_number, "reason": reason, "raw_line": raw_line}


MAX_INTEGER_DIGITS = 18  # every whole number of 18 digits fits a signed 64-bit column


def _row(cells: list[str], columns: list[tuple[str, str] | None]) -> dict:
    if len(cells) != len(columns):
        raise ValueError(f"{len(cells)} fields instead of {len(columns)}")
    row = {}
    for cell, column in zip(cells, columns, strict=True):
        if column is None:
            continue
        name, kind = column
        value = cell.removeprefix("'")
        if kind == "integer":
            digits = value.removeprefix("-")
            if not (digits.isascii() and digits.isdigit()):
                raise ValueError(f"{name}: {cell!r} is not a whole number")
            if len(digits) > MAX_INTEGER_DIGITS:  # beyond a bigint: dlt's extract would fail the account's whole load
                raise ValueError(
                    f"{name}: {cell!r} has more digits than a stock figure or id can ({MAX_INTEGER_DIGITS})"
                )
            row[name] = int(value)
        else:
            row[name] = value
    return row
