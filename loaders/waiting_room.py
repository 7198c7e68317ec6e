"""Quarantine is a waiting room, not a sink.

An incremental read moves its cursor past every row it saw, stored or not. A record the loader
had to quarantine (a posting cut short, a statistics row without its key) or a read that failed
part-way would otherwise never be read again once the look-back has moved on. So the window of
such a read stays open in the resource's state: the next loads start no later than its beginning,
until a read of it quarantines nothing (then it closes) or QUARANTINE_RETRIES reads (default 3,
the first one included) still quarantined rows (then it closes too, and those rows stay error-level
quality issues). A read is troubled too when a field the models read, which this resource's
records had before, is missing from every record of an answer page (`Read.check_fields`): the
records are stored as sent, and the open window reads them again with the field (a posting
returned on its last day inside the look-back would otherwise stay cancelled); a field still
missing after the retries is no longer waited for. Each read's window and quarantined rows go to
`resource_outcomes` (`window_since`, `quarantined_rows`), from which the quality models tell a
quarantined row that a later clean read of its window replaced from one still waiting or given up.

Window beginnings are compared as text: each resource writes them in one fixed format.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import dlt
from dlt.common.normalizers.naming.snake_case import NamingConvention

from loaders import config

log = logging.getLogger(__name__)

KEY = "waiting_room"
FIELDS_SEEN_KEY = "fields_seen"
DEFAULT_RETRIES = 3
NAMING = NamingConvention()


def retries() -> int:
    return config.whole_number("QUARANTINE_RETRIES", DEFAULT_RETRIES, 1, 100, "reads")


def opened_since(state: MutableMapping) -> str | None:
    """The beginning of the window still open in this resource's `state`, if any."""
    room = state.get(KEY)
    return room["since"] if room else None


class Read:
    """One read of a window: the markers of the rows it quarantined and the fields it missed."""

    def __init__(self, state: MutableMapping) -> None:
        self.quarantined: list = []
        self.vanished: set[str] = set()
        self._state = state

    def check_fields(self, records: Iterable[Any], read_fields: frozenset[str]) -> None:
        """Note which of `read_fields` (dlt's names) the answer page `records` has, and those it
        lacks in every record although this resource's records had them before."""
        records = [record for record in records if isinstance(record, dict)]
        if not records:
            return
        present = {NAMING.normalize_identifier(name) for name in set().union(*records)} & read_fields
        seen = set(self._state.get(FIELDS_SEEN_KEY, ()))
        self.vanished |= seen - present
        self._state[FIELDS_SEEN_KEY] = sorted(seen | present)


@contextmanager
def read(state: MutableMapping, since: str, label: str, note: Callable[[str, int], None]) -> Iterator[Read]:
    """One read of the window beginning at `since`, as a `Read` to note quarantined rows and
    missing fields in. Afterwards (also when the read raised) the window is kept open or closed,
    and `note(since, quarantined)` records the read for `resource_outcomes`."""
    reading = Read(state)
    troubled = True
    try:
        yield reading
        troubled = bool(reading.quarantined or reading.vanished)
        if reading.vanished:
            log.warning(
                "%s: field(s) %s missing from every record of an answer page (sent before); the window "
                "since %s stays open to read them again",
                label,
                ", ".join(sorted(reading.vanished)),
                since,
            )
    finally:
        note(since, len(reading.quarantined))
        _settle(state, since, troubled, reading, label)


def _settle(state: MutableMapping, since: str, troubled: bool, reading: Read, label: str) -> None:
    room = state.get(KEY)
    covers_room = room is None or since <= room["since"]
    if not troubled:
        if room and covers_room:
            log.info("%s: the window since %s read again without a quarantined row: closed", label, room["since"])
            state.pop(KEY)
        return
    attempts = (room["attempts"] if room and covers_room else 0) + 1
    if attempts >= retries():
        still = [f"{len(reading.quarantined)} row(s) still quarantined"] if reading.quarantined else []
        still += [f"field(s) {', '.join(sorted(reading.vanished))} still missing"] if reading.vanished else []
        log.warning(
            "%s: %s after %d reads of the window since %s; no more re-reads (quarantined rows stay "
            "error-level quality issues)",
            label,
            " and ".join(still) or "the read failed",
            attempts,
            since,
        )
        state.pop(KEY, None)
        state[FIELDS_SEEN_KEY] = sorted(set(state.get(FIELDS_SEEN_KEY, ())) - reading.vanished)
        return
    state[KEY] = {"since": min(since, room["since"]) if room else since, "attempts": attempts}


def to_quarantine_table(rows: list[dict], table_name: str, columns: dict[str, dict[str, Any]]) -> Any:
    """Send `rows` to the append-only quarantine table `table_name` (no key: a row without its key
    is what lands there) instead of the resource's merged table."""
    hints = dlt.mark.make_hints(table_name=table_name, write_disposition="append", primary_key=(), columns=columns)
    return dlt.mark.with_hints(rows, hints, create_table_variant=True)
