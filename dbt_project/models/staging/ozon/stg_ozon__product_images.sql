-- The image URLs of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with images as (
    {{ raw_child_table('ozon', 'products__images', 'products', ['account', 'id as product_id']) }}
)

select
    account,
    product_id,
    value as image_url,
    _dlt_list_idx as list_position,
    load_id
from images
