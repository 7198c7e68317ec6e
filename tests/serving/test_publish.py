"""Publishing snapshots: which are kept, whatever the clock did."""

from __future__ import annotations

import shutil

import duckdb

from serving import publish
from serving.reader import SnapshotReader


def test_a_publication_after_the_clock_went_back_keeps_what_it_published(tmp_path):
    """Snapshots were ranked by name (their UTC time): after the clock went back, two snapshots named
    in the future outranked the one just published, which was deleted at once; `current` named a
    missing file and the server answered 500 to everything. Kept now: the new one and the one before."""
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as db:
        db.execute("create schema marts; create table marts.t as select 1 as a")
    folder = publish.publish_dir(database)
    first = publish.publish(database)
    future = [folder / "marts-20990301T000000000000.duckdb", folder / "marts-20990301T000001000000.duckdb"]
    for path in future:
        shutil.copy(first, path)
    (folder / publish.POINTER).write_text(future[-1].name, encoding="utf-8")

    published = publish.publish(database)
    assert published.exists() and publish.current_snapshot(folder) == published
    assert sorted(folder.glob("marts-*.duckdb")) == sorted([published, future[-1]])  # the new one and the one before
    reader = SnapshotReader(folder)
    try:
        assert reader.query("select a from marts.t") == (["a"], [(1,)])
    finally:
        reader.close()

    again = publish.publish(database)
    assert sorted(folder.glob("marts-*.duckdb")) == sorted([again, published])
