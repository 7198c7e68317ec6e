-- One row per Wildberries product (one size of a card) of every account: the sizes of the cards in
-- the catalogue, plus sizes that orders, sales or the stock report name but the catalogue no longer
-- lists (trashed cards), flagged archived so their history still joins. Price: the latest seller
-- price after discount (priceWithDisc) of an order of the size; WB cards carry no price.
with catalogue as (
    select
        sizes.account,
        sizes.nm_id,
        sizes.tech_size,
        sizes.vendor_code,
        sizes.product_name,
        min(barcodes.barcode) as barcode,
        min(sizes.created_at) as created_at,
        max(sizes.updated_at) as updated_at,
        max(sizes.synced_at) as synced_at
    from {{ ref('stg_wildberries__card_sizes') }} as sizes
    left join {{ ref('stg_wildberries__card_barcodes') }} as barcodes
        on
            sizes.account = barcodes.account
            and sizes.chrt_id = barcodes.chrt_id
    group by sizes.account, sizes.nm_id, sizes.tech_size, sizes.vendor_code, sizes.product_name
),

sightings as (
    select
        account,
        nm_id,
        tech_size,
        supplier_article,
        barcode,
        synced_at
    from {{ ref('stg_wildberries__orders') }}
    union all
    select
        account,
        nm_id,
        tech_size,
        supplier_article,
        barcode,
        synced_at
    from {{ ref('stg_wildberries__sales') }}
    union all
    select
        account,
        nm_id,
        tech_size,
        vendor_code as supplier_article,
        barcode,
        synced_at
    from {{ ref('stg_wildberries__warehouse_remains') }}
),

not_in_catalogue as (
    select
        sightings.account,
        sightings.nm_id,
        sightings.tech_size,
        max(sightings.supplier_article) as vendor_code,
        cast(null as varchar) as product_name,
        min(sightings.barcode) as barcode,
        cast(null as timestamp with time zone) as created_at,
        cast(null as timestamp with time zone) as updated_at,
        max(sightings.synced_at) as synced_at
    from sightings
    left join catalogue
        on
            sightings.account = catalogue.account
            and sightings.nm_id = catalogue.nm_id
            and sightings.tech_size = catalogue.tech_size
    where catalogue.nm_id is null
    group by sightings.account, sightings.nm_id, sightings.tech_size
),

ranked_prices as (
    select
        account,
        nm_id,
        tech_size,
        price_with_discount,
        row_number() over (
            partition by account, nm_id, tech_size
            order by ordered_at desc, srid desc
        ) as recency
    from {{ ref('stg_wildberries__orders') }}
    where price_with_discount > 0
),

products as (
    select
        *,
        false as is_archived,
        'in_catalogue' as status
    from catalogue
    union all
    select
        *,
        true as is_archived,
        'not_in_catalogue' as status
    from not_in_catalogue
)

select
    'wildberries' as marketplace,
    products.account,
    {{ wildberries_product_key('products.account', 'products.nm_id', 'products.tech_size') }} as product_key,
    cast(products.nm_id as varchar) as marketplace_product_id,
    products.vendor_code as seller_article,
    products.barcode as sku,
    case
        when products.tech_size in ('0', '') then products.product_name
        else products.product_name || ', размер ' || products.tech_size
    end as product_name,
    products.is_archived,
    products.status,
    prices.price_with_discount as price,
    'RUB' as currency_code,
    products.created_at,
    products.updated_at,
    products.synced_at
from products
left join ranked_prices as prices
    on
        products.account = prices.account
        and products.nm_id = prices.nm_id
        and products.tech_size = prices.tech_size
        and prices.recency = 1
