"""Alerts: a failed run, a stale source, a schema change, new critical stock, stock anomalies
(one message per kind and run).

Channels come from the environment; every configured one gets every alert:
- ALERT_SLACK_WEBHOOK_URL: a Slack-compatible incoming webhook (JSON `{"text": ...}`; Mattermost,
  Rocket.Chat and others accept the same);
- ALERT_TELEGRAM_BOT_TOKEN + ALERT_TELEGRAM_CHAT_ID (ALERT_TELEGRAM_API_BASE_URL overrides
  https://api.telegram.org): the bot API's sendMessage;
- ALERT_SMTP_HOST (+ ALERT_SMTP_PORT 587, ALERT_SMTP_USER, ALERT_SMTP_PASSWORD, ALERT_SMTP_TLS =
  starttls | ssl | none, ALERT_EMAIL_FROM, ALERT_EMAIL_TO comma-separated): e-mail.

A condition that alerted stays quiet for `[alerts] cooldown_hours` (ops.toml); the times are kept
in `alerts_state.json` beside the dlt state folder (`data/` by default).
"""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from functools import partial
from pathlib import Path
from urllib.parse import parse_qsl, quote

import duckdb
import psycopg2
import requests

from loaders import config
from loaders.secrets import mask, register_secret
from loaders.writer_lock import writing_elsewhere
from scripts import database, ops_config, runlog

log = logging.getLogger("alerts")

SUBJECT_PREFIX = "[marketplace-elt]"
URGENT_SEVERITIES = ("out_of_stock", "critical")
MAX_LINES_PER_WAREHOUSE = 10


@dataclass(frozen=True)
class Alert:
    keys: tuple[str, ...]  # the conditions it reports; it is sent while any of them is out of cool-down
    title: str
    text: str


# -- channels ---------------------------------------------------------------------------------


# A channel that has not taken an alert within this many seconds has failed it: requests' timeout
# is per read, and a server trickling its answer a header line at a time held health for good.
SEND_DEADLINE_SECONDS = 30.0
# The cool-down when ops.toml cannot be read: its shipped value (an alert about a broken ops.toml
# must still go out).
DEFAULT_COOLDOWN_HOURS = 6.0


def post(url: str, body: dict) -> None:
    """POST `body` as JSON to a channel's URL. A redirect is a failure, not followed: requests would
    repeat a POST as a GET without its body after a 301, and the alert was lost as delivered."""
    response = requests.post(url, json=body, timeout=15, allow_redirects=False)
    if response.is_redirect:
        raise requests.HTTPError(
            f"HTTP {response.status_code}: the URL redirects elsewhere; set the address it redirects to"
        )
    response.raise_for_status()


@dataclass(frozen=True)
class Webhook:
    url: str

    def send(self, alert: Alert) -> None:
        post(self.url, {"text": f"*{alert.title}*\n{alert.text}"})


@dataclass(frozen=True)
class Telegram:
    token: str
    chat_id: str
    base_url: str

    def send(self, alert: Alert) -> None:
        post(
            f"{self.base_url.rstrip('/')}/bot{self.token}/sendMessage",
            {"chat_id": self.chat_id, "text": f"{alert.title}\n{alert.text}"},
        )


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    user: str
    password: str
    tls: str
    sender: str
    recipients: tuple[str, ...]

    def send(self, alert: Alert) -> None:
        message = EmailMessage()
        message["Subject"] = f"{SUBJECT_PREFIX} {alert.title}"
        message["From"], message["To"] = self.sender, ", ".join(self.recipients)
        message.set_content(alert.text)
        smtp_class = smtplib.SMTP_SSL if self.tls == "ssl" else smtplib.SMTP
        with smtp_class(self.host, self.port, timeout=15) as smtp:
            if self.tls == "starttls":
                smtp.starttls()
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)


def channels() -> list[Webhook | Telegram | Email]:
    """Every channel configured. One whose settings are wrong is left out with its reason logged: it
    costs only that channel, not the alerts of the others. Settings are read trimmed
    (config.text_setting): a token copied with a trailing blank went out URL-encoded (`%20`) and no
    longer matched the text masked for it."""
    found: list[Webhook | Telegram | Email] = []
    for configured in (_webhook, _telegram, _email):
        try:
            channel = configured()
        except config.ConfigError as exc:
            log.error("alerts: %s; that channel is left out", exc)
            continue
        if channel:
            found.append(channel)
    return found


def _webhook() -> Webhook | None:
    if not (url := config.text_setting("ALERT_SLACK_WEBHOOK_URL", "")):
        return None
    register_url("ALERT_SLACK_WEBHOOK_URL", url)  # the URL itself is the credential
    return Webhook(url)


