-- cargo_type: 1 small items, 2 oversized, 3 large; delivery_type: 1 FBS, 2 DBS, 3 DBW, 5 C&C, 6 EDBS.
with source as (
    {{ raw_table('wildberries', 'seller_warehouses') }}
)

select
    account,
    id as warehouse_id,
    name as warehouse_name,
    office_id,
    cargo_type,
    delivery_type,
    is_deleting,
    is_processing,
    synced_at,
    _dlt_load_id as load_id
from source
