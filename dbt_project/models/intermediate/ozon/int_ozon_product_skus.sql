-- Every SKU that names an Ozon product, one row per account and SKU: the product's own `sku`, the
-- SKUs of its sales schemes (/v3/product/info/list `sources`), and, for an order line whose SKU the
-- catalogue lists nowhere, the product of the line's offer_id (the article). Since SDS (2023) a
-- product has one SKU for FBO and FBS, but older products can keep a separate FBS SKU, and their
-- FBS postings name that one. A SKU that names two products names neither: their order lines and
-- stock rows are then product_not_in_catalogue (int_ozon_quality_issues) rather than counted twice.
-- A SKU that order lines, analytics stock rows or /v4 stock entries (/v4/product/info/stocks, whose
-- entries carry the SKU) name and no product names is a product of its own, product_id null: in an
-- account without a catalogue (its key lacks the product role: /v3/product/list is refused) every
-- SKU is; in one with a catalogue, a product whose info was not read (its /v3/product/info/list
-- batch failed, or it is newer than the last catalogue run, common as a stock run reads /v4 every 2
-- hours and the catalogue once a day) keeps its orders and stock, FBS/rFBS/FBP included
-- (product_not_in_catalogue warns), and is keyed by its product_id once read. A SKU the /v4 entries
-- of two product_ids carry names two products too, and is none.
-- product_ref identifies the product in product_key: its product_id, else `sku-<SKU>`.
-- A table: the order, stock and quality models all read it.
{{ config(materialized='table') }}

with catalogue_skus as (
    select
        account,
        sku,
        product_id
    from {{ ref('stg_ozon__products') }}
    union
    select
        account,
        sku,
        product_id
    from {{ ref('stg_ozon__product_sources') }}
),

line_skus as (
    select
        account,
        sku,
        offer_id
    from {{ ref('stg_ozon__posting_lines_fbo') }}
    union
    select
        account,
        sku,
        offer_id
    from {{ ref('stg_ozon__posting_lines_fbs') }}
),

skus_by_article as (
    select
        line_skus.account,
        line_skus.sku,
        products.product_id
    from line_skus
    inner join {{ ref('stg_ozon__products') }} as products
        on
            line_skus.account = products.account
            and line_skus.offer_id = products.offer_id
    where not exists (
        select 1
        from catalogue_skus
        where
            catalogue_skus.account = line_skus.account
            and catalogue_skus.sku = line_skus.sku
    )
),

skus as (
    select * from catalogue_skus
    union
    select * from skus_by_article
),

catalogued_skus as (
    select
        account,
        sku,
        min(product_id) as product_id
    from skus
    where sku is not null and sku <> 0
    group by account, sku
    having count(distinct product_id) = 1
),

-- the SKUs of the /v4 stock entries (each entry carries its product's SKU) of the products the
-- catalogue lacks, with the entry's product_id: a catalogued product's stock counts under it whatever
-- SKU its entries carry (one its info does not list makes no product of its own)
stock_row_skus as (
    select distinct
        stocks.account,
        stocks.sku,
        stocks.product_id
    from {{ ref('stg_ozon__product_stocks') }} as stocks
    left join catalogue_skus as catalogued
        using (account, product_id)
    where catalogued.product_id is null
),

sighted_skus as (
    select
        account,
        sku
    from line_skus
    union
    select
        account,
        sku
    from {{ ref('stg_ozon__analytics_stocks') }}
    union
    select
        account,
        sku
    from stock_row_skus
),

uncatalogued_skus as (
    -- neither a product's SKU nor one that names two products (left out rather than counted twice):
    -- two in the catalogue, or, in /v4 stock entries, two product_ids
    select
        account,
        sku
    from sighted_skus
    where sku is not null and sku <> 0
    except
    select
        account,
        sku
    from skus
    where product_id is not null
    except
    select
        account,
        sku
    from stock_row_skus
    group by account, sku
    having count(distinct product_id) > 1
)

select
    account,
    sku,
    product_id,
    cast(product_id as varchar) as product_ref
from catalogued_skus
union all
select
    account,
    sku,
    cast(null as bigint) as product_id,
    'sku-' || cast(sku as varchar) as product_ref
from uncatalogued_skus
