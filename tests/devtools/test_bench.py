"""`make bench`'s bookkeeping (no timings are asserted: the figures are the machine's)."""

from __future__ import annotations

import os
import sys

import pytest

from devtools import bench, bench_limits
from devtools.bench_limits import GroupUse
from loaders import config, pipeline
from sandbox import Sandbox, SandboxConfig
from sandbox.server import LimitGroup
from scripts import steps


def figure(marketplace: str, step: str, seconds: float) -> bench.Figure:
    return bench.Figure(size=100, marketplace=marketplace, step=step, seconds=seconds, rows=0, peak_memory_mb=0)


def test_defaults_measure_both_marketplaces_on_duckdb():
    args = bench.parse_args([])
    assert args.marketplaces == ["ozon", "wildberries"] and args.destination == "duckdb"
    assert bench.parse_args(["--marketplaces", "wildberries"]).marketplaces == ["wildberries"]


@pytest.mark.parametrize(("option", "value"), [("--products", "-5"), ("--products", "0"), ("--accounts", "0")])
def test_a_size_below_one_is_refused_in_one_line(capsys, option, value):
    """--products -5 was a ValueError's traceback."""
    with pytest.raises(SystemExit) as refused:
        bench.parse_args([option, value])
    assert refused.value.code == 2
    assert f"argument {option}: must be a whole number above 0, not '{value}'" in capsys.readouterr().err


def test_incremental_resources_are_the_loaders_own():
    from loaders.marketplaces import MARKETPLACES

    for marketplace, parts in bench.INCREMENTAL.items():
        for resources in parts.values():
            assert set(resources) <= set(MARKETPLACES[marketplace].resources)


def test_ratios_per_marketplace_and_for_dbt():
    figures = [
        figure("ozon", bench.FLOOR, 10),
        figure("ozon", bench.FULL_LOAD, 15),
        figure("ozon", bench.incremental_step("orders"), 1.5),
        figure("ozon", bench.incremental_step("stock snapshot"), 3),
        figure(bench.ALL, bench.DBT_FULL, 20),
        figure(bench.ALL, bench.DBT_AFTER_INCREMENTAL, 5),
    ]
    found = {(r["marketplace"], r["ratio"]): r["value"] for r in bench.ratios(figures)}
    assert found == {
        ("ozon", "full load / floor"): pytest.approx(1.5),
        ("ozon", "incr. orders / full load"): pytest.approx(0.1),
        ("ozon", "incr. stock snapshot / full load"): pytest.approx(0.2),
        ("ozon", "incr. load (both parts) / full load"): pytest.approx(0.3),
        (bench.ALL, "dbt build after incr. / full"): pytest.approx(0.25),
    }


def test_loader_settings_are_defaults_an_explicit_setting_overrides(monkeypatch):
    monkeypatch.setattr(os, "environ", {"LOAD__WORKERS": "3"})  # a copy: nothing leaks into other tests
    pipeline.apply_loader_settings("duckdb")
    assert os.environ["LOAD__WORKERS"] == "3"
    assert (
        os.environ["DATA_WRITER__BUFFER_MAX_ITEMS"]
        == pipeline.LOADER_SETTINGS["duckdb"]["DATA_WRITER__BUFFER_MAX_ITEMS"]
    )


def test_peak_memory_is_the_steps_own_not_its_callers():
    ballast = bytearray(300 * 2**20)  # what the sandbox's seller weighs in the bench process
    ballast[:: 2**12] = b"1" * len(ballast[:: 2**12])  # touched, so resident
    grow = "import time; b = bytearray(100 * 2**20); b[::4096] = b'1' * len(b[::4096]); time.sleep(0.5)"
    finished = steps.run_measured([sys.executable, "-c", grow], {})
    returncode, peak_mb = finished.returncode, finished.peak_memory_mb
    assert returncode == 0
    assert 100 <= peak_mb < 300
    del ballast


def test_peak_memory_counts_the_processes_a_step_starts():
    # The step itself stays small; two workers it starts (as a loader's normalize does) hold 100 MB each.
    worker = "import time; b = bytearray(100 * 2**20); b[::4096] = b'1' * len(b[::4096]); time.sleep(1)"
    start = f"subprocess.Popen([sys.executable, '-c', {worker!r}])"
    step = f"import subprocess, sys; [p.wait() for p in [{start}, {start}]]"
    finished = steps.run_measured([sys.executable, "-c", step], {})
    assert finished.returncode == 0
    assert finished.peak_memory_mb >= 200, finished.peak_memory_mb


# --- the paced mode: the limit-bound minimum, worked by hand ---------------------------------------

WB_SALES = GroupUse("wb1: sales", requests=3, throttled=0, per_second=1 / 60, burst=1)  # 1 a minute, burst 1
OZON_POSTINGS = GroupUse("100001: /v3/posting/fbo/list", requests=250, throttled=2, per_second=20, burst=20)


def test_a_group_takes_its_requests_past_the_burst_at_its_rate():
    assert WB_SALES.seconds == pytest.approx(120)  # (3 - 1) × 60 s
    assert OZON_POSTINGS.seconds == pytest.approx(11.5)  # (250 - 20) / 20
    assert GroupUse("wb1: orders", requests=7, throttled=0, per_second=1 / 60, burst=10).seconds == 0  # in the burst
    scaled = GroupUse("wb1: sales", requests=3, throttled=0, per_second=10 / 60, burst=1)  # --time-scale 10
    assert scaled.seconds == pytest.approx(12)


