-- Every warehouse_remains report the loader requested and how it ended (loaded, failed, timed_out,
-- malformed, unreachable), with timings and row counts.
with source as (
    {{ raw_table('wildberries', 'report_requests') }}
)

select
    account,
    task_id,
    report_type,
    {{ report_request_columns() }},
    synced_at,
    _dlt_load_id as load_id
from source
