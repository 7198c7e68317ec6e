-- The days of the week each of the seller's own warehouses works.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with working_days as (
    {{ raw_child_table('ozon', 'warehouses__working_days', 'warehouses', ['account', 'warehouse_id']) }}
)

select
    account,
    warehouse_id,
    value as working_day,
    _dlt_list_idx as list_position,
    load_id
from working_days
