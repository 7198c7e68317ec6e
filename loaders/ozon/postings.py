"""Ozon orders (postings): the dlt cursor and window of each run, paging through the FBO and FBS
lists, and setting aside postings that cannot be stored."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt

from loaders import config
from loaders.http import ApiClient, CursorTrail, has_next_page, rows_at
from loaders.ozon import settings

MAX_PERIOD = timedelta(days=365)  # Ozon refuses longer periods (PERIOD_IS_TOO_LONG)
MIN_TIME = datetime.min.replace(tzinfo=UTC)
# Declared, so that the table has every column even when no quarantined posting had a number.
QUARANTINE_COLUMNS = {
    "endpoint": {"data_type": "text", "nullable": False},
    "posting_number": {"data_type": "text", "nullable": True},
    "reason": {"data_type": "text", "nullable": False},
    "raw_posting": {"data_type": "text", "nullable": False},
    "window_since": {"data_type": "text", "nullable": True},  # the read it came from
}


# The day settings of the orders windows and their defaults (loaders/ozon/settings.py).
DAY_SETTINGS = {
    "OZON_ORDERS_INITIAL_DAYS": settings.ORDERS_INITIAL_DAYS,
    "OZON_ORDERS_LOOKBACK_DAYS": settings.ORDERS_LOOKBACK_DAYS,
    "OZON_ORDERS_STATUS_DAYS": settings.ORDERS_STATUS_DAYS,
    "OZON_ORDERS_WINDOW_DAYS": settings.ORDERS_WINDOW_DAYS,
}


def days_setting(name: str) -> int:
    return config.whole_number(name, DAY_SETTINGS[name], 1, 365, "days")


def cursor(field: str, now: datetime) -> dlt.sources.incremental:
    """A dlt cursor on the posting time `field`: the first run starts OZON_ORDERS_INITIAL_DAYS
    before `now`; later runs start at the newest value seen minus OZON_ORDERS_LOOKBACK_DAYS (dlt's
    `lag`), because postings change status for days after they are created and Ozon fills some
    fields late, while the lists select by creation time. Rows without the field are the
    quarantined ones (`quarantine`), which must pass."""
    initial = now - timedelta(days=days_setting("OZON_ORDERS_INITIAL_DAYS"))
    lookback = timedelta(days=days_setting("OZON_ORDERS_LOOKBACK_DAYS"))
    return dlt.sources.incremental(
        field, initial_value=rfc3339(initial), lag=lookback.total_seconds(), on_cursor_value_missing="include"
    )


STATUS_REREAD_STATE = "status_reread_at"


def status_reread_since(state: Mapping, now: datetime) -> str | None:
    """The start of the day's re-read of the last OZON_ORDERS_STATUS_DAYS days (settings.ORDERS_STATUS_DAYS),
    when the last one in this resource's `state` was on an earlier (Moscow) day: the first load of each
    day re-reads, so a daily load re-reads every time whatever minute it starts at. None when it is not
    due, or on a first load (no re-read yet: it reads the days OZON_ORDERS_INITIAL_DAYS asks for)."""
    last = state.get(STATUS_REREAD_STATE)
    if not last or parse_time(last).astimezone(config.MOSCOW).date() >= now.astimezone(config.MOSCOW).date():
        return None
    return rfc3339(now - timedelta(days=days_setting("OZON_ORDERS_STATUS_DAYS")))


def window(
    start_value: str, now: datetime, resume_from: str | None = None, reopened: str | None = None
) -> tuple[datetime, datetime]:
    """(since, to) of this load: from the cursor's start (lag applied), or from where the previous
    load of a longer window stopped (`resume_from`), or from an earlier window kept open by the
    waiting room (`reopened`, loaders/waiting_room.py), at most OZON_ORDERS_WINDOW_DAYS and a year,
    up to now."""
    start = parse_time(start_value)
    if reopened and not resume_from:
        start = min(start, parse_time(reopened))
    since = max(start, parse_time(resume_from) if resume_from else MIN_TIME, now - MAX_PERIOD)
    days = days_setting("OZON_ORDERS_WINDOW_DAYS")
    return since, min(now, since + timedelta(days=days))


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def posting_pages(client: ApiClient, endpoint: str, since: datetime, to: datetime) -> Iterator[list[dict]]:
    """Pages of a posting list in list order, following `cursor` while `has_next`."""
    page_cursor = ""
    trail = CursorTrail(client, endpoint, page_cursor)
    while True:
        body = {
            "cursor": page_cursor,
            "limit": settings.POSTING_PAGE_SIZE,
            "sort_dir": "ASC",
            "filter": {"since": rfc3339(since), "to": rfc3339(to)},
            "with": {"analytics_data": True, "financial_data": True},
        }
        answer = client.post(endpoint, body)
        # A window without postings may send no list; a posting that is no object is quarantined.
        page = rows_at(client, endpoint, answer, "postings", objects=False)
        if page:
            yield page
        if not has_next_page(client, endpoint, answer, len(page), settings.POSTING_PAGE_SIZE):
            return
        page_cursor = trail.follow(answer["cursor"], page)


def quarantine_reason(posting: Any, cursor_field: str) -> str | None:
    """Why a posting cannot be stored, or None: without its number it cannot be merged, without
    its time it cannot move the cursor, and without products it has no order lines (stored so, its
    merge would delete the lines stored for it)."""
    if not isinstance(posting, dict):
        return "not a JSON object"
    problems = []
    if not isinstance(posting.get("posting_number"), str) or not posting["posting_number"]:
        problems.append("no posting_number")
    if not _is_rfc3339(posting.get(cursor_field)):
        problems.append(f"no valid {cursor_field}")
    products = posting.get("products")
    if not isinstance(products, list):
        problems.append("products is not a list")
    elif not products:
        problems.append("products is empty")
    return "; ".join(problems) or None


def quarantine(endpoint: str, posting: Any, reason: str, window_since: str) -> dict:
    """The row kept for a posting that cannot be stored: where it came from (the list and the
    beginning of the window read), why, and all of it."""
    number = posting.get("posting_number") if isinstance(posting, dict) else None
    return {
        "endpoint": endpoint,
        "posting_number": number if isinstance(number, str) else None,
        "reason": reason,
        "raw_posting": json.dumps(posting, ensure_ascii=False, sort_keys=True),
        "window_since": window_since,
    }


def rfc3339(moment: datetime) -> str:
    """UTC with microseconds and `Z`, as Ozon writes times: cursor values compare as text."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _is_rfc3339(value: Any) -> bool:
    """An RFC 3339 time, with its offset: a time without one (2025-11-14T01:46:05) is ambiguous, and
    dlt's look-back on the cursor turns it into a datetime that the next load compares with the text
    of the rows, failing every load after the first."""
    if not isinstance(value, str):
        return False
    try:
        return parse_time(value).tzinfo is not None
    except ValueError:
        return False
