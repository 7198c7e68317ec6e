"""`make serve` and `make docs` on a port another server holds, or a host that is no address here: one
line naming the setting, before any work (uvicorn printed its own error; dbt's docs server a traceback
after the generation)."""

from __future__ import annotations

import socket
from pathlib import Path

import duckdb

from tests.support.operations import run_script


def test_a_busy_port_or_a_foreign_host_is_named_in_one_line(workdir):
    duckdb.connect(workdir["DUCKDB_PATH"]).close()
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        serve = run_script("serving", env={"SERVE_PORT": port}, timeout=60)
        docs = run_script("scripts.docs", env={"DOCS_PORT": port, "MARKETPLACES": "ozon"}, timeout=60)
    foreign = run_script("serving", env={"SERVE_HOST": "nohost.invalid"}, timeout=60)
    for done, setting in ((serve, "SERVE_HOST and SERVE_PORT"), (docs, "DOCS_PORT"), (foreign, "SERVE_HOST")):
        assert done.returncode == 2, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        assert setting in done.stderr.strip().splitlines()[-1]
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use)" in serve.stderr
    assert f"cannot listen on 127.0.0.1:{port} (Address already in use)" in docs.stderr
    assert "cannot listen on nohost.invalid:8000" in foreign.stderr
    assert not Path(workdir["DBT_TARGET_PATH"], "catalog.json").exists(), "nothing generated"
