-- One row per Ozon product of every account. Archived: as /v3/product/info/list says, else as
-- /v3/product/list says (its `archived`, or the visibility pass that listed the product), both
-- fields being optional; a product neither tells about counts as active.
select
    'ozon' as marketplace,
    products.account,
    {{ product_key("'ozon'", 'products.account', 'products.product_id') }} as product_key,
    cast(products.product_id as varchar) as marketplace_product_id,
    products.offer_id as seller_article,
    cast(products.sku as varchar) as sku,
    products.product_name,
    coalesce(products.is_archived, list_items.is_archived, false) as is_archived,
    false as is_trashed,
    products.status,
    products.price,
    products.currency_code,
    products.created_at,
    products.updated_at,
    products.synced_at
from {{ ref('stg_ozon__products') }} as products
left join {{ ref('stg_ozon__product_list_items') }} as list_items
    on
        products.account = list_items.account
        and products.product_id = list_items.product_id
