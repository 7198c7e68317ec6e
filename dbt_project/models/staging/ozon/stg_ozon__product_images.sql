-- The image URLs of every product.
-- dlt keeps the list in a child table; no table (the list was always empty) is no rows.
with products as (
    {{ raw_table('ozon', 'products') }}
),

images as (
    {{ raw_table('ozon', 'products__images') }}
)

select
    product.account,
    product.id as product_id,
    image.value as image_url,
    image._dlt_list_idx as list_position,
    product._dlt_load_id as load_id
from images as image
inner join products as product
    on image._dlt_parent_id = product._dlt_id
