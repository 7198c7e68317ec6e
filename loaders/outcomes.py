"""What became of each resource of one account's load: ok, skipped, failed or left out, and why.

Real accounts differ from the documentation: a method is removed, a token lacks a category, an
endpoint stays down. dlt drops a whole run when one resource raises, so every resource is wrapped
by `Outcomes.guard`: an error ends that resource alone and is recorded against it, and every other
resource of the account loads and commits in the same run. The outcomes are loaded into
`<dataset>.resource_outcomes` (one row per resource and run) for dbt and reported to the runner.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from dlt.common.json import custom_pua_encode

from loaders.http import ApiAuthError, ApiCredentialsRejectedError, ApiError, ApiThrottledError
from loaders.secrets import mask
from loaders.storable import storable_text

log = logging.getLogger(__name__)

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
# Not read because the account's <PREFIX>_SKIP_RESOURCES leaves it out: no gap in a load, but the
# marts know the resource is no longer read (its older rows are no news of today).
LEFT_OUT = "left_out"
# The statuses of a resource that missed nothing, and the same as an SQL list (the run log's readers).
NOT_MISSED = (OK, LEFT_OUT)
NOT_MISSED_SQL = "(" + ", ".join(f"'{status}'" for status in NOT_MISSED) + ")"
TABLE = "resource_outcomes"


def stamp_columns() -> dict[str, dict[str, Any]]:
    """The columns every root row of a source and every outcome carries: the account and the sync
    time. A new dict each call: dlt writes the hints of a resource into the dicts it is given."""
    return {
        "account": {"data_type": "text", "nullable": False},
        "synced_at": {"data_type": "timestamp", "nullable": False},
    }


def row_stamp(account: str, synced_at: datetime) -> dict[str, Any]:
    """The values of `stamp_columns` for the rows of one load. The time goes in as dlt's extract
    writes a datetime (its typed JSON: a marker character and the ISO text, decoded back to the
    timestamp by its normalize): the same bytes in the extracted files, encoded once per load
    instead of by a Python call per row (4.4 us of 5.5 per row for orjson to write a 27-field row)."""
    return {"account": account, "synced_at": custom_pua_encode(synced_at)}


# Declared, so that every column exists whatever the first run's outcomes were.
COLUMNS = {
    **stamp_columns(),
    "resource": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "http_status": {"data_type": "bigint", "nullable": True},
    "endpoint": {"data_type": "text", "nullable": True},
    "message": {"data_type": "text", "nullable": True},
    "data_load_id": {"data_type": "text", "nullable": True},
    # An incremental read's window and the rows it quarantined (loaders/waiting_room.py).
    "window_since": {"data_type": "text", "nullable": True},
    "quarantined_rows": {"data_type": "bigint", "nullable": True},
}


@dataclass(frozen=True)
class ResourceOutcome:
    resource: str
    status: str  # ok | skipped | failed | left_out
    http_status: int | None = None
    endpoint: str | None = None
    message: str | None = None
    error_class: str | None = None
    auth: bool = False  # refused for these credentials (an account whose every resource is refused: exit 3)
    window_since: str | None = None
    quarantined_rows: int | None = None

    def __post_init__(self) -> None:
        # A message quotes the marketplace's answer, which may hold what no database stores (loaders/storable.py)
        if self.message:
            object.__setattr__(self, "message", storable_text(self.message))

    def row(self) -> dict[str, Any]:
        """The `resource_outcomes` columns of this outcome."""
        return {
            "resource": self.resource,
            "status": self.status,
            "http_status": self.http_status,
            "endpoint": self.endpoint,
            "message": self.message,
            "window_since": self.window_since,
            "quarantined_rows": self.quarantined_rows,
        }


def outcome_of(resource: str, exc: BaseException) -> ResourceOutcome:
    """A failed (or, when the marketplace asked to wait too long, skipped) resource from its error."""
    if isinstance(exc, ApiError):
        status = SKIPPED if isinstance(exc, ApiThrottledError) else FAILED
        auth = isinstance(exc, ApiAuthError)
        return ResourceOutcome(resource, status, exc.status, exc.endpoint, str(exc), type(exc).__name__, auth)
    return ResourceOutcome(
        resource, FAILED, message=mask(f"{type(exc).__name__}: {exc}"), error_class=type(exc).__name__
    )


class Outcomes:
    """The failures of the resources of one account's load (`label` names it in the log)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._failures: dict[str, ResourceOutcome] = {}
        self._unsent: set[str] = set()  # the resources refused without a request: credentials rejected before
        self.windows: dict[str, tuple[str, int]] = {}  # resource -> (window_since, quarantined rows)
        self._recording = threading.Lock()

    def guard(self, function: Callable[..., Iterable]) -> Callable[..., Iterable]:
        """Wrap a resource's (or transformer's) generator: an error ends it and is recorded; a
        transformer that failed on one item is not called again in this run."""
        name = function.__name__

        @functools.wraps(function)
        def guarded(*args: Any, **kwargs: Any) -> Iterable:
            if name in self._failures:
                return
            try:
                yield from function(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - one resource's failure must not cost the others
                self.record(name, exc)

        return guarded

    def record(self, resource: str, exc: BaseException) -> None:
        """The first failure of `resource` in this load, logged once: a transformer's items run side by side
        (dlt's parallelized extract), so the calls already under way when the first was refused fail too.
        A failure of its own request replaces a refusal without one, whichever was recorded first."""
        with self._recording:
            if resource not in self._failures or (resource in self._unsent and not _unsent(exc)):
                self._record(resource, exc)

    def _record(self, resource: str, exc: BaseException) -> None:
        outcome = outcome_of(resource, exc)
        if _unsent(exc):
            # The client refuses every call after the credentials were rejected, without a request: the
            # resource whose request was refused says it once, with its endpoint, status and hint, and
            # the others where that was, whichever resource records first (they run side by side).
            message = f"not read: the credentials were rejected at {exc.endpoint}"
            self._failures[resource] = replace(outcome, endpoint=None, http_status=None, message=message)
            self._unsent.add(resource)
            return
        self._unsent.discard(resource)
        self._failures[resource] = outcome
        log.error("%s: %s %s: %s", self.label, resource, outcome.status, outcome.message)

    @property
    def failures(self) -> dict[str, ResourceOutcome]:
        return dict(self._failures)

    def note_window(self, resource: str, since: str, quarantined: int) -> None:
        """Record a read of `resource`'s window beginning at `since`; several reads of one load
        (a long window read in parts) make one window from the earliest beginning."""
        windows_merge(self.windows, {resource: (since, quarantined)})


def _unsent(exc: BaseException) -> bool:
    """`exc` refused a call without a request: an earlier call's credentials were rejected."""
    return isinstance(exc, ApiCredentialsRejectedError) and not exc.sent


class Unrecorded:
    """Stands in for `Outcomes` in a load that records none: the first error fails the run."""

    @staticmethod
    def guard(function: Callable[..., Iterable]) -> Callable[..., Iterable]:
        return function

    @staticmethod
    def note_window(resource: str, since: str, quarantined: int) -> None:
        return None


def windows_merge(into: dict[str, tuple[str, int]], more: dict[str, tuple[str, int]]) -> None:
    for resource, (since, quarantined) in more.items():
        earlier = into.get(resource)
        into[resource] = (min(since, earlier[0]), earlier[1] + quarantined) if earlier else (since, quarantined)


def settle(
    resources: Iterable[str],
    failures: dict[str, ResourceOutcome],
    needs: dict[str, str],
    windows: dict[str, tuple[str, int]] | None = None,
    changed: dict[str, str] | None = None,
) -> list[ResourceOutcome]:
    """The outcome of each of `resources` (the ones a load selected), given the `failures` recorded,
    the `windows` the incremental ones read and the values `changed` to be storable in each (its
    message when it loaded, so the database keeps a trace). `needs` maps a dlt transformer to the
    resource that feeds it: when that one failed, the transformer never ran and is skipped, with the
    reason."""
    settled = []
    for name in resources:
        outcome = failures.get(name)
        parent = failures.get(needs.get(name, ""))
        if outcome is None and parent is not None:
            outcome = ResourceOutcome(name, SKIPPED, message=f"needs {parent.resource}, which {parent.status}")
        outcome = outcome or ResourceOutcome(name, OK)
        if changed and name in changed and outcome.status == OK:
            outcome = replace(outcome, message=f"{CHANGED_TO_BE_STORABLE}: {changed[name]}")
        if windows and name in windows:
            outcome = replace(outcome, window_since=windows[name][0], quarantined_rows=windows[name][1])
        settled.append(outcome)
    return settled


CHANGED_TO_BE_STORABLE = "values changed to be storable"


def missed(status: str) -> bool:
    """A resource of that status was meant to load and did not (skipped or failed)."""
    return status not in NOT_MISSED


def left_out(resources: list[str], setting: str) -> list[ResourceOutcome]:
    return [ResourceOutcome(name, LEFT_OUT, message=f"left out by {setting}") for name in resources]


def load_status(outcomes: list[ResourceOutcome]) -> str:
    """complete (every resource ok, or left out by the account's setting), partial (some) or failed (none)."""
    meant = [outcome for outcome in outcomes if outcome.status != LEFT_OUT]
    ok = sum(outcome.status == OK for outcome in meant)
    if ok == len(meant):
        return "complete"
    return "partial" if ok else "failed"
