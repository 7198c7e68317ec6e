"""Stock anomalies: the sandbox's knobs (a frozen feed, a 40 % drop at one warehouse), their detection
in quality.stock_anomalies after sandbox → loaders → dbt build, and their alerts (loopback channels,
cool-down)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from sandbox import Sandbox, SandboxConfig
from sandbox.ozon import ANALYTICS_STOCKS, PRODUCT_STOCKS
from sandbox.wildberries import REMAINS_CREATE, remains_rows
from scripts import alerts, database, steps
from tests.support.operations import BOT_TOKEN
from tests.support.sandbox_fixtures import ozon_env, paced_seller, wb_env

# /v4/product/info/stocks with FBO rows as before Ozon's change: the frozen /v4 feed must still have an
# FBO figure for /v1/analytics/stocks to disagree with.
SELLER = paced_seller(
    seed=11, products=100, warehouses=6, archived_share=0.1, history_days=10, ozon_product_stocks_with_fbo=True
)
STOCK_RESOURCES = ("product_stocks", "analytics_stocks", "postings_fbo", "postings_fbs")
WB_STOCK_RESOURCES = ("orders", "sales", "warehouse_remains", "wb_warehouse_stocks")
SYNCS = 5  # a full load, then stock and orders every 12 simulated hours
FREEZE_AT_SYNC = 1  # /v4/product/info/stocks (Ozon) and warehouse_remains (WB) serve sync 1's stock
DROP_AT_SYNC = 4  # one Ozon warehouse loses 40 % of its available units just before sync 4


def query(sql: str) -> list[tuple]:
    with database.connect("duckdb", read_only=True) as db:
        return db.execute(sql)


# -- the knobs, on the sandbox alone -----------------------------------------------------------


def test_stock_drop_takes_the_share_off_the_warehouse_in_every_endpoint_and_the_truth():
    with Sandbox(SELLER) as sb:
        client_id = sb.ozon.accounts[0].client_id
        before = sb.ozon.truth(client_id).fbo_available_by_warehouse()
        warehouse = max(before, key=before.get)
        sb.ozon.stock_drop(warehouse, share=0.4)
        after = sb.ozon.truth(client_id)
        dropped = after.fbo_available_by_warehouse()
        assert dropped[warehouse] == pytest.approx(before[warehouse] * 0.6, abs=len(after.fbo_stock) / 2)
        assert {name: units for name, units in dropped.items() if name != warehouse} == {
            name: units for name, units in before.items() if name != warehouse
        }
        # /v4 fbo present (Σ available + reserved) follows the served, reduced counts.
        seller = sb.ozon.seller(client_id)
        listing = next(r for r in after.fbo_stock if r["canonical_warehouse"] == warehouse and r["available"] > 5)
        stock = seller.stock(seller.by_product_id[listing["product_id"]])
        assert stock.fbo_present == stock.fbo_available + stock.fbo_reserved
        assert any(row.counts["available"] == listing["available"] for row in stock.fbo)
        with pytest.raises(ValueError):
            sb.ozon.stock_drop(warehouse, share=1.5)


def test_a_frozen_feed_keeps_serving_the_stock_of_the_moment_it_froze():
    with Sandbox(SandboxConfig(seed=5, products=60, accounts=1, history_days=10, rate_limit_rps=0)) as sb:
        client_id = sb.ozon.accounts[0].client_id
        seller = sb.ozon.seller(client_id)
        sb.ozon.freeze_feed(ANALYTICS_STOCKS)
        frozen_at = seller.now()
        sb.clock.advance(timedelta(days=2))
        assert seller.feed_moment(ANALYTICS_STOCKS, seller.now()) == frozen_at
        assert seller.feed_moment(PRODUCT_STOCKS, seller.now()) == seller.now()
        sb.ozon.unfreeze_feed(ANALYTICS_STOCKS)
        assert seller.feed_moment(ANALYTICS_STOCKS, seller.now()) == seller.now()
        with pytest.raises(ValueError):
            sb.ozon.freeze_feed("/v3/product/list")

        wb = sb.wildberries
        wb_seller = wb.seller(wb.accounts[0].name)
        wb.freeze_feed(REMAINS_CREATE)
        first = remains_rows(wb_seller, wb.feed_moment(wb_seller, REMAINS_CREATE))
        sb.clock.advance(timedelta(days=3))
        assert remains_rows(wb_seller, wb.feed_moment(wb_seller, REMAINS_CREATE)) == first
        assert remains_rows(wb_seller, wb_seller.now()) != first  # the truth moved on


# -- detection and alerts, end to end ----------------------------------------------------------


def load_with_anomalies(sb: Sandbox) -> str:
    """SYNCS loads of Ozon and of WB 12 simulated hours apart; the Ozon /v4 stock feed and the WB
    warehouse_remains report frozen from FREEZE_AT_SYNC, the fullest Ozon warehouse dropping 40 %
    before DROP_AT_SYNC; returns that warehouse."""
    account = sb.ozon.accounts[0]
    dropped = ""
    for sync in range(SYNCS):
        if sync == FREEZE_AT_SYNC:
            sb.ozon.freeze_feed(PRODUCT_STOCKS)
            sb.wildberries.freeze_feed(REMAINS_CREATE)
        if sync == DROP_AT_SYNC:
            stock = sb.ozon.truth(account.client_id).fbo_available_by_warehouse()
            dropped = max(stock, key=stock.get)
            sb.ozon.stock_drop(dropped, share=0.4)
        steps.load("ozon", "duckdb", ozon_env(sb, "shop"), *(() if sync == 0 else ("--resources", *STOCK_RESOURCES)))
        steps.load(
            "wildberries",
            "duckdb",
            wb_env(sb),
            *(() if sync == 0 else ("--resources", *WB_STOCK_RESOURCES)),
        )
        sb.clock.advance(timedelta(hours=12))
    return dropped


def test_a_frozen_feed_and_a_warehouse_drop_are_detected_and_alerted(receivers):
    http, smtp = receivers
    with Sandbox(SELLER) as sb:
        dropped = load_with_anomalies(sb)
        secrets = (sb.ozon.accounts[0].api_key, sb.wildberries.accounts[0].token, BOT_TOKEN)
    build = ("--select", "+stock_anomalies", "--indirect-selection", "cautious")
    env = {"DBT_TARGET_PATH": os.environ["DBT_TARGET_PATH"], "MARKETPLACES": "ozon,wildberries"}
    steps.dbt("build", "duckdb", env, *build, *steps.SCHEDULED_BUILD)

    frozen = query(
        "select marketplace, account, snapshot_source, observed, is_latest from quality.stock_anomalies "
        "where kind = 'frozen_feed' order by marketplace"
    )
    assert frozen == [
        ("ozon", "shop", "product_stocks", SYNCS - FREEZE_AT_SYNC, True),
        ("wildberries", "shop", "warehouse_remains", SYNCS - FREEZE_AT_SYNC, True),
    ]

    # The drop: the warehouse total, at the sync after the knob, and nothing anywhere else.
    (total,) = query(
        "select account, warehouse_key, detected_at, share, is_latest from quality.stock_anomalies "
        "where kind = 'stock_jump' and anomaly_level = 'warehouse'"
    )
    assert total[:2] == ("shop", f"ozon:{dropped}") and total[4]
    assert 0.3 < total[3] <= 0.45
    # No false positives on the sandbox's normal life: supplies arrived and orders moved stock at
    # every other warehouse, and the /v1/analytics/stocks feed kept moving.
    jumps = query("select distinct marketplace, snapshot_source, warehouse_key, direction from quality.stock_jumps")
    assert jumps == [("ozon", "analytics_stocks", f"ozon:{dropped}", "drop")]
    (moved,) = query(
        f"""
        select count(*) from (
            select available_quantity - lag(available_quantity) over (
                partition by product_key, warehouse_key order by snapshot_at) as change
            from intermediate.int_stock_snapshots_filled
            where snapshot_source = 'analytics_stocks' and warehouse_key <> 'ozon:{dropped}'
        ) as steps
        where change <> 0"""
    )
    assert moved[0] > 20
    # The frozen feeds also disagree with the other source of the same stock once stock moved (no
    # disagreement before the freeze); no FBS report was loaded after the first sync.
    comparisons = query("select distinct comparison from quality.source_disagreements order by 1")
    assert [name for (name,) in comparisons] in (["ozon_fbo"], ["ozon_fbo", "wildberries_fbw"])
    (first,) = query("select min(snapshot_at) from quality.source_disagreements")
    (frozen_since,) = query("select min(frozen_since) from quality.frozen_feeds")
    assert first[0] > frozen_since[0]

    sent = alerts.notify("duckdb")
    titles = sorted(alert.title for alert in sent)
    assert "Frozen stock feed: ozon/shop, 1 anomaly(ies)" in titles
    assert "Frozen stock feed: wildberries/shop, 1 anomaly(ies)" in titles
    assert "Stock sources disagree: ozon/shop" in " ".join(titles)
    jump = next(alert for alert in sent if alert.title.startswith("Stock jump"))
    assert jump.title.startswith("Stock jump: ozon/shop")
    assert f"warehouse ozon:{dropped}: available drop" in jump.text.splitlines()[0]
    webhook = http.texts("/hooks/T000/B000/secret", "text")
    telegram = http.texts(f"/bot{BOT_TOKEN}/sendMessage", "text")
    assert len(webhook) == len(telegram) == len(smtp.messages) == len(sent)
    assert any("warehouse_remains" in text for text in webhook)
    for text in [*webhook, *telegram, *(mail.get_content() for mail in smtp.messages)]:
        assert not any(secret in text for secret in secrets)
    # Within the cool-down the same anomalies stay quiet.
    assert alerts.notify("duckdb") == []
    assert len(smtp.messages) == len(sent)
