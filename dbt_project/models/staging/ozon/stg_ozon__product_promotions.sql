-- The promotions of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

promotions as (
    {{ raw_table('ozon', 'products__promotions') }}
)

select
    product.account,
    product.id as product_id,
    promotion.type as promotion_type,
    promotion.is_enabled,
    promotion._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from promotions as promotion
inner join products as product
    on promotion._dlt_parent_id = product._dlt_id
