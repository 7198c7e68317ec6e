"""Every loader setting read once, up front: a bad value stops the loader (and the runner) before
anything loads, with one line naming the variable. Each is otherwise read only when a resource
reaches it, so a bad one passed a first run and failed a later one (a look-back read on the second
run only, a retry count read only when a row is quarantined)."""

from __future__ import annotations

from loaders import config, http, pipeline, waiting_room
from loaders.ozon import postings
from loaders.ozon import reports as ozon_reports
from loaders.wildberries import helpers as wildberries_helpers
from loaders.wildberries import reports as wildberries_reports

ACCOUNTS_AT_ONCE, DEFAULT_ACCOUNTS_AT_ONCE = "LOADER_ACCOUNTS_AT_ONCE", 4


def accounts_at_once() -> int:
    """LOADER_ACCOUNTS_AT_ONCE: accounts of one loader process that load at a time."""
    return config.whole_number(ACCOUNTS_AT_ONCE, DEFAULT_ACCOUNTS_AT_ONCE, 1, 64, "accounts")


def check_settings() -> None:
    """Raise the ConfigError of the first loader setting with a bad value."""
    for name in postings.DAY_SETTINGS:
        postings.days_setting(name)
    for read in (
        wildberries_helpers.orders_initial_days,
        wildberries_helpers.orders_lookback_hours,
        ozon_reports.report_timeout,
        wildberries_reports.report_timeout,
        waiting_room.retries,
        http.max_retry_wait,
        pipeline.configured_normalize_workers,
        pipeline.duckdb_loader_config,
        accounts_at_once,
    ):
        read()
    for variable in ("OZON_RATE_LIMIT_SCALE", "WB_RATE_LIMIT_SCALE"):
        config.rate_limit_scale(variable)
