"""`make serve` (python -m serving): the API and dashboard on SERVE_HOST:SERVE_PORT (127.0.0.1:8000).

On DuckDB, a database whose snapshot was never published (e.g. `make demo`'s) is published once first.
"""

from __future__ import annotations

import logging
import sys

import duckdb
import psycopg2
import uvicorn

from loaders import cli, config
from loaders.secrets import install_log_masking
from scripts.database import refuse_reader
from serving import publish
from serving.app import create_app
from serving.security import KeyMasking
from serving.settings import from_env

log = logging.getLogger("serve")


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_masking()
    try:
        config.load_env_file()
        settings = from_env()
        config.check_listening(settings.host, settings.port, "SERVE_HOST and SERVE_PORT")
    except config.ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if settings.target == "duckdb":
        database = config.duckdb_path()
        if publish.current_snapshot(publish.publish_dir(database)) is None:
            if (refused := refuse_reader("duckdb", "serve")) is not None:  # no file yet, or a run writes it
                return refused
            log.info("no snapshot of %s published yet: publishing one now", database)
            try:
                publish.publish(database)
            except (duckdb.Error, OSError) as exc:  # e.g. a run holds the file, a full disk
                print(f"{database} could not be published for the server: {cli.in_one_line(exc)}", file=sys.stderr)
                return 2
    mode = "local mode: no key needed from this machine" if settings.local_mode else "API key required"
    log.info("serving %s on http://%s:%d (%s)", settings.target, settings.host, settings.port, mode)
    try:
        app = create_app(settings)
    except psycopg2.OperationalError as exc:
        print(cli.in_one_line(exc), file=sys.stderr)
        return 2
    server = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="info")  # sets its loggers up
    for name in ("uvicorn.access", "uvicorn.error", log.name):  # `serve` logs a failed request's path
        logging.getLogger(name).addFilter(KeyMasking())
    uvicorn.Server(server).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
