"""What became of an asynchronous stock report (Ozon's warehouse stock report, Wildberries'
warehouse_remains), as `report_requests.outcome` records it, and the error that ends a run's stock."""

from __future__ import annotations

from loaders.http import ApiError

# The rows were loaded, or why nothing was (the marketplace said the report failed; still not ready
# at the deadline; the file cannot be read; polling or download broke).
LOADED, FAILED, TIMED_OUT, MALFORMED, UNREACHABLE = "loaded", "failed", "timed_out", "malformed", "unreachable"


class ReportFailedError(ApiError):
    """A report failed, timed out or came back malformed; none of the run's stock rows were loaded."""
