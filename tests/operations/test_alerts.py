"""Alerts reach a webhook, the Telegram bot API and an SMTP server on loopback; the cool-down holds."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import timedelta
from http.server import ThreadingHTTPServer

import yaml

from loaders.config import PROJECT_DIR
from loaders.secrets import mask
from scripts import alerts, database, runlog
from tests.support.operations import BOT_TOKEN, QuietHandler


def record_failed_run(run_id: str) -> None:
    with database.connect("duckdb") as db:
        run = runlog.StepRecord(run_id, "run", "run")
        step = runlog.StepRecord(run_id, "load catalogue ozon/shop", "load", "catalogue", "ozon", "shop")
        step.finish("failed", error_class="ApiAuthError", error_message="ozon account shop: wrong Api-Key")
        run.finish("failed", error_message="load catalogue ozon/shop: ozon account shop: wrong Api-Key")
        runlog.write_step(db, step)
        runlog.write_step(db, run)
        runlog.write_schema_changes(
            db, run_id, "load catalogue ozon/shop", [("ozon", 5, "products", "colour", "new_column")]
        )


STOCK_MARTS = """
create schema if not exists marts;
create table marts.dim_warehouses (warehouse_key text, warehouse_name text);
create table marts.dim_products (product_key text, seller_article text, product_name text);
create table marts.stock_alerts (product_key text, warehouse_key text, severity text,
                                 available_quantity integer, days_of_cover double);
insert into marts.dim_warehouses values ('w1', 'КОЛЕДИНО'), ('w2', 'ТВЕРЬ');
insert into marts.dim_products values ('p1', 'SKU-1', 'Kettle'), ('p2', 'SKU-2', 'Mug'), ('p3', 'SKU-3', 'Lamp');
insert into marts.stock_alerts values
    ('p1', 'w1', 'out_of_stock', 0, 0), ('p2', 'w1', 'critical', 3, 2.5),
    ('p3', 'w2', 'critical', 5, 4.0), ('p3', 'w1', 'warning', 20, 10.0);
