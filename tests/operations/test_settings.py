"""Settings are read by the programs: `.env` as a dotenv file (values literal, the environment wins),
TARGET for every command, and a bad value stops the program with one line naming the variable."""

from __future__ import annotations

import os
import re

import duckdb
import pytest
from dlt.common.normalizers.naming import snake_case

from loaders import config, http, pipeline, waiting_room
from loaders.config import PROJECT_DIR, ConfigError
from loaders.ozon import postings
from loaders.wildberries import helpers
from loaders.wildberries import reports as wb_reports
from scripts import database, ops_config, steps
from tests.support.operations import DBT, drop_settings, isolated_ops, run_script

ENV_FILE = """\
# a comment line
TARGET=postgres
OZON_ORDERS_LOOKBACK_DAYS="14"
PGPASSWORD=pa$$w0rd#x1
PGUSER='reader # not a comment'
"""


@pytest.fixture
def env_file(tmp_path, monkeypatch):
    path = tmp_path / "settings.env"
    path.write_text(ENV_FILE, encoding="utf-8")
    monkeypatch.setenv("ENV_FILE", str(path))
    for name in ("TARGET", "OZON_ORDERS_LOOKBACK_DAYS", "PGPASSWORD", "PGUSER"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_dotenv_values_arrive_literally_and_the_environment_wins(env_file, monkeypatch):
    monkeypatch.setenv("TARGET", "duckdb")
    config.load_env_file()
    try:
        assert os.environ["TARGET"] == "duckdb", "the environment beats .env"
        assert os.environ["OZON_ORDERS_LOOKBACK_DAYS"] == "14", "quotes are removed"
        settings = config.postgres_settings()
        assert settings["password"] == "pa$$w0rd#x1", "$ and # inside a value are kept"
        assert settings["user"] == "reader # not a comment"
    finally:
        for name in ("OZON_ORDERS_LOOKBACK_DAYS", "PGPASSWORD", "PGUSER"):
            os.environ.pop(name, None)


def test_an_env_file_not_in_utf8_stops_with_one_line_naming_it(tmp_path, monkeypatch):
    """Windows Notepad's "Unicode" (UTF-16): a UnicodeDecodeError traceback before."""
    path = tmp_path / "utf16.env"
    path.write_text("WB_API_TOKEN=tok\nWB_ACCOUNT_NAME=shop\n", encoding="utf-16")
    monkeypatch.setenv("ENV_FILE", str(path))
    with pytest.raises(ConfigError, match=re.escape(f"{path}: not UTF-8 text (byte 0 of the file); save it as UTF-8")):
        config.load_env_file()


def test_an_env_file_line_dotenv_cannot_read_stops_with_one_line_naming_it(workdir, tmp_path, monkeypatch):
    """A token missing its closing quote: python-dotenv only warned and dropped it, so Wildberries was
    "not loaded: no account" and the run succeeded."""
    isolated_ops(tmp_path, monkeypatch)
    path = tmp_path / "broken.env"
    path.write_text(
        '# settings\nOZON_CLIENT_ID=100001\nWB_API_TOKEN="eyJsecret-token\nTARGET=duckdb\n', encoding="utf-8"
    )
    done = run_script("scripts.run", "--dry-run", env={"ENV_FILE": str(path)})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"{path}: line 3 (setting WB_API_TOKEN) cannot be read" in done.stderr
    assert "Traceback" not in done.stderr and "eyJsecret" not in done.stdout + done.stderr


def test_an_env_file_that_is_a_folder_stops_with_one_line_naming_env_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ENV_FILE", str(tmp_path))
    with pytest.raises(ConfigError, match=re.escape(f"ENV_FILE={str(tmp_path)!r}: {tmp_path} is a folder, not a file")):
        config.load_env_file()


def test_an_empty_path_setting_means_its_default(monkeypatch):
    """An empty DUCKDB_PATH= made the project folder the database, and the lock and state files went
    to the project's parent; dbt's env_var() read it as "" too."""
    for name in ("DUCKDB_PATH", "DLT_PIPELINES_DIR", "DBT_TARGET_PATH", "DUCKDB_DBT_MEMORY_LIMIT"):
        monkeypatch.setenv(name, " ")
    assert config.duckdb_path() == PROJECT_DIR / "data" / "warehouse.duckdb"
    monkeypatch.setenv("ENV_FILE", "")
    assert config.env_file() == PROJECT_DIR / ".env"
    assert config.pipelines_dir() == PROJECT_DIR / "data" / "dlt"
    assert steps.dbt_folder("DBT_TARGET_PATH", "target") == PROJECT_DIR / "target"
    assert config.memory_limit("DUCKDB_DBT_MEMORY_LIMIT", "512MB") == "512MB"
    passed_on = steps.environment()
    assert not {"DUCKDB_PATH", "DLT_PIPELINES_DIR", "DBT_TARGET_PATH", "DUCKDB_DBT_MEMORY_LIMIT"} & set(passed_on)


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_marketplaces_means_its_default(monkeypatch, tmp_path, value):
    """`MARKETPLACES= make run` stopped with "MARKETPLACES='' names no marketplace" (exit 2)."""
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "none.duckdb"))  # no raw data of any marketplace
    monkeypatch.setenv("MARKETPLACES", value)
    assert database.marketplaces_setting() == ""
    assert database.dbt_marketplaces("duckdb", ["wildberries"]) == "wildberries"  # as when it is unset
    monkeypatch.setenv("MARKETPLACES", ",")
    with pytest.raises(ConfigError, match="MARKETPLACES=',' names no marketplace"):
        database.marketplaces_setting()


