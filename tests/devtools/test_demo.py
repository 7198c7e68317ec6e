"""`make demo` is the runner against the sandbox; `make health`, `reconcile`, `summary` and `docs`
work on its data with no extra setting; the demo never overwrites a database of the user's own."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from devtools import demo
from loaders import config, cooldowns
from loaders.writer_lock import lock_path
from scripts import steps, summary
from tests.support.operations import hold_lock, isolated_ops, run_script
from tests.support.sandbox_fixtures import paced_seller

SMALL_SELLER = paced_seller(seed=7, products=30, warehouses=4, archived_share=0.1, accounts=2, history_days=10)
# The clean schedule in short: a first run and a last one (which builds).
WARNING_DAYS_OF_COVER = 14  # dbt_project.yml: warning_days_of_cover
SHORT = demo.Schedule(days=(0, 1), first=("catalogue", "stock"), between=("stock",))


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """The demo of a small seller into a folder of its own: (exit code, what it printed, that folder)."""
    folder = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as patch:
        isolated_ops(folder, patch)
        for name, value in {
            "DUCKDB_PATH": str(folder / "warehouse.duckdb"),
            "DLT_PIPELINES_DIR": str(folder / "dlt"),
            "DBT_TARGET_PATH": str(folder / "dbt_target"),
            "DBT_LOG_PATH": str(folder / "dbt_logs"),
        }.items():
            patch.setenv(name, value)
        patch.delenv("MARKETPLACES", raising=False)
        patch.setattr(demo, "DEMO_SELLER", SMALL_SELLER)
        patch.setattr(demo, "CLEAN", SHORT)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = demo.main([])
        yield code, printed.getvalue(), folder


def test_the_demo_prints_one_line_per_run_and_the_next_commands(demo_run):
    code, printed, folder = demo_run
    assert code == 0, printed
    progress = [line for line in printed.splitlines() if line.startswith("[")]
    assert [line.split("]")[0] for line in progress] == ["[1/2", "[2/2"]
    assert all(" success in " in line for line in progress), progress
    assert "did not receive any data" not in printed and "START test" not in printed
    log = (folder / "logs" / "demo.log").read_text(encoding="utf-8")
    assert "run: run " in log and "dbt" in log  # the runners' own output went to the log
    assert f"DUCKDB_PATH={folder / 'warehouse.duckdb'} make health" in printed
    assert "ozon" in printed and "wildberries" in printed


def test_health_reconcile_and_summary_work_on_the_demo_data(demo_run):
    code, _, folder = demo_run
    assert code == 0
    env = {"DUCKDB_PATH": str(folder / "warehouse.duckdb"), "DLT_PIPELINES_DIR": str(folder / "dlt")}
    health = run_script("scripts.health", env=env)
    assert health.returncode == 0 and "health: HEALTHY" in health.stdout, health.stdout + health.stderr
    reconciled = run_script("scripts.reconcile", env=env)
    assert reconciled.returncode == 0, reconciled.stdout + reconciled.stderr
    printed = run_script("scripts.summary", env=env)
    assert printed.returncode == 0, printed.stderr
    assert "  ozon\n" in printed.stdout and "  wildberries\n" in printed.stdout


def test_docs_document_both_marketplaces(demo_run):
    code, _, folder = demo_run
    assert code == 0
    env = {
        "DUCKDB_PATH": str(folder / "warehouse.duckdb"),
        "DLT_PIPELINES_DIR": str(folder / "dlt"),
        "DBT_TARGET_PATH": str(folder / "docs_target"),
        "DBT_LOG_PATH": str(folder / "dbt_logs"),
    }
    done = run_script("scripts.docs", "--no-serve", env=env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    nodes = json.loads((folder / "docs_target" / "catalog.json").read_text(encoding="utf-8"))["nodes"]
    for node in ("stg_ozon__posting_lines_fbo", "stg_wildberries__orders", "fact_orders", "replenishment_plan"):
        assert f"model.marketplace_elt.{node}" in nodes, node
    assert "marketplace" in {name.lower() for name in nodes["model.marketplace_elt.fact_orders"]["columns"]}


def test_the_urgent_shipments_are_urgent_and_ranked_by_cover(demo_run):
    code, _, folder = demo_run
    assert code == 0
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as db:
        rows = db.execute(summary.URGENT_SHIPMENTS).fetchall()
    assert rows, "the small seller runs short somewhere"
    assert {row[4] for row in rows} <= {"out_of_stock", "critical", "warning"}
    covers = [float(row[6]) for row in rows]
    assert covers == sorted(covers)
    assert all(cover < WARNING_DAYS_OF_COVER for cover in covers)  # never a shipment with weeks of stock left
    assert all(row[0] in ("ozon", "wildberries") for row in rows)


def test_the_least_stocked_are_products_of_one_account_each(demo_run):
    """The demo's two accounts per marketplace share articles: a line is one account's product, not the
    articles of both accounts added up (a product at 0 in one account read as stocked)."""
    code, _, folder = demo_run
    assert code == 0
    with duckdb.connect(str(folder / "warehouse.duckdb"), read_only=True) as db:
        rows = db.execute(summary.LEAST_STOCKED.format(partly_stocked="''")).fetchall()
        per_product = db.execute(
            f"""select p.marketplace, p.account, {summary.ARTICLE}, coalesce(sum(i.available_quantity), 0)
            from marts.dim_products as p left join marts.inventory as i on i.product_key = p.product_key
            group by p.product_key, p.marketplace, p.account, {summary.ARTICLE}"""
        ).fetchall()
    assert rows
    for marketplace, account, article, _, available in rows:
        assert (marketplace, account, article, available) in per_product


def test_an_account_whose_newest_stock_load_missed_a_feed_is_not_listed_as_least_stocked(
    demo_run, tmp_path, monkeypatch, capsys
):
    """An Ozon key without the analytics role reads no FBO stock: its products' stock there is unknown,
    and the least stocked listed them at the FBS stock alone, 0 (multi-account audit)."""
    code, _, folder = demo_run
    assert code == 0
    path = tmp_path / "copy.duckdb"
    shutil.copy(folder / "warehouse.duckdb", path)
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    monkeypatch.setenv("TARGET", "duckdb")
    assert summary.main([]) == 0
    least = least_stocked_lines(capsys.readouterr().out)
    marketplace, account = least[0].split()[1:3]
    assert "left out, their stock" not in "\n".join(least)
    with duckdb.connect(str(path)) as db:
        db.execute(
            """update ops.run_log_resources set status = 'failed'
            where (run_id, step) in (
                select run_id, step from ops.run_log
                where kind = 'load' and step_group = 'stock' and marketplace = ? and account = ?
                order by started_at desc limit 1
            )""",
            (marketplace, account),
        )
    assert summary.main([]) == 0
    least = least_stocked_lines(capsys.readouterr().out)
    assert least[-1] == f"    left out, their stock partly unknown (make health says why): {marketplace}/{account}"
    assert len(least) == 11 and not [line for line in least[:-1] if line.split()[1:3] == [marketplace, account]]


def least_stocked_lines(printed: str) -> list[str]:
    """The lines under the summary's least-stocked heading (indented by four spaces)."""
    after = printed.split("least stock:\n")[1].splitlines()
    return [line for line in itertools.takewhile(lambda line: line.startswith("    "), after)]


