select
    'ozon' as marketplace,
    account,
    {{ product_key("'ozon'", 'account', 'product_id') }} as product_key,
    cast(product_id as varchar) as marketplace_product_id,
    offer_id as seller_article,
    cast(sku as varchar) as sku,
    product_name,
    is_archived,
    status,
    price,
    currency_code,
    created_at,
    updated_at,
    synced_at
from {{ ref('stg_ozon__products') }}
