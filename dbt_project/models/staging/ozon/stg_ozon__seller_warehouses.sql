-- The seller's own (FBS/rFBS) warehouses from /v2/warehouse/list.
with source as (
    {{ raw_table('ozon', 'warehouses') }}
)

select
    account,
    warehouse_id,
    name as warehouse_name,
    status,
    is_rfbs,
    is_kgt,
    is_express,
    address_info__address as address,
    {{ try_cast_timestamp('created_at') }} as created_at,
    {{ try_cast_timestamp('updated_at') }} as updated_at,
    synced_at,
    _dlt_load_id as load_id
from source
