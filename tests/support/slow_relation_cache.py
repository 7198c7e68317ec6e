"""The dbt CLI with dbt's relation cache slowed down where it lists a raw schema: each relation of a
`raw_*` schema it adds takes 0.3 s. dbt lists a schema no model lives in (the loaders' raw schemas)
the first time something asks for a relation in it, and adds what it found one relation at a time;
the schema counts as listed from the first one on. A second thread asking meanwhile sees only part
of the schema. Slowed down, that window is wide enough for a test to show what a project does there;
on a slow machine it happens without help. Run as `python -m tests.support.slow_relation_cache
<dbt arguments>`."""

from __future__ import annotations

import sys
import time

from dbt.adapters.cache import RelationsCache
from dbt.cli.main import cli

_add = RelationsCache.add


def _slow_add(self: RelationsCache, relation) -> None:
    _add(self, relation)
    if str(relation.schema).startswith("raw_"):
        time.sleep(0.3)


if __name__ == "__main__":
    RelationsCache.add = _slow_add
    sys.exit(cli())
