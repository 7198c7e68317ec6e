"""The settings (vars of dbt_project.yml, or `--vars`) are checked before anything runs
(dbt_project/macros/settings.sql, on-run-start): a bad one stops dbt with one line naming the var, the
value given and what it must be. Before, `lead_time_days: abc` failed deep in a model with `Referenced
column "abc" not found`, `-5` with the square root of a negative number, a pack size of 0 with a cast of
NaN, a planning window not among the velocity windows with a column that does not exist, and a negative
coverage, a critical threshold above the warning one or a lost-sales window longer than the days
int_sales_days holds built plans and alerts that were silently wrong.

A dbt command costs seconds (most of it dbt's start and its macros), so the line of every case comes
from one `dbt run-operation` that asks the check itself (settings_problem) about each, in a project
with the real dbt_project.yml and macros and no models; `dbt parse` with `--vars`, the way a user
meets the check, runs for a few cases and for the defaults, and on the real project for a var a
model's Jinja computes with while dbt parses it (before the hook).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from scripts import steps
from scripts.steps import PROJECT_DIR

pytestmark = pytest.mark.e2e  # runs dbt

MACROS = Path(PROJECT_DIR) / "dbt_project/macros"
# The answer of settings_problem() for each case (--vars text -> the vars it overrides), as JSON.
CASES_MACRO = """
{% macro settings_cases(cases) -%}
    {%- set answers = {} -%}
    {%- for case, overrides in cases.items() -%}
        {%- set values = {} -%}
        {%- for name in setting_names() -%}
            {%- do values.update({name: overrides[name] if name in overrides else var(name)}) -%}
        {%- endfor -%}
        {%- do answers.update({case: settings_problem(values)}) -%}
    {%- endfor -%}
    {%- do print("ANSWERS " ~ tojson(answers)) -%}
{%- endmacro %}
"""

# --vars -> the one line dbt stops with
BAD = {
    "{lead_time_days: abc}": "dbt var lead_time_days must be a whole number of days from 0 to 365, got 'abc'",
    "{lead_time_days: -5}": "dbt var lead_time_days must be a whole number of days from 0 to 365, got -5",
    "{lead_time_days: 100000000}": (
        "dbt var lead_time_days must be a whole number of days from 0 to 365, got 100000000"
    ),
    "{lead_time_days: 14.5}": "dbt var lead_time_days must be a whole number of days from 0 to 365, got 14.5",
    "{coverage_days: -50}": "dbt var coverage_days must be a whole number of days from 0 to 365, got -50",
    "{default_pack_size: 0}": "dbt var default_pack_size must be a whole number of units from 1 to 100000, got 0",
    "{planning_window_days: 45}": (
        "dbt var planning_window_days must be one of velocity_windows (7, 14, 30, 60), got 45"
    ),
    "{velocity_windows: [7, 14]}": "dbt var planning_window_days must be one of velocity_windows (7, 14), got 30",
    "{velocity_windows: [7, 30, 30, 60]}": (
        "dbt var velocity_windows must be a non-empty list of distinct whole numbers of days from 1 to 365"
        " such as [7, 14, 30, 60], got [7, 30, 30, 60]"
    ),
    "{critical_days_of_cover: 30}": (
        "dbt var critical_days_of_cover must be less than warning_days_of_cover (14), got 30"
    ),
    "{lost_sales_window_days: 90}": (
        "dbt var lost_sales_window_days must be at most the longest of velocity_windows"
        " (60 days, the days int_sales_days holds), got 90"
    ),
    "{overstock_days_of_cover: 30}": (
        "dbt var overstock_days_of_cover must be at least lead_time_days + coverage_days"
        " (42, the days of sales the plan orders for), got 30"
    ),
    "{abc_b_share: 0.3}": "dbt var abc_b_share must be at most 1 - abc_a_share (0.2), got 0.3",
    "{xyz_x_max_cv: 1.0}": "dbt var xyz_x_max_cv must be less than xyz_y_max_cv (1.0), got 1.0",
    "{lead_time_days: true}": "dbt var lead_time_days must be a whole number of days from 0 to 365, got True",
    "{lead_time_days: null}": "dbt var lead_time_days must be a whole number of days from 0 to 365, got None",
    "{default_min_order_quantity: 0}": (
        "dbt var default_min_order_quantity must be a whole number of units from 1 to 100000, got 0"
    ),
    "{velocity_windows: []}": (
        "dbt var velocity_windows must be a non-empty list of distinct whole numbers of days from 1 to 365"
        " such as [7, 14, 30, 60], got []"
    ),
    "{velocity_windows: '7,30'}": (
        "dbt var velocity_windows must be a non-empty list of distinct whole numbers of days from 1 to 365"
        " such as [7, 14, 30, 60], got '7,30'"
    ),
    "{velocity_windows: [0, 30]}": (
        "dbt var velocity_windows must be a non-empty list of distinct whole numbers of days from 1 to 365"
        " such as [7, 14, 30, 60], got [0, 30]"
    ),
    "{planning_window_days: abc}": (
        "dbt var planning_window_days must be a whole number of days from 1 to 365, got 'abc'"
    ),
    "{service_level: 0.5}": (
        "dbt var service_level must be one of 0.8, 0.85, 0.9, 0.95, 0.975, 0.98, 0.99, 0.995, got 0.5"
    ),
    "{service_level: '0.95'}": (
        "dbt var service_level must be one of 0.8, 0.85, 0.9, 0.95, 0.975, 0.98, 0.99, 0.995, got '0.95'"
    ),
    "{localisation_window_days: 0}": (
        "dbt var localisation_window_days must be a whole number of days from 1 to 365, got 0"
    ),
    "{dead_stock_days: -1}": "dbt var dead_stock_days must be a whole number of days from 1 to 3650, got -1",
    "{abc_xyz_window_weeks: 0}": "dbt var abc_xyz_window_weeks must be a whole number of weeks from 1 to 104, got 0",
    "{abc_a_share: x}": "dbt var abc_a_share must be a share from 0 to 1, got 'x'",
    "{abc_a_share: 80}": "dbt var abc_a_share must be a share from 0 to 1, got 80",
    "{xyz_y_max_cv: -1}": "dbt var xyz_y_max_cv must be a coefficient of variation from 0 to 10, got -1",
    "{overstock_days_of_cover: 14}": (
        "dbt var overstock_days_of_cover must be more than warning_days_of_cover (14), got 14"
    ),
    "{ozon_ads_tolerance: 1.5}": "dbt var ozon_ads_tolerance must be a share from 0 to 1, got 1.5",
    "{ozon_ads_min_difference: -0.05}": (
        "dbt var ozon_ads_min_difference must be units a day from 0 to 1000, got -0.05"
    ),
    "{max_plausible_quantity: 0}": (
        "dbt var max_plausible_quantity must be a whole number of units from 1 to 1000000000, got 0"
    ),
    "{stock_jump_min_units: 2.5}": (
        "dbt var stock_jump_min_units must be a whole number of units from 0 to 100000, got 2.5"
    ),
    "{source_disagreement_tolerance: .nan}": (
        "dbt var source_disagreement_tolerance must be a share from 0 to 1, got nan"
    ),
    "{source_disagreement_min_units: -1}": (
        "dbt var source_disagreement_min_units must be a whole number of units from 0 to 100000, got -1"
    ),
    '{business_timezone: "Europe/Moscow\'"}': (
        "dbt var business_timezone must be an IANA time zone name such as 'Europe/Moscow', got \"Europe/Moscow'\""
    ),
    '{warehouses_without_stock_feed: ["wildberries:A\'B"]}': (
        "dbt var warehouses_without_stock_feed must be a list of warehouse keys <marketplace>:<warehouse name>"
        " such as ['wildberries:СКЛАДЫ_ПРОДАВЦА'], got [\"wildberries:A'B\"]"
    ),
    "{stock_jump_share: true}": "dbt var stock_jump_share must be a share from 0 to 1, got True",
    "{frozen_feed_syncs: 1}": "dbt var frozen_feed_syncs must be a whole number of snapshots from 2 to 1000, got 1",
    "{business_timezone: Moscow}": (
        "dbt var business_timezone must be an IANA time zone name such as 'Europe/Moscow', got 'Moscow'"
    ),
    '{warehouses_without_stock_feed: "wildberries:X"}': (
        "dbt var warehouses_without_stock_feed must be a list of warehouse keys <marketplace>:<warehouse name>"
        " such as ['wildberries:СКЛАДЫ_ПРОДАВЦА'], got 'wildberries:X'"
    ),
}
# Settings that pass, beside the defaults ("{}").
VALID = [
    "{}",
    "{warehouses_without_stock_feed: []}",
    "{velocity_windows: [30], planning_window_days: 30, lost_sales_window_days: 30}",
    "{lead_time_days: 0, coverage_days: 0, critical_days_of_cover: 0, service_level: 0.995}",
    "{lead_time_days: 365, coverage_days: 365, overstock_days_of_cover: 730, abc_a_share: 0.7, abc_b_share: 0.3}",
]
# Vars a model's Jinja computes with while dbt parses it, before the hook: the same line, from the model
# (setting() in macros/settings.sql; service_level_z in replenishment_plan), on the real project.
BAD_IN_MODELS = {
    "{planning_window_days: abc}": (
        "dbt var planning_window_days must be a whole number of days from 1 to 365, got 'abc'"
    ),
    "{service_level: 0.5}": (
        "dbt var service_level must be one of 0.8, 0.85, 0.9, 0.95, 0.975, 0.98, 0.99, 0.995, got 0.5"
    ),
}


@pytest.fixture(scope="module")
def settings_project(tmp_path_factory) -> Path:
    """The real dbt_project.yml and macros (and the cases' macro), no models: a parse renders the hooks."""
    folder = tmp_path_factory.mktemp("settings_project")
    shutil.copy(Path(PROJECT_DIR) / "dbt_project.yml", folder)
    macros = folder / "dbt_project/macros"
    macros.mkdir(parents=True)
    for macro in MACROS.glob("*.sql"):
        (macros / macro.name).symlink_to(macro)
    (macros / "settings_cases.sql").write_text(CASES_MACRO, encoding="utf-8")
    return folder


def dbt(project: Path, folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    command = steps.dbt_command(arguments[0], "duckdb", *arguments[1:])
    command[command.index("--profiles-dir") + 1] = str(PROJECT_DIR)
    command[command.index("--project-dir") + 1] = str(project)
    env = {
        "DUCKDB_PATH": ":memory:",
        "DBT_TARGET_PATH": str(folder / "target"),
        "DBT_LOG_PATH": str(folder / "logs"),
        "MARKETPLACES": "ozon,wildberries",
    }
    return subprocess.run(command, env=steps.environment(env), capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def answers(settings_project, tmp_path_factory) -> dict[str, str]:
    """settings_problem()'s line for each case of BAD and VALID ('' for none)."""
    cases = {case: yaml.safe_load(case) for case in [*BAD, *VALID]}
    done = dbt(
        settings_project,
        tmp_path_factory.mktemp("answers"),
        "run-operation",
        "settings_cases",
        "--args",
        yaml.safe_dump({"cases": cases}, allow_unicode=True),  # YAML, as dbt reads --vars: .nan
    )
    assert done.returncode == 0, done.stdout[-3000:]
    return json.loads(re.search(r"^ANSWERS (.*)$", done.stdout, re.MULTILINE).group(1))


def assert_stops_with(done: subprocess.CompletedProcess, line: str) -> None:
    assert done.returncode == 2, done.stdout[-3000:]
    # the line, alone on its line (dbt indents a message under its header)
    assert re.search(rf"^\s*{re.escape(line)}$", done.stdout, re.MULTILINE), done.stdout[-3000:]


@pytest.mark.parametrize("dbt_vars", BAD)
def test_a_bad_setting_gets_one_line_naming_it(answers, dbt_vars):
    assert answers[dbt_vars] == BAD[dbt_vars]


@pytest.mark.parametrize("dbt_vars", VALID)
def test_valid_settings_pass(answers, dbt_vars):
    assert answers[dbt_vars] == ""


@pytest.mark.parametrize("dbt_vars", ["{lead_time_days: abc}", "{velocity_windows: [7, 14]}", "{}"])
def test_dbt_stops_before_anything_runs_with_that_line(settings_project, tmp_path, dbt_vars):
    done = dbt(settings_project, tmp_path, "parse", *(["--vars", dbt_vars] if dbt_vars != "{}" else []))
    if dbt_vars == "{}":
        assert done.returncode == 0, done.stdout[-3000:]
    else:
        assert_stops_with(done, BAD[dbt_vars])


@pytest.mark.parametrize("dbt_vars", BAD_IN_MODELS)
def test_a_setting_a_model_computes_with_stops_the_parse_with_its_line(tmp_path, dbt_vars):
    assert_stops_with(dbt(Path(PROJECT_DIR), tmp_path, "parse", "--vars", dbt_vars), BAD_IN_MODELS[dbt_vars])


def test_every_var_of_dbt_project_yml_has_a_rule():
    """settings_problem() checks the vars setting_names() lists (a name without a rule stops it)."""
    project = yaml.safe_load((Path(PROJECT_DIR) / "dbt_project.yml").read_text(encoding="utf-8"))
    text = (MACROS / "settings.sql").read_text(encoding="utf-8")
    listed = re.search(r"macro setting_names\(\).*?endmacro", text, re.DOTALL).group(0)
    assert set(re.findall(r"'(\w+)'", listed)) == set(project["vars"])
