"""p50/p95 latency of a filtered `warehouse-stock` API page and of the dashboard's stock page with 20
concurrent clients, over a real uvicorn server on a published snapshot (a step of `make bench`)."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import duckdb
import httpx
import uvicorn
from fastapi import FastAPI

from loaders import config
from serving import keys, publish


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """`app` on a free loopback port in a thread of this process; yields its base URL."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _timings(base_url: str, path: str, key: str, clients: int, per_client: int) -> list[float]:
    def one_client(_index: int) -> list[float]:
        seconds = []
        with httpx.Client(base_url=base_url, headers={"X-API-Key": key}, timeout=30) as client:
            for _ in range(per_client):
                started = time.perf_counter()
                client.get(path).raise_for_status()
                seconds.append(time.perf_counter() - started)
        return seconds

    with ThreadPoolExecutor(clients) as pool:
        return [s for client in pool.map(one_client, range(clients)) for s in client]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server_process(
    database: Path, keys_file: Path, env: dict[str, str] | None = None, log: Path | None = None
) -> Iterator[str]:
    """`python -m serving` on `database` in a process of its own (the clients' threads must not share
    its interpreter), with `env` added and its output (the access log too) written to `log`; yields its base URL."""
    port = _free_port()
    everything = {
        **os.environ,
        "TARGET": "duckdb",
        "DUCKDB_PATH": str(database),
        "SERVE_HOST": "127.0.0.1",
        "SERVE_PORT": str(port),
        "SERVE_KEYS_FILE": str(keys_file),
        "SERVE_RATE_LIMIT": str(10**9),
        **(env or {}),
    }
    with open(log or os.devnull, "w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "serving"], cwd=config.PROJECT_DIR, env=everything, stdout=output, stderr=output
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base_url}/openapi.json", timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)


def measure(database: Path, clients: int = 20, per_client: int = 20) -> dict[str, tuple[float, float]]:
    """Page -> (p50, p95) in milliseconds, after publishing `database`."""
    publish.publish(database)
    with duckdb.connect(str(publish.current_snapshot(publish.publish_dir(database))), read_only=True) as snapshot:
        (warehouse,) = snapshot.execute(
            "select warehouse_key from marts.inventory group by warehouse_key order by count(*) desc limit 1"
        ).fetchone()
    filters = f"warehouse={quote(warehouse)}&min_available=1&sort=-available_quantity&limit=100"
    pages = {
        "API warehouse-stock page (100 rows)": f"/api/v1/warehouse-stock?{filters}",
        "dashboard stock page": f"/stock?warehouse={quote(warehouse)}",
    }
    with tempfile.TemporaryDirectory(prefix="latency-") as folder:
        keys_file = Path(folder) / "api_keys.json"
        key = keys.create(keys_file, "bench")
        figures = {}
        with server_process(database, keys_file) as base_url:
            for name, path in pages.items():
                _timings(base_url, path, key, 2, 2)  # warm: column lists, freshness
                seconds = sorted(_timings(base_url, path, key, clients, per_client))
                cuts = statistics.quantiles(seconds, n=100)
                figures[name] = (cuts[49] * 1000, cuts[94] * 1000)
        return figures


def print_figures(figures: dict[str, tuple[float, float]], clients: int = 20) -> None:
    print(f"\nserving latency, {clients} concurrent clients:")
    for name, (p50, p95) in figures.items():
        print(f"  {name:<40} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
