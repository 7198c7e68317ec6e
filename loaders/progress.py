"""Per-resource progress of a load: pages, rows and seconds while dlt extracts.

dlt's own collector hooks cannot give this: its extract step calls `Collector.update` with the
*table* name and the rows written, once per page for a static table but once per row for a
resource with a dynamic table name, and pages routed with `dlt.mark.with_table_name` count under
the routed table. So `ResourceProgress.watch` adds a counting step (`add_metrics`, which sees each
yielded page whole, with its meta) to every selected resource, and the collector interface is used
only for when extraction starts and stops.

On a terminal (the stream is a TTY) each resource has a line rewritten in place; otherwise a log
line per resource at most every `interval` seconds while it runs. Either way a final line per
resource when extraction ends: `<label>: <resource>: <pages> pages, <rows> rows, <elapsed>s`.
Only resource names and numbers are printed.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from dlt.common.runtime.collector import Collector

log = logging.getLogger(__name__)

LOG_INTERVAL = 10.0  # seconds between log lines of a resource when not on a terminal
REDRAW_INTERVAL = 0.2  # seconds between terminal redraws


@dataclass
class _Counts:
    pages: int = 0
    rows: int = 0
    last_page: float | None = None  # monotonic time of the last page
    last_shown: float = 0.0


class ResourceProgress(Collector):
    """Pass as `dlt.pipeline(progress=...)` and call `watch(source)` before `pipeline.run`."""

    def __init__(
        self,
        label: str,
        stream: TextIO | None = None,
        interval: float | None = None,
        clock=time.monotonic,
        in_place: bool = True,
    ) -> None:
        """`in_place=False`: log lines even on a terminal (loads side by side would overwrite each
        other's lines)."""
        self.step = None
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.tty = in_place and bool(getattr(self.stream, "isatty", lambda: False)())
        self.interval = LOG_INTERVAL if interval is None else interval
        self.clock = clock
        self.counts: dict[str, _Counts] = {}
        self.started: float | None = None
        self.finished = False
        self._lines: list[str] = []  # resources in the order of their terminal lines
        self._drawn = 0.0

    def watch(self, source: Any) -> Any:
        """Count the pages of every selected resource of `source` (a transformer counts its own)."""
        for name, resource in source.selected_resources.items():
            self.counts.setdefault(name, _Counts())  # a resource loaded again keeps counting
            resource.add_metrics(self._counter(name))
        return source

    def _counter(self, name: str):
        counts = self.counts[name]

        def count(items: Any, meta: Any, metrics: dict) -> None:
            counts.pages += 1
            counts.rows += len(items) if isinstance(items, list) else getattr(items, "num_rows", 1)
            counts.last_page = now = self.clock()
            self._show(name, counts, now)

        return count

    def line(self, name: str, now: float | None = None) -> str:
        counts = self.counts[name]
        end = now if now is not None else (counts.last_page or self.started)
        elapsed = max(0.0, end - self.started) if self.started is not None and end is not None else 0.0
        return f"{self.label}: {name}: {counts.pages} pages, {counts.rows} rows, {elapsed:.1f}s"

    def _show(self, name: str, counts: _Counts, now: float) -> None:
        if self.started is None:  # a page outside dlt's extract step (not expected)
            self.started = now
        if self.tty:
            if name not in self._lines or now - self._drawn >= REDRAW_INTERVAL:
                self._draw(name, self.line(name, now))
                self._drawn = now
        elif now - max(counts.last_shown, self.started) >= self.interval:
            counts.last_shown = now
            log.info("%s", self.line(name, now))

    def _draw(self, name: str, text: str) -> None:
        """Rewrite `name`'s line of the block of resource lines; the cursor stays on the last line."""
        if name not in self._lines:
            self.stream.write(("\n" if self._lines else "") + "\r" + text + "\x1b[K")
            self._lines.append(name)
        else:
            up = len(self._lines) - 1 - self._lines.index(name)
            move_up, move_down = (f"\x1b[{up}A", f"\x1b[{up}B") if up else ("", "")
            self.stream.write(f"{move_up}\r{text}\x1b[K{move_down}")
        self.stream.flush()

    def finish(self) -> None:
        """Final line per resource (once, and only if extraction started)."""
        if self.finished or self.started is None:
            return
        self.finished = True
        for name in self.counts:
            if self.tty:
                self._draw(name, self.line(name))
            else:
                log.info("%s", self.line(name))
        if self.tty and self._lines:
            self.stream.write("\n")
            self.stream.flush()

    # Collector interface: dlt calls these for its extract, normalize and load steps.
    def update(self, name, inc=1, total=None, inc_total=None, message=None, label=None) -> None:
        pass

    def _start(self, step: str) -> None:
        if step.startswith("Extract") and self.started is None:
            self.started = self.clock()

    def _stop(self) -> None:
        # The first extract step is the source's; dlt extracts its state in a second one.
        if self.step and self.step.startswith("Extract"):
            self.finish()
