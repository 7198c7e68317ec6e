"""The sandbox's own time: data is generated and served as of `clock.now()`, never the wall clock,
so the same seed and the same clock time serve the same bytes. Tests and the demo set and advance it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2025, 11, 20, tzinfo=UTC)


class SandboxClock:
    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = _aware(start)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def set(self, moment: datetime) -> None:
        moment = _aware(moment)
        with self._lock:
            if moment < self._now:
                raise ValueError(f"the sandbox clock only moves forward ({moment} < {self._now})")
            self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            if delta < timedelta(0):
                raise ValueError("the sandbox clock only moves forward")
            self._now += delta
            return self._now


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("sandbox clock times must carry a time zone")
    return moment.astimezone(UTC)