@pytest.mark.parametrize("name", ["warehouse.duckdb", "demo.duckdb"])
def test_the_demo_refuses_a_database_of_the_users_own(name, tmp_path, monkeypatch, capsys):
    path = tmp_path / name
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "dlt"))
    with duckdb.connect(str(path)) as db:
        db.execute("create table sales as select 1 as id")
    assert demo.main([]) == demo.EXIT_REFUSED
    error = capsys.readouterr().err
    assert "DUCKDB_PATH" in error and str(path) in error and len(error.strip().splitlines()) == 1
    # the way out after a Ctrl-C deletes that file alone (`make clean` deleted all of data/, the
    # user's own database among it), and the other file it suggests is not the one refused
    assert "a demo stopped part way" in error and f"`rm {path}`" in error and "make clean" not in error
    (suggested,) = re.findall(r"`DUCKDB_PATH=(\S+) make demo`", error)
    assert suggested != str(path)
    with duckdb.connect(str(path), read_only=True) as db:
        assert db.execute("select count(*) from sales").fetchone()[0] == 1


def test_the_demo_replaces_only_a_database_without_runs_since_the_demo(demo_run, tmp_path, monkeypatch):
    code, _, folder = demo_run
    assert code == 0
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(folder / "warehouse.duckdb", path)
    shutil.copy(demo.demo_marker(folder / "warehouse.duckdb"), demo.demo_marker(path))
    monkeypatch.setenv("DUCKDB_PATH", str(path))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "dlt"))
    with duckdb.connect(str(path)) as db:  # a run of the user's own after the demo
        db.execute(
            "insert into ops.run_log (run_id, step, kind, status) "
            "values ('99991231T000000-user', 'run', 'run', 'success')"
        )
    with pytest.raises(demo.DemoRefused):
        demo.claim_database()
    with duckdb.connect(str(path)) as db:
        db.execute("delete from ops.run_log where run_id = '99991231T000000-user'")
    assert demo.claim_database() == config.duckdb_path() == path
    assert not path.exists() and not demo.demo_marker(path).exists()


