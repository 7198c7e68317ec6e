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
    cast(nullif(price, '') as decimal(18, 2)) as price,
    cast(nullif(old_price, '') as decimal(18, 2)) as old_price,
    volume_weight,
    {{ try_cast_timestamp('created_at') }} as created_at,
    {{ try_cast_timestamp('updated_at') }} as updated_at,
    synced_at,
    _dlt_load_id as load_id
from source
