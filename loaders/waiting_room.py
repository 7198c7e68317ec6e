"""Quarantine is a waiting room, not a sink.

An incremental read moves its cursor past every row it saw, stored or not. A record the loader
had to quarantine (a posting cut short, a statistics row without its key) or a read that failed
part-way would otherwise never be read again once the look-back has moved on. So the window of
such a read stays open in the resource's state: the next loads start no later than its beginning,
until a read of it quarantines nothing (then it closes) or QUARANTINE_RETRIES reads (default 3,
the first one included) still quarantined rows (then it closes too, and those rows stay error-level
quality issues). Each read's window and quarantined rows go to `resource_outcomes`
(`window_since`, `quarantined_rows`), from which the quality models tell a quarantined row that a
later clean read of its window replaced from one still waiting or given up.

Window beginnings are compared as text: each resource writes them in one fixed format.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import dlt

from loaders import config

log = logging.getLogger(__name__)

KEY = "waiting_room"
DEFAULT_RETRIES = 3


def retries() -> int:
    return config.whole_number("QUARANTINE_RETRIES", DEFAULT_RETRIES, 1, 100, "reads")


def opened_since(state: MutableMapping) -> str | None:
    """The beginning of the window still open in this resource's `state`, if any."""
    room = state.get(KEY)
    return room["since"] if room else None


@contextmanager
def read(state: MutableMapping, since: str, label: str, note: Callable[[str, int], None]) -> Iterator[list]:
    """One read of the window beginning at `since`: append each quarantined row's marker to the
    list it yields. Afterwards (also when the read raised) the window is kept open or closed, and
    `note(since, quarantined)` records the read for `resource_outcomes`."""
    quarantined: list = []
    troubled = True
    try:
        yield quarantined
        troubled = bool(quarantined)
    finally:
        note(since, len(quarantined))
        _settle(state, since, troubled, len(quarantined), label)


def _settle(state: MutableMapping, since: str, troubled: bool, quarantined: int, label: str) -> None:
    room = state.get(KEY)
    covers_room = room is None or since <= room["since"]
    if not troubled:
        if room and covers_room:
            log.info("%s: the window since %s read again without a quarantined row: closed", label, room["since"])
            state.pop(KEY)
        return
    attempts = (room["attempts"] if room and covers_room else 0) + 1
    if attempts >= retries():
        log.warning(
            "%s: %d row(s) still quarantined after %d reads of the window since %s; no more re-reads "
            "(they stay error-level quality issues)",
            label,
            quarantined,
            attempts,
            since,
        )
        state.pop(KEY, None)
        return
    state[KEY] = {"since": min(since, room["since"]) if room else since, "attempts": attempts}


def to_quarantine_table(rows: list[dict], table_name: str, columns: dict[str, dict[str, Any]]) -> Any:
    """Send `rows` to the append-only quarantine table `table_name` (no key: a row without its key
    is what lands there) instead of the resource's merged table."""
    hints = dlt.mark.make_hints(table_name=table_name, write_disposition="append", primary_key=(), columns=columns)
    return dlt.mark.with_hints(rows, hints, create_table_variant=True)