def test_every_setting_the_dbt_project_reads_is_passed_on_as_its_default_when_empty():
    """dbt's env_var() reads an empty setting as "", not as its default: `QUARANTINE_RETRIES=` made the
    quality models call every quarantined row given up (`"" | int` is 0) while the loaders, reading 3,
    still read its window again. Each setting with a default is left out of a step's environment when
    empty, or set by the programs that start dbt."""
    set_by_the_programs = {"MARKETPLACES", "DBT_TARGET"}  # scripts/run.py, locked.py, docs.py
    read = {
        name
        for path in (PROJECT_DIR / "dbt_project", PROJECT_DIR / "dbt_project.yml", PROJECT_DIR / "profiles.example.yml")
        for file in ([path] if path.is_file() else sorted(path.rglob("*.*")))
        if file.suffix in (".sql", ".yml", ".yaml")
        for name, default in re.findall(r"env_var\(\s*'(\w+)'\s*,\s*'([^']*)'", file.read_text(encoding="utf-8"))
        if default
    }
    assert "QUARANTINE_RETRIES" in read and "DUCKDB_PATH" in read
    assert read - set_by_the_programs <= set(steps.DEFAULTED_WHEN_EMPTY)


def test_an_empty_postgres_setting_means_its_default(monkeypatch):
    """PGHOST=, PGUSER=, PGDATABASE= reached libpq as empty: the Unix socket instead of 127.0.0.1, and
    the user's name as the database (dbt's env_var() read them as empty too)."""
    for name in ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE"):
        monkeypatch.setenv(name, "")
    settings = config.postgres_settings()
    assert (settings["host"], settings["port"], settings["user"], settings["dbname"]) == (
        "127.0.0.1",
        5432,
        "postgres",
        "postgres",
    )
    assert not {"PGHOST", "PGPORT", "PGUSER", "PGDATABASE"} & set(steps.environment())


def test_locked_commands_get_the_target_of_env_file_unless_the_environment_sets_one(env_file, workdir):
    show = ("sh", "-c", 'echo "$TARGET $DBT_TARGET $PGPASSWORD"')
    done = run_script("scripts.locked", "build", *show)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "postgres postgres pa$$w0rd#x1"
    done = run_script("scripts.locked", "build", *show, env={"TARGET": "duckdb"})
    assert done.stdout.strip().startswith("duckdb duckdb ")


def test_locked_commands_plan_postgres_without_nested_loops_unless_pgoptions_says_otherwise(workdir, monkeypatch):
    monkeypatch.delenv("PGOPTIONS", raising=False)
    show = ("sh", "-c", 'echo "$PGOPTIONS"')
    done = run_script("scripts.locked", "build", *show)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "-c enable_nestloop=off"
    done = run_script("scripts.locked", "build", *show, env={"PGOPTIONS": "-c work_mem=64MB"})
    assert done.stdout.strip() == "-c work_mem=64MB"


