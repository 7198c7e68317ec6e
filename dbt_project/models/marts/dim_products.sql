select
    {{ product_key("'ozon'", 'account', 'product_id') }} as product_key,
    'ozon' as marketplace,
    account,
    product_id,
    offer_id,
    sku,
    product_name,
    is_archived,
    status,
    price,
    old_price,
    currency_code,
    volume_weight,
    created_at,
    updated_at,
    synced_at
from {{ ref('stg_ozon__products') }}
