-- Every asynchronous report the loader requested and how it ended (loaded, failed, timed_out,
-- malformed, unreachable), with timings and row counts.
with source as (
    {{ raw_table('ozon', 'report_requests') }}
)

select
    account,
    report_code,
    report_type,
    warehouse_ids,
    requested_at,
    finished_at,
    status as api_status,
    outcome,
    error,
    polls,
    rows as rows_loaded,
    rows_quarantined,
    unknown_columns,
    synced_at,
    _dlt_load_id as load_id
from source