def _telegram() -> Telegram | None:
    if not (token := config.text_setting("ALERT_TELEGRAM_BOT_TOKEN", "")):
        return None
    register_secret(token)
    if not (chat_id := config.text_setting("ALERT_TELEGRAM_CHAT_ID", "")):
        raise config.ConfigError("ALERT_TELEGRAM_BOT_TOKEN is set but ALERT_TELEGRAM_CHAT_ID is not")
    base_url = config.text_setting("ALERT_TELEGRAM_API_BASE_URL", "https://api.telegram.org")
    config.http_address("ALERT_TELEGRAM_API_BASE_URL", base_url)
    return Telegram(token, chat_id, base_url)


def _email() -> Email | None:
    if not (host := config.text_setting("ALERT_SMTP_HOST", "")):
        return None
    register_secret(os.environ.get("ALERT_SMTP_PASSWORD"))
    recipients = tuple(config.text_list("ALERT_EMAIL_TO"))
    if not recipients or not config.text_setting("ALERT_EMAIL_FROM", ""):
        raise config.ConfigError("ALERT_SMTP_HOST is set: set ALERT_EMAIL_FROM and ALERT_EMAIL_TO too")
    tls = config.text_setting("ALERT_SMTP_TLS", "starttls")
    if tls not in ("starttls", "ssl", "none"):
        raise config.ConfigError(f"ALERT_SMTP_TLS={tls!r}: use starttls, ssl or none")
    port = config.port_number("ALERT_SMTP_PORT", 465 if tls == "ssl" else 587)
    return Email(
        host,
        port,
        config.text_setting("ALERT_SMTP_USER", ""),
        os.environ.get("ALERT_SMTP_PASSWORD", ""),
        tls,
        config.text_setting("ALERT_EMAIL_FROM", ""),
        recipients,
    )


def register_url(variable: str, url: str) -> None:
    """Mask a credential URL wherever it shows: whole, its path and query (a connection error names
    only those) and each part that looks like a credential (a token in the path, `sig=...` in the
    query; also inside another URL a redirect names). Plain words (`services`) stay readable. A
    ConfigError naming `variable` when it is no http(s) address (config.http_address)."""
    register_secret(url)
    parts = config.http_address(variable, url)
    register_secret(parts.path.rstrip("/") if len(parts.path) >= MIN_SECRET_PART else None)
    register_secret(parts.query if len(parts.query) >= MIN_SECRET_PART else None)
    values = [value for _, value in parse_qsl(parts.query)]
    for part in (*parts.path.split("/"), *values, *(quote(value, safe="") for value in values)):
        if len(part) >= MIN_SECRET_PART and not PLAIN_WORD.fullmatch(part):
            register_secret(part)


# a Slack webhook's path segments: T… and B… ids of 9-11 characters, the token of 24
MIN_SECRET_PART = 8
PLAIN_WORD = re.compile(r"[a-z]+(?:[-_.][a-z]+)*")


# -- cool-down --------------------------------------------------------------------------------


def state_path() -> Path:
    return config.pipelines_dir().parent / "alerts_state.json"


class Cooldown:
    """When each condition last alerted, persisted as JSON (written atomically)."""

    def __init__(self, hours: float, path: Path | None = None, now: datetime | None = None):
        self.path, self.now = path or state_path(), now or runlog.utcnow()
        self.window = timedelta(hours=hours)
        try:
            sent = json.loads(self.path.read_text(encoding="utf-8"))
            self.sent = {key: datetime.fromisoformat(at) for key, at in sent.items()}
        except FileNotFoundError:
            self.sent = {}
        except (ValueError, TypeError, AttributeError) as exc:  # damaged: rewritten on the next save
            log.warning("alerts: %s is unreadable (%s): starting a new cool-down record", self.path, exc)
            self.sent = {}

    def quiet(self, key: str) -> bool:
        return key in self.sent and self.now - self.sent[key] < self.window

    def record(self, keys: tuple[str, ...]) -> None:
        self.sent.update(dict.fromkeys(keys, self.now))

    def save(self) -> None:
        current = {key: at.isoformat() for key, at in self.sent.items() if self.now - at < self.window}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        scratch = self.path.with_suffix(".tmp")
        scratch.write_text(json.dumps(current, indent=1, sort_keys=True), encoding="utf-8")
        scratch.replace(self.path)


# -- conditions -------------------------------------------------------------------------------


