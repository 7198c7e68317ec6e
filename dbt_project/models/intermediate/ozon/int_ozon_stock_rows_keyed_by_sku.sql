-- The /v4/product/info/stocks rows of a product the catalogue lacks (its info was not read: its
-- /v3/product/info/list batch failed, or it is newer than the last catalogue run) that their entry's
-- `sku` keys instead: the product_ref of the product that SKU names in int_ozon_product_skus (a
-- catalogued product's SKU, or a product of its own, `sku-<SKU>`). Only when no stock row of another
-- product_id reaches that product (a SKU two product_ids carry, or a catalogued product with stock rows
-- of its own): the stock would count twice. A row not here whose product_id the catalogue lacks has no
-- product (product_not_in_catalogue, an error: int_ozon_quality_issues); int_ozon_stock_snapshots keys
-- the rest by product_id.
with catalogue as (
    select distinct
        account,
        product_id
    from {{ ref('stg_ozon__products') }}
    where product_id is not null
),

stock_rows as (
    select distinct
        account,
        product_id,
        sku
    from {{ ref('stg_ozon__product_stocks') }}
    where product_id is not null
),

skus as (
    select
        account,
        sku,
        product_ref
    from {{ ref('int_ozon_product_skus') }}
),

stock_row_products as (
    select
        stock_rows.account,
        stock_rows.product_id,
        stock_rows.sku,
        catalogue.product_id is null as is_uncatalogued,
        case
            when catalogue.product_id is not null then cast(stock_rows.product_id as varchar)
            else skus.product_ref
        end as product_ref
    from stock_rows
    left join catalogue
        using (account, product_id)
    left join skus
        using (account, sku)
)

select
    keyed.account,
    keyed.product_id,
    keyed.sku,
    keyed.product_ref
from stock_row_products as keyed
where
    keyed.is_uncatalogued
    and keyed.product_ref is not null
    and not exists (
        select 1
        from stock_row_products as other
        where
            other.account = keyed.account
            and other.product_ref = keyed.product_ref
            and other.product_id <> keyed.product_id
    )
