-- The primary image of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

primary_images as (
    {{ raw_table('ozon', 'products__primary_image') }}
)

select
    product.account,
    product.id as product_id,
    primary_image.value as image_url,
    primary_image._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from primary_images as primary_image
inner join products as product
    on primary_image._dlt_parent_id = product._dlt_id
