-- Report lines the loader could not read, kept with the reason instead of being dropped.
-- The raw table appears with the first bad line; until then this model is empty.
with source as (
    {{ raw_table('ozon', 'warehouse_stock_report_quarantine') }}
)

select
    account,
    report_code,
    line_number,
    reason,
    raw_line,
    synced_at,
    _dlt_load_id as load_id
from source