def test_an_unknown_target_stops_every_command_with_one_line(workdir, tmp_path, monkeypatch):
    isolated_ops(tmp_path, monkeypatch)
    for module, args in (
        ("scripts.locked", ("build", "true")),
        ("scripts.run", ("--dry-run",)),
        ("scripts.health", ()),
    ):
        done = run_script(module, *args, env={"TARGET": "foo"})
        assert done.returncode == 2, (module, done.stdout, done.stderr)
        assert "TARGET must be one of duckdb, postgres, not 'foo'" in done.stderr, module
        assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("accounts", "variable"),
    [
        ("shop,it's", 'OZON_ACCOUNTS: account name "it\'s"'),
        ("outlet", "OZON_OUTLET_CLIENT_ID, OZON_OUTLET_API_KEY"),
        # OZON_SHOP_... would serve both: one account loaded twice, every mart figure doubled
        ("shop,Shop", "OZON_ACCOUNTS: 'shop' and 'Shop' name one account (told apart by case only)"),
        ("shop,shop", "OZON_ACCOUNTS: 'shop' and 'shop' name one account"),
        # dlt names a__b's staging dataset as a_b's: a load of one lost what a killed load of the other had staged
        ("a_b,a__b", "OZON_ACCOUNTS: account name 'a__b' may hold only Latin letters, digits and single _ between"),
    ],
)
def test_a_bad_account_setting_stops_the_run_naming_the_variable(workdir, tmp_path, monkeypatch, accounts, variable):
    isolated_ops(tmp_path, monkeypatch)
    done = run_script("scripts.run", "--dry-run", env={"OZON_ACCOUNTS": accounts, "WB_API_TOKEN": "token-1234"})
    assert done.returncode == 2, done.stdout + done.stderr
    assert variable in done.stderr
    assert "would run" not in done.stdout


