"""What became of an asynchronous stock report (Ozon's warehouse stock report, Wildberries'
warehouse_remains), as `report_requests.outcome` records it, and the error that ends a run's stock."""

from __future__ import annotations

from typing import Any

from loaders.http import ApiEndpointGoneError, ApiError, ApiRequestError

# The rows were loaded, or why nothing was (the marketplace said the report failed; still not ready
# at the deadline; the file cannot be read; polling or download broke).
LOADED, FAILED, TIMED_OUT, MALFORMED, UNREACHABLE = "loaded", "failed", "timed_out", "malformed", "unreachable"


class ReportFailedError(ApiError):
    """A report failed, timed out or came back malformed; none of the run's stock rows were loaded."""


def record_parsed(request: Any, report: Any) -> None:
    """Write onto a `report_requests` row (`request`) what its parsed file (`report`) holds: the rows
    loaded and quarantined, and the outcome, malformed when the file has a problem."""
    request.rows, request.rows_quarantined = report.rows, len(report.quarantined)
    if report.problem:
        request.outcome, request.error = MALFORMED, report.problem
    else:
        request.outcome = LOADED


def unreachable_error(exc: Exception) -> str:
    """Why polling or downloading a report broke. A 404 there is the report's task or file gone (Ozon's
    link expired, WB forgot the task), not a withdrawn method: the hint of the latter (update the
    project) would send the seller the wrong way; the next run requests a new report. So is a 401 or
    403 of the file host (a link, not an API method: it gets no key), as a CDN refuses an expired link."""
    if isinstance(exc, ApiEndpointGoneError) or (
        isinstance(exc, ApiRequestError)
        and exc.status in (401, 403)
        and exc.endpoint.startswith(("http://", "https://"))
    ):  # the same message, with this hint instead of the method's or the invalid request's
        exc = ApiRequestError(
            exc.marketplace,
            exc.account,
            exc.endpoint,
            exc.detail,
            "No withdrawn method: the report's task or file is gone (its link expired, or the marketplace forgot "
            "the task); the next run requests a new report.",
            status=exc.status,
        )
    return str(exc)
