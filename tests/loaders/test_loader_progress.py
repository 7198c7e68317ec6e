"""Per-resource progress lines of a load, on a terminal and in logs, from a tiny offline dlt source."""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass

import dlt
import pytest

from loaders.pipeline import Marketplace, PreparedSource, run
from loaders.progress import ResourceProgress

FINAL = re.compile(r"^tiny account acme: (\w+): (\d+) pages, (\d+) rows, [\d.]+s$")


@dlt.source(name="tiny", max_table_nesting=2)
def tiny_source():
    @dlt.resource(write_disposition="replace")
    def orders():
        for page in range(3):
            rows = [{"id": page * 10 + i, "lines": [{"n": 1}, {"n": 2}]} for i in range(10)]
            if page == 2:  # part of the last page goes to a table of its own: still `orders`' page
                yield dlt.mark.with_table_name(rows[:4], "orders_quarantine")
                yield rows[4:]
            else:
                yield rows

    @dlt.transformer(data_from=orders, write_disposition="replace")
    def order_sizes(page):
        yield [{"rows": len(page)}]

    @dlt.resource(write_disposition="replace")
    def stocks():
        for page in range(3):
            yield [{"sku": page * 10 + i} for i in range(10)]

    @dlt.resource(write_disposition="replace")
    def empty():
        yield from ()

    return orders, order_sizes, stocks, empty


@dataclass(frozen=True)
class Account:
    name: str = "acme"
    api_key: str = "secret-key-never-printed"
    skip_resources: tuple[str, ...] = ()


TINY = Marketplace(
    name="tiny",
    dataset="raw_tiny",
    resources=("orders", "order_sizes", "stocks", "empty"),
    accounts=lambda: [Account()],
    prepare=lambda account: PreparedSource(source=tiny_source(), clients=[]),
)

EXPECTED = {"orders": (4, 30), "order_sizes": (4, 4), "stocks": (3, 30), "empty": (0, 0)}


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def final_counts(lines) -> dict[str, tuple[int, int]]:
    counts = {}
    for line in lines:
        match = FINAL.match(line)
        assert match, line
        counts[match[1]] = (int(match[2]), int(match[3]))
    return counts


def test_logs_one_final_line_per_resource_when_not_on_a_terminal(workdir, caplog, monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with caplog.at_level(logging.INFO, logger="loaders.progress"):
        result = run(TINY, Account())

    lines = [r.getMessage() for r in caplog.records if r.name == "loaders.progress"]
    assert final_counts(lines) == EXPECTED
    assert len(lines) == len(EXPECTED), "a fast load logs only the final lines"
    assert "secret" not in caplog.text
    assert result.rows["orders"] == 26 and result.rows["stocks"] == 30


def test_only_selected_resources_are_reported(workdir, caplog, monkeypatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with caplog.at_level(logging.INFO, logger="loaders.progress"):
        run(TINY, Account(), resources=("order_sizes", "stocks"))

    lines = [r.getMessage() for r in caplog.records if r.name == "loaders.progress"]
    assert final_counts(lines) == {"order_sizes": (4, 4), "stocks": (3, 30)}


def test_terminal_lines_are_rewritten_in_place(workdir, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    run(TINY, Account())

    output = terminal.getvalue()
    assert "\r" in output and output.endswith("\n")
    # Each resource's line is drawn on a line of its own; the last drawing of each is the final one.
    last = {}
    for drawing in re.split(r"\r", re.sub(r"\x1b\[\d*[ABK]", "", output)):
        text = drawing.strip()
        if text:
            last[FINAL.match(text)[1]] = text
    assert final_counts(last.values()) == EXPECTED
    assert output.count("\n") == len(EXPECTED), "one terminal line per resource"


def test_loads_side_by_side_log_lines_instead_of_sharing_the_terminal(workdir, caplog, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr("sys.stderr", terminal)
    with caplog.at_level(logging.INFO, logger="loaders.progress"):
        run(TINY, Account(), alone=False)

    assert terminal.getvalue() == "", "nothing drawn in place"
    lines = [r.getMessage() for r in caplog.records if r.name == "loaders.progress"]
    assert final_counts(lines) == EXPECTED


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_logs_a_running_line_at_most_every_interval(caplog):
    clock = Clock()
    progress = ResourceProgress("tiny account acme", stream=io.StringIO(), interval=10, clock=clock)

    @dlt.resource
    def slow():
        for _ in range(6):
            clock.now += 4  # a page every 4 s: running lines at 12 s and 24 s
            yield [{"a": 1}, {"a": 2}]

    source = dlt.source(name="slow")(lambda: slow)()
    progress.watch(source)
    with caplog.at_level(logging.INFO, logger="loaders.progress"):
        with progress("Extract slow"):
            list(source)

    assert [r.getMessage() for r in caplog.records] == [
        "tiny account acme: slow: 3 pages, 6 rows, 12.0s",
        "tiny account acme: slow: 6 pages, 12 rows, 24.0s",
        "tiny account acme: slow: 6 pages, 12 rows, 24.0s",
    ]


@pytest.mark.parametrize("step", ["Normalize tiny in 1", "Load tiny in 1"])
def test_other_dlt_steps_print_nothing(step, caplog):
    progress = ResourceProgress("tiny account acme", stream=io.StringIO())
    with caplog.at_level(logging.INFO, logger="loaders.progress"):
        with progress(step):
            progress.update("Files", 1, total=3)
    assert caplog.records == []


def test_a_failing_load_still_ends_with_the_final_lines(workdir, caplog, monkeypatch):
    @dlt.source(name="tiny")
    def failing_source():
        @dlt.resource
        def stocks():
            yield [{"sku": 1}, {"sku": 2}]
            raise RuntimeError("API down")

        return stocks

    failing = Marketplace(
        "tiny", "raw_tiny", ("stocks",), lambda: [Account()], lambda a: PreparedSource(failing_source(), [])
    )
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with caplog.at_level(logging.INFO, logger="loaders.progress"), pytest.raises(Exception, match="API down"):
        run(failing, Account())

    lines = [r.getMessage() for r in caplog.records if r.name == "loaders.progress"]
    assert final_counts(lines) == {"stocks": (1, 2)}