def test_single_account_variables_beside_a_list_of_accounts_are_an_error_not_ignored(monkeypatch):
    """OZON_CLIENT_ID and OZON_API_KEY kept when OZON_ACCOUNTS=outlet was added: that account stopped loading
    without a word (and its old rows stayed in the marts)."""
    drop_settings(monkeypatch, "OZON_")
    for name, value in {"OZON_CLIENT_ID": "100001", "OZON_API_KEY": "k", "OZON_ACCOUNTS": "outlet"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OZON_OUTLET_CLIENT_ID", "100002")
    monkeypatch.setenv("OZON_OUTLET_API_KEY", "k2")
    with pytest.raises(config.ConfigError, match="OZON_CLIENT_ID, OZON_API_KEY is set, but with OZON_ACCOUNTS"):
        config.ozon_accounts()


@pytest.mark.parametrize(("prefix", "schema"), [("OZON", "raw_ozon"), ("WB", "raw_wildberries")])
def test_an_account_name_too_long_for_its_staging_schema_is_refused(monkeypatch, prefix, schema):
    """dlt shortened raw_<marketplace>_staging_<name> beyond PostgreSQL's 63 bytes (with a hash, warning 218
    times a run), and retire-account, which builds the whole name, left that schema behind."""
    room = 63 - len(f"{schema}_staging_")
    for longest, refused in (("a" * room, False), ("a" * (room + 1), True)):
        drop_settings(monkeypatch, f"{prefix}_")
        fields = {"OZON": {"CLIENT_ID": "100001", "API_KEY": "k"}, "WB": {"API_TOKEN": "t"}}[prefix]
        for name in ("shop", longest):
            for field, value in fields.items():
                monkeypatch.setenv(f"{prefix}_{name.upper()}_{field}", value)
        monkeypatch.setenv(f"{prefix}_ACCOUNTS", f"shop,{longest}")
        read = config.ozon_accounts if prefix == "OZON" else config.wildberries_accounts
        if not refused:
            assert [account.name for account in read()] == ["shop", longest]
            continue
        says = (
            f"{prefix}_ACCOUNTS: account name {longest!r} is {room + 1} characters long; at most {room} fit "
            f"PostgreSQL's 63-byte limit on names in its staging schema {schema}_staging_{longest}"
        )
        with pytest.raises(ConfigError, match=re.escape(says)):
            read()


def test_an_ozon_client_id_of_other_digits_than_ascii_is_refused(monkeypatch):
    """Full-width digits passed str.isdigit(), then every resource failed with UnicodeEncodeError."""
    drop_settings(monkeypatch, "OZON_")
    monkeypatch.setenv("OZON_CLIENT_ID", "１００００１")
    monkeypatch.setenv("OZON_API_KEY", "k")
    with pytest.raises(ConfigError, match="OZON_CLIENT_ID must be Ozon's numeric Client-Id, not '１００００１'"):
        config.ozon_accounts()


def test_an_account_base_url_without_its_scheme_is_refused_naming_the_variable(monkeypatch):
    set_ozon_accounts(monkeypatch, "shop,outlet")
    monkeypatch.setenv("OZON_API_BASE_URL", "http://127.0.0.1:18671")
    assert {account.base_url for account in config.ozon_accounts()} == {"http://127.0.0.1:18671"}
    monkeypatch.setenv("OZON_OUTLET_API_BASE_URL", "ftp://127.0.0.1:18671")
    with pytest.raises(ConfigError, match="OZON_OUTLET_API_BASE_URL must be an address starting with http://"):
        config.ozon_accounts()


def test_a_half_configured_single_account_is_an_error_and_no_account_is_not(monkeypatch):
    drop_settings(monkeypatch, "OZON_")
    with pytest.raises(config.NotConfigured, match="OZON_CLIENT_ID and OZON_API_KEY"):
        config.ozon_accounts()
    monkeypatch.setenv("OZON_CLIENT_ID", "100002")
    with pytest.raises(config.ConfigError, match="OZON_API_KEY is not set") as raised:
        config.ozon_accounts()
    assert not isinstance(raised.value, config.NotConfigured)


@pytest.mark.parametrize(
    "variable, text, message",
    [
        (
            "OZON_ORDERS_LOOKBACK_DAYS",
            "0",
            "OZON_ORDERS_LOOKBACK_DAYS must be a whole number of days between 1 and",
        ),
        ("WB_ORDERS_LOOKBACK_HOURS", "1.5", "WB_ORDERS_LOOKBACK_HOURS must be a whole number of hours between 0 and"),
        ("QUARANTINE_RETRIES", "many", "QUARANTINE_RETRIES must be a whole number of reads between 1 and 100"),
        ("PGPORT", "5432x", "PGPORT must be a whole number between 1 and 65535, not '5432x'"),
    ],
)
def test_a_bad_whole_number_names_its_variable(monkeypatch, variable, text, message):
    monkeypatch.setenv(variable, text)
    read = {
        "OZON_ORDERS_LOOKBACK_DAYS": lambda: postings.days_setting(variable),
        "WB_ORDERS_LOOKBACK_HOURS": lambda: helpers.start_date_from("2026-01-01T00:00:00", config.now()),
        "QUARANTINE_RETRIES": waiting_room.retries,
        "PGPORT": config.postgres_settings,
    }[variable]
    with pytest.raises(config.ConfigError, match=message):
        read()


@pytest.mark.parametrize(
    ("variable", "text", "read"),
    [
        ("API_MAX_RETRY_WAIT_SECONDS", "nan", http.max_retry_wait),
        ("API_MAX_RETRY_WAIT_SECONDS", "inf", http.max_retry_wait),
        ("WB_REPORT_TIMEOUT_SECONDS", "NaN", wb_reports.report_timeout),
        ("WB_RATE_LIMIT_SCALE", "nan", helpers.rate_limit_scale),
        ("WB_RATE_LIMIT_SCALE", "-inf", helpers.rate_limit_scale),
    ],
)
def test_nan_or_infinity_is_no_positive_number(monkeypatch, variable, text, read):
    """float() reads them: nan was taken as a positive number of seconds."""
    monkeypatch.setenv(variable, text)
    with pytest.raises(ConfigError, match=re.escape(f"{variable} must be a positive ")) as refused:
        read()
    assert str(refused.value).endswith(f", not {text!r}")


@pytest.mark.parametrize(("text", "valid"), [("16MB", True), ("15.9MB", False), ("2GiB", True), ("1024TB", False)])
def test_a_memory_limit_is_between_16mb_and_1pb(monkeypatch, text, valid):
    monkeypatch.setenv("DUCKDB_LOADER_MEMORY_LIMIT", text)
    if valid:
        assert config.memory_limit("DUCKDB_LOADER_MEMORY_LIMIT", "128MB") == text
    else:
        with pytest.raises(ConfigError, match="DUCKDB_LOADER_MEMORY_LIMIT must be a memory size between 16MB and 1PB"):
            config.memory_limit("DUCKDB_LOADER_MEMORY_LIMIT", "128MB")


def test_a_digit_int_cannot_read_is_no_whole_number(monkeypatch):
    monkeypatch.setenv("QUARANTINE_RETRIES", "²")  # str.isdigit() says yes; int() raised ValueError
    with pytest.raises(ConfigError, match="QUARANTINE_RETRIES must be a whole number of reads between 1 and 100"):
        waiting_room.retries()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("days = 90", "days = -1", "[retention] days must be above 0 (it is -1)"),
        ('timezone = "Europe/Moscow"', 'timezone = "Europe/Moskow"', "'Europe/Moskow' is no time zone"),
    ],
)
def test_an_ops_setting_out_of_range_stops_with_one_line_before_anything_is_pruned(
    tmp_path, monkeypatch, old, new, message
):
    settings = tmp_path / "ops.toml"
    settings.write_text((PROJECT_DIR / "ops.toml").read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    monkeypatch.setenv("OPS_CONFIG", str(settings))

    with pytest.raises(ConfigError, match=re.escape(message)):
        ops_config.load()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MARKETPLACES", "ozon,wb", "MARKETPLACES='ozon,wb' names wb: use a comma-separated list of ozon, wildberries"),
        ("LOADER_NOW", "2025-13-45", "LOADER_NOW must be an ISO time"),
        # an OverflowError in a load step before
        ("LOADER_NOW", "9999-12-31T23:59:59+00:00", "LOADER_NOW must lie in the years 2000 to 2099"),
        ("LOADER_NOW", "0001-01-01T00:00:00+00:00", "LOADER_NOW must lie in the years 2000 to 2099"),
        ("API_MAX_RETRY_WAIT_SECONDS", "-5", "API_MAX_RETRY_WAIT_SECONDS"),
        # read by a load only when it reaches them: a bad one passed a first run and failed a later one
        ("OZON_ORDERS_STATUS_DAYS", "abc", "OZON_ORDERS_STATUS_DAYS must be a whole number of days"),
        ("WB_ORDERS_LOOKBACK_HOURS", "x", "WB_ORDERS_LOOKBACK_HOURS must be a whole number of hours"),
        ("QUARANTINE_RETRIES", "abc", "QUARANTINE_RETRIES must be a whole number of reads"),
        ("OZON_ORDERS_WINDOW_DAYS", "0", "OZON_ORDERS_WINDOW_DAYS must be a whole number of days"),
        ("OZON_REPORT_TIMEOUT_SECONDS", "-5", "OZON_REPORT_TIMEOUT_SECONDS must be a positive number of seconds"),
        ("LOADER_ACCOUNTS_AT_ONCE", "0", "LOADER_ACCOUNTS_AT_ONCE must be a whole number of accounts"),
        ("DUCKDB_LOADER_MEMORY_LIMIT", "lots", "DUCKDB_LOADER_MEMORY_LIMIT must be a memory size"),
        ("DUCKDB_DBT_MEMORY_LIMIT", "lots", "DUCKDB_DBT_MEMORY_LIMIT must be a memory size"),
        ("DUCKDB_LOADER_MEMORY_LIMIT", "0MB", "DUCKDB_LOADER_MEMORY_LIMIT must be a memory size between 16MB and 1PB"),
        ("DUCKDB_DBT_MEMORY_LIMIT", "99999999TB", "DUCKDB_DBT_MEMORY_LIMIT must be a memory size between 16MB and 1PB"),
        ("WB_ACCOUNT_NAME", "Мой магазин", "WB_ACCOUNT_NAME: account name 'Мой магазин' may hold only Latin"),
        # no scheme: every resource failed with InvalidSchema
        ("WB_API_BASE_URL", "127.0.0.1:18671", "WB_API_BASE_URL must be an address starting with http:// or https://"),
        # urlsplit's ValueError: a traceback before
        ("WB_API_BASE_URL", "http://[::1/x", "WB_API_BASE_URL is not a valid address (Invalid IPv6 URL)"),
    ],
)
def test_a_bad_setting_of_the_load_steps_stops_the_run_before_it_starts(
    workdir, tmp_path, monkeypatch, variable, value, message
):
    """A misspelt MARKETPLACES dropped a marketplace from the marts; a bad LOADER_NOW failed every
    load step with a message that did not name it."""
    isolated_ops(tmp_path, monkeypatch)
    done = run_script("scripts.run", "--dry-run", env={variable: value, "WB_API_TOKEN": "token"})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert message in done.stderr and "Traceback" not in done.stderr


