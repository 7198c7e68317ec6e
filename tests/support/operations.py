"""Helpers shared by the operations tests: run a script as cron would, an ops.toml of the test's own."""

from __future__ import annotations

import json
import os
import socket
import socketserver
import subprocess
import sys
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb

from loaders import config
from scripts.steps import PROJECT_DIR

FOREIGN_SETTINGS = ("ALERT_", "OZON_", "WB_", "CRONTAB_COMMAND", "TARGET")
DBT = str(Path(sys.executable).parent / "dbt")  # the virtualenv's dbt, as the Makefile's $(DBT)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens there once the probe is closed


def drop_settings(monkeypatch, *prefixes: str) -> None:
    """Remove, for the test, every environment variable whose name starts with one of `prefixes`."""
    for name in list(os.environ):
        if name.startswith(prefixes):
            monkeypatch.delenv(name)


def isolated_ops(folder: Path, monkeypatch, extra: str = "") -> Path:
    """The project's ops.toml with the log folder inside `folder` (plus `extra` TOML lines under [schedule]).

    Sets OPS_CONFIG, and drops alert channels, accounts and the crontab program that the developer's
    environment (or `.env`, which `make test` exports) may hold: a test never alerts anyone for real.
    """
    drop_settings(monkeypatch, *FOREIGN_SETTINGS)
    text = (PROJECT_DIR / "ops.toml").read_text(encoding="utf-8")
    text = text.replace('dir = "logs"', f'dir = "{folder / "logs"}"')
    path = folder / "ops.toml"
    path.write_text(text.replace("[schedule]\n", f"[schedule]\n{extra}\n", 1), encoding="utf-8")
    monkeypatch.setenv("OPS_CONFIG", str(path))
    return path


def run_script(
    module: str, *args: str, env: dict[str, str] | None = None, timeout: float | None = None
) -> subprocess.CompletedProcess:
    """`python -m <module> <args>` in the project folder, as the Makefile runs it."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_DIR,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The one `error: ` line of a program that failed without a traceback."""
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    return line


# The load steps of a run over two Ozon accounts, shop and outlet, in their order.
TWO_OZON_ACCOUNTS_LOAD_STEPS = [
    f"load {group} ozon/{account}" for group in ("catalogue", "orders", "stock") for account in ("shop", "outlet")
]


def hold_lock(run_id: str, started_at: str = "then") -> subprocess.Popen:
    """Another process holding the run lock as `run_id`, as a run started at `started_at` would, until
    killed."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; from loaders.writer_lock import RunLock; RunLock({run_id!r}, {started_at!r}).acquire(); "
            "print('locked', flush=True); time.sleep(600)",
        ],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def query(sql: str, params: tuple = ()) -> list[tuple]:
    with duckdb.connect(str(config.duckdb_path()), read_only=True) as db:
        return db.execute(sql, params).fetchall()


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler of a loopback test server: answers with `reply`, logs nothing."""

    def reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class HttpReceiver:
    """Records every POST: (path, JSON body)."""

    def __init__(self):
        received = self.received = []

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.path, json.loads(body)))
                self.reply(b'{"ok": true}')

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def texts(self, path: str, field: str) -> list[str]:
        return [body[field] for got, body in self.received if got == path]


BOT_TOKEN = "123456:telegram-secret-token"


class SmtpReceiver:
    """A minimal SMTP server (enough for smtplib): records every message it accepts."""

    def __init__(self):
        messages = self.messages = []

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self):
                self.reply("220 loopback ESMTP")
                while line := self.rfile.readline():
                    command = line.decode().strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.reply("250 loopback")
                    elif command.startswith("DATA"):
                        self.reply("354 end with <CRLF>.<CRLF>")
                        data = b"".join(iter(self.rfile.readline, b".\r\n"))
                        messages.append(message_from_bytes(data, policy=default_policy))
                        self.reply("250 queued")
                    elif command.startswith("QUIT"):
                        self.reply("221 bye")
                        return
                    else:  # MAIL FROM, RCPT TO, RSET, NOOP
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
