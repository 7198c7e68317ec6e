-- Report lines the loader could not read, kept with the reason instead of being dropped.
-- The raw table appears with the first bad line; until then this model is empty.
with quarantined as (
    {{ optional_source('ozon', 'warehouse_stock_report_quarantine', {
        'account': 'varchar', 'report_code': 'varchar', 'line_number': 'bigint', 'reason': 'varchar',
        'raw_line': 'varchar', 'synced_at': 'timestamp with time zone', '_dlt_load_id': 'varchar'
    }) }}
)

select
    account,
    report_code,
    line_number,
    reason,
    raw_line,
    synced_at,
    _dlt_load_id as load_id
from quarantined
