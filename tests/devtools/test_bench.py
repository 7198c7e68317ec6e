"""`make bench`'s bookkeeping (no timings are asserted: the figures are the machine's)."""

from __future__ import annotations

import os
import sys

import pytest

from devtools import bench
from loaders import pipeline
from scripts import steps


def figure(marketplace: str, step: str, seconds: float) -> bench.Figure:
    return bench.Figure(size=100, marketplace=marketplace, step=step, seconds=seconds, rows=0, peak_memory_mb=0)


def test_defaults_measure_both_marketplaces_on_duckdb():
    args = bench.parse_args([])
    assert args.marketplaces == ["ozon", "wildberries"] and args.destination == "duckdb"
    assert bench.parse_args(["--marketplaces", "wildberries"]).marketplaces == ["wildberries"]


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
