"""`python -m sandbox --export-truth DIR`: every account's ground truth of both marketplaces."""

from __future__ import annotations

import json

from sandbox.__main__ import main


def test_export_truth_writes_every_account_of_both_marketplaces(tmp_path, capsys):
    assert (
        main(
            [
                "--products",
                "20",
                "--warehouses",
                "4",
                "--accounts",
                "2",
                "--history-days",
                "3",
                "--export-truth",
                str(tmp_path),
            ]
        )
        == 0
    )
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["ozon_100001.json", "ozon_100002.json", "wildberries_wb1.json", "wildberries_wb2.json"]
    ozon = json.loads((tmp_path / "ozon_100001.json").read_text(encoding="utf-8"))
    wildberries = json.loads((tmp_path / "wildberries_wb2.json").read_text(encoding="utf-8"))
    assert len(ozon["products"]) == 20 and ozon["order_lines"] and ozon["stock"]
    assert {"cards", "stock", "orders", "sales"} <= set(wildberries) and wildberries["orders"]
    assert "ground truth as of 2025-11-20T00:00:00+00:00" in capsys.readouterr().out
