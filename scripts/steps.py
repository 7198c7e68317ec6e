"""The pipeline's steps as subprocesses, exactly as a person or cron runs them.

The demo and the end-to-end tests call these, so what they check is what users run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DBT = str(Path(sys.executable).with_name("dbt"))

QUIET_TOOLS = {"RUNTIME__DLTHUB_TELEMETRY": "false", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


class StepFailed(Exception):
    def __init__(self, step: str, returncode: int):
        super().__init__(f"step '{step}' failed with exit code {returncode}")
        self.step, self.returncode = step, returncode


def _run(step: str, command: list[str], env: dict[str, str] | None) -> None:
    merged = {**os.environ, **QUIET_TOOLS, **(env or {})}
    completed = subprocess.run(command, cwd=PROJECT_DIR, env=merged, check=False)
    if completed.returncode != 0:
        raise StepFailed(step, completed.returncode)


def load(marketplace: str, destination: str, env: dict[str, str] | None = None, *extra: str) -> None:
    """`python -m loaders <marketplace> --destination <destination> ...`."""
    command = [sys.executable, "-m", "loaders", marketplace, "--destination", destination, *extra]
    _run(f"load {marketplace}", command, env)


def dbt(command: str, target: str, env: dict[str, str] | None = None, *extra: str) -> None:
    """`dbt <command> --target <target>` with the project's profiles.yml."""
    _run(f"dbt {command}", [DBT, command, "--profiles-dir", ".", "--project-dir", ".", "--target", target, *extra], env)
