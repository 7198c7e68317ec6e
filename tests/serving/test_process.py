"""`make serve` and `make build` as processes: the access log, the time zone, publishing a copied,
renamed or busy database, and the build's snapshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap

import duckdb
import httpx

from scripts.steps import PROJECT_DIR
from serving import keys, publish
from serving.latency import server_process
from tests.support.operations import run_script


def test_a_key_sent_in_the_query_string_is_masked_in_the_access_log(seller, tmp_path):
    key = keys.create(tmp_path / "api_keys.json", "log")
    log = tmp_path / "serve.log"
    with server_process(seller.database, tmp_path / "api_keys.json", log=log) as base_url:
        assert httpx.get(f"{base_url}/api/v1/runs", params={"api_key": key}).status_code == 401
        assert httpx.get(f"{base_url}/api/v1/runs", params={"x": key}).status_code == 401
    written = log.read_text(encoding="utf-8")
    assert "api_key=*** " in written and "/api/v1/runs?x=***" in written, written
    assert key not in written and key.split("_", 2)[1] not in written


def test_the_dashboard_shows_utc_whatever_the_servers_time_zone(seller, tmp_path):
    key = keys.create(tmp_path / "api_keys.json", "tz")
    times = {}
    for zone in ("UTC", "Asia/Vladivostok"):
        with server_process(seller.database, tmp_path / "api_keys.json", env={"TZ": zone}) as base_url:
            page = httpx.get(f"{base_url}/stock", headers={"X-API-Key": key}).text
        times[zone] = re.findall(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", page)
    assert times["UTC"] and times["UTC"] == times["Asia/Vladivostok"]
