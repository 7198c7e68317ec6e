"""The asynchronous `warehouse_remains` stock report of Wildberries.

The flow: `GET /api/v1/warehouse_remains?locale=ru&groupBy…=true` → `{"data":{"taskId"}}`;
`GET …/tasks/{id}/status` with back-off (paced to the 1-per-5-s limit) until `done`, `canceled`
or `purged`, or until the deadline (WB_REPORT_TIMEOUT_SECONDS); `GET …/tasks/{id}/download` →
a JSON array, one row per barcode and size with its `warehouses[]` (204: no stock at all).

As for Ozon's report (loaders/ozon/reports.py, whose outcomes and error this reuses), a stock
snapshot is all or nothing: the whole file is downloaded and checked before the first row is
yielded (it waits on disk and is read again in pages: loaders/streaming.py), and a report that
was canceled, purged, not ready by the deadline, truncated or malformed loads no stock row of the
run. Every request is recorded in `report_requests` with its outcome; rows that cannot be read go
to `warehouse_remains_quarantine` with the reason.
`warehouses[]` is kept as sent, pseudo-warehouses included (dbt tells them apart).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loaders import config, streaming
from loaders.config import WildberriesAccount
from loaders.http import (
    ApiClient,
    ApiEndpointGoneError,
    ApiRequestError,
    ApiThrottledError,
    ApiUnavailableError,
    Pacer,
    member,
)
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
from loaders.wildberries import helpers, settings

log = logging.getLogger(__name__)

REPORT_TYPE = "warehouse_remains"
STOCK_TABLE = "warehouse_remains"
QUARANTINE_TABLE = "warehouse_remains_quarantine"
REQUESTS_TABLE = "report_requests"
FAILED_STATUSES = ("canceled", "cancelled", "purged")
# The statuses of a report on its way (wildberries.md); any other undocumented one ends the wait at
# once: polling an "error" until the deadline took 20 minutes of each run (API audit).
PENDING_STATUSES = ("new", "processing")

__all__ = ["FAILED", "LOADED", "MALFORMED", "TIMED_OUT", "UNREACHABLE", "RemainsReport", "ReportFailedError"]


def report_timeout() -> float:
    """Seconds to wait for a report to be ready: WB_REPORT_TIMEOUT_SECONDS, default 600."""
    return config.positive_number("WB_REPORT_TIMEOUT_SECONDS", settings.REPORT_TIMEOUT_SECONDS, "number of seconds")


@dataclass
class ReportRequest:
    """One report of a run, as recorded in `report_requests`."""

    task_id: str
    requested_at: datetime
    report_type: str = REPORT_TYPE
    status: str = ""  # the last status WB gave
    outcome: str = ""
    error: str = ""
    finished_at: datetime | None = None
    polls: int = 0
    rows: int = 0
    rows_quarantined: int = 0
    http_status: int | None = None  # of the request that made it unreachable


@dataclass
class RemainsFile:
    """A downloaded report, checked in full: what makes it unusable, how many good rows it has and
    the rows it could not read. `pages()` reads the good rows again from the file."""

    task_id: str
    path: Path | None = None
    problem: str = ""
    rows: int = 0
    quarantined: list[dict] = field(default_factory=list)

    def pages(self, size: int = settings.REPORT_ROWS_PER_PAGE) -> Iterator[list[dict]]:
        if self.path is None:
            return
        # row_number: the row's place in the report (1 = first), which tells a row sent twice from its copy
        rows = (
            {**row, "task_id": self.task_id, "row_number": number}
            for number, row in enumerate(streaming.json_array(self.path), start=1)
            if not _row_problem(row)
        )
        yield from streaming.batches(rows, size)


class RemainsReport:
    """Runs the report flow for one account; `tables()` yields (table, rows) for the loader."""

    def __init__(
        self,
        client: ApiClient,
        account: WildberriesAccount,
        timeout: float,
    ) -> None:
        self.client, self.account, self.timeout = client, account, timeout
        # The per-task paths carry the task id, so they are paced here rather than in the client.
        self._status_pacer = Pacer(interval=helpers.interval(settings.WAREHOUSE_REMAINS_STATUS))
        self._download_pacer = Pacer(interval=helpers.interval(settings.WAREHOUSE_REMAINS_DOWNLOAD))
        self._download_client = streaming.streaming(client)
        self._held: ApiThrottledError | None = None  # WB asked to wait past the run: skipped, not failed

    def tables(self) -> Iterator[tuple[str, list[dict]]]:
        """Stock rows only if the report is good, then quarantined rows and the request's row. A
        failure is raised after them, so that the loader records it and still loads why."""
        request = self._create()
        with streaming.ReportFiles() as files:
            report = self._collect(request, files) if not request.outcome else RemainsFile(request.task_id)
            if report.quarantined:
                yield QUARANTINE_TABLE, report.quarantined
            if request.outcome == LOADED:
                for page in report.pages():
                    yield STOCK_TABLE, page
            else:
                request.rows = 0
        yield REQUESTS_TABLE, [asdict(request)]
        if self._held is not None:
            raise self._held
        if request.outcome != LOADED:
            error = ReportFailedError(
                self.client.marketplace,
                self.client.account,
                settings.WAREHOUSE_REMAINS[1],
                f"report {request.task_id or '(not created)'} {request.outcome}: {request.error}",
                "No stock row of this run was loaded; report_requests says why. The next run tries again.",
                status=request.http_status,
            )
            raise error

    def _create(self) -> ReportRequest:
        request = ReportRequest(task_id="", requested_at=datetime.now(UTC))
        try:
            answer = self.client.get(
                helpers.url(self.account, settings.WAREHOUSE_REMAINS), dict(settings.WAREHOUSE_REMAINS_PARAMS)
            )
            task_id = member(answer, "data", "taskId")
            if task_id is None:
                request.outcome, request.error = MALFORMED, f"no data.taskId in the answer: {str(answer)[:200]}"
            else:
                request.task_id = str(task_id)
        except ApiEndpointGoneError:
            raise  # the method is withdrawn: the resource fails as removed, not as a report out of reach
        except (ApiRequestError, ApiUnavailableError) as exc:
            self._unreachable(request, exc)
        if request.outcome:
            request.finished_at = datetime.now(UTC)
        return request

    def _unreachable(self, request: ReportRequest, exc: ApiRequestError | ApiUnavailableError) -> None:
        request.outcome, request.error, request.http_status = UNREACHABLE, unreachable_error(exc), exc.status
        if isinstance(exc, ApiThrottledError):
            self._held = exc

    def _collect(self, request: ReportRequest, files: streaming.ReportFiles) -> RemainsFile:
        """Poll until the report is ready, download and check it; fills in `request`'s outcome.
        Rejected credentials end the run at once, like in every other resource."""
        report = RemainsFile(request.task_id)
        try:
            self._wait(request)
            if not request.outcome:
                self._download_pacer.wait()
                url = helpers.url(self.account, settings.WAREHOUSE_REMAINS_DOWNLOAD, task_id=request.task_id)
                report = check_report(files.download(self._download_client, url), request.task_id)
        except (ApiRequestError, ApiUnavailableError) as exc:
            self._unreachable(request, exc)
        request.finished_at = datetime.now(UTC)
        if request.outcome:
            return report
        record_parsed(request, report)
        return report

    def _wait(self, request: ReportRequest) -> None:
        scale = helpers.rate_limit_scale()
        deadline = time.monotonic() + self.timeout
        delay = settings.REPORT_POLL_FIRST_DELAY / scale
        endpoint = helpers.url(self.account, settings.WAREHOUSE_REMAINS_STATUS, task_id=request.task_id)
        while True:
            self._status_pacer.wait()
            try:
                answer = self.client.get(endpoint)
            except ApiThrottledError as exc:
                # A plain base token may poll 4 times an hour: wait as WB asks, within the timeout.
                pause = max(0.0, (exc.until - datetime.now(UTC)).total_seconds())
                if time.monotonic() + pause > deadline:
                    raise
                log.info("account %s: report %s: polled again in %.0f s", self.client.account, request.task_id, pause)
                time.sleep(pause)
                continue
            request.polls += 1
            request.status = str(member(answer, "data", "status") or "").lower()  # in either case
            if request.status == "done":
                return
            if request.status in FAILED_STATUSES:
                request.outcome, request.error = FAILED, f"WB says the report is {request.status}"
                return
            if request.status not in PENDING_STATUSES:
                request.outcome = FAILED
                request.error = f"WB answers a status it does not document: {request.status!r}"
                return
            if time.monotonic() + delay > deadline:
                request.outcome = TIMED_OUT
                request.error = f"still {request.status!r} after {self.timeout:g}s ({request.polls} polls)"
                return
            time.sleep(delay)
            delay = min(delay * 2, settings.REPORT_POLL_MAX_DELAY / scale)


def check_report(download: streaming.Download, task_id: str) -> RemainsFile:
    """Check a downloaded report in full, in one pass: 204 is an empty snapshot, and so is a 200
    with no body or `null`; otherwise a JSON array of rows each with an integer nmId and a
    `warehouses` list of {warehouseName, quantity}. The good rows stay in the file."""
    report = RemainsFile(task_id)
    if download.status == 204 or download.size == 0:
        return report
    if download.not_utf8:
        report.problem = download.not_utf8
        return report
    report.path = download.path
    try:
        for number, row in enumerate(streaming.json_array(download.path), start=1):
            reason = _row_problem(row)
            if reason:
                report.quarantined.append(
                    {
                        "task_id": task_id,
                        "row_number": number,
                        "reason": reason,
                        "raw_row": json.dumps(row, ensure_ascii=False, sort_keys=True),
                    }
                )
            else:
                report.rows += 1
    except streaming.NotAnArrayError as exc:
        if exc.value is None:
            report.path = None
            return report
        report.problem = f"the file is not a JSON array but {type(exc.value).__name__}"
    except ValueError as exc:
        report.problem = f"the file is not complete JSON (truncated?): {exc} ({download.size} bytes)"
    if report.problem:
        report.rows, report.quarantined = 0, []
    elif report.quarantined:
        report.problem = f"{len(report.quarantined)} row(s) could not be read (see {QUARANTINE_TABLE})"
    return report


def _row_problem(row: Any) -> str:
    if not isinstance(row, dict):
        return "not a JSON object"
    problems = []
    if not _is_int(row.get("nmId")):
        problems.append("nmId is not an integer")
    # A size out of stock everywhere has no warehouse entries: WB sends only those with a quantity,
    # and its contract leaves open whether the list is then empty, null or absent.
    warehouses = row.get("warehouses")
    if warehouses is not None and not isinstance(warehouses, list):
        problems.append("warehouses is not a list")
    else:
        for warehouse in warehouses or ():
            if (
                not isinstance(warehouse, dict)
                or not isinstance(warehouse.get("warehouseName"), str)
                # one sent without its quantity costs only its cell (a data quality error), not the report
                or not _is_int(warehouse.get("quantity", 0))
            ):
                problems.append(f"bad warehouse entry {str(warehouse)[:80]}")
                break
    return "; ".join(problems)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
