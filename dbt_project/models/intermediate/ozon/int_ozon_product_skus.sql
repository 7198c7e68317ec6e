-- Every SKU that names an Ozon product, one row per account and SKU: the product's own `sku` and
-- the SKUs of its sales schemes (/v3/product/info/list `sources`). Since SDS (2023) a product has
-- one SKU for FBO and FBS, but older products can keep a separate FBS SKU, and their FBS postings
-- name that one. A SKU listed under two products names neither: their order lines and stock rows
-- are then product_not_in_catalogue (int_ozon_quality_issues) rather than counted twice.
with skus as (
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
)

select
    account,
    sku,
    min(product_id) as product_id
from skus
where sku is not null and sku <> 0
group by account, sku
having count(distinct product_id) = 1
