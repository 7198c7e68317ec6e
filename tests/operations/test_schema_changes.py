"""Schema changes found in dlt's schema history (new columns and nested tables, not a first load; values
of another type than their column) and in the data (a column always filled that a load left empty)."""

from __future__ import annotations

import dlt

from loaders import config
from scripts import database, schema_changes


def load(rows: list[dict], table: str, schema: str = "schema_change_probe") -> None:
    pipeline = dlt.pipeline(
        pipeline_name=schema,
        destination=dlt.destinations.duckdb(credentials=str(config.duckdb_path())),
        dataset_name="raw_probe",
        pipelines_dir=str(config.pipelines_dir()),
    )
    pipeline.run(rows, table_name=table)


def changes_after(rows: list[dict], table: str, schema: str = "schema_change_probe") -> list[tuple]:
    with database.connect("duckdb") as db:
        before = schema_changes.baseline(db, "raw_probe")
    load(rows, table, schema)
    with database.connect("duckdb") as db:
        return [change[2:] for change in schema_changes.changes_since(db, "raw_probe", before)]


def test_new_columns_and_nested_tables_are_changes_new_resources_are_not(workdir):
    assert changes_after([{"id": 1, "name": "kettle"}], "products") == []  # the dataset's first load
    assert changes_after([{"id": 1, "present": 3}], "stocks") == []  # a resource's first load
    assert changes_after([{"id": 2, "name": "mug", "colour": "red"}], "products") == [
        ("products", "colour", "new_column")
    ]
    assert changes_after([{"id": 3, "name": "lamp", "tags": [{"tag": "new"}]}], "products") == [
        ("products__tags", "", "new_table")
    ]
    assert changes_after([{"id": 4, "name": "plate", "colour": "blue"}], "products") == []


def test_a_column_the_sources_yaml_declares_is_no_change_of_the_api(workdir):
    """An install older than a release that stores a new field of its own (the WB report row's place
    in the file, row_number) saw it as a schema change of Wildberries' API, and alerted so, on the
    first run after the upgrade; a fresh install makes the column on its first load."""
    remains = [{"nm_id": 1, "barcode": "200"}]
    assert changes_after(remains, "warehouse_remains", "wildberries") == []
    assert changes_after([{**remains[0], "row_number": 1}], "warehouse_remains", "wildberries") == []
    assert changes_after([{**remains[0], "colour": "red"}], "warehouse_remains", "wildberries") == [
        ("warehouse_remains", "colour", "new_column")
    ]


def products(count: int, **fields) -> list[dict]:
    return [{"id": number, "name": f"product {number}", **fields} for number in range(count)]


def test_a_field_sent_in_every_row_and_then_in_none_is_a_vanished_column(workdir):
    assert changes_after(products(12, colour="red"), "products") == []
    assert changes_after(products(12), "products") == [("products", "colour", "vanished_column")]
    assert changes_after(products(12), "products") == [], "reported once: the load before had no colour either"

    some_with_colour = products(6, colour="red") + products(6)
    assert changes_after(some_with_colour, "products") == []
    assert changes_after(products(12), "products") == [], "a field only sometimes sent has not vanished"

    assert changes_after(products(12, colour="red"), "products") == []
    assert changes_after(products(3), "products") == [], "three rows say nothing about a field"


def test_values_of_another_type_are_a_type_mismatch_and_their_column_emptying_again_no_change(workdir):
    assert changes_after(products(12, stock=3), "products") == []
    assert changes_after(products(12, stock="3 шт."), "products") == [("products", "stock__v_text", "type_mismatch")]
    assert changes_after(products(12, stock=3), "products") == [], "the text stopped: no vanished column"
