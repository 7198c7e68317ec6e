"""The waits a 429 asked for that outlast a run: kept in a file for the runs after it."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

from loaders.cooldowns import Cooldowns


def test_a_wait_is_kept_for_a_new_reader_and_ends_when_due(tmp_path):
    file = tmp_path / "cooldowns.json"
    until = Cooldowns(file).hold("Wildberries", "shop", "/api/v1/supplier/orders", 7200)

    later_run = Cooldowns(file)
    assert later_run.until("Wildberries", "shop", "/api/v1/supplier/orders") == until
    assert until - datetime.now(UTC) > timedelta(seconds=7190)
    assert later_run.until("Wildberries", "other shop", "/api/v1/supplier/orders") is None
    assert later_run.until("Ozon", "shop", "/api/v1/supplier/orders") is None


def test_a_new_wait_drops_the_ones_that_are_over(tmp_path):
    file = tmp_path / "cooldowns.json"
    file.write_text(json.dumps({"Ozon|shop|/old": "2020-01-01T00:00:00+00:00"}), encoding="utf-8")
    cooldowns = Cooldowns(file)
    assert cooldowns.until("Ozon", "shop", "/old") is None

    cooldowns.hold("Ozon", "shop", "/new", 60)

    assert list(json.loads(file.read_text(encoding="utf-8"))) == ["Ozon|shop|/new"]
    assert not list(tmp_path.glob("cooldowns.json.*[0-9]")), "no scratch file left behind"


def test_an_unreadable_file_is_reported_and_rewritten(tmp_path, caplog):
    file = tmp_path / "cooldowns.json"
    file.write_text("{not json", encoding="utf-8")

    with caplog.at_level(logging.WARNING, logger="loaders.cooldowns"):
        assert Cooldowns(file).until("Ozon", "shop", "/v3/product/list") is None
    assert "is not a JSON object of waits" in caplog.text

    Cooldowns(file).hold("Ozon", "shop", "/v3/product/list", 60)
    assert Cooldowns(file).until("Ozon", "shop", "/v3/product/list") is not None