@pytest.fixture
def own_database(tmp_path, monkeypatch):
    """`DUCKDB_PATH=<tmp>/demo.duckdb make demo` beside runs of the user's own, whose dlt state folder
    (in `.env`) holds a pipeline: (the demo's database, the user's state folder)."""
    isolated_ops(tmp_path, monkeypatch)
    users = tmp_path / "data" / "dlt"
    (users / "ozon__shop").mkdir(parents=True)
    env_file = tmp_path / "settings.env"
    env_file.write_text(f"DLT_PIPELINES_DIR={users}\n", encoding="utf-8")
    monkeypatch.setenv("ENV_FILE", str(env_file))
    monkeypatch.setenv("DLT_PIPELINES_DIR", "")  # so that it is restored: load_env_file sets it
    monkeypatch.delenv("DLT_PIPELINES_DIR")
    monkeypatch.setattr(config, "_FROM_ENV_FILE", set())
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "data" / "demo.duckdb"))
    config.load_env_file()
    assert config.pipelines_dir() == users
    return tmp_path / "data" / "demo.duckdb", users


def test_a_demo_into_a_database_of_its_own_keeps_its_state_beside_it(own_database):
    """`DUCKDB_PATH=data/demo.duckdb make demo`, as the demo's refusal and the README advise, deleted the
    user's dlt state at once, without the run lock, and shared the user's run lock and cool-downs."""
    path, users = own_database
    state = demo.state_folder()
    assert state == path.with_name("demo.duckdb.state") / "dlt"
    with demo.own_state(state):
        assert demo.claim_database() == path
        assert lock_path() == state.parent / "run.lock" and lock_path().exists()  # the demo's own lock
        assert cooldowns.path() == state.parent / "cooldowns.json"
        commands = demo.next_commands(False, state)
    assert (users / "ozon__shop").is_dir(), "the user's dlt state is left alone"
    assert not (users.parent / "run.lock").exists()
    assert commands[0].startswith(f"DUCKDB_PATH={path} DLT_PIPELINES_DIR={state} make health")
    assert config.pipelines_dir() == users  # restored after the demo


def test_the_demo_uses_the_state_folder_set_for_it_or_that_of_the_default_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DUCKDB_PATH", str(tmp_path / "demo.duckdb"))
    monkeypatch.setenv("DLT_PIPELINES_DIR", str(tmp_path / "demo-dlt"))  # on the command line
    assert demo.state_folder() == tmp_path / "demo-dlt"
    monkeypatch.delenv("DLT_PIPELINES_DIR")
    monkeypatch.setenv("DUCKDB_PATH", config.DEFAULT_DUCKDB_PATH)  # `make demo` as in the quick start
    assert demo.state_folder() == config.PROJECT_DIR / "data" / "dlt"