def failed_run(db: database.Database) -> list[Alert]:
    """The latest finished run, when it did not succeed (or was partial: some resources did not load)."""
    if not db.relation_exists(runlog.SCHEMA, "run_log"):
        return []
    latest = db.execute(
        f"select run_id, status, error_message from {runlog.SCHEMA}.run_log "
        "where kind = 'run' and status <> 'running' order by started_at desc limit 1"
    )
    if not latest or latest[0][1] not in (*runlog.FINISHED_BAD, "partial"):
        return []
    run_id, status, message = latest[0]
    bad_steps = db.execute(
        f"select step from {runlog.SCHEMA}.run_log where run_id = ? and kind <> 'run' "
        "and status in ('failed', 'skipped', 'killed', 'partial') order by step",
        (run_id,),
    )
    key = f"run:{status}:" + ",".join(step for (step,) in bad_steps)
    return [Alert((key,), f"Run {run_id} {status}", mask(message or "no step finished"))]


def schema_changes(db: database.Database, since: datetime) -> list[Alert]:
    if not db.relation_exists(runlog.SCHEMA, "schema_changes"):
        return []
    rows = db.execute(
        f"select schema_name, version, table_name, column_name, change from {runlog.SCHEMA}.schema_changes "
        "where seen_at >= ? order by schema_name, version, table_name, column_name",
        (since,),
    )
    if not rows:
        return []
    keys = tuple(f"schema:{s}:{v}:{t}.{c}" for s, v, t, c, _ in rows)
    lines = [f"{s} v{v}: {change.replace('_', ' ')} {t}{'.' + c if c else ''}" for s, v, t, c, change in rows]
    title = f"Schema change: {len(rows)} new, vanished or mistyped table(s)/column(s) in the raw data"
    return [Alert(keys, title, "\n".join(lines))]


def critical_stock(db: database.Database, cooldown: Cooldown) -> list[Alert]:
    """Products newly out of stock or critical, in one message grouped by warehouse."""
    if not all(db.relation_exists("marts", name) for name in ("stock_alerts", "dim_products", "dim_warehouses")):
        return []
    rows = db.execute(
        """
        select coalesce(w.warehouse_name, a.warehouse_key), a.product_key,
               coalesce(p.seller_article, p.product_name, a.product_key), a.severity, a.available_quantity,
               a.days_of_cover
        from marts.stock_alerts as a
        left join marts.dim_warehouses as w on a.warehouse_key = w.warehouse_key
        left join marts.dim_products as p on a.product_key = p.product_key
        where a.severity in (?, ?)
        order by 1, a.days_of_cover, 3""",
        URGENT_SEVERITIES,
    )
    new = [row for row in rows if not cooldown.quiet(f"stock:{row[0]}:{row[1]}")]
    if not new:
        return []
    by_warehouse: dict[str, list[tuple]] = defaultdict(list)
    for row in new:
        by_warehouse[row[0]].append(row)
    lines = []
    for warehouse, items in by_warehouse.items():
        out = sum(1 for item in items if item[3] == "out_of_stock")
        lines.append(f"{warehouse}: {len(items)} product(s), {out} out of stock")
        for _, _, product, severity, available, cover in items[:MAX_LINES_PER_WAREHOUSE]:
            days = f", {float(cover):.1f} days of cover" if cover is not None else ""
            lines.append(f"  - {product}: {severity.replace('_', ' ')}, {available} available{days}")
        if len(items) > MAX_LINES_PER_WAREHOUSE:
            lines.append(f"  ... and {len(items) - MAX_LINES_PER_WAREHOUSE} more")
    title = f"Critical stock: {len(new)} product(s) in {len(by_warehouse)} warehouse(s)"
    return [Alert(tuple(f"stock:{row[0]}:{row[1]}" for row in new), title, "\n".join(lines))]


ANOMALY_TITLES = {
    "stock_jump": "Stock jump",
    "frozen_feed": "Frozen stock feed",
    "source_disagreement": "Stock sources disagree",
}


