"""Ozon orders (postings): the window each run reads, and paging through the FBO and FBS lists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta

from loaders.config import ConfigError
from loaders.http import ApiClient
from loaders.ozon import settings


def days_setting(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not 0 < int(text) <= 365:
        raise ConfigError(f"{name} must be a whole number of days between 1 and 365, not {text!r}")
    return int(text)


def window(newest_seen: str | None, now: datetime) -> tuple[datetime, datetime]:
    """(since, to) for this run: from the newest creation time seen minus the look-back, or the
    initial period on the first run; Ozon refuses periods over a year."""
    if newest_seen:
        lookback = timedelta(days=days_setting("OZON_ORDERS_LOOKBACK_DAYS", settings.ORDERS_LOOKBACK_DAYS))
        since = datetime.fromisoformat(newest_seen.replace("Z", "+00:00")) - lookback
    else:
        since = now - timedelta(days=days_setting("OZON_ORDERS_INITIAL_DAYS", settings.ORDERS_INITIAL_DAYS))
    return max(since, now - timedelta(days=365)), now


def posting_pages(client: ApiClient, endpoint: str, since: datetime, to: datetime) -> Iterator[list[dict]]:
    """Pages of a posting list in creation order, following `cursor` while `has_next`."""
    cursor = ""
    while True:
        body = {
            "cursor": cursor,
            "limit": settings.POSTING_PAGE_SIZE,
            "sort_dir": "ASC",
            "filter": {"since": _rfc3339(since), "to": _rfc3339(to)},
            "with": {"analytics_data": True, "financial_data": True},
        }
        answer = client.post(endpoint, body)
        if answer["postings"]:
            yield answer["postings"]
        if not answer.get("has_next") or not answer.get("cursor"):
            return
        cursor = answer["cursor"]


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