"""


def test_alerts_reach_every_channel_once_within_the_cool_down(receivers):
    http, smtp = receivers
    record_failed_run("20260101T020000-aaaaaa")
    with database.connect("duckdb") as db:
        db.execute(STOCK_MARTS)

    sent = alerts.notify("duckdb")

    assert [alert.title.split(":")[0] for alert in sent] == [
        "Run 20260101T020000-aaaaaa failed",
        "Schema change",
        "Critical stock",
    ]
    webhook = http.texts("/hooks/T000/B000/secret", "text")
    telegram = http.texts(f"/bot{BOT_TOKEN}/sendMessage", "text")
    assert len(webhook) == len(telegram) == len(smtp.messages) == 3
    stock = next(text for text in webhook if "Critical stock" in text)
    # One message for the run, grouped by warehouse; warnings are not alerts.
    assert "3 product(s) in 2 warehouse(s)" in stock
    assert "КОЛЕДИНО: 2 product(s), 1 out of stock" in stock and "ТВЕРЬ: 1 product(s)" in stock
    assert "SKU-1" in stock and "SKU-3" in stock and "10.0 days" not in stock
    assert "new column products.colour" in next(text for text in telegram if "Schema change" in text)
    mail = smtp.messages[0]
    assert mail["Subject"] == "[marketplace-elt] Run 20260101T020000-aaaaaa failed"
    assert mail["To"] == "seller@example.test, ops@example.test"
    assert "wrong Api-Key" in mail.get_content()

    # Same conditions again: nothing new within the cool-down.
    assert alerts.notify("duckdb") == []
    assert len(http.received) == 6 and len(smtp.messages) == 3

    # A product newly critical alerts alone; the ones already reported stay quiet.
    with database.connect("duckdb") as db:
        db.execute("insert into marts.dim_products values ('p4', 'SKU-4', 'Plate')")
        db.execute("insert into marts.stock_alerts values ('p4', 'w2', 'critical', 1, 0.5)")
    (fresh,) = alerts.notify("duckdb")
    assert fresh.title == "Critical stock: 1 product(s) in 1 warehouse(s)"
    assert "SKU-4" in fresh.text and "SKU-1" not in fresh.text

    # The cool-down state is persisted: once it has passed, the still-failed run alerts again.
    state = alerts.Cooldown(6)
    state.sent = {key: at - timedelta(hours=7) for key, at in state.sent.items()}
    state.save()
    titles = [alert.title for alert in alerts.notify("duckdb")]
    assert "Run 20260101T020000-aaaaaa failed" in titles


def test_a_channel_that_is_down_does_not_stop_the_others(receivers, monkeypatch, caplog):
    http, smtp = receivers
    monkeypatch.setenv("ALERT_TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")  # discard port: refused
    record_failed_run("20260101T020000-bbbbbb")

    sent = alerts.notify("duckdb")

    assert [alert.title for alert in sent][0] == "Run 20260101T020000-bbbbbb failed"
    assert len(http.texts("/hooks/T000/B000/secret", "text")) == len(sent)
    assert len(smtp.messages) == len(sent)
    assert "via Telegram failed" in caplog.text
    assert BOT_TOKEN not in caplog.text


def test_a_channel_set_up_wrong_costs_only_that_channel_and_blanks_around_a_token_never_show_it(
    receivers, monkeypatch, caplog
):
    """A Telegram token without its chat id stopped every channel ('alerts not sent'); a token copied with
    a trailing blank went out URL-encoded (`%20`), which the masking of the text as set did not match."""
    http, smtp = receivers
    monkeypatch.delenv("ALERT_TELEGRAM_CHAT_ID")
    record_failed_run("20260101T020000-cccccc")

    sent = alerts.notify("duckdb")

    assert [alert.title for alert in sent][0] == "Run 20260101T020000-cccccc failed"
    assert len(http.texts("/hooks/T000/B000/secret", "text")) == len(smtp.messages) == len(sent)
    assert "ALERT_TELEGRAM_BOT_TOKEN is set but ALERT_TELEGRAM_CHAT_ID is not; that channel is left out" in caplog.text

    monkeypatch.setenv("ALERT_TELEGRAM_CHAT_ID", "-100200")
    monkeypatch.setenv("ALERT_TELEGRAM_BOT_TOKEN", f"{BOT_TOKEN} \n")
    monkeypatch.setenv("ALERT_TELEGRAM_API_BASE_URL", "http://127.0.0.1:9")  # refused: the error names the URL
    monkeypatch.setenv("ALERT_SLACK_WEBHOOK_URL", f"{http.url}/hooks/T000/B000/another-secret-token ")
    caplog.clear()
    alerts.deliver([alerts.Alert(("test:blank",), "Critical stock", "SKU-1")], alerts.Cooldown(6), alerts.channels())
    assert "via Telegram failed" in caplog.text
    assert "telegram-secret-token" not in caplog.text and "another-secret-token" not in caplog.text
    assert http.texts("/hooks/T000/B000/another-secret-token", "text")[-1:] == ["*Critical stock*\nSKU-1"]


def test_the_hand_made_marts_have_the_columns_the_models_document():
    """STOCK_MARTS stands in for the built marts: each column it gives them is one the dbt models
    document (an alert query once read a column dim_products no longer had, and sent nothing)."""
    documented = {
        model["name"]: {column["name"] for column in model.get("columns", [])}
        for model in yaml.safe_load((PROJECT_DIR / "dbt_project/models/marts/_marts__models.yml").read_text())["models"]
    }
    for table, columns in re.findall(r"create table marts\.(\w+) \(([^)]*)\)", STOCK_MARTS):
        names = {column.split()[0] for column in columns.split(",")}
        assert names <= documented[table], f"marts.{table}: {sorted(names - documented[table])} not in the model"


def test_a_bad_smtp_port_leaves_out_that_channel_and_a_damaged_cool_down_record_is_started_again(
    receivers, monkeypatch, caplog
):
    monkeypatch.setenv("ALERT_SMTP_PORT", "58x7")
    assert [type(channel).__name__ for channel in alerts.channels()] == ["Webhook", "Telegram"]
    assert "ALERT_SMTP_PORT must be a whole number between 1 and 65535, not '58x7'; that channel is left out" in (
        caplog.text
    )

    record_failed_run("20260101T020000-bbbbbb")
    alerts.state_path().write_text('{"run:x": "not a time"}', encoding="utf-8")
    monkeypatch.delenv("ALERT_SMTP_HOST")
    sent = alerts.notify("duckdb")
    assert [alert.title for alert in sent][:1] and "unreadable" in caplog.text
    assert json.loads(alerts.state_path().read_text(encoding="utf-8")), "the record is written anew"


class Webhooks:
    """A loopback webhook that redirects (/moved), or trickles its answer a header line every 0.3 s for
    18 s (/slow)."""

    def __init__(self):
        posted = self.posted = []

        class Handler(QuietHandler):
            def do_POST(self):
                posted.append(self.path)
                if self.path.startswith("/moved"):
                    self.send_response(301)
                    self.send_header("Location", f"/landed{self.path}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for n in range(60):
                    self.wfile.write(f"X-Wait-{n}: 1\r\n".encode())
                    self.wfile.flush()
                    time.sleep(0.3)
                self.wfile.write(b"Content-Length: 2\r\n\r\nok")

            def do_GET(self):
                posted.append(f"GET {self.path}")
                self.reply(b"ok")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


TOKEN = "SeCrEtWeBhOoKtOkEn123"


def send_one(monkeypatch, url: str) -> list[alerts.Alert]:
    monkeypatch.setenv("ALERT_SLACK_WEBHOOK_URL", url)
    for name in ("ALERT_TELEGRAM_BOT_TOKEN", "ALERT_SMTP_HOST"):
        monkeypatch.delenv(name, raising=False)
    alert = alerts.Alert(("test:one",), "Critical stock: 1 product(s)", "SKU-1 at КОЛЕДИНО")
    return alerts.deliver([alert], alerts.Cooldown(6), alerts.channels())


def test_a_webhook_that_fails_never_shows_its_token(receivers, monkeypatch, caplog):
    """A connection error names only the URL's path, which holds the token: it reached cron's log."""
    assert send_one(monkeypatch, f"http://127.0.0.1:9/services/T0AAA/B0BBB/{TOKEN}") == []
    assert "via Webhook failed" in caplog.text and TOKEN not in caplog.text


def test_a_webhook_that_redirects_fails_instead_of_losing_the_alert(receivers, monkeypatch, caplog):
    """requests followed a 301 with a GET without the alert and took the 200 for a delivery."""
    hooks = Webhooks()
    assert send_one(monkeypatch, f"{hooks.url}/moved/services/T0AAA/B0BBB/{TOKEN}") == []
    assert "HTTP 301: the URL redirects elsewhere" in caplog.text and TOKEN not in caplog.text
    assert [path for path in hooks.posted if path.startswith("GET")] == []


def test_a_webhook_that_trickles_its_answer_is_given_up_at_the_deadline(receivers, monkeypatch, caplog):
    """requests' timeout is per read: a header line every few seconds held `health --alert` for good."""
    monkeypatch.setattr(alerts, "SEND_DEADLINE_SECONDS", 1.0, raising=False)
    hooks = Webhooks()
    assert send_one(monkeypatch, f"{hooks.url}/slow/services/T0AAA/B0BBB/{TOKEN}") == []
    assert "no answer within 1 s" in caplog.text and TOKEN not in caplog.text


