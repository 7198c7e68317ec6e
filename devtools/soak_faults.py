"""The faults a soak day draws at random from every knob of the sandbox (`devtools/soak.py`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from sandbox import Sandbox, ozon_postings, ozon_reference, ozon_reports
from sandbox import ozon as ozon_api
from sandbox import wildberries as wb_api
from sandbox.server import MarketplaceApi

OZON_ROUTES = (
    ozon_api.PRODUCT_LIST,
    ozon_api.PRODUCT_INFO_LIST,
    ozon_api.PRODUCT_STOCKS,
    ozon_api.ANALYTICS_STOCKS,
    ozon_postings.FBO_LIST,
    ozon_postings.FBS_LIST,
    ozon_reference.WAREHOUSE_LIST,
    ozon_reference.CLUSTER_LIST,
    ozon_reports.WAREHOUSE_STOCK_REPORT,
    ozon_reports.REPORT_INFO,
    ozon_reports.REPORT_FILE,
)
WB_ROUTES = (
    wb_api.CARDS_LIST,
    wb_api.CARDS_TRASH,
    wb_api.ORDERS,
    wb_api.SALES,
    wb_api.REMAINS_CREATE,
    wb_api.REMAINS_STATUS,
    wb_api.REMAINS_DOWNLOAD,
    wb_api.WB_WAREHOUSES_REPORT,
    wb_api.SELLER_WAREHOUSES,
    wb_api.OFFICES,
)
# Longer than the loaders' HTTP timeout (60 s): a timeout. It costs a minute of wall time, so it is rare.
TIMEOUT_DELAY_SECONDS = 61
# The faults a day draws from: kind -> (weight, inject(rng, sandbox) -> what was injected).
Injector = Callable[[random.Random, Sandbox], str]


def _route(rng: random.Random, sandbox: Sandbox) -> tuple[MarketplaceApi, str, str]:
    marketplace = rng.choice(("ozon", "wildberries"))
    if marketplace == "ozon":
        return sandbox.ozon, marketplace, rng.choice(OZON_ROUTES)
    return sandbox.wildberries, marketplace, rng.choice(WB_ROUTES)


def _queued_fault(
    label: str,
    faults: tuple[str, ...],
    queue: Callable[[Sandbox], Any],
    paths: Callable[[str], Sequence[str]] | None = None,
) -> Injector:
    """An injector of a data fault drawn from `faults` into the sandbox's fault queue `queue`, on a
    path drawn from `paths(fault)` when the queue takes one."""

    def inject(rng: random.Random, sandbox: Sandbox) -> str:
        fault = rng.choice(faults)
        if paths is None:
            queue(sandbox).inject(fault)
            return f"{label} {fault}"
        path = rng.choice(paths(fault))
        queue(sandbox).inject(fault, path=path)
        return f"{label} {fault} on {path}"

    return inject


def http_error(rng: random.Random, sandbox: Sandbox) -> str:
    api, marketplace, path = _route(rng, sandbox)
    status, times = rng.choice((500, 502, 503, 429)), rng.randint(1, 4)
    api.inject_fault(path, status=status, times=times, retry_after=1 if status == 429 else None)
    return f"{marketplace} HTTP {status} ×{times} on {path}"


def connection_reset(rng: random.Random, sandbox: Sandbox) -> str:
    api, marketplace, path = _route(rng, sandbox)
    times = rng.randint(1, 3)
    api.inject_reset(path, times=times)
    return f"{marketplace} connection reset ×{times} on {path}"


def timeout(rng: random.Random, sandbox: Sandbox) -> str:
    api, marketplace, path = _route(rng, sandbox)
    api.inject_delay(path, TIMEOUT_DELAY_SECONDS)
    return f"{marketplace} timeout on {path}"


# Not `wrong_type`: its order line stays out of the marts (a quantity_out_of_range error, listed in
# quality.raw_type_mismatches) until its posting is read again, which one older than the look-back
# never is, so the figures could not equal the truth (tests/dbt/test_data_quality.py checks it).
POSTING_FAULTS = tuple(fault for fault in ozon_postings.FAULTS if fault != "wrong_type")
FAULTS: dict[str, tuple[float, Injector]] = {
    "ozon posting data fault": (
        3,
        _queued_fault(
            "ozon", POSTING_FAULTS, lambda sandbox: sandbox.ozon.postings, lambda _: tuple(ozon_postings.SCHEMES)
        ),
    ),
    "ozon stock report fault": (
        2,
        _queued_fault("ozon report", ozon_reports.FAULTS, lambda sandbox: sandbox.ozon.reports),
    ),
    "wildberries statistics data fault": (
        3,
        _queued_fault(
            "wildberries",
            wb_api.STATISTICS_FAULTS,
            lambda sandbox: sandbox.wildberries.faults,
            wb_api.FAULT_PATHS.__getitem__,
        ),
    ),
    "wildberries stock report fault": (
        2,
        _queued_fault("wildberries", wb_api.REPORT_FAULTS, lambda sandbox: sandbox.wildberries.faults),
    ),
    "HTTP 5xx/429": (4, http_error),
    "connection reset": (2, connection_reset),
    "timeout": (0.3, timeout),
}
MAX_FAULTS_A_DAY = 3


def inject_random(rng: random.Random, sandbox: Sandbox) -> list[tuple[str, str]]:
    """Draw and inject 0 to MAX_FAULTS_A_DAY faults; returns (kind, what was injected) of each."""
    kinds = rng.choices(
        list(FAULTS), weights=[weight for weight, _ in FAULTS.values()], k=rng.randint(0, MAX_FAULTS_A_DAY)
    )
    return [(kind, FAULTS[kind][1](rng, sandbox)) for kind in kinds]


def clear(sandbox: Sandbox) -> None:
    """Drop every fault still queued: the marketplaces have recovered. The sandbox has no public way
    to do this, so its queues are emptied here."""
    for api in (sandbox.ozon, sandbox.wildberries):
        api._faults._queued.clear()
    for queue in sandbox.ozon.postings._faults.values():
        queue.clear()
    sandbox.ozon.reports._faults.clear()
    sandbox.wildberries.faults._queues.clear()
