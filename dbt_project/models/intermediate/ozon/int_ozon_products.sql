-- One row per Ozon product of every account. Archived: as /v3/product/info/list says, else as
-- /v3/product/list says (its `archived`, or the visibility pass that listed the product), both
-- fields being optional; a product neither tells about counts as active. An account without a
-- catalogue (int_ozon_product_skus) has a product per SKU its order lines name, status
-- not_in_catalogue: article and name as the newest line sent them, its price the newest line's in
-- roubles; active, as nothing says it is archived.
with catalogued as (
    select
        products.account,
        {{ product_key("'ozon'", 'products.account', 'products.product_id') }} as product_key,
        cast(products.product_id as varchar) as marketplace_product_id,
        products.offer_id as seller_article,
        cast(products.sku as varchar) as sku,
        products.product_name,
        coalesce(products.is_archived, list_items.is_archived, false) as is_archived,
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
    -- a product sent without a whole-number id is none (missing_product, int_ozon_quality_issues)
    where products.product_id is not null
),

line_sightings as (
    {%- for scheme in ['fbo', 'fbs'] %}
        select
            account,
            sku,
            offer_id,
            product_name,
            unit_price,
            currency_code,
            created_at,
            posting_number,
            synced_at
        from {{ ref('stg_ozon__posting_lines_' ~ scheme) }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

ranked_sightings as (
    select
        skus.account,
        skus.sku,
        skus.product_ref,
        sightings.offer_id,
        sightings.product_name,
        sightings.unit_price,
        sightings.currency_code,
        max(sightings.synced_at) over (partition by skus.account, skus.sku) as synced_at,
        row_number() over (
            partition by skus.account, skus.sku
            order by sightings.created_at desc nulls last, sightings.posting_number desc
        ) as recency
    from {{ ref('int_ozon_product_skus') }} as skus
    inner join line_sightings as sightings
        on
            skus.account = sightings.account
            and skus.sku = sightings.sku
    where skus.product_id is null
),

uncatalogued as (
    select
        account,
        {{ product_key("'ozon'", 'account', 'product_ref') }} as product_key,
        cast(null as varchar) as marketplace_product_id,
        offer_id as seller_article,
        cast(sku as varchar) as sku,
        product_name,
        false as is_archived,
        'not_in_catalogue' as status,
        case when currency_code = 'RUB' then unit_price end as price,
        'RUB' as currency_code,
        cast(null as timestamp with time zone) as created_at,
        cast(null as timestamp with time zone) as updated_at,
        synced_at
    from ranked_sightings
    where recency = 1
),

products as (
    select * from catalogued
    union all
    select * from uncatalogued
)

select
    'ozon' as marketplace,
    account,
    product_key,
    marketplace_product_id,
    seller_article,
    sku,
    product_name,
    is_archived,
    false as is_trashed,
    status,
    price,
    currency_code,
    created_at,
    updated_at,
    synced_at
from products
