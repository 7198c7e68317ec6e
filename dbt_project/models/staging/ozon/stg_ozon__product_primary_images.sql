-- The primary image of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with primary_images as (
    {{ raw_child_table('ozon', 'products__primary_image', 'products', ['account', 'id as product_id']) }}
)

select
    account,
    product_id,
    value as image_url,
    _dlt_list_idx as list_position,
    load_id
from primary_images
