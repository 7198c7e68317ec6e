-- Orders and sales rows the loader could not store (no srid, saleID or lastChangeDate), kept
-- whole with the reason instead of being dropped. The raw table appears with the first one.
with quarantined as (
    {{ raw_table('wildberries', 'statistics_quarantine') }}
)

select
    account,
    endpoint,
    case when endpoint like '%/sales' then 'sales' else 'orders' end as source_table,
    reason,
    raw_row,
    window_since,
    last_change_date as last_change_date_msk,
    synced_at,
    _dlt_load_id as load_id,
    _dlt_id as quarantine_row_id
from quarantined
