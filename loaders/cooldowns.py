"""Waits a marketplace asked for that outlast the run, kept until the next runs.

A 429 may ask to come back in hours (Wildberries base tokens: `X-Ratelimit-Retry` of 2 h and
more), and a request before that time extends the penalty. The client skips such an endpoint for
this run (`ApiThrottledError`) and writes the time it may be called again here, so that the runs
that follow (cron, a person's `make run`) skip it too, without a request, until then.

One JSON file beside the dlt state ({"<marketplace>|<account>|<endpoint>": "<UTC ISO time>"});
expired entries are dropped on every write. Deleting the file forgets every wait.
"""

from __future__ import annotations

import fcntl
import json
import logging
import math
import os
import threading
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loaders import config

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


def path() -> Path:
    return config.pipelines_dir().parent / "cooldowns.json"


class Cooldowns:
    """The waits in force: read from `file` once (at the first call), written to it on every new
    wait (several processes may share it)."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file or path()
        self._waits: dict[str, str] | None = None

    def until(self, marketplace: str, account: str, endpoint: str) -> datetime | None:
        """The time `endpoint` may be called again for this account, if that is still to come."""
        if self._waits is None:
            self._waits = self._read()
        until = _time(self._waits.get(_key(marketplace, account, endpoint)))
        return until if until is not None and until > _now() else None

    def hold(self, marketplace: str, account: str, endpoint: str, seconds: float) -> datetime:
        """Record that the endpoint may not be called for `seconds` from now; returns that time."""
        now = _now()
        until = now + timedelta(seconds=math.ceil(seconds) + 1)
        until = until.replace(microsecond=0)  # whole seconds, rounded up, as the file keeps it
        self._rewrite(
            lambda waits: waits.update({_key(marketplace, account, endpoint): until.isoformat(timespec="seconds")})
        )
        return until

    def forget(self, marketplace: str, account: str) -> None:
        """Drop every wait of the account (a retired one)."""
        prefix = _key(marketplace, account, "")

        def drop(waits: dict[str, str]) -> None:
            for key in [key for key in waits if key.startswith(prefix)]:
                del waits[key]

        if self.file.exists():
            self._rewrite(drop)

    def _rewrite(self, change: Callable[[dict[str, str]], None]) -> None:
        """The file's waits still in force, changed by `change`, written back in one step."""
        now = _now()
        with self._locked():
            waits = {key: value for key, value in self._read().items() if (_time(value) or now) > now}
            change(waits)
            scratch = self.file.with_name(f"{self.file.name}.{os.getpid()}.{threading.get_ident()}")
            scratch.write_text(json.dumps(waits, indent=1, sort_keys=True), encoding="utf-8")
            scratch.replace(self.file)
            self._waits = waits

    def _read(self) -> dict[str, str]:
        try:
            waits = json.loads(self.file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except ValueError:
            waits = None
        if not isinstance(waits, dict):
            log.warning("%s is not a JSON object of waits: ignored, and rewritten by the next 429", self.file)
            return {}
        return waits

    @contextmanager
    def _locked(self):
        self.file.parent.mkdir(parents=True, exist_ok=True)
        with _LOCK, open(self.file.with_name(self.file.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield


def _key(marketplace: str, account: str, endpoint: str) -> str:
    return f"{marketplace}|{account}|{endpoint}"


def _time(value: object) -> datetime | None:
    try:
        time = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return time if time.tzinfo else time.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)