def set_ozon_accounts(monkeypatch, names: str) -> None:
    drop_settings(monkeypatch, "OZON_")
    monkeypatch.setenv("OZON_ACCOUNTS", names)
    for name in names.split(","):
        monkeypatch.setenv(f"OZON_{name.upper()}_CLIENT_ID", "1")
        monkeypatch.setenv(f"OZON_{name.upper()}_API_KEY", "key")


@pytest.mark.parametrize(("names", "refused"), [("a_b,a__b", "a__b"), ("_a,a", "_a"), ("shop_,shopx", "shop_")])
def test_an_account_name_dlt_would_rename_is_refused(monkeypatch, names, refused):
    """dlt renames a leading, trailing or doubled _ (a__b to a_b): such an account would merge through
    another's staging dataset (loaders/pipeline.py), and a load of one lost what a killed load of the
    other had staged."""
    set_ozon_accounts(monkeypatch, names)
    with pytest.raises(ConfigError, match=f"account name '{refused}' may hold only Latin letters, digits and single _"):
        config.ozon_accounts()


def test_each_account_has_the_staging_dataset_dlt_names_for_it(monkeypatch):
    set_ozon_accounts(monkeypatch, "shop,SHOP_2,outlet_1_b,42")
    names = [account.name for account in config.ozon_accounts()]
    staging = [pipeline.staging_dataset_layout(name) % "raw_ozon" for name in names]
    naming = snake_case.NamingConvention()
    assert [naming.normalize_table_identifier(dataset) for dataset in staging] == staging
    assert len(set(staging)) == len(names) == 4