def test_the_longest_group_bounds_the_load_and_429s_add_up():
    uses = (OZON_POSTINGS, WB_SALES, GroupUse("wb1: cards", requests=4, throttled=1, per_second=100 / 60, burst=5))
    assert bench_limits.binding(uses) == WB_SALES
    assert bench_limits.limit_bound_seconds(uses) == pytest.approx(120)
    assert bench_limits.throttled(uses) == 3
    assert bench_limits.limit_bound_seconds(()) == 0 and bench_limits.binding(()) is None


def test_uses_are_what_a_step_drew_on_each_group():
    before = [LimitGroup("100001", "all methods", 50, 50, served=100, throttled=1)]
    after = [
        LimitGroup("100001", "all methods", 50, 50, served=175, throttled=3),
        LimitGroup("100001", "/v3/posting/fbo/list", 20, 20, served=60, throttled=0),
        LimitGroup("100002", "all methods", 50, 50, served=0, throttled=0),  # untouched: left out
    ]
    assert bench_limits.uses_between(before, after) == (
        GroupUse("100001: all methods", requests=75, throttled=2, per_second=50, burst=50),
        GroupUse("100001: /v3/posting/fbo/list", requests=60, throttled=0, per_second=20, burst=20),
    )


def test_parts_run_one_after_another_share_a_group():
    orders = (GroupUse("100001: all methods", 40, 0, 50, 50), GroupUse("100001: /v3/posting/fbo/list", 30, 0, 20, 20))
    stock = (GroupUse("100001: all methods", 30, 1, 50, 50),)
    assert bench_limits.limit_bound_seconds(orders) == pytest.approx(0.5)  # postings: (30 - 20) / 20
    assert bench_limits.limit_bound_seconds(stock) == 0
    both = bench_limits.combined(orders, stock)
    assert both[0] == GroupUse("100001: all methods", 70, 1, 50, 50)
    assert bench_limits.limit_bound_seconds(both) == pytest.approx(0.5)  # postings 0.5 s over every method's 0.4 s


def paced(marketplace: str, step: str, seconds: float, *uses: GroupUse) -> bench.Figure:
    return bench.Figure(100, marketplace, step, seconds, rows=10, peak_memory_mb=200, accounts=2, limit_groups=uses)


def test_paced_ratios_are_wall_time_over_the_limit_bound_minimum():
    figures = [
        paced("wildberries", bench.FULL_LOAD, 300, WB_SALES),
        paced("wildberries", bench.incremental_step("orders"), 150, WB_SALES),
        paced(
            "wildberries", bench.incremental_step("stock snapshot"), 30, GroupUse("wb1: remains_status", 3, 0, 0.2, 5)
        ),
        paced("ozon", bench.FULL_LOAD, 23, OZON_POSTINGS),
        paced("ozon", bench.incremental_step("orders"), 2),  # no request past a burst: no ratio
    ]
    found = {(r["marketplace"], r["ratio"]): r["value"] for r in bench.ratios(figures) if "limit" in r["ratio"]}
    assert found == {
        ("wildberries", "full load / limit-bound minimum"): pytest.approx(2.5),
        ("wildberries", "incr. orders / limit-bound minimum"): pytest.approx(1.25),
        ("wildberries", "incr. load (both parts) / limit-bound minimum"): pytest.approx(1.5),  # 180 s / 120 s
        ("ozon", "full load / limit-bound minimum"): pytest.approx(2),
    }
    assert {r["accounts"] for r in bench.ratios(figures)} == {2}


def test_json_figures_carry_the_limit_bound_and_429s_when_paced():
    report = paced("ozon", bench.FULL_LOAD, 23, OZON_POSTINGS, WB_SALES).report()
    assert report["step"] == bench.FULL_LOAD and report["rows"] == 10 and report["peak_memory_mb"] == 200
    assert report["limit_bound_seconds"] == pytest.approx(120) and report["limit_bound_group"] == "wb1: sales"
    assert report["throttled_429"] == 2 and report["limit_groups"][0]["requests"] == 250
    assert "limit_bound_seconds" not in figure("ozon", bench.FULL_LOAD, 5).report()


def test_paced_options():
    args = bench.parse_args(["--paced", "--time-scale", "60", "--accounts", "1", "3"])
    assert args.paced and args.time_scale == 60 and args.accounts == [1, 3]
    assert not bench.parse_args([]).paced and bench.parse_args([]).accounts == [1]
    with pytest.raises(SystemExit):
        bench.parse_args(["--time-scale", "0"])


def test_every_sandbox_account_reaches_the_loaders(monkeypatch):
    sandbox = Sandbox(SandboxConfig(seed=1, products=2, warehouses=1, accounts=3))
    monkeypatch.setattr(os, "environ", bench.sandbox_env(sandbox))
    assert [account.client_id for account in config.ozon_accounts()] == [a.client_id for a in sandbox.ozon.accounts]
    assert [account.token for account in config.wildberries_accounts()] == [
        a.token for a in sandbox.wildberries.accounts
    ]
