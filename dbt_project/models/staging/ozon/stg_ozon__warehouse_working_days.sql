-- The days of the week each of the seller's own warehouses works.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with warehouses as (
    {{ raw_table('ozon', 'warehouses') }}
),

working_days as (
    {{ raw_table('ozon', 'warehouses__working_days') }}
)

select
    seller_warehouse.account,
    seller_warehouse.warehouse_id,
    working_day.value as working_day,
    working_day._dlt_list_idx as list_position,
    seller_warehouse._dlt_load_id as load_id
from working_days as working_day
inner join warehouses as seller_warehouse
    on working_day._dlt_parent_id = seller_warehouse._dlt_id