@pytest.mark.parametrize("program", [("scripts.locked", "build", DBT, "build"), ("scripts.docs", "--no-serve")])
def test_a_misspelt_marketplace_stops_a_build_and_the_docs(workdir, tmp_path, monkeypatch, program):
    """`MARKETPLACES=ozon,wildberris make build` passed the name to dbt, which built no Wildberries
    model: the marts, the published snapshot and the docs lost the marketplace, and health said HEALTHY."""
    isolated_ops(tmp_path, monkeypatch)
    duckdb.connect(workdir["DUCKDB_PATH"]).close()
    done = run_script(*program, env={"MARKETPLACES": "ozon,wildberris"})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "MARKETPLACES='ozon,wildberris' names wildberris" in done.stderr and "Traceback" not in done.stderr


def test_freshness_leaves_out_the_raw_tables_an_account_never_sent(workdir, tmp_path, monkeypatch):
    """dlt creates a table with its first row: an FBO-only seller has no FBS postings table, an empty
    WB trash none either, and `make freshness` failed on each with "relation ... does not exist"."""
    isolated_ops(tmp_path, monkeypatch)
    with duckdb.connect(workdir["DUCKDB_PATH"]) as db:
        db.execute("create schema raw_wildberries")
        db.execute("create table raw_wildberries.orders as select now() as synced_at")
    done = run_script("scripts.locked", "freshness", DBT, "source", "freshness", env={"MARKETPLACES": "wildberries"})
    assert "PASS freshness of wildberries.orders" in done.stdout, done.stdout[-3000:]
    assert "does not exist" not in done.stdout and done.returncode == 0, done.stdout[-3000:]


def test_an_env_file_named_but_missing_stops_with_one_line(workdir, tmp_path):
    done = run_script("scripts.run", "--dry-run", env={"ENV_FILE": str(tmp_path / "missing.env")})
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert f"ENV_FILE='{tmp_path / 'missing.env'}': " in done.stderr and "does not exist" in done.stderr