def test_a_broken_ops_toml_does_not_silence_the_alerts(receivers, tmp_path, monkeypatch, caplog):
    http, _ = receivers
    broken = tmp_path / "broken.toml"
    broken.write_text('[retention]\ndays = "ninety"\n')
    monkeypatch.setenv("OPS_CONFIG", str(broken))
    record_failed_run("20260101T020000-cccccc")

    sent = alerts.notify("duckdb")

    assert [alert.title for alert in sent][0] == "Run 20260101T020000-cccccc failed"
    assert http.texts("/hooks/T000/B000/secret", "text")
    assert f"{broken}:" in caplog.text and "the alerts use a cool-down of 6 h" in caplog.text


def test_a_webhook_secret_in_the_query_is_masked_and_plain_words_are_not(receivers, monkeypatch, caplog):
    """Azure/Teams workflow URLs carry their signature in the query, which a connection error names;
    and `services` of a Slack URL was masked in every later line (review)."""
    signature = "S3cr3tSignatureValue0123456789"
    url = f"http://127.0.0.1:9/workflows/a1/triggers/manual/paths/invoke?api-version=2016-10-01&sv=1.0&sig={signature}"
    assert send_one(monkeypatch, url) == []
    assert "via Webhook failed" in caplog.text and signature not in caplog.text
    send_one(monkeypatch, f"http://127.0.0.1:9/services/T0AAA/B0BBB/{TOKEN}")
    assert mask("Ozon API: services temporarily unavailable") == "Ozon API: services temporarily unavailable"
