"""The loaders' DuckDB destination: dlt's merge, de-duplicated by a semi-join that DuckDB can spill."""

from __future__ import annotations

import dlt
import duckdb
import pyarrow as pa
import pytest
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials
from dlt.pipeline.exceptions import PipelineStepFailed

from loaders import duckdb_destination


def pipeline(tmp_path, factory, memory_limit: str | None = None):
    credentials = DuckDbCredentials(str(tmp_path / "merge.duckdb"))
    credentials.global_config = {"threads": 1, **({"memory_limit": memory_limit} if memory_limit else {})}
    return dlt.pipeline(
        "merge_test",
        destination=factory(credentials=credentials),
        dataset_name="raw",
        pipelines_dir=str(tmp_path / "dlt"),
    )


def query(tmp_path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "merge.duckdb"), read_only=True) as db:
        return db.sql(sql).fetchall()


@dlt.resource(name="postings", primary_key="number", write_disposition="merge")
def postings(version: int, copies: int):
    """Ten postings, each sent `copies` times in one load (a page repeated), with two lines each."""
    for number in range(10):
        for copy in range(copies):
            lines = [{"sku": sku, "copy": copy} for sku in (1, 2)]
            yield {"number": number, "copy": copy, "version": version, "lines": lines}


def test_one_copy_per_key_stays_with_its_own_nested_rows_and_a_rerun_replaces_it(tmp_path):
    loader = pipeline(tmp_path, duckdb_destination.duckdb)
    loader.run(postings(version=1, copies=3))
    assert query(tmp_path, "select count(*), count(distinct number) from raw.postings") == [(10, 10)]
    assert query(
        tmp_path,
        """select count(*), count(*) filter (where l.copy = p.copy)
        from raw.postings__lines as l join raw.postings as p on l._dlt_root_id = p._dlt_id""",
    ) == [(20, 20)], "the lines of the copy kept, none of the others"
    assert query(tmp_path, "select count(*) from raw.postings__lines") == [(20,)]

    loader.run(postings(version=2, copies=2))
    assert query(tmp_path, "select count(*), min(version) from raw.postings") == [(10, 2)]
    assert query(tmp_path, "select count(*) from raw.postings__lines") == [(20,)]


@dlt.resource(name="orders", primary_key="srid", write_disposition="merge")
def orders_sent_twice(rows: int):
    keys = pa.array([row // 2 for row in range(rows)], pa.int64())
    yield pa.table({"srid": keys, "text": pa.array([f"order {row:012d} " * 8 for row in range(rows)])})


@pytest.mark.e2e  # 400,000 rows merged twice: slow enough to leave out of `make test-unit`
def test_the_merge_fits_a_memory_limit_that_dlts_own_merge_exceeds(tmp_path):
    with pytest.raises(PipelineStepFailed, match="Out of Memory"):
        pipeline(tmp_path / "dlt_own", dlt.destinations.duckdb, "32MB").run(
            orders_sent_twice(400_000), loader_file_format="parquet"
        )
    pipeline(tmp_path, duckdb_destination.duckdb, "32MB").run(orders_sent_twice(400_000), loader_file_format="parquet")
    assert query(tmp_path, "select count(*), count(distinct srid) from raw.orders") == [(200_000, 200_000)]
