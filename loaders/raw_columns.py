"""The raw columns the dbt models read, declared to dlt so that they exist from the first load.

dlt creates a column only once some row had a value for it: a field an account never sends (or
always sends as null) leaves no column, and an analyst querying the raw schema misses it. The dbt
sources YAML (`dbt_project/models/staging/<marketplace>/_<marketplace>__sources.yml`) lists, for
every raw table, each column a model reads with its type; it is the one declaration, read here and
given to the resources as dlt column hints:

- a root table's columns to the resource of that name, or to the resource that routes rows to it
  (`dlt.mark`; a table variant of its own, so no other table of the resource gets them);
- a nested table's columns (`<table>__<list>`) as the root's nested hints; its parent is its
  longest `__` prefix declared in the YAML, a prefix not declared being an object dlt flattens
  into its parent (`postings_fbo__financial_data__products` belongs to `postings_fbo`).

A column dlt has already typed (in the pipeline's schema or the one stored with the data) is left
to dlt: a hint of another type would re-type dlt's schema but not the database's column, and
values of the declared type would then be cast into the old one. dlt's own columns (`_dlt_*`) and
tables are dlt's. Every declared column is nullable; a hint the resource gives a column itself
(`account` not null, a `dedup_sort`) wins over the YAML.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import dlt
import yaml

from loaders.config import PROJECT_DIR

STAGING_DIR = PROJECT_DIR / "dbt_project" / "models" / "staging"
# The sources YAML's types (as dbt renders them on DuckDB and PostgreSQL) as dlt's.
DLT_TYPES = {
    "varchar": "text",
    "bigint": "bigint",
    "double precision": "double",
    "boolean": "bool",
    "timestamp with time zone": "timestamp",
}
SEPARATOR = "__"  # dlt's between a table and its nested list (and an object and its field)

Columns = dict[str, dict[str, Any]]
Typed = set[tuple[str, str]]  # (table, column)


@functools.cache
def declared(marketplace: str) -> dict[str, Columns]:
    """Table -> its declared columns as dlt hints (YAML order), from `marketplace`'s sources YAML;
    none for a source that has no sources YAML."""
    path = STAGING_DIR / marketplace / f"_{marketplace}__sources.yml"
    if not path.is_file():
        return {}
    (source,) = yaml.safe_load(path.read_text(encoding="utf-8"))["sources"]
    tables: dict[str, Columns] = {}
    for table in source["tables"]:
        if table["name"].startswith("_dlt"):
            continue
        tables[table["name"]] = {
            column["name"]: {"data_type": _dlt_type(path, table["name"], column), "nullable": True}
            for column in table.get("columns", [])
            if not column["name"].startswith("_dlt_")
        }
    return tables


def read_fields(marketplace: str, table: str) -> frozenset[str]:
    """The fields of a record of `table`, as dlt names them, that some model reads: its declared
    columns, a flattened object's column standing for the object (`analytics_data__region` for
    `analytics_data`)."""
    return frozenset(name.partition(SEPARATOR)[0] for name in declared(marketplace).get(table, {}))


def typed_columns(pipeline: Any, schema_name: str) -> Typed:
    """The columns dlt has already typed for `schema_name`, as `pipeline` will see them when its run
    starts: first it takes the schema stored with the data when that is newer than its folder's (a
    new folder, another machine's loads), as `sync_destination` does here."""
    pipeline.sync_destination()
    if schema_name not in pipeline.schema_names:
        return set()
    return {
        (table["name"], name)
        for table in pipeline.schemas[schema_name].data_tables(include_incomplete=True)
        for name, column in table["columns"].items()
        if column.get("data_type")
    }


def declare(source: Any, routed: Mapping[str, tuple[str, ...]], typed: Typed) -> None:
    """Give every resource of `source` (a dlt source named as its marketplace) the declared columns
    of its table, of the tables in `routed[resource]` that it sends rows to with `dlt.mark`, and of
    their nested tables, leaving out the `typed` ones."""
    tables = declared(source.name)
    for resource in source.resources.values():
        own = dict(resource.columns or {})
        # Variants first: each starts as a copy of the resource's hints at the time.
        for table in routed.get(resource.name, ()):
            resource.apply_hints(table_name=table, create_table_variant=True, **_hints(tables, table, typed, own))
        resource.apply_hints(**_hints(tables, resource.name, typed, own))


def _hints(tables: dict[str, Columns], table: str, typed: Typed, own: Columns) -> dict[str, Any]:
    """`apply_hints` arguments for `table` (None leaves a hint as it is; an empty one would clear it)."""
    return {
        "columns": (_untyped(tables, table, typed) | own) or None,
        "nested_hints": _nested_hints(tables, table, typed) or None,
    }


def _untyped(tables: dict[str, Columns], table: str, typed: Typed) -> Columns:
    return {name: dict(hint) for name, hint in tables.get(table, {}).items() if (table, name) not in typed}


def _nested_hints(tables: dict[str, Columns], root: str, typed: Typed) -> dict[tuple[str, ...], Any]:
    """dlt nested hints (path below `root` -> hints) for the declared tables below `root`."""
    hints = {}
    for table in tables:
        if not table.startswith(root + SEPARATOR):
            continue
        path = tuple(table.removeprefix(root + SEPARATOR).split(SEPARATOR))
        # Without it dlt takes the path's last step but one, which for an object is no table.
        hints[path] = dlt.mark.make_nested_hints(
            columns=_untyped(tables, table, typed), parent_table_name=_parent(tables, table)
        )
    return hints


def _parent(tables: dict[str, Columns], table: str) -> str:
    prefix = table.rpartition(SEPARATOR)[0]
    while SEPARATOR in prefix and prefix not in tables:
        prefix = prefix.rpartition(SEPARATOR)[0]
    return prefix


def _dlt_type(path: Any, table: str, column: dict) -> str:
    data_type = str(column.get("data_type", "")).lower()
    if data_type not in DLT_TYPES:
        raise ValueError(
            f"{path}: column {column['name']} of table {table} has data_type {data_type or 'none'!r};"
            f" the loaders know {', '.join(DLT_TYPES)}"
        )
    return DLT_TYPES[data_type]
