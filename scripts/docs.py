"""`make docs`: the dbt docs of the database you have, served in a browser.

Generates the docs site (catalog.json: every table and column the database holds, with the models'
descriptions) for every marketplace whose raw data the database has (MARKETPLACES overrides), then
serves it on DOCS_PORT (default 8080) until Ctrl-C. `--no-serve` (DOCS_SERVE=0) only generates, for CI.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from loaders import cli, config
from loaders.writer_lock import LockBusy, writer_lock
from scripts import database, runlog, steps

EXIT_NO_DATA, EXIT_BUSY = 2, 75


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=database.TARGETS)
    parser.add_argument("--no-serve", action="store_true", help="only generate the site (target/)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    target = config.target(args.target)
    refused = database.refuse_reader(target, "docs")
    if refused is not None:
        return refused
    port = config.port_number("DOCS_PORT", 8080)
    if not args.no_serve:  # dbt's server listens on 127.0.0.1; found busy only after the generation
        config.check_listening("127.0.0.1", port, "DOCS_PORT")
    try:
        with writer_lock("docs", runlog.utcnow().isoformat()):
            # read under the lock: a run's writer must not find the file open
            marketplaces = database.marketplaces_setting() or ",".join(database.marketplaces_in_database(target))
            if not marketplaces:
                print(
                    "docs: the database holds no marketplace's data yet: run `make demo` or `make run` first",
                    file=sys.stderr,
                )
                return EXIT_NO_DATA
            steps.dbt("docs generate", target, {"MARKETPLACES": marketplaces})
    except LockBusy as exc:
        print(f"docs: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except steps.StepFailed as exc:
        print(f"docs: {exc} (dbt's messages above)", file=sys.stderr)
        return exc.returncode
    print(f"docs: generated for {marketplaces.replace(',', ', ')} on {target}")
    if args.no_serve:
        return 0
    print(f"docs: serving on http://localhost:{port} (Ctrl-C stops)", flush=True)
    command = steps.dbt_command("docs serve", target, "--port", str(port), "--no-browser")
    return subprocess.call(command, cwd=steps.PROJECT_DIR, env=steps.environment({"MARKETPLACES": marketplaces}))


if __name__ == "__main__":
    cli.run(main)
