"""`python -m scripts.locked NAME COMMAND [ARG ...]`: run COMMAND holding the run lock, or refuse.

Every make target that writes a database (a load, a build, seeds, docs, freshness) runs through
this, so it never writes while a run (or another such target) does: DuckDB admits one writer, and
a load interleaved with a run's loads and build leaves marts that do not add up. A busy lock exits
75 and names its holder, like `make run`; otherwise the exit code is COMMAND's.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

from scripts import runlog
from scripts.lock import LockBusy, RunLock

EXIT_BUSY = 75


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m scripts.locked NAME COMMAND [ARG ...]", file=sys.stderr)
        return 2
    name, command = args[0], args[1:]
    run_id = f"{runlog.utcnow():%Y%m%dT%H%M%S}-{name}-{uuid.uuid4().hex[:6]}"
    try:
        with RunLock(run_id, runlog.utcnow().isoformat()):
            return subprocess.call(command)
    except LockBusy as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
