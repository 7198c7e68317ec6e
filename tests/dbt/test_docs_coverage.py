"""The docs an analyst reads (`make docs`): every model has a yml entry whose description states its
grain and a uniqueness test on that grain; every column of every mart is described, and so is every
staging column the marts show under its own name; the planning formulas are doc blocks with their
sources; the API and dashboard are exposures of what they read.

One dbt invocation builds the marts and everything upstream on an empty database (raw tables that
do not exist read as no rows, macros/raw_table.sql): its manifest holds the yml, its database the
columns the marts really have.
"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from scripts import steps

pytestmark = pytest.mark.e2e  # runs dbt

MARTS = "dbt_project/models/marts/"
FORMULAS = {
    # doc block: (mart, column or None for the model's description) that must carry it
    "velocity_ads": ("sales_velocity", None),
    "planning_days_of_cover": ("stock_alerts", "days_of_cover"),
    "planning_alert_severity": ("stock_alerts", "severity"),
    "planning_safety_stock": ("replenishment_plan", "safety_stock"),
    "planning_recommended_quantity": ("replenishment_plan", "recommended_quantity"),
}
SERVING_MODULES = ("serving/marts.py", "serving/api.py", "serving/dashboard.py")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[dict, dict[str, list[str]]]:
    """(dbt's manifest, the columns of every relation built), every marketplace's models enabled."""
    folder = tmp_path_factory.mktemp("docs_coverage")
    env = {
        "DUCKDB_PATH": str(folder / "empty.duckdb"),
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
        "MARKETPLACES": "ozon,wildberries",
    }
    select = ("--select", f"+path:{MARTS}", "--exclude-resource-type", "test", "unit_test")
    try:
        steps.dbt("build", "duckdb", env, *select)
    except steps.StepFailed:
        pass  # dbt writes the manifest all the same; a mart it could not build fails the column test
    manifest = json.loads((folder / "target" / "manifest.json").read_text(encoding="utf-8"))
    with duckdb.connect(env["DUCKDB_PATH"], read_only=True) as db:
        rows = db.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "order by table_schema, table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for schema, table, column in rows:
        columns.setdefault(f"{schema}.{table}", []).append(column)
    return manifest, columns


def models(manifest: dict) -> list[dict]:
    return [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]


def marts(manifest: dict) -> list[dict]:
    return [model for model in models(manifest) if model["original_file_path"].startswith(MARTS)]


def relation(model: dict) -> str:
    return f"{model['schema']}.{model['alias']}"


def model_named(manifest: dict, name: str) -> dict:
    return next(model for model in models(manifest) if model["name"] == name)


def grain_tests(manifest: dict) -> dict[str, list[str]]:
    """Model id → its uniqueness tests (`unique` on a column, `unique_combination_of_columns`)."""
    found: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        test = (node.get("test_metadata") or {}).get("name")
        if node["resource_type"] == "test" and test in ("unique", "unique_combination_of_columns"):
            found.setdefault(node["attached_node"], []).append(node["name"])
    return found


def test_every_model_has_a_yml_entry_stating_its_grain(project):
    manifest, _ = project
    without_entry = sorted(model["name"] for model in models(manifest) if not model["patch_path"])
    without_grain = sorted(
        model["name"] for model in models(manifest) if not re.search(r"\bone row per\b", model["description"], re.I)
    )
    assert without_entry == [], "models with no yml entry"
    assert without_grain == [], "models whose description does not say 'One row per ...'"


def test_every_model_has_a_uniqueness_test_on_its_grain(project):
    """Unless its yml says no key is unique (meta grain_unique: false) and its description says why."""
    manifest, _ = project
    tested = grain_tests(manifest)
    untested = sorted(
        model["name"]
        for model in models(manifest)
        if model["unique_id"] not in tested and model["config"]["meta"].get("grain_unique") is not False
    )
    assert untested == [], "models without a unique / unique_combination_of_columns test"
    for model in models(manifest):
        if model["config"]["meta"].get("grain_unique") is False:
            assert "no key is unique" in model["description"].lower(), model["name"]


def test_every_mart_column_is_described_and_exists(project):
    manifest, columns = project
    assert [mart["name"] for mart in marts(manifest) if relation(mart) not in columns] == [], "marts dbt did not build"
    undescribed, stale = {}, {}
    for mart in marts(manifest):
        built = columns[relation(mart)]
        documented = {name.lower(): column["description"].strip() for name, column in mart["columns"].items()}
        missing = [column for column in built if not documented.get(column.lower())]
        gone = sorted(set(documented) - {column.lower() for column in built})
        if missing:
            undescribed[mart["name"]] = missing
        if gone:
            stale[mart["name"]] = gone
    assert undescribed == {}, "mart columns without a description"
    assert stale == {}, "documented columns the mart does not have"


def test_every_staging_column_a_mart_shows_is_described(project):
    """A column of a staging model upstream of the marts whose name a mart column has: the value
    the marts pass on (account, sku, load_id, ...) is documented where it enters."""
    manifest, columns = project
    mart_columns = {column.lower() for mart in marts(manifest) for column in columns.get(relation(mart), [])}
    undescribed = {}
    for model in models(manifest):
        if "/staging/" not in model["original_file_path"] or relation(model) not in columns:
            continue
        documented = {name.lower(): column["description"].strip() for name, column in model["columns"].items()}
        missing = [c for c in columns[relation(model)] if c.lower() in mart_columns and not documented.get(c.lower())]
        if missing:
            undescribed[model["name"]] = missing
    assert undescribed == {}, "staging columns the marts show, without a description"


def test_the_planning_formulas_are_doc_blocks_with_sources_used_by_the_marts(project):
    manifest, _ = project
    blocks = {block["name"]: block["block_contents"] for block in manifest["docs"].values()}
    for name, (mart, column) in FORMULAS.items():
        assert name in blocks, f"doc block {name} is missing"
        assert "Sources:" in blocks[name], f"doc block {name} names no sources"
        node = model_named(manifest, mart)
        description = node["columns"][column]["description"] if column else node["description"]
        assert blocks[name].strip() in description, f"{mart}.{column or '(model)'} does not use doc block {name}"


def test_the_api_and_dashboard_are_exposures_of_every_model_they_read(project):
    manifest, _ = project
    read = set()
    for module in SERVING_MODULES:
        source = (steps.PROJECT_DIR / module).read_text(encoding="utf-8")
        # schema.relation in their SQL; a call of module marts (`marts.stock_on(`) or a template
        # (`monitoring.html`) is not one
        read |= set(re.findall(r"\b(?:marts|monitoring|quality)\.(?!html\b)([a-z_]+)\b(?!\()", source))
    model_ids = {model["name"]: model["unique_id"] for model in models(manifest)}
    assert read and read <= set(model_ids), f"serving reads relations that are not models: {read - set(model_ids)}"
    exposures = {exposure["name"]: exposure for exposure in manifest["exposures"].values()}
    assert {"stock_api", "stock_dashboard"} <= set(exposures)
    exposed = set().union(*(exposure["depends_on"]["nodes"] for exposure in exposures.values()))
    assert sorted(name for name in read if model_ids[name] not in exposed) == [], "models serving reads, no exposure"
    for exposure in exposures.values():
        assert exposure["owner"].get("name") or exposure["owner"].get("email"), exposure["name"]
