"""Keep a pipeline's local dlt state in step with the database it loads into.

dlt keeps each pipeline's state (the cursors: where the next incremental read starts) in the
pipeline folder (`DLT_PIPELINES_DIR`) and a copy in the destination, committed with the data. When
the database is restored from a backup, replaced or loses tables while the folder stays, the folder's
cursors are ahead of the rows the database holds: the next runs would read only what changed since,
and what happened in between would be missing for good (dlt restores from the destination only when
the destination's state is the newer one). Two cases, both found and repaired before a load:

- the database's state of this pipeline is older than the folder's, or absent: the folder's state
  is dropped, so dlt takes the database's (the cursors that match its rows), or, with none, reads
  everything as on a first run;
- a table that this pipeline loaded is gone from the database: it is created again and its
  resource's cursor is reset, so that resource is read in full.

Merge keys make a re-read idempotent; appended snapshots gain one more snapshot.
"""

from __future__ import annotations

import logging

from dlt.common.destination.exceptions import DestinationUndefinedEntity
from dlt.common.schema.utils import get_root_table

log = logging.getLogger(__name__)


def bring_in_step(pipeline, label: str) -> None:
    """Repair `pipeline` (see the module docstring) and say what was done; `label` names the account."""
    if not pipeline.default_schema_name:
        return  # never loaded from this folder: dlt restores from the database by itself
    behind = _stored_state_version(pipeline)
    local = pipeline.state.get("_state_version", 0)
    if behind < local:
        log.warning(
            "%s: the database holds an older state (version %d) than %s (version %d): it was restored, "
            "replaced or emptied; re-syncing from the database",
            label,
            behind,
            pipeline.working_dir,
            local,
        )
        pipeline.drop()
        pipeline.sync_destination()
        if not pipeline.default_schema_name:
            return
    missing = _missing_tables(pipeline)
    if missing:
        resources = sorted({_resource_of(pipeline.default_schema, table) for table in missing} - {None})
        log.warning(
            "%s: the database lost table(s) %s: creating them again and reading %s in full",
            label,
            ", ".join(sorted(missing)),
            ", ".join(resources) or "nothing more",
        )
        with pipeline.destination_client() as client:
            client.update_stored_schema(force=True)
        with pipeline.managed_state() as state:
            source_resources = state.get("sources", {}).get(pipeline.default_schema_name, {}).get("resources", {})
            for resource in resources:
                source_resources.pop(resource, None)


def _stored_state_version(pipeline) -> int:
    """The version of this pipeline's state in the database; 0 when it holds none."""
    try:
        with pipeline.destination_client() as client:
            stored = client.get_stored_state(pipeline.pipeline_name)
    except DestinationUndefinedEntity:
        return 0
    return stored.version if stored else 0


def _missing_tables(pipeline) -> set[str]:
    """Tables this pipeline's schema says were loaded, which the database does not have."""
    schema = pipeline.default_schema
    loaded = [name for name in schema.data_table_names(seen_data_only=True)]
    if not loaded:
        return set()
    with pipeline.destination_client() as client:
        return {name for name, columns in client.get_storage_tables(loaded) if not columns}


def _resource_of(schema, table: str) -> str | None:
    return get_root_table(schema.tables, table).get("resource")
