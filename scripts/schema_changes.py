"""Schema changes the API brought: new raw tables or columns, found in dlt's `_dlt_version` history.

dlt stores a schema version each time a load evolves the schema. The tables and columns of the
versions stored before a step are the baseline; what the versions stored by the step add to a
known table is a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from scripts.database import Database


@dataclass
class Baseline:
    hashes: set[str] = field(default_factory=set)
    tables: dict[str, set[str]] = field(default_factory=dict)  # table -> columns


def _versions(db: Database, dataset: str) -> list[tuple[str, int, str, str]]:
    if not db.relation_exists(dataset, "_dlt_version"):
        return []
    return db.execute(
        f"select schema_name, version, version_hash, schema from {dataset}._dlt_version order by inserted_at, version"
    )


def _tables(schema_json: str) -> dict[str, tuple[str | None, set[str]]]:
    """table -> (parent table, columns) of the data tables in a stored dlt schema."""
    return {
        name: (table.get("parent"), {column for column in table.get("columns", {}) if not column.startswith("_dlt")})
        for name, table in json.loads(schema_json).get("tables", {}).items()
        if not name.startswith("_dlt")
    }


def baseline(db: Database, dataset: str) -> Baseline:
    result = Baseline()
    for _, _, version_hash, schema_json in _versions(db, dataset):
        result.hashes.add(version_hash)
        for table, (_, columns) in _tables(schema_json).items():
            result.tables.setdefault(table, set()).update(columns)
    return result


def changes_since(db: Database, dataset: str, before: Baseline) -> list[tuple[str, int, str, str, str]]:
    """(schema_name, version, table, column, change) for what is new since `before`.

    A new column of a known table, or a new nested table under a known one, is a change; the
    tables of a resource loaded for the first time are not.
    """
    known = {table: set(columns) for table, columns in before.tables.items()}
    changes = []
    for schema_name, version, version_hash, schema_json in _versions(db, dataset):
        if version_hash in before.hashes:
            continue
        tables = _tables(schema_json)
        for table, (parent, columns) in sorted(tables.items()):
            if table in known:
                changes.extend((schema_name, version, table, c, "new_column") for c in sorted(columns - known[table]))
            elif parent in known:
                changes.append((schema_name, version, table, "", "new_table"))
        for table, (_, columns) in tables.items():
            known.setdefault(table, set()).update(columns)
    return changes
