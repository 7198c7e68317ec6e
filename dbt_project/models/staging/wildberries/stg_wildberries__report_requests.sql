-- Every warehouse_remains report the loader requested and how it ended (loaded, failed, timed_out,
-- malformed, unreachable), with timings and row counts.
with source as (
    {{ raw_table('wildberries', 'report_requests') }}
)

select
    account,
    task_id,
    report_type,
    requested_at,
    finished_at,
    status as api_status,
    outcome,
    error,
    polls,
    rows as rows_loaded,
    rows_quarantined,
    synced_at,
    _dlt_load_id as load_id
from source
