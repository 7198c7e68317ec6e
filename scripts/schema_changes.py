"""Schema changes the API brought: new raw tables or columns, found in dlt's `_dlt_version` history,
and columns that vanished, found in the data.

dlt stores a schema version each time a load evolves the schema. The tables and columns of the
versions stored before a step are the baseline; what the versions stored by the step add to a
known table is a change. A new column dlt made for values of another type than their column's
(a quantity sent as text lands in `quantity__v_text`, the column null there) is a type mismatch
(quality.raw_type_mismatches counts its rows). dlt never drops a column, so a field the API stops
sending shows only in the rows: a column of a root table that had a value in every row of that
table's previous load and has none in any row of a load the step made has vanished (its staging
column now reads null).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from loaders import raw_columns
from scripts.database import Database

# Too few rows say nothing about a field always being sent; the loaders' own bookkeeping tables
# (outcomes, report requests, quarantined rows) hold no API fields.
VANISHED_MIN_ROWS = 10
LOADER_TABLES = ("resource_outcomes", "report_requests")


@dataclass
class Baseline:
    hashes: set[str] = field(default_factory=set)
    tables: dict[str, set[str]] = field(default_factory=dict)  # table -> columns
    loads: set[str] = field(default_factory=set)  # dlt load ids


def _versions(db: Database, dataset: str) -> list[tuple[str, int, str, str]]:
    if not db.relation_exists(dataset, "_dlt_version"):
        return []
    return db.execute(
        f"select schema_name, version, version_hash, schema from {dataset}._dlt_version order by inserted_at, version"
    )


def _tables(schema_json: str) -> dict[str, tuple[str | None, dict[str, dict]]]:
    """table -> (parent table, column name -> dlt's column schema) of the data tables in a stored dlt schema."""
    return {
        name: (
            table.get("parent"),
            {
                column_name: column
                for column_name, column in table.get("columns", {}).items()
                if not column_name.startswith("_dlt")
            },
        )
        for name, table in json.loads(schema_json).get("tables", {}).items()
        if not name.startswith("_dlt")
    }


def _loads(db: Database, dataset: str) -> set[str]:
    if not db.relation_exists(dataset, "_dlt_loads"):
        return set()
    return {load_id for (load_id,) in db.execute(f"select load_id from {dataset}._dlt_loads")}


def baseline(db: Database, dataset: str) -> Baseline:
    result = Baseline(loads=_loads(db, dataset))
    for _, _, version_hash, schema_json in _versions(db, dataset):
        result.hashes.add(version_hash)
        for table, (_, columns) in _tables(schema_json).items():
            result.tables.setdefault(table, set()).update(columns)
    return result


def changes_since(db: Database, dataset: str, before: Baseline) -> list[tuple[str, int, str, str, str]]:
    """(schema_name, version, table, column, change) for what changed since `before`.

    A new column of a known table (a type mismatch when dlt made it for values of another type), or
    a new nested table under a known one, is a change; the tables of a resource loaded for the first
    time are not, nor is a column the sources YAML declares (a field this project's loader adds or
    now reads, new in an install older than the release: a fresh install has it from its first
    load). So is a vanished column (see the module's docstring), reported with the newest schema
    version, unless its values came in another type.
    """
    known = {table: set(columns) for table, columns in before.tables.items()}
    changes = []
    for schema_name, version, version_hash, schema_json in _versions(db, dataset):
        if version_hash in before.hashes:
            continue
        tables = _tables(schema_json)
        ours = raw_columns.declared(schema_name)
        for table, (parent, columns) in sorted(tables.items()):
            if table in known:
                for name in sorted(columns.keys() - known[table] - ours.get(table, {}).keys()):
                    change = "type_mismatch" if columns[name].get("variant") else "new_column"
                    changes.append((schema_name, version, table, name, change))
            elif parent in known:
                changes.append((schema_name, version, table, "", "new_table"))
        for table, (_, columns) in tables.items():
            known.setdefault(table, set()).update(columns)
    # a column whose values came in another type is empty too: the type mismatch says why
    mistyped = {
        (table, column.rpartition("__v_")[0]) for _, _, table, column, change in changes if change == "type_mismatch"
    }
    return changes + [change for change in vanished_columns(db, dataset, before) if change[2:4] not in mistyped]


def vanished_columns(db: Database, dataset: str, before: Baseline) -> list[tuple[str, int, str, str, str]]:
    versions = _versions(db, dataset)
    if not versions:
        return []
    schema_name, version, _, schema_json = versions[-1]
    new_loads = _loads(db, dataset) - before.loads
    changes = []
    for table, (parent, columns) in sorted(_tables(schema_json).items()):
        from_the_api = table not in LOADER_TABLES and not table.endswith("_quarantine")
        if parent is None and from_the_api and columns and new_loads and db.relation_exists(dataset, table):
            # a variant column emptying again is a type mended, not a field gone
            sent = sorted(name for name, column in columns.items() if not column.get("variant"))
            changes.extend(
                (schema_name, version, table, column, "vanished_column")
                for column in _vanished_in(db, f"{dataset}.{table}", sent, new_loads)
            )
    return changes


def _vanished_in(db: Database, relation: str, columns: list[str], new_loads: set[str]) -> list[str]:
    """The columns filled in every row of `relation`'s load before its newest, and in no row of its
    newest, when that newest load is one of `new_loads` and both have VANISHED_MIN_ROWS rows."""
    newest_two = [
        load_id for (load_id,) in db.execute(f"select distinct _dlt_load_id from {relation} order by 1 desc limit 2")
    ]
    if len(newest_two) < 2 or newest_two[0] not in new_loads:
        return []
    counts = ", ".join(f'count("{column}")' for column in columns)
    rows = {
        load_id: (total, filled)
        for load_id, total, *filled in db.execute(
            f"select _dlt_load_id, count(*), {counts} from {relation} where _dlt_load_id in (?, ?) group by 1",
            tuple(newest_two),
        )
    }
    (newest_rows, newest), (previous_rows, previous) = rows[newest_two[0]], rows[newest_two[1]]
    if min(newest_rows, previous_rows) < VANISHED_MIN_ROWS:
        return []
    return [
        column
        for column, now, then in zip(columns, newest, previous, strict=True)
        if now == 0 and then == previous_rows
    ]
