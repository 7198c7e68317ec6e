-- warehouse_remains report rows the loader could not read (no integer nmId, a bad warehouses list),
-- kept with the reason; their report was not loaded. The raw table appears with the first one.
with quarantined as (
    {{ raw_table('wildberries', 'warehouse_remains_quarantine') }}
)

select
    account,
    task_id,
    row_number as report_row_number,
    reason,
    raw_row,
    synced_at,
    _dlt_load_id as load_id
from quarantined