def stock_anomalies(db: database.Database, cooldown: Cooldown) -> list[Alert]:
    """Anomalies the newest loads brought (quality.stock_anomalies, is_latest) that are out of
    cool-down: one message per kind and account, warehouse- and source-level lines first."""
    if not db.relation_exists("quality", "stock_anomalies"):
        return []
    rows = db.execute(
        """
        select kind, marketplace, account, condition_key, anomaly_level, snapshot_source,
               coalesce(product_key, ''), coalesce(warehouse_key, ''), detail
        from quality.stock_anomalies
        where is_latest
        order by kind, marketplace, account,
                 case when anomaly_level = 'product' then 1 else 0 end, warehouse_key, product_key"""
    )
    groups: dict[tuple[str, str, str], list[tuple]] = defaultdict(list)
    for row in rows:
        if not cooldown.quiet(f"anomaly:{row[3]}"):
            groups[(row[0], row[1], row[2])].append(row)
    found = []
    for (kind, marketplace, account), items in groups.items():
        lines = []
        for _, _, _, _, level, source, product, warehouse, detail in items[:MAX_LINES_PER_WAREHOUSE]:
            where = " ".join(part for part in (warehouse, product) if part) or source
            lines.append(f"- {level} {where}: {detail}")
        if len(items) > MAX_LINES_PER_WAREHOUSE:
            lines.append(f"... and {len(items) - MAX_LINES_PER_WAREHOUSE} more (quality.stock_anomalies)")
        title = f"{ANOMALY_TITLES.get(kind, kind)}: {marketplace}/{account}, {len(items)} anomaly(ies)"
        found.append(Alert(tuple(f"anomaly:{item[3]}" for item in items), title, mask("\n".join(lines))))
    return found


# -- sending ----------------------------------------------------------------------------------


def within(seconds: float, send: Callable[[], None]) -> None:
    """`send()` in a thread of its own, given up (TimeoutError) when it has not ended in `seconds`;
    a thread left behind ends with the process."""
    failure: list[Exception] = []

    def attempt() -> None:
        try:
            send()
        except Exception as exc:  # noqa: BLE001 - raised again in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {seconds:g} s")
    if failure:
        raise failure[0]


def deliver(candidates: list[Alert], cooldown: Cooldown, targets: list[Webhook | Telegram | Email]) -> list[Alert]:
    """Send what is out of cool-down to every channel of `targets`; returns what at least one took."""
    sent = []
    for alert in candidates:
        if all(cooldown.quiet(key) for key in alert.keys):
            log.info("cool-down: not repeating %r", alert.title)
            continue
        delivered = False
        for channel in targets:
            try:
                within(SEND_DEADLINE_SECONDS, partial(channel.send, alert))
                delivered = True
            except (OSError, requests.RequestException, smtplib.SMTPException) as exc:
                log.error("alert %r via %s failed: %s", alert.title, type(channel).__name__, mask(str(exc)))
        if delivered:
            cooldown.record(alert.keys)
            sent.append(alert)
    cooldown.save()
    return sent


def notify(target: str, extra: list[Alert] | None = None) -> list[Alert]:
    """Collect the conditions from the database (plus `extra`, e.g. from the health check) and send them."""
    if not (targets := channels()):
        log.info("no alert channel configured (ALERT_SLACK_WEBHOOK_URL, ALERT_TELEGRAM_*, ALERT_SMTP_*)")
        return []
    try:
        hours = ops_config.load().cooldown_hours
    except config.ConfigError as exc:  # health reports the file; its alert must still go out
        log.error("%s; the alerts use a cool-down of %g h", exc, DEFAULT_COOLDOWN_HOURS)
        hours = DEFAULT_COOLDOWN_HOURS
    cooldown = Cooldown(hours)
    candidates = list(extra or [])
    collectors = {
        "failed run": failed_run,
        "schema changes": lambda db: schema_changes(db, cooldown.now - cooldown.window),
        "critical stock": lambda db: critical_stock(db, cooldown),
        "stock anomalies": lambda db: stock_anomalies(db, cooldown),
    }
    writer = writing_elsewhere() if target == "duckdb" else None
    if writer:  # its open would fail the run's next write; the run sends its own alerts at its end
        log.info("alerts: %s is writing the database, only the health alerts go out", writer.describe())
        return deliver(candidates, cooldown, targets)
    try:
        with database.connect(target, read_only=target == "duckdb") as db:
            for name, collect in collectors.items():
                try:
                    candidates += collect(db)
                except (duckdb.Error, psycopg2.Error) as exc:  # one condition's query costs only itself
                    log.error("alerts: the %s query failed, the other alerts still go out: %s", name, mask(str(exc)))
    except (duckdb.Error, psycopg2.Error) as exc:  # e.g. a run is writing the DuckDB file: next time
        log.warning("database not readable now, only the health alerts go out: %s", mask(str(exc)))
    return deliver(candidates, cooldown, targets)


def notify_come_what_may(target: str, extra: list[Alert] | None = None) -> list[Alert]:
    """`notify`, a failure of it logged instead of raised: the alerts never change the outcome (and
    the exit code) of the run or the health check that sends them."""
    try:
        return notify(target, extra)
    except Exception as exc:  # noqa: BLE001 - a broken alert channel must not hide the run's own outcome
        log.error("alerts not sent: %s", mask(f"{type(exc).__name__}: {exc}"))
        return []
