"""dlt's PostgreSQL credentials as libpq reads the PG* variables (loaders/config.py `postgres_credentials`)."""

from __future__ import annotations

from typing import Any

from dlt.common.configuration import configspec
from dlt.destinations.impl.postgres.configuration import PostgresCredentials


@configspec(init=False)
class LibpqCredentials(PostgresCredentials):
    """PostgresCredentials whose host may be a folder, as in libpq: a PGHOST starting with / names the
    folder of the server's Unix socket. dlt puts the host into its URL's authority, where a path made
    postgresql://user@/var/run/postgresql:5432/db, the database "var/run/postgresql:5432/db"; libpq
    reads a socket folder from the `host` query parameter instead. `host` itself keeps the folder, for
    dlt's data location and messages."""

    def to_url(self) -> Any:
        url = super().to_url()
        if not (self.host or "").startswith("/"):
            return url
        return url._replace(host=None, query={**url.query, "host": self.host})
