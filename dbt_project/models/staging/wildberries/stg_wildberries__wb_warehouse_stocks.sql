-- Stock per size and WB warehouse from the analytics API. WB masks the warehouse (id -999999,
-- name "Склад WB"), so one size can come in several rows with the same key: sum them.
with source as (
    {{ raw_table('wildberries', 'wb_warehouse_stocks') }}
)

select
    account,
    nm_id,
    chrt_id,
    warehouse_id,
    warehouse_name as raw_warehouse_name,
    region_name,
    quantity as available_quantity,
    in_way_to_client as in_way_to_client_quantity,
    in_way_from_client as in_way_from_client_quantity,
    synced_at,
    _dlt_load_id as load_id
from source