def hold_demo_lock(path: Path) -> subprocess.Popen:
    """Another run holding the run lock of the demo into `path` (its state folder `<path>.state/dlt`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLT_PIPELINES_DIR", str(path.with_name(f"{path.name}.state") / "dlt"))
        return hold_lock("20261207T030000-other")


def test_a_run_lock_held_by_another_run_stops_the_demo_in_one_line_before_anything_is_deleted(
    own_database, monkeypatch, capsys
):
    path, users = own_database
    monkeypatch.setattr(demo, "Sandbox", None)  # the demo stops before it starts the sandbox
    holder = hold_demo_lock(path)
    try:
        assert demo.main([]) == demo.EXIT_BUSY
    finally:
        holder.kill()
        holder.wait()
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "20261207T030000-other" in error and "Traceback" not in error
    assert (users / "ozon__shop").is_dir()


def test_a_run_refused_by_the_run_lock_ends_the_demo_in_one_line(own_database, monkeypatch, capsys):
    """Another run took the lock between the demo's claim and its first run: the run exits 75, and the
    demo ended in a traceback (`Cannot open database ... in read-only mode: database does not exist`)."""
    path, _ = own_database
    monkeypatch.setattr(demo, "DEMO_SELLER", SMALL_SELLER)
    monkeypatch.setattr(demo, "claim_database", config.duckdb_path)  # the lock taken right after the claim
    holders = [hold_demo_lock(path), hold_lock("20261207T030000-other")]  # the user's lock too: refused either way
    try:
        code = demo.main([])
    finally:
        for holder in holders:
            holder.kill()
            holder.wait()
    captured = capsys.readouterr()
    assert code == demo.EXIT_BUSY, captured
    assert "catalogue, stock ... refused" in captured.out
    (line,) = captured.err.splitlines()
    assert line.startswith("demo: run 20261207T030000-other (pid ") and "did not start" in line


def test_an_empty_target_asks_for_no_target_in_the_next_commands(monkeypatch):
    """TARGET= is the default target, duckdb, as for every command (it added `TARGET=duckdb` to each)."""
    monkeypatch.setenv("TARGET", "")
    monkeypatch.delenv("DUCKDB_PATH", raising=False)
    assert not any("TARGET" in line for line in demo.next_commands(False))


class OneShipment:
    """A database whose replenishment plan holds one urgent shipment, its lost revenue `lost`."""

    def __init__(self, lost):
        self.lost = lost

    def execute(self, sql, params=()):
        return [("ozon", "shop", "ART-1", "Хоругвино", "critical", 12, 1.5, self.lost)]


def test_summary_says_an_unknown_lost_revenue_instead_of_failing(capsys):
    """A product without a price in roubles has lost_revenue_per_day null: the summary ended in a
    TypeError (float(None)) at the first such urgent shipment, exit 1, the demo's summary with it."""
    summary.print_shipments(OneShipment(None))
    summary.print_shipments(OneShipment(1234.5))
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith("cover   1.5 d  price unknown") and lines[3].endswith("cover   1.5 d    1234.50 ₽")


def test_summary_counts_the_products_of_unknown_revenue_beside_the_abc_classes():
    """A product of unknown revenue has no ABC class: the summary's counts left it out without a word."""
    assert summary.abc_line("ozon", 7, 5, 24, 0) == "ozon         A 7, B 5, C 24"
    assert summary.abc_line("ozon", 7, 5, 11, 13) == "ozon         A 7, B 5, C 11, revenue unknown 13"


def test_summary_says_when_the_marts_are_not_built(tmp_path):
    path = tmp_path / "empty.duckdb"
    duckdb.connect(str(path)).close()
    done = run_script("scripts.summary", "--target", "duckdb", env={"DUCKDB_PATH": str(path)})
    assert done.returncode == summary.EXIT_NOT_BUILT
    assert done.stderr.strip().splitlines() == [f"summary: the marts of {path} are not built yet: run `make run`"]
    missing = run_script(
        "scripts.summary", "--target", "duckdb", env={"DUCKDB_PATH": str(Path(tmp_path, "none.duckdb"))}
    )
    assert missing.returncode == summary.EXIT_NOT_BUILT and "does not exist" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_ctrl_c_in_the_demo_lets_its_run_stop_after_its_step(tmp_path):
    """A terminal's Ctrl-C goes to the demo and its runner alike: the runner stops after its current step
    and records that, while the demo waits for it (subprocess.run killed it, recorded as killed)."""
    ready, finished = tmp_path / "ready", tmp_path / "finished"
    runner = (
        "import pathlib, signal, sys, time\n"
        "signal.signal(signal.SIGINT, lambda *_: (time.sleep(1), pathlib.Path(sys.argv[2]).touch(), sys.exit(130)))\n"
        "pathlib.Path(sys.argv[1]).touch()\n"
        "time.sleep(60)\n"
    )
    demo_side = (  # SIGINT as a terminal leaves it: a shell starting the suite in the background ignores it
        "import signal, sys; from scripts import steps\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        f"steps.run_into([sys.executable, '-c', {runner!r}, {str(ready)!r}, {str(finished)!r}], {{}}, sys.stdout)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", demo_side], cwd=steps.PROJECT_DIR, start_new_session=True)
    deadline = time.monotonic() + 30
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole foreground group
    assert process.wait(timeout=30) != 0
    assert finished.exists()
