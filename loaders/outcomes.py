"""What became of each resource of one account's load: ok, skipped or failed, and why.

Real accounts differ from the documentation: a method is removed, a token lacks a category, an
endpoint stays down. dlt drops a whole run when one resource raises, so every resource is wrapped
by `Outcomes.guard`: an error ends that resource alone and is recorded against it, and every other
resource of the account loads and commits in the same run. The outcomes are loaded into
`<dataset>.resource_outcomes` (one row per resource and run) for dbt and reported to the runner.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from loaders.http import ApiAuthError, ApiError, ApiThrottledError
from loaders.secrets import mask

log = logging.getLogger(__name__)

OK, SKIPPED, FAILED = "ok", "skipped", "failed"
TABLE = "resource_outcomes"
# Declared, so that every column exists whatever the first run's outcomes were.
COLUMNS = {
    "account": {"data_type": "text", "nullable": False},
    "synced_at": {"data_type": "timestamp", "nullable": False},
    "resource": {"data_type": "text", "nullable": False},
    "status": {"data_type": "text", "nullable": False},
    "http_status": {"data_type": "bigint", "nullable": True},
    "endpoint": {"data_type": "text", "nullable": True},
    "message": {"data_type": "text", "nullable": True},
    "data_load_id": {"data_type": "text", "nullable": True},
}


@dataclass(frozen=True)
class ResourceOutcome:
    resource: str
    status: str  # ok | skipped | failed
    http_status: int | None = None
    endpoint: str | None = None
    message: str | None = None
    error_class: str | None = None
    auth: bool = False  # refused for these credentials (an account whose every resource is refused: exit 3)

    def row(self) -> dict[str, Any]:
        """The `resource_outcomes` columns of this outcome."""
        return {
            "resource": self.resource,
            "status": self.status,
            "http_status": self.http_status,
            "endpoint": self.endpoint,
            "message": self.message,
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
        outcome = outcome_of(resource, exc)
        self._failures[resource] = outcome
        log.error("%s: %s %s: %s", self.label, resource, outcome.status, outcome.message)

    @property
    def failures(self) -> dict[str, ResourceOutcome]:
        return dict(self._failures)


def settle(
    resources: Iterable[str], failures: dict[str, ResourceOutcome], needs: dict[str, str]
) -> list[ResourceOutcome]:
    """The outcome of each of `resources` (the ones a load selected), given the `failures` recorded.
    `needs` maps a dlt transformer to the resource that feeds it: when that one failed, the
    transformer never ran and is skipped, with the reason."""
    settled = []
    for name in resources:
        outcome = failures.get(name)
        parent = failures.get(needs.get(name, ""))
        if outcome is None and parent is not None:
            outcome = ResourceOutcome(name, SKIPPED, message=f"skipped: needs {parent.resource}, which {parent.status}")
        settled.append(outcome or ResourceOutcome(name, OK))
    return settled


def load_status(outcomes: list[ResourceOutcome]) -> str:
    """complete (every resource ok), partial (some) or failed (none)."""
    ok = sum(outcome.status == OK for outcome in outcomes)
    if ok == len(outcomes):
        return "complete"
    return "partial" if ok else "failed"
