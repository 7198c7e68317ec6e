-- The promotions of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with promotions as (
    {{ raw_child_table('ozon', 'products__promotions', 'products', ['account', 'id as product_id']) }}
)

select
    account,
    product_id,
    type as promotion_type,
    is_enabled,
    _dlt_list_idx as list_position,
    load_id
from promotions
