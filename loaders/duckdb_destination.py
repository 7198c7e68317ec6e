"""dlt's DuckDB destination with a merge whose de-duplication can spill to disk.

dlt's delete-insert merge keeps one staging row per primary key (and, in nested tables, per row
key) with `ROW_NUMBER() OVER (PARTITION BY key)` over every column it inserts. DuckDB cannot spill
that window: it holds the whole staging table, so the load step's peak grew with the rows merged,
and with a `memory_limit` the merge failed with "Out of Memory" (replayed on dlt's own merge SQL for
228,000 postings: 275 MB without a limit, out of memory at 100 MB). Here the same rows are picked
by a semi-join on `rowid` against `min(rowid)` per key, an aggregate DuckDB spills: 138 MB under a
64 MB limit, in the same time. Which of the duplicates stays is arbitrary, as in dlt without a
`dedup_sort`; with one, dlt's own SQL is used.
"""

from __future__ import annotations

from collections.abc import Sequence

import dlt
from dlt.destinations.impl.duckdb.duck import DuckDbClient
from dlt.destinations.sql_jobs import SqlMergeFollowupJob


class SpillableMergeJob(SqlMergeFollowupJob):
    @classmethod
    def gen_select_from_dedup_sql(
        cls,
        table_name: str,
        primary_keys: Sequence[str],
        columns: Sequence[str],
        dedup_sort: tuple[str, str] | None = None,
        condition: str | None = None,
        condition_columns: Sequence[str] | None = None,
        skip_dedup: bool = False,
    ) -> str:
        if skip_dedup or dedup_sort is not None:
            return super().gen_select_from_dedup_sql(
                table_name, primary_keys, columns, dedup_sort, condition, condition_columns, skip_dedup
            )
        first_per_key = f"SELECT min(rowid) FROM {table_name} GROUP BY {', '.join(primary_keys)}"
        condition = condition or "1 = 1"
        return f"SELECT {', '.join(columns)} FROM {table_name} WHERE rowid IN ({first_per_key}) AND ({condition})"


class SpillableMergeDuckDbClient(DuckDbClient):
    def _create_merge_followup_jobs(self, table_chain):
        return [SpillableMergeJob.from_table_chain(table_chain, self.sql_client)]


class duckdb(dlt.destinations.duckdb):  # noqa: N801 (dlt names a destination by its factory class)
    @property
    def client_class(self) -> type[DuckDbClient]:
        return SpillableMergeDuckDbClient
