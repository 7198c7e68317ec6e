"""`GET /api/v1/health`: `make health`'s own verdict (`python -m scripts.health --json`), not a copy of it.

On DuckDB it reads the published snapshot (DUCKDB_PATH pointed at it), so it never opens the
database a run is writing; the lock and log checks are the live ones. Kept for a short while: each
check starts a process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from loaders.secrets import mask
from scripts.steps import PROJECT_DIR
from serving.reader import Reader, SnapshotReader

KEEP_SECONDS = 30


class Health:
    def __init__(self, reader: Reader):
        self.reader = reader
        self._lock = threading.Lock()
        self._report: tuple[float, str, dict] | None = None

    def _run(self) -> dict:
        env = dict(os.environ)
        if isinstance(self.reader, SnapshotReader):
            snapshot = self.reader.snapshot_path()
            if snapshot is None:
                return {"healthy": False, "verdict": "unhealthy", "checks": [_no_snapshot(self.reader)]}
            env["DUCKDB_PATH"] = str(snapshot)
        done = subprocess.run(
            [sys.executable, "-m", "scripts.health", "--json", "--target", self.reader.target],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        try:
            return json.loads(done.stdout)
        except ValueError:
            lines = (done.stderr or done.stdout).strip().splitlines() or [f"exit code {done.returncode}"]
            message = mask(lines[-1])
            check = {"name": "health check", "status": "fail", "message": f"did not answer: {message}", "key": ""}
            return {"healthy": False, "verdict": "unhealthy", "checks": [check]}

    def report(self) -> dict:
        generation = self.reader.generation()
        with self._lock:
            if self._report and self._report[1] == generation and time.monotonic() - self._report[0] < KEEP_SECONDS:
                return self._report[2]
            report = self._run()
            self._report = (time.monotonic(), generation, report)
            return report


def _no_snapshot(reader: SnapshotReader) -> dict:
    message = f"no published snapshot in {reader.folder}: run `make run` (or python -m serving.publish)"
    return {"name": "database", "status": "fail", "message": message, "key": ""}
