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
    {{ report_request_columns() }},
    unknown_columns,
    synced_at,
    _dlt_load_id as load_id
from source
