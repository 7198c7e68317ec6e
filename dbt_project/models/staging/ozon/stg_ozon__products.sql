with source as (
    {{ raw_table('ozon', 'products') }}
)

select
    account,
    id as product_id,
    offer_id,
    sku,
    name as product_name,
    is_archived or is_autoarchived as is_archived,
    statuses__status as status,
    currency_code,
    {{ text_to_money('price') }} as price,
    {{ text_to_money('old_price') }} as old_price,
    volume_weight,
    {{ try_cast_timestamp('created_at') }} as created_at,
    {{ try_cast_timestamp('updated_at') }} as updated_at,
    synced_at,
    _dlt_id as product_row_id,
    _dlt_load_id as load_id
from source
